"""How big a sweep may be: a huge design is refused before it is built; workers are capped.

Also the executor registry: the Dask executor adds itself, so ``executors`` never imports
``dask_executor`` (which imports ``executors``): no import circle.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from governance_sim.cli import main
from governance_sim.sweep import SpecError, run_sweep, spec_from_dict
from governance_sim.sweep.limits import DEFAULT_MAX_RUNS, WORKERS_PER_CORE, cap_workers
from governance_sim.sweep.limits import default_workers as cores


def spec(samples: int, replicates: int = 10) -> dict:
    return {"sweep": {"name": "big", "model": "linear", "replicates": replicates},
            "design": {"kind": "latin_hypercube", "samples": samples},
            "uncertainties": {"x1": {"low": 0, "high": 1}, "x2": {"low": 0, "high": 1}},
            "outcomes": {"y": {"metric": "y", "stat": "value"}}}


def test_a_million_run_design_is_refused_before_it_is_built(tmp_path: Path,
                                                            monkeypatch) -> None:
    import governance_sim.sweep.runner as runner

    def never(*_: object) -> None:
        raise AssertionError("the design was built")

    monkeypatch.setattr(runner, "build_design", never)
    started = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        run_sweep(spec_from_dict(spec(100_000)), tmp_path / "o", workers=1, progress=False)
    assert time.perf_counter() - started < 2.0
    message = str(caught.value)
    assert "1,000,000 runs" in message and "560 MB" in message
    assert f"limit of {DEFAULT_MAX_RUNS:,}" in message and "--max-runs 1000000" in message
    assert not (tmp_path / "o").exists()  # nothing written


def test_max_runs_lowers_or_raises_the_limit(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="the design has 40 runs"):
        run_sweep(spec_from_dict(spec(4)), tmp_path / "a", workers=1, progress=False,
                  max_runs=39)
    report = run_sweep(spec_from_dict(spec(4)), tmp_path / "b", workers=1, progress=False,
                       max_runs=40)
    assert report.ok and report.ran == 40


def test_the_cli_refuses_a_big_design_in_one_line_and_takes_max_runs(tmp_path: Path,
                                                                     capsys) -> None:
    path = tmp_path / "spec.toml"
    path.write_text('[sweep]\nmodel = "linear"\nreplicates = 3\n[design]\n'
                    'kind = "latin_hypercube"\nsamples = 10\n[uncertainties]\n'
                    'x1 = { low = 0, high = 1 }\n[outcomes]\ny = { metric = "y", '
                    'stat = "value" }\n')
    out = tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--max-runs", "20",
                 "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "30 runs" in err and "--max-runs 30" in err
    assert main(["sweep", str(path), "--out", str(out), "--max-runs", "30", "--workers", "1",
                 "--no-progress"]) == 0


def test_workers_are_capped_at_the_runs_and_it_is_said(tmp_path: Path, capsys) -> None:
    two = spec_from_dict({"sweep": {"name": "two", "model": "linear"},
                          "uncertainties": {"x1": [0.1, 0.2]},
                          "outcomes": {"y": {"metric": "y", "stat": "value"}}})
    report = run_sweep(two, tmp_path / "o", workers=40, progress=False)
    assert report.ok and report.executor == "2 local worker processes"
    err = capsys.readouterr().err
    assert "--workers 40: starting 2 worker processes" in err
    assert "the sweep has 2 runs to do" in err


def test_cap_workers_holds_processes_to_runs_and_cores() -> None:
    said: list[str] = []
    most = WORKERS_PER_CORE * cores()
    assert cap_workers(10 * most, None, said.append) == most
    assert f"at most {WORKERS_PER_CORE} per core" in said[-1]
    assert cap_workers(None, 1, said.append) == 1 and len(said) == 1  # default: silent
    assert cap_workers(3, 100, said.append) == min(3, most)
    assert cap_workers(None, None) == cores()


def test_the_executors_module_does_not_import_the_dask_module() -> None:
    import governance_sim.sweep.executors as executors
    from governance_sim.sweep.dask_executor import DaskExecutor

    tree = ast.parse(Path(executors.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not any(name and "dask_executor" in name for name in imported)
    assert executors._REGISTERED["dask"] is DaskExecutor
