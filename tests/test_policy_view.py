"""Unit tests of the policy view a policy officer reads (issue 15), without a browser.

Plain labels and grouping, the mix in percent, the numeric readout, the status line, honest
axes, the view's state in the address and the CSV download. Small populations only.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import governance_sim as gs
from governance_sim.app import controls, export, layout, urlstate
from governance_sim.app.callbacks_policy import (
    READOUT_METRICS,
    _readout_table,
    bands_words,
    baseline_legend,
    figures_for_tab,
    readout_parts,
    status_line,
    uncertainty_note,
)
from governance_sim.app.controls import (
    MAIN_LEVERS,
    RUN_CONTROLS,
    lever_specs,
    parameter_specs,
    percents_from_logic,
    plain_label,
    range_text,
)
from governance_sim.app.policy import SETTINGS_LABEL, PolicyRuns, readout
from governance_sim.metrics import METRICS
from governance_sim.params import Params
from governance_sim.viz.app_figures import NOT_ZERO_NOTE, honest_axes

SMALL = {"n_citizens": 600, "n_units": 12}


def _walk(component, inside_advanced: bool = False):
    """Yield (component, inside the 'advanced' details) for every node of a layout."""
    yield component, inside_advanced
    inside = inside_advanced or getattr(component, "id", None) == "advanced"
    children = getattr(component, "children", None)
    if children is None or isinstance(children, str | int | float):
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from _walk(child, inside)


@pytest.fixture(scope="module")
def sidebar():
    return layout._policy_sidebar()


@pytest.fixture(scope="module")
def runs() -> PolicyRuns:
    """Three replicates of a small co-creation run against a lower-trust variant."""
    base = gs.Scenario(name="co_creation", params=Params(logic="co_creation", **SMALL),
                       steps=12)
    runs = PolicyRuns()
    runs.update(base, base.params.replace(initial_trust=0.3), steps=12, seed=3,
                replicates=3, baseline_label="baseline: co_creation")
    assert runs.wait(120)
    return runs


# --- labels and grouping ----------------------------------------------------------------------
def test_labels_are_plain_with_the_technical_name_in_the_hover_title(sidebar) -> None:
    heads = [c for c, _ in _walk(sidebar) if getattr(c, "className", None) == "control-head"]
    specs = {s.name: s for s in [*lever_specs(), *parameter_specs(), *RUN_CONTROLS]}
    assert len(heads) == len(specs)
    for head in heads:
        label, shown_range = (child.children for child in head.children)
        name = head.title.split(":")[0]
        assert name in specs and head.title.startswith(f"{name}: ")
        assert specs[name].source in head.title
        # no bracketed "[unit; low-high]" and no exponent notation for a range
        assert "[" not in label + shown_range and not re.search(r"\de[+-]\d", shown_range)
    seed = specs["seed"]
    assert range_text(seed) == "whole number, 0 to 4,294,967,295"
    assert plain_label(specs["arena_reach"]) == (
        "How far arenas reach (share of residents invited a month)")


def test_the_main_levers_are_shown_and_the_rest_folded(sidebar) -> None:
    where = {}
    for component, advanced in _walk(sidebar):
        ident = getattr(component, "id", None)
        if isinstance(ident, dict) and ident.get("type") in ("lever", "param", "run"):
            where[ident["name"]] = advanced
    shown = {name for name, advanced in where.items() if not advanced}
    assert shown == {*MAIN_LEVERS, "budget", "initial_trust", "n_citizens", "steps",
                     "replicates", "seed"}
    assert len(shown) <= 15 and len(where) == len(shown) + sum(where.values())
    assert {s.name for s in lever_specs()} | {s.name for s in parameter_specs()} <= set(where)


def test_mix_sliders_show_percent(sidebar) -> None:
    mixes = [c for c, _ in _walk(sidebar) if str(getattr(c, "id", "")).startswith("mix-")
             and type(c).__name__ == "Slider"]
    assert len(mixes) == 3
    for slider in mixes:
        assert set(slider.marks.values()) == {"0 %", "50 %", "100 %"}
        assert slider.tooltip["template"] == "{value} %"


# --- status line ------------------------------------------------------------------------------
def test_status_line_says_what_runs_and_when_it_is_finished() -> None:
    assert status_line(10_000, 120, 5, 2, False) == (
        "10,000 citizens x 120 months: drawing replicate 3 of 5…")
    assert status_line(10_000, 120, 5, 5, True) == (
        "10,000 citizens x 120 months: all 5 replicates drawn")
    assert "one run drawn" in status_line(500, 12, 1, 1, True)
    assert "background" not in status_line(10_000, 120, 5, 5, True)


def test_runs_count_the_replicates_done(runs) -> None:
    progress = runs.progress()
    assert progress.finished and progress.replicates == progress.replicates_done == 3


# --- numeric readout --------------------------------------------------------------------------
def test_readout_gives_median_and_band_of_each_scenario_at_the_month(runs) -> None:
    frame = runs.frame
    table = readout(frame, 7, READOUT_METRICS, baseline_label="baseline: co_creation")
    at = frame[frame["step"] == 7]
    for metric in READOUT_METRICS:
        mine = at.loc[at["scenario"] == SETTINGS_LABEL, metric]
        base = at.loc[at["scenario"] == "baseline: co_creation", metric]
        assert table.at[metric, "settings_median"] == pytest.approx(mine.median())
        assert table.at[metric, "baseline_median"] == pytest.approx(base.median())
        assert table.at[metric, "settings_low"] == pytest.approx(mine.quantile(0.1))
        assert table.at[metric, "baseline_high"] == pytest.approx(base.quantile(0.9))
        assert table.at[metric, "difference"] == pytest.approx(mine.median() - base.median())
    assert int(table["replicates"].iloc[0]) == 3
    assert int(readout(frame, 999, READOUT_METRICS,
                       baseline_label="baseline: co_creation")["month"].iloc[0]) == 12


def test_readout_sentence_and_rows_show_the_numbers(runs) -> None:
    sentence, rows, month, replicates = readout_parts(runs, 12)
    at = runs.frame[runs.frame["step"] == 12]
    trust = at.groupby("scenario")["trust_mean"].median()
    assert sentence == (f"Trust at month 12: {trust[SETTINGS_LABEL]:.3f} with your settings "
                        f"against {trust['baseline: co_creation']:.3f} under the baseline")
    assert month == 12 and replicates == 3 and len(rows) == len(READOUT_METRICS)
    assert rows[0][1].startswith(f"{trust[SETTINGS_LABEL]:.3f} (")  # median (band)
    assert rows[1][1].endswith("%)")  # a share in percent
    assert readout_parts(runs, None)[2] == 12  # no month chosen: the last


# --- honest axes ------------------------------------------------------------------------------
def test_every_figure_of_the_view_starts_its_y_axes_at_zero(runs) -> None:
    for tab in ("time", "equity", "pv"):
        figures, _stamp = figures_for_tab(runs, tab, month=6)
        for fig in figures:
            meta = fig.layout.meta
            assert meta["zero_based"] and all(meta["zero_based"].values()), tab
            for name in meta["zero_based"]:
                axis = fig.layout[name]
                assert axis.rangemode == "tozero" and (axis.range is None
                                                       or axis.range[0] <= 0)
            assert meta["month"] == 6


def test_zoomed_axes_are_marked(runs) -> None:
    figures, _stamp = figures_for_tab(runs, "time", zoom=True)
    notes = [a for a in figures[0].layout.annotations if a.text == NOT_ZERO_NOTE]
    trust_axis_away = runs.frame["trust_mean"].min() > 0
    assert trust_axis_away and len(notes) >= 1
    assert len(notes) == sum(not v for v in figures[0].layout.meta["zero_based"].values())


def test_honest_axes_widens_a_fixed_range_and_marks_only_axes_away_from_zero() -> None:
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0.5, 0.6]))
    fig.update_yaxes(range=[0.4, 0.7])
    honest_axes(fig)
    assert list(fig.layout.yaxis.range) == [0, 0.7] and fig.layout.yaxis.rangemode == "tozero"
    near = honest_axes(go.Figure(go.Scatter(x=[0, 1], y=[-0.1, 0.6])), zoom=True)
    assert not [a for a in near.layout.annotations if a.text == NOT_ZERO_NOTE]
    away = honest_axes(go.Figure(go.Scatter(x=[0, 1], y=[0.5, 0.6])), zoom=True)
    assert [a.text for a in away.layout.annotations] == [NOT_ZERO_NOTE]


# --- the view in the address ------------------------------------------------------------------
def _page_values(base: gs.Scenario, percents: list[int]) -> dict[str, object]:
    """Every control's value as the page holds it after loading ``base`` with this mix."""
    logic = controls.logic_from_percents(percents, base.params.logic)
    values: dict[str, object] = dict(controls.levers_for(logic, base.params.levers))
    values.update({k: v for k, v in base.params.to_dict().items()
                   if k in {s.name for s in parameter_specs()}})
    values.update({"steps": str(base.steps), "replicates": "5", "seed": "1"})
    return values


