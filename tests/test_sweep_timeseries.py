"""Sweeps record time series (issue 21): [timeseries] metrics every k months, a tidy long
table (run_id, month, variable, value) in OUT/timeseries, complete after a resume."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import governance_sim as gs
from governance_sim.sweep import SpecError, read_table, run_sweep, spec_from_dict
from governance_sim.sweep.timeseries import read_timeseries

SMALL = {"n_citizens": 300, "n_units": 4, "professionals_per_unit": 3, "n_politicians": 9}


def _raw() -> dict:
    return {"sweep": {"name": "ts", "steps": 6, "replicates": 2, "seed": 3},
            "levers": {"logic": ["npm", "co_creation"]},
            "constants": dict(SMALL),
            "outcomes": {"trust_final": {"metric": "trust_mean"}},
            "timeseries": {"metrics": ["trust_mean", "participation_rate"], "every": 2}}


def test_a_sweep_records_its_series_as_a_long_table(tmp_path: Path) -> None:
    spec = spec_from_dict(_raw())
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    runs = read_table(tmp_path / "out")
    assert "series:trust_mean" not in runs.columns, "series are not columns of the runs"
    series = read_timeseries(tmp_path / "out")
    assert list(series.columns) == ["run_id", "month", "variable", "value"]
    assert len(series) == 4 * 2 * 4  # runs x metrics x months 0, 2, 4, 6
    assert sorted(series["month"].unique()) == [0, 2, 4, 6]
    row = runs.iloc[3]
    direct = gs.run(gs.Params(logic=row.logic, **SMALL), steps=6,
                    seed=int(row.seed)).timeseries
    mine = series[series["run_id"] == row.run_id].pivot(index="month", columns="variable",
                                                        values="value")
    for metric in ("trust_mean", "participation_rate"):
        assert list(mine[metric]) == list(direct[metric].iloc[::2])
    assert mine["trust_mean"].iloc[-1] == row.trust_final


def test_a_resumed_sweep_has_each_runs_series_once(tmp_path: Path) -> None:
    spec = spec_from_dict(_raw())
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False, flush_seconds=0, chunk=2)
    whole = read_timeseries(out)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    assert len(parts) >= 2
    parts[-1].unlink()  # killed after the series part, before the runs part
    partial = read_timeseries(out)
    assert partial["run_id"].nunique() < whole["run_id"].nunique(), "only done runs count"
    report = run_sweep(spec, out, workers=1, progress=False)
    assert report.ran > 0
    pd.testing.assert_frame_equal(read_timeseries(out), whole)


def test_gs_sweep_returns_the_series_and_bad_requests_are_refused() -> None:
    table = gs.sweep(_raw(), progress=False)
    assert set(table.attrs["timeseries"]["variable"]) == {"trust_mean", "participation_rate"}
    for change, message in (({"metrics": ["nonsense"]}, "unknown metric"),
                            ({"metrics": []}, "give a list of metric names"),
                            ({"metrics": ["trust_mean"], "every": 0}, "every"),
                            ({"metrics": ["trust_mean"], "often": 1}, "unknown key")):
        raw = _raw()
        raw["timeseries"] = change
        with pytest.raises(SpecError, match=message):
            spec_from_dict(raw)


def test_a_custom_model_that_returns_no_series_fails_its_runs_with_a_reason() -> None:
    def model(params: dict) -> dict:
        return {"y": params["x"]}

    with pytest.warns(RuntimeWarning, match="recording a time series needs a model"):
        table = gs.sweep({"sweep": {"name": "c", "model": "mine", "seed": 1},
                          "uncertainties": {"x": [0.0, 1.0]},
                          "outcomes": {"y": {"stat": "value"}},
                          "timeseries": {"metrics": ["y"]}}, model=model, progress=False)
    assert (table["status"] == "failed").all()
