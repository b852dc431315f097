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
    median = [t for t in fig.data if t.legendgroup == "alt" and t.line.width != 0][0]
    assert median.name == "alt minus ref"
    assert list(median.y) == pytest.approx([0.0, 0.25])  # median of 0.2 and 0.3
    shifted = frame.copy()
    shifted.loc[shifted["scenario"] == "alt", "seed"] += 10
    with pytest.raises(ValueError, match="common random numbers"):
        figures.difference_figure(shifted, ["trust_mean"])


# --- units, labels, effects, events, flat panels, thin bands (issue 15) --------------------

def _multi(series: dict[str, dict[str, list[list[float]]]], steps: int = 4) -> pd.DataFrame:
    """Long frame: {scenario: {metric: [replicate series]}}; other metrics vary a little."""
    rows = []
    metric_names = [m.name for m in gs.METRICS]
    for scenario, metrics in series.items():
        replicates = max((len(v) for v in metrics.values()), default=2)
        for replicate in range(replicates):
            for step in range(steps):
                row = {name: 0.1 + 0.01 * step + 0.001 * replicate for name in metric_names}
                row.update(scenario=scenario, replicate=replicate, seed=replicate, step=step)
                for metric, values in metrics.items():
                    row[metric] = values[replicate][step]
                rows.append(row)
    return pd.DataFrame(rows)


def _axes_with_data(fig: go.Figure) -> set[str]:
    used = set()
    for trace in fig.data:
        ref = getattr(trace, "yaxis", None) or "y"
        used.add("yaxis" + ref[1:])
    return used


def test_every_axis_of_every_report_figure_has_a_unit():
    frame = _multi({"npm": {}, "co_creation": {}})
    built = figures.report_figures(frame, events={"npm": [(2, "switch to co-creation")]})
    assert set(built) >= {"overview", "side_by_side", "difference", "equity", "public_value",
                          "public_value_profile", "mechanisms"}
    for key, (_heading, fig, _note) in built.items():
        for axis in _axes_with_data(fig):
            title = fig.layout[axis].title.text
            assert title, f"{key}: {axis} has no unit"
    overview = built["overview"].figure
    assert overview.layout.yaxis.title.text == "mean trust, scale 0-1"
    assert overview.layout.yaxis2.title.text == "% of citizens, this month"
    assert overview.layout.yaxis2.tickformat.endswith("%")
    assert overview.layout.yaxis3.title.text == "index 0-1"
    assert overview.layout.xaxis.title.text == "month (one step = one month)"
    assert figures.axis_title("cost") == "budget units per citizen per month"
    assert "weighted mean of pv_" not in figures.metric_label("public_value_index")


def test_scenario_labels_in_legends_and_technical_names_in_hover():
    frame = _multi({"npm": {}, "co_creation": {}})
    labels = {"npm": "New Public Management", "co_creation": "Co-creation (NPG)"}
    fig = figures.timeseries_figure(frame, ["trust_mean"], labels=labels)
    shown = [t.name for t in fig.data if t.showlegend]
    assert shown == ["New Public Management", "Co-creation (NPG)"]
    assert [t.legendgroup for t in fig.data if t.showlegend] == ["npm", "co_creation"]
    assert "trust_mean" in fig.data[2].hovertemplate
    title = fig.layout.annotations[0]
    assert title.text == "Trust in institutions" and "trust_mean" in title.hovertext