def test_an_untouched_view_is_just_the_scenario() -> None:
    base = gs.load_scenario("co_creation")
    percents = percents_from_logic(base.params.logic)
    assert urlstate.encode_state(base, percents, _page_values(base, percents)) == (
        "scenario=co_creation")


def test_the_address_round_trips_every_control() -> None:
    base = gs.load_scenario("npm_to_co_creation")
    percents = [20, 30, 50]
    values = _page_values(base, percents)
    values.update({"arena_reach": 0.31, "n_citizens": "2 000", "steps": "60", "seed": "7",
                   "trust_learning_rate": "0.05", "sanctions": 0.0})
    query = urlstate.encode_state(base, percents, values, month=48, tab="pv", zoom=True)
    state, notices = urlstate.decode_query("?" + query + "&lang=nb&mode=policy")
    assert notices == []
    assert state.scenario == "npm_to_co_creation" and state.percents == percents
    assert state.levers == {"arena_reach": 0.31, "sanctions": 0.0}
    assert state.params == {"n_citizens": 2000, "trust_learning_rate": 0.05}
    assert state.run == {"steps": 60, "seed": 7}
    assert (state.month, state.tab, state.zoom) == (48, "pv", True)


@pytest.mark.parametrize(("query", "expected", "notice"), [
    ("arena_reach=7", {"arena_reach": 1.0}, "outside 0 to 1; set to 1"),
    ("arena_reach=-2", {"arena_reach": 0.0}, "outside 0 to 1; set to 0"),
    ("n_citizens=1e400", {"n_citizens": 50000}, "set to 50000"),
    ("steps=60.5", {"steps": 60}, "not a whole number"),
    ("seed=__import__('os')", {}, "not a number"),
    ("initial_trust=nan", {}, "not a number"),
    ("mix=20,30,40", {"mix": [22, 33, 45]}, "does not sum to 100 %"),
    ("mix=a,b", {}, "not three percents"),
    ("scenario=../../etc/passwd", {}, "not one of the list"),
    ("tab=<script>", {}, "not one of time, equity, pv"),
    ("foo=1&bar=2", {}, "unknown settings 'foo', 'bar' ignored"),
])
def test_a_bad_address_is_clamped_or_refused_with_a_notice(query, expected, notice) -> None:
    state, notices = urlstate.decode_query(query)
    assert len(notices) == 1 and notice in notices[0], notices
    got = {**state.levers, **state.params, **state.run}
    if state.percents is not None:
        got["mix"] = state.percents
    assert got == expected
    assert state.scenario is None and state.tab is None


