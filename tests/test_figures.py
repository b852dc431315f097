"""Figure builders: medians and quantile bands across replicates, one trace set per scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import governance_sim as gs
from governance_sim.metrics import PV_COMPONENTS
from governance_sim.viz import figures


def _frame(values: dict[str, list[list[float]]]) -> pd.DataFrame:
    """Long frame from {scenario: [replicate series]} of one metric, others zero."""
    rows = []
    metric_names = [m.name for m in gs.METRICS]
    for scenario, replicates in values.items():
        for replicate, series in enumerate(replicates):
            for step, value in enumerate(series):
                row = dict.fromkeys(metric_names, 0.0)
                row.update(scenario=scenario, replicate=replicate, seed=replicate, step=step,
                           trust_mean=value)
                rows.append(row)
    return pd.DataFrame(rows)


def test_summarise_gives_median_and_quantiles_per_step():
    frame = _frame({"a": [[0.0, 1.0], [0.2, 2.0], [0.4, 3.0], [0.6, 4.0], [0.8, 5.0]],
                    "b": [[1.0, 1.0]]})
    summary = figures.summarise(frame, "trust_mean", quantiles=(0.25, 0.75))
    a = summary[summary["scenario"] == "a"].set_index("step")
    assert a.loc[0, "median"] == pytest.approx(0.4)
    assert a.loc[1, ["low", "high"]].tolist() == pytest.approx([2.0, 4.0])
    assert list(summary["scenario"].unique()) == ["a", "b"]  # order given, not sorted
    assert summary.loc[summary["scenario"] == "b", "n"].tolist() == [1, 1]


def test_timeseries_figure_has_band_and_median_per_scenario():
    frame = _frame({"npm": [[0.5, 0.4]] * 3, "co_creation": [[0.5, 0.6]] * 3})
    fig = figures.timeseries_figure(frame, ["trust_mean"])
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert names == ["npm high", "npm low", "npm", "co_creation high", "co_creation low",
                     "co_creation"]
    assert fig.data[2].line.color != fig.data[5].line.color
    assert list(fig.data[5].y) == pytest.approx([0.5, 0.6])


def test_single_run_frame_works_and_report_figures_cover_everything():
    timeseries = gs.run("co_creation", steps=3, seed=1, n_citizens=500, n_units=10).timeseries
    built = figures.report_figures(timeseries)
    assert set(built) == {"overview", "side_by_side", "equity", "public_value",
                          "public_value_profile", "mechanisms"}
    equity = built["equity"][1]
    assert len(equity.layout.annotations) >= 6
    pv_titles = [a.text for a in built["public_value"][1].layout.annotations]
    for component in PV_COMPONENTS:
        assert figures.metric_label(component) in pv_titles
    side = built["side_by_side"][1]
    assert [t.type for t in side.data[:2]] == ["bar", "scatter"]
    assert np.isfinite(side.data[0].y).all()


def test_summary_table_is_the_last_step():
    frame = _frame({"a": [[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]]})
    table = figures.summary_table(frame, ["trust_mean"])
    assert table.loc["a", "step"] == 2
    assert table.loc["a", "trust_mean"] == pytest.approx(0.4)


def test_difference_figure_pairs_replicates():
    frame = _frame({"ref": [[0.5, 0.5], [0.6, 0.6]], "alt": [[0.5, 0.7], [0.6, 0.9]]})
    fig = figures.difference_figure(frame, ["trust_mean"])
    median = [t for t in fig.data if t.name == "alt"][0]
    assert list(median.y) == pytest.approx([0.0, 0.25])  # median of 0.2 and 0.3
    shifted = frame.copy()
    shifted.loc[shifted["scenario"] == "alt", "seed"] += 10
    with pytest.raises(ValueError, match="common random numbers"):
        figures.difference_figure(shifted, ["trust_mean"])
