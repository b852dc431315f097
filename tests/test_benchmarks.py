"""The step benchmark runs from a fresh checkout (timings are printed, never asserted)."""

import subprocess
import sys
from pathlib import Path

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