def test_an_overlong_address_is_refused_whole() -> None:
    state, notices = urlstate.decode_query("arena_reach=0.2&" + "x" * urlstate.MAX_QUERY)
    assert state.levers == {} and "longer than" in notices[0]
    state, notices = urlstate.decode_query("&".join(f"k{i}=1" for i in range(500)))
    assert "more than" in notices[0]
    assert urlstate.decode_query(None) == (urlstate.ViewState(), [])


# --- CSV --------------------------------------------------------------------------------------
def test_csv_has_the_drawn_series_with_units_in_the_header(runs) -> None:
    text = export.series_csv(runs.frame)
    data = pd.read_csv(io.StringIO(text))
    assert list(data.columns[:4]) == ["scenario", "replicate", "seed", "month [step]"]
    units = {m.name: m.unit for m in METRICS}
    assert "trust_mean [0-1]" in data.columns and "participation_rate [share]" in data.columns
    assert "cost [budget units per citizen per month]" in data.columns
    for column in data.columns[4:]:
        name = column.split(" [")[0]
        assert name in units and column.endswith("]"), column
    assert len(data) == len(runs.frame) == 2 * 3 * 13
    np.testing.assert_allclose(data["trust_mean [0-1]"], runs.frame["trust_mean"], rtol=1e-9)
    assert set(data["scenario"]) == {SETTINGS_LABEL, "baseline: co_creation"}