def test_effect_is_scenario_minus_baseline():
    # the Deal raises trust: its effect must be positive whichever scenario is given first
    frame = _multi({"deal": {"trust_mean": [[0.5, 0.6, 0.7, 0.8], [0.5, 0.6, 0.7, 0.9]]},
                    "no_deal": {"trust_mean": [[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]}})
    built = figures.report_figures(frame, reference="no_deal",
                                   labels={"deal": "Deal", "no_deal": "No deal"})
    heading, fig, _note = built["difference"]
    assert "No deal" in heading
    line = [t for t in fig.data if t.legendgroup == "deal" and t.line.width != 0
            and t.xaxis == "x"][0]
    assert line.name == "Deal minus No deal"
    assert list(line.y) == pytest.approx([0.0, 0.1, 0.2, 0.35])
    assert not [t for t in fig.data if t.legendgroup == "no_deal"]


def test_events_are_numbered_markers_with_a_key():
    events = {"a": [(2, "switch to co-creation"), (2, "levers set")], "b": [(1, "budget")]}
    key = figures.event_key(events)
    assert key == [(1, 1, [("b", "budget")]),
                   (2, 2, [("a", "switch to co-creation"), ("a", "levers set")])]
    frame = _multi({"a": {}, "b": {}})
    fig = figures.timeseries_figure(frame, ["trust_mean", "cost"], events=events)
    markers = [a for a in fig.layout.annotations if a.xref != "paper"]
    assert sorted(a.text for a in markers) == ["<b>1</b>"] * 2 + ["<b>2</b>"] * 2  # each panel
    assert all(a.textangle in (None, 0) for a in markers)
    assert "switch to co-creation" in [a for a in markers if a.text == "<b>2</b>"][0].hovertext


def test_flat_panels_are_dropped_and_said():
    frame = _multi({"a": {"budget_factor": [[1.0] * 4] * 2}})
    assert figures.flat_metrics(frame, ["budget_factor", "cost"]) == {"budget_factor": 1.0}
    heading, fig, note = figures.report_figures(frame)["mechanisms"]
    titles = [a.text for a in fig.layout.annotations if a.xref == "paper"]
    assert "Budget relative to the start" not in titles and "Spending per citizen" in titles
    assert "Budget relative to the start (1)" in note
    assert "public_value" in figures.report_figures(frame)  # pv_* vary in _multi
    flat_pv = _multi({"a": {"pv_future": [[0.3] * 4] * 2}})
    _h, fig, note = figures.report_figures(flat_pv)["public_value"]
    assert len([a for a in fig.layout.annotations if a.xref == "paper"]) == 5
    assert note.startswith("Not drawn because") and "Future-generations stock (0.3)" in note
    varying = _multi({"a": {"budget_factor": [[1.0, 0.9, 0.8, 0.7]] * 2}})
    _h, fig, note = figures.report_figures(varying)["mechanisms"]
    assert "Budget relative to the start" in [a.text for a in fig.layout.annotations]
    assert note == ""


def test_thin_bands_are_found():
    thin = _multi({"a": {"trust_mean": [[0.5, 0.6, 0.7, 0.8], [0.5, 0.6, 0.7, 0.8001]]}})
    assert set(figures.thin_bands(thin, ["trust_mean"])) == {"trust_mean"}
    wide = _multi({"a": {"trust_mean": [[0.5, 0.6, 0.7, 0.8], [0.5, 0.7, 0.8, 0.9]]}})
    assert figures.thin_bands(wide, ["trust_mean"]) == {}


def test_norwegian_labels_and_units():
    frame = _multi({"npm": {}, "co_creation": {}})
    fig = figures.timeseries_figure(frame, ["trust_mean", "participation_rate"], lang="nb")
    assert fig.layout.annotations[0].text == "Tillit til institusjonene"
    assert fig.layout.yaxis2.title.text == "% av innbyggerne, denne måneden"
    assert fig.layout.xaxis.title.text == "måned (ett steg = én måned)"


def test_long_titles_and_captions_are_wrapped_not_cut():
    """Bokmål panel titles and band captions are longer than English: none runs off."""
    long_band = ("seed variation and parameter uncertainty (4 replicates, each its own seed "
                 "and parameter draw)")
    frame = _frame({"npm": [[0.5, 0.4]] * 3, "co_creation": [[0.5, 0.6]] * 3})
    for key in ("trust_q1", "trust_q5", "participation_q1", "participation_q5",
                "participation_gap", "outcome_top_quintile", "outcome_bottom_quintile",
                "outcome_gap"):
        frame[key] = 0.5
    for lang in ("en", "nb"):
        equity = figures.equity_figure(frame, band=long_band, lang=lang)
        panel_titles = [a.text for a in equity.layout.annotations][:6]
        for title in panel_titles:
            assert all(len(line) <= 62 for line in title.split("<br>")), title
        caption = equity.layout.title.text.split("<sup>")[1]
        assert all(len(line) <= 115 for line in caption.removesuffix("</sup>").split("<br>"))
        overview = figures.timeseries_figure(frame, ["trust_mean"], band=long_band, lang=lang)
        assert all(len(line) <= 115 for line in overview.layout.title.text.split("<br>"))
    nb = figures.equity_figure(frame, band=long_band, lang="nb")
    assert nb.layout.annotations[2].text.startswith("Tillit til institusjonene:<br>")
    assert nb.layout.margin.t > figures.equity_figure(frame, lang="en").layout.margin.t
