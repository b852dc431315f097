"""The step benchmark runs from a fresh checkout (timings are printed, never asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_step_benchmark_quick_mode_prints_its_table(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_step.py"), "--quick", "--json",
         str(out)], capture_output=True, text=True, timeout=300, check=True)
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["N", "ms/step"] for line in lines), result.stdout
    assert any(line.split() and line.split()[0] == "10000" for line in lines)
    import json

    rows = json.loads(out.read_text())
    assert [row["n"] for row in rows] == [1000, 10000]
    for row in rows:
        assert row["ms_per_step"] > 0 and row["floor_ms"] > 0
        assert row["speedup_over_reference"] > 1  # the reference ran and was timed


def _tables_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "performance_tables", ROOT / "benchmarks" / "performance_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(n, ms, speedup=None):
    return {"n": n, "backend": "native", "ms_per_step": ms, "ns_per_agent_step": ms * 1e6 / n,
            "bytes_per_citizen": 190.0, "marginal_bytes_per_citizen": 140.0, "floor_ms": 1.0,
            "ratio_to_floor": ms, "floor_lines_ms": 1.0, "ratio_to_floor_lines": ms,
            "floor_with_gather_ms": 1.0, "ratio_to_floor_with_gather": ms,
            "reference_ms_per_step": speedup and speedup * ms,
            "speedup_over_reference": speedup, "bandwidth_gb_s": 30.0}


def test_performance_tables_are_dated_and_judge_each_target():
    tables = _tables_module()
    rows = [_row(10_000, 0.4, 150.0), _row(100_000, 2.0, 320.0), _row(1_000_000, 20.0)]
    block, summary = tables.tables(rows, (1_000_000, 191.2), {"fixed_ms": 0.08,
                                                              "per_citizen_ns": 19.0},
                                   "2026-12-07 19:00 UTC", "abc1234", ("3.0", "4.0"))
    assert "Measured 2026-12-07 19:00 UTC at commit abc1234" in block
    assert "| 1 000 000 | 20.0 |" in block
    targets = {line.split(" | ")[0]: line.rsplit(" | ", 1)[1] for line in block.splitlines()
               if line.startswith("| ≥ 300") or line.startswith("| ≤ 190")
               or line.startswith("| fixed")}
    assert sorted(targets.values()) == ["no |", "yes |", "yes |"]  # 191.2 bytes > 190
    assert "191 bytes per citizen" in summary and "(commit abc1234)" in summary


def test_performance_tables_rewrite_only_their_marked_blocks(tmp_path):
    tables = _tables_module()
    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n{tables.TABLE_MARKS[0]}\nold\n{tables.TABLE_MARKS[1]}\nafter\n")
    tables.replace_block(doc, tables.TABLE_MARKS, "new")
    assert doc.read_text() == (f"before\n{tables.TABLE_MARKS[0]}\nnew\n"
                               f"{tables.TABLE_MARKS[1]}\nafter\n")
    doc.write_text("no marks\n")
    with pytest.raises(SystemExit, match="must appear once"):
        tables.replace_block(doc, tables.TABLE_MARKS, "new")
    for path, marks in ((tables.DOC, tables.TABLE_MARKS), (tables.README, tables.SUMMARY_MARKS)):
        text = path.read_text(encoding="utf-8")
        assert text.count(marks[0]) == 1 and text.count(marks[1]) == 1, path