# --- Norwegian ----------------------------------------------------------------------------------
def test_the_policy_view_speaks_bokmal(runs) -> None:
    heads = [getattr(c, "children", None) for c, _ in _walk(layout._policy_sidebar("nb"))]
    assert "Dine virkemidler" in heads and "Kommunen" in heads and "Your levers" not in heads
    assert status_line(10_000, 120, 5, 5, True, lang="nb") == (
        "10\u00a0000 innbyggere x 120 måneder: alle 5 kjøringer tegnet")
    assert readout_parts(runs, 12, "nb")[0].startswith("Tillit i måned 12: 0,")  # decimal comma
    _state, notices = urlstate.decode_query("arena_reach=7", "nb")
    assert notices == ["arena_reach='7' i lenken er utenfor 0 til 1; satt til 1"]
    spec = next(s for s in RUN_CONTROLS if s.name == "steps")
    assert range_text(spec, "nb") == "heltall, 1 til 600 måneder"
    assert plain_label(spec, "nb") == "Måneder som simuleres"


# --- parameter uncertainty (issue 14) ---------------------------------------------------------
_RANGES = ("parameter,low,high\n"
           "trust_anchoring,0.02,0.1\n"
           "participation_time_cost,0.3,0.9\n")


@pytest.fixture(scope="module")
def ranges(tmp_path_factory):
    """A small table of ranges: two parameters drawn uniformly."""
    from governance_sim.uncertainty import load_table

    path = tmp_path_factory.mktemp("tables") / "small_ranges.csv"
    path.write_text(_RANGES)
    return load_table(path)


def _uncertain_runs(table, *, fixed_seed: bool = False, changed: dict | None = None,
                    base_params: dict | None = None, replicates: int = 3) -> PolicyRuns:
    base = gs.Scenario(name="co_creation", label="Co-creation (New Public Governance)",
                       params=Params(logic="co_creation", **SMALL, **(base_params or {})),
                       steps=6)
    runs = PolicyRuns()
    runs.update(base, base.params.replace(initial_trust=0.3, **(changed or {})), steps=6,
                seed=11, replicates=replicates, baseline_label="baseline: co_creation",
                uncertainty=table, fixed_seed=fixed_seed)
    assert runs.wait(120)
    return runs


def _first(frame: pd.DataFrame, column: str) -> dict[tuple[str, int], float]:
    """The column's value per (scenario, replicate) at month 0."""
    at = frame[frame["step"] == 0]
    return {(s, int(r)): float(v) for s, r, v in
            zip(at["scenario"], at["replicate"], at[column], strict=True)}


def test_both_arms_get_the_same_draw_in_each_replicate(ranges) -> None:
    runs = _uncertain_runs(ranges)
    frame = runs.frame
    drawn = _first(frame, "trust_anchoring")
    for replicate in range(3):
        expected = ranges.draw(11 + replicate)["trust_anchoring"]
        assert drawn[("baseline: co_creation", replicate)] == pytest.approx(expected)
        assert drawn[(SETTINGS_LABEL, replicate)] == pytest.approx(expected)
    assert len({round(drawn[(SETTINGS_LABEL, r)], 12) for r in range(3)}) == 3
    seeds = _first(frame, "seed")
    assert [seeds[(SETTINGS_LABEL, r)] for r in range(3)] == [11, 12, 13]
    assert [_first(frame, "draw_seed")[(SETTINGS_LABEL, r)] for r in range(3)] == [11, 12, 13]
    # the runs used the draws: replicate 0 differs from the same seed without a table
    plain = PolicyRuns()
    plain.update(runs.context["base"], runs.context["params"], steps=6, seed=11,
                 replicates=1, baseline_label="baseline: co_creation")
    mine = frame[(frame["scenario"] == SETTINGS_LABEL) & (frame["replicate"] == 0)]
    other = plain.frame[plain.frame["scenario"] == SETTINGS_LABEL]
    assert not np.allclose(mine["trust_mean"].to_numpy(), other["trust_mean"].to_numpy())


def test_a_parameter_the_user_changed_is_not_drawn_in_the_settings(ranges) -> None:
    runs = _uncertain_runs(ranges, changed={"participation_time_cost": 0.5})
    cost = _first(runs.frame, "participation_time_cost")
    for replicate in range(3):
        assert cost[(SETTINGS_LABEL, replicate)] == 0.5
        assert cost[("baseline: co_creation", replicate)] == pytest.approx(
            ranges.draw(11 + replicate)["participation_time_cost"])
    assert runs.context["table"] is ranges and uncertainty_note(runs) == ""


def test_what_the_scenario_sets_is_not_drawn_and_a_table_it_fixes_says_so(ranges) -> None:
    runs = _uncertain_runs(ranges, base_params={"trust_anchoring": 0.05})
    anchoring = _first(runs.frame, "trust_anchoring")
    assert set(anchoring.values()) == {0.05}  # the scenario's own value, both arms
    assert len(set(_first(runs.frame, "participation_time_cost").values())) == 3
    both = _uncertain_runs(ranges, base_params={"trust_anchoring": 0.05,
                                                "participation_time_cost": 0.75},
                           fixed_seed=True)
    assert both.context["table"] is None and "draw_seed" not in both.frame.columns
    assert both.bands() == "seed variation (3 seeds)"  # nothing drawn: the seeds vary
    note = uncertainty_note(both)
    assert "small_ranges.csv" in note and "nothing is drawn" in note
    assert note in status_line(600, 6, 3, 3, True, note=note)
    mine = _uncertain_runs(ranges, changed={"trust_anchoring": 0.05,
                                            "participation_time_cost": 0.75})
    assert "only the baseline draws" in uncertainty_note(mine)


def test_one_seed_for_every_replicate_varies_only_the_draws(ranges) -> None:
    runs = _uncertain_runs(ranges, fixed_seed=True)
    frame = runs.frame
    assert set(frame["seed"]) == {11}
    assert sorted(set(frame["draw_seed"])) == [11, 12, 13]
    drawn = _first(frame, "trust_anchoring")
    assert len({drawn[(SETTINGS_LABEL, r)] for r in range(3)}) == 3
    last = frame[(frame["step"] == 6) & (frame["scenario"] == SETTINGS_LABEL)]
    assert last["trust_mean"].nunique() > 1  # the draws alone make a band


def test_every_band_says_what_it_shows(ranges, runs) -> None:
    both = _uncertain_runs(ranges)
    alone = _uncertain_runs(ranges, fixed_seed=True)
    assert runs.bands() == "seed variation (3 seeds)"
    assert both.bands() == ("seed variation and parameter uncertainty (3 replicates, each "
                            "its own seed and parameter draw)")
    assert alone.bands() == "parameter uncertainty (3 draws from small_ranges.csv)"
    assert bands_words(alone, "nb") == "parameterusikkerhet (3 trekk fra small_ranges.csv)"
    # the readout's note, the figure's band note and the status line
    for view, words in ((runs, "seed variation (3 seeds)"),
                        (alone, "parameter uncertainty (3 draws from small_ranges.csv)")):
        _sentence, rows, month, replicates = readout_parts(view, None)
        note = _readout_table(rows, replicates, month, "en", bands_words(view, "en"))[1]
        assert words in note.children and "not model uncertainty" not in note.children
        figure = figures_for_tab(view, "time")[0][0]
        assert words in figure.layout.title.text
        assert f"the bands show {words}" in status_line(600, 6, 3, 3, True,
                                                        bands=bands_words(view))
    equity = figures_for_tab(alone, "equity")[0][0].layout.title.text
    assert "parameter uncertainty (3 draws from small_ranges.csv)" in equity
    # the title says what the two curves share
    titles = [figures_for_tab(view, "time")[0][0].layout.title.text
              for view in (runs, both, alone)]
    assert "same seeds" in titles[0] and "parameter draws" not in titles[0]
    assert "same seeds and parameter draws" in titles[1]
    assert "one seed and the same parameter draws" in titles[2]


def test_the_csv_records_what_the_bands_show_and_the_draws(ranges) -> None:
    runs = _uncertain_runs(ranges, fixed_seed=True)
    data = pd.read_csv(io.StringIO(export.series_csv(runs.frame, bands=runs.bands())))
    assert set(data["bands"]) == {"parameter uncertainty (3 draws from small_ranges.csv)"}
    assert {"draw_seed", "trust_anchoring", "participation_time_cost"} <= set(data.columns)
    assert sorted(set(data["draw_seed"])) == [11, 12, 13]


def test_the_legend_shows_the_baselines_label() -> None:
    base = gs.load_scenario("npm_to_co_creation")
    assert baseline_legend(base) == "baseline: " + base.label
    assert baseline_legend(gs.Scenario(name="plain", params=Params())) == "baseline: plain"
    labelled = _uncertain_runs(None, replicates=1)  # its base carries a label
    figure = figures_for_tab(labelled, "time")[0][0]
    names = {trace.name for trace in figure.data if trace.showlegend is not False}
    assert "baseline: Co-creation (New Public Governance)" in names
    assert "baseline: co_creation" not in names


def test_scenario_texts_follow_the_page_language():
    """The scenario list, the legend and the scenario's description use its file's nb text."""
    from governance_sim.app.callbacks_policy import _describe, baseline_legend
    from governance_sim.app.layout import _scenario_options
    from governance_sim.scenarios import load_scenario

    base = load_scenario("co_creation")
    nb = base.text("nb")
    assert nb.label != base.text("en").label
    labels = {o["value"]: o["label"] for o in _scenario_options("nb")}
    assert labels["co_creation"] == nb.label
    assert {o["value"]: o["label"] for o in _scenario_options("en")}["co_creation"] == (
        base.text("en").label)
    assert baseline_legend(base, "nb").endswith(nb.label)
    shown = str(_describe(base, "nb"))
    assert nb.description in shown and base.description not in shown


def test_the_mix_callback_acts_on_the_most_deliberate_of_inputs_that_fired_together() -> None:
    """Issue 24: a click on the ternary picker sent together with a slider's last step (Dash
    gathers inputs that change while an answer is on its way) was lost: the callback acted
    on the first id only."""
    from governance_sim.app.callbacks_policy_controls import mix_trigger

    assert mix_trigger(["mix-npm", "ternary"]) == "ternary"
    assert mix_trigger(["ternary", "scenario"]) == "scenario"
    assert mix_trigger(["mix-co_creation", "url"]) == "url"
    assert mix_trigger(["mix-co_creation", "mix-npm"]) == "mix-co_creation"
    assert mix_trigger([]) is None
    assert mix_trigger([{"type": "lever"}, "unknown"]) is None
