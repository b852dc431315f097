"""Unit tests of the app's helpers and state (no browser): controls, form, export, runs,
classroom, lessons, role table, sessions, and the ``app`` command."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest

import governance_sim as gs
from governance_sim.app import controls, export, form
from governance_sim.app.callbacks_classroom import control
from governance_sim.app.classroom import SPEEDS, Classroom, sample_network
from governance_sim.app.controls import (
    FieldError,
    lever_specs,
    normalise_mix,
    parameter_specs,
    parse_number,
    percents_from_logic,
)
from governance_sim.app.lessons import (
    ABLATION_MECHANISMS,
    ABLATIONS,
    LESSONS,
    ablation_lesson,
    lesson,
    mechanism_label,
)
from governance_sim.app.policy import SETTINGS_LABEL, PolicyRuns
from governance_sim.app.roles_text import role_table
from governance_sim.app.sessions import SessionStore
from governance_sim.logics import LEVER_TABLE
from governance_sim.metrics import METRICS
from governance_sim.params import LEVER_RANGES, LOGIC_NAMES, FieldInfo, Params

SMALL = {"n_citizens": 1000, "n_units": 20}


def _form_values(scenario: gs.Scenario) -> tuple[list[int], dict, dict, dict]:
    """What the page shows after loading ``scenario`` (as the load callback fills it)."""
    percents = percents_from_logic(scenario.params.logic)
    levers = controls.levers_for(scenario.params.logic, scenario.params.levers)
    values = scenario.params.to_dict()
    params = {s.name: (values[s.name] if s.kind == "slider" else
                       (f"{values[s.name]:g}" if isinstance(values[s.name], float)
                        else str(values[s.name]))) for s in parameter_specs()}
    run = {"steps": str(scenario.steps), "replicates": "3", "seed": "1"}
    return percents, levers, params, run


# --- controls generated from the definitions ------------------------------------------------
def test_parameter_controls_come_from_params_describe() -> None:
    described = {i.name: i for i in FieldInfo.of_params()}
    specs = parameter_specs()
    assert {s.name for s in specs} == {n for n, i in described.items()
                                       if i.kind in ("int", "float")}
    for spec in specs:
        info = described[spec.name]
        assert spec.low == info.low and spec.unit == info.unit and spec.source == info.source
        assert spec.label == info.description
        if spec.name not in ("n_citizens", "n_units"):
            assert spec.high == info.high
        assert spec.low <= spec.default <= spec.high


def test_lever_controls_come_from_the_lever_table() -> None:
    specs = {s.name: s for s in lever_specs()}
    assert list(specs) == [row.name for row in LEVER_TABLE]
    for row in LEVER_TABLE:
        assert (specs[row.name].low, specs[row.name].high) == LEVER_RANGES[row.name]
        assert specs[row.name].label == row.meaning and specs[row.name].unit == row.unit


@pytest.mark.parametrize("raw", ["abc", "", "   ", None, "nan", "inf", "1e400",
                                 "__import__('os').system('true')", "0.5; 1", "1/2",
                                 "0x10", "[0.5]", True, "2", "-0.1", "1e9"])
def test_bad_values_get_a_message_naming_field_and_range(raw: object) -> None:
    spec = next(s for s in parameter_specs() if s.name == "initial_trust")
    with pytest.raises(FieldError, match=r"initial_trust: .*0 to 1"):
        parse_number(raw, spec)


def test_whole_numbers_and_readable_input() -> None:
    spec = next(s for s in parameter_specs() if s.name == "n_citizens")
    assert parse_number("10 000", spec) == 10000
    assert parse_number("2_000", spec) == 2000
    assert parse_number(3000.0, spec) == 3000
    with pytest.raises(FieldError, match="not a whole number"):
        parse_number("1500.5", spec)
    with pytest.raises(FieldError, match="out of range"):
        parse_number(str(controls.APP_MAX_CITIZENS + 1), spec)
    assert parse_number(" .25 ", next(s for s in parameter_specs()
                                      if s.name == "initial_trust")) == 0.25


@pytest.mark.parametrize("changed", [0, 1, 2])
@pytest.mark.parametrize("start", [[100, 0, 0], [34, 33, 33], [0, 0, 0], [50, 50, 0]])
@pytest.mark.parametrize("value", [0, 7, 50, 100, 150, -3])
def test_mix_always_sums_to_100(changed: int, start: list[int], value: int) -> None:
    percents = list(start)
    percents[changed] = value
    out = normalise_mix(percents, changed)
    assert sum(out) == 100 and all(0 <= v <= 100 for v in out)
    assert out[changed] == min(100, max(0, value))


def test_mix_rescales_the_others_in_proportion() -> None:
    assert normalise_mix([20, 60, 20], 0) == [20, 60, 20]
    assert normalise_mix([60, 60, 20], 0) == [60, 30, 10]
    assert normalise_mix([0, 0, 0], 2) == [50, 50, 0] or normalise_mix([0, 0, 0], 2)[2] == 0
    assert percents_from_logic({"bureaucracy": 1 / 3, "npm": 1 / 3, "co_creation": 1 / 3}) \
        in ([34, 33, 33], [33, 34, 33], [33, 33, 34])
    assert controls.logic_from_percents([0, 100, 0], "bureaucracy") == "npm"
    assert controls.logic_from_percents([20, 30, 50], "npm") == {
        "bureaucracy": 0.2, "npm": 0.3, "co_creation": 0.5}


# --- the form -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", gs.list_scenarios())
def test_an_untouched_form_gives_the_scenario_exactly(name: str) -> None:
    scenario = gs.load_scenario(name)
    result = form.read_form(scenario, *_form_values(scenario))
    assert result.ok, (result.general, result.messages)
    assert result.params == scenario.params
    assert result.steps == scenario.steps and result.replicates == 3


def test_form_changes_reach_the_params() -> None:
    scenario = gs.load_scenario("co_creation")
    percents, levers, params, run = _form_values(scenario)
    mix = {"bureaucracy": 0.2, "npm": 0.3, "co_creation": 0.5}
    levers = controls.levers_for(mix, scenario.params.levers)  # as moving the mix does
    levers["facilitation_targeting"] = 0.95
    params["initial_trust"] = 0.3
    params["n_citizens"] = "2000"
    result = form.read_form(scenario, [20, 30, 50], levers, params, run)
    assert result.ok
    assert result.params.logic == {"bureaucracy": 0.2, "npm": 0.3, "co_creation": 0.5}
    assert result.params.levers == {"facilitation_targeting": 0.95}
    assert result.params.initial_trust == 0.3 and result.params.n_citizens == 2000


def test_bad_form_gives_messages_not_params() -> None:
    scenario = gs.load_scenario("co_creation")
    percents, levers, params, run = _form_values(scenario)
    params["n_citizens"] = "lots"
    params["loss_aversion"] = "0.2"
    run["steps"] = "-5"
    result = form.read_form(scenario, percents, levers, params, run)
    assert not result.ok
    assert "not a number" in result.messages["param"]["n_citizens"]
    assert "out of range" in result.messages["param"]["loss_aversion"]
    assert "steps" in result.messages["run"]["steps"]
    assert "3 fields" in result.general


def test_cross_field_rule_gives_a_general_message() -> None:
    scenario = gs.load_scenario("co_creation")
    percents, levers, params, run = _form_values(scenario)
    params["n_citizens"] = "100"
    params["n_units"] = "200"
    result = form.read_form(scenario, percents, levers, params, run)
    assert not result.ok and "n_units (200) must not exceed n_citizens (100)" in result.general
    result = form.read_form(scenario, [None, 50, 50], levers, params, run)
    assert not result.ok and "logic mix" in result.general


# --- export ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["npm_to_co_creation", "leave_no_one_behind", "layered"])
def test_exported_toml_loads_back_to_the_same_params(tmp_path, name: str) -> None:
    base = gs.load_scenario(name)
    params = base.params.replace(logic={"bureaucracy": 0.2, "npm": 0.3, "co_creation": 0.5},
                                 levers={**base.params.levers, "sanctions": 0.45},
                                 initial_trust=0.3141592653589793, n_citizens=1234)
    text = export.scenario_toml(base, params, 37)
    path = tmp_path / f"{export.export_name(base)}.toml"
    path.write_text(text, encoding="utf-8")
    loaded = gs.load_scenario(path)
    assert loaded.params == params
    assert loaded.steps == 37 and loaded.name == export.export_name(base)
    assert "initial_trust" in loaded.description


def test_exported_toml_runs_on_the_command_line(tmp_path) -> None:
    from governance_sim.cli import main

    base = gs.load_scenario("co_creation")
    params = base.params.replace(**SMALL, levers={"facilitation_targeting": 0.7})
    path = tmp_path / "mine.toml"
    path.write_text(export.scenario_toml(base, params, 6), encoding="utf-8")
    code = main(["run", str(path), "--replicates", "1", "--out", str(tmp_path / "out"),
                 "--no-report"])
    assert code == 0
    assert (tmp_path / "out" / "timeseries.parquet").is_file()


def test_report_html_is_offline_and_names_both(tmp_path) -> None:
    base = gs.load_scenario("co_creation")
    params = base.params.replace(**SMALL, initial_trust=0.4)
    runs = PolicyRuns()
    runs.update(base.__class__(name=base.name, params=base.params.replace(**SMALL),
                               steps=5), params, steps=5, seed=3, replicates=1,
                baseline_label="baseline: co_creation")
    custom = export.custom_scenario(base, params, 5, label=SETTINGS_LABEL)
    page = export.report_html(runs.frame, base, custom, seed=3, replicates=1, steps=5,
                              baseline_label="baseline: co_creation")
    assert "baseline: co_creation" in page and SETTINGS_LABEL in page
    # no table in the app: the rerun command says so (compare would draw from calibrated)
    assert "--replicates 1 --uncertainty none" in page
    assert not re.search(r"<script[^>]*\bsrc=", page) and len(page) > 1_000_000


# --- runs -----------------------------------------------------------------------------------
def test_runs_draw_one_replicate_now_and_the_rest_in_the_background() -> None:
    base = gs.Scenario(name="co_creation", params=Params(logic="co_creation", **SMALL), steps=8)
    params = base.params.replace(initial_trust=0.35)
    runs = PolicyRuns()
    first = runs.update(base, params, steps=8, seed=11, replicates=3, baseline_label="base")
    assert set(first["replicate"]) == {0} and set(first["scenario"]) == {"base", SETTINGS_LABEL}
    assert runs.wait(60)
    progress = runs.progress()
    assert progress.finished and progress.done == progress.total == 2 * 8 * 3
    frame = runs.frame
    assert sorted(frame["replicate"].unique()) == [0, 1, 2]
    for (_name, replicate), part in frame.groupby(["scenario", "replicate"]):
        assert list(part["seed"].unique()) == [11 + replicate]
    # common random numbers: the baseline replicate r is the plain run on seed 11 + r
    alone = gs.run(base.params, steps=8, seed=12).timeseries
    mine = frame[(frame["scenario"] == "base") & (frame["replicate"] == 1)]
    np.testing.assert_array_equal(mine["trust_mean"].to_numpy(), alone["trust_mean"].to_numpy())


def test_large_runs_go_wholly_to_the_background() -> None:
    base = gs.Scenario(name="b", params=Params(**SMALL), steps=6)
    runs = PolicyRuns()
    assert runs.update(base, base.params.replace(initial_trust=0.3), steps=6, seed=2,
                       replicates=2, baseline_label="base", foreground=False) is None
    assert runs.wait(60) and runs.progress().finished
    assert runs.stamp == f"{runs.progress().version}:2"
    assert sorted(runs.frame["replicate"].unique()) == [0, 1]


def test_a_newer_change_cancels_the_older_job() -> None:
    base = gs.Scenario(name="b", params=Params(**SMALL), steps=30)
    runs = PolicyRuns()
    runs.update(base, base.params.replace(initial_trust=0.2), steps=30, seed=1,
                replicates=20, baseline_label="base")
    runs.update(base, base.params.replace(initial_trust=0.3), steps=30, seed=1,
                replicates=2, baseline_label="base")
    assert runs.wait(60)
    assert runs.progress().finished
    chosen = runs.frame[runs.frame["scenario"] == SETTINGS_LABEL]
    assert sorted(chosen["replicate"].unique()) == [0, 1]
    assert chosen["trust_mean"].iloc[0] == pytest.approx(
        gs.run(base.params.replace(initial_trust=0.3), steps=0, seed=1)
        .timeseries["trust_mean"].iloc[0])


# --- classroom ------------------------------------------------------------------------------
def test_classroom_plays_pauses_steps_and_resets() -> None:
    room = Classroom(population=SMALL)
    assert room.step == 0 and not room.playing
    view = control(room, "cls-play", speed_index=0)
    assert room.playing and not view.timer_disabled
    for _ in range(10):
        view = control(room, "cls-tick", speed_index=0)
    assert room.step == 10 * room.steps_per_tick(view.interval)
    control(room, "cls-pause")
    before = room.step
    control(room, "cls-tick")
    assert room.step == before
    control(room, "cls-step")
    assert room.step == before + 1
    frame = room.frame()
    assert set(frame["scenario"]) == set(LOGIC_NAMES) and frame["step"].max() == room.step
    view = control(room, "cls-reset")
    assert room.step == 0 and view.timer_disabled
    control(room, "cls-play")
    control(room, "mode", visible=False)
    assert not room.playing


def test_classroom_speed_and_lesson_switch() -> None:
    room = Classroom(population=SMALL)
    view = control(room, "cls-speed", speed_index=len(SPEEDS) - 1)
    assert room.speed == SPEEDS[-1] and room.steps_per_tick(view.interval) > 1
    control(room, "cls-speed", speed_index="fast")  # not an index: speed kept
    assert room.speed == SPEEDS[-1]
    control(room, "lesson", lesson_key="j_curve")
    assert room.lesson.key == "j_curve" and room.step == 0
    control(room, "lesson", lesson_key="no such lesson")
    assert room.lesson.key == "j_curve"


def test_classroom_sends_small_updates_between_whole_figures() -> None:
    from dash import Patch

    room = Classroom(population=SMALL)
    full = control(room, None)
    assert len(full.network.data) == 6 and len(full.curves.data) == 9
    control(room, "cls-play")
    tick = control(room, "cls-tick")
    assert isinstance(tick.network, Patch) and isinstance(tick.curves, Patch)
    operations = tick.network.to_plotly_json()["operations"]
    assert len(operations) == 3 + 3 + 1  # markers of three panels, three titles, the month
    curve_operations = tick.curves.to_plotly_json()["operations"]
    assert len(curve_operations) == 2 * 9  # x and y of each median line
    whole = control(room, "cls-colour", colour_by="quintile")
    assert not isinstance(whole.network, Patch)
    assert whole.network.data[1].marker.cmax == 5.0
    kinds = [isinstance(control(room, "cls-tick").network, Patch) for _ in range(25)]
    assert kinds.count(False) == 1 and kinds[20] is False  # a whole figure now and then
    assert not isinstance(control(room, "cls-reset").network, Patch)


def test_classroom_stops_at_the_horizon() -> None:
    room = Classroom(population=SMALL)
    room.playing = True
    room.advance(10_000)
    assert room.step == room.lesson.steps and room.finished and not room.playing


def test_network_sample_keeps_whole_units_and_their_ties() -> None:
    model = gs.GovernanceModel(Params(n_citizens=3000, n_units=30), rng=4, agent_views=False)
    citizens = model.population.citizens
    sample = sample_network(citizens.unit, citizens.neighbours, citizens.quintile, seed=4)
    assert sample.index.size >= 300
    assert set(np.unique(citizens.unit[sample.index])) == {0, 1, 2}
    assert sample.edges.min() >= 0 and sample.edges.max() < sample.index.size
    pairs = {tuple(e) for e in sample.edges.tolist()}
    i = 0
    for j in citizens.neighbours[sample.index[i]]:
        where = np.flatnonzero(sample.index == j)
        if where.size and where[0] != i:
            assert tuple(sorted((i, int(where[0])))) in pairs
    assert np.isfinite(sample.x).all() and np.isfinite(sample.y).all()


def test_classroom_snapshots_follow_the_models() -> None:
    room = Classroom(population=SMALL)
    room.advance(5)
    shots = room.snapshots()
    for shot, model in zip(shots, room.models, strict=True):
        np.testing.assert_array_equal(shot.trust,
                                      model.population.citizens.trust[room.sample.index])
    assert not np.array_equal(shots[0].trust, shots[1].trust)


@pytest.mark.parametrize("item", LESSONS, ids=lambda item: item.key)
def test_every_lesson_runs(item) -> None:
    assert len(item.columns) in (2, 3) and item.watch and item.question
    assert len({column.label for column in item.columns}) == len(item.columns)
    assert set(item.metrics) <= {m.name for m in METRICS}
    room = Classroom(item, population=SMALL)
    room.advance(3)
    assert room.step == 3
    view = control(room, None)
    assert len(view.network.data) == 2 * len(item.columns)


def test_crowding_out_and_trust_threshold_texts_match_the_model() -> None:
    item = lesson("crowding_out")
    runs = {c.label: gs.run(c.params(), steps=60, seed=1).timeseries.iloc[13:60].mean()
            for c in item.columns[:2]}
    plain, hard = runs["bureaucracy"], runs["hard targets, months 12-60"]
    assert hard["measured_output"] > 1.5 * plain["measured_output"]
    assert hard["relational_quality"] < 0.6 * plain["relational_quality"]
    assert 0.0 < hard["trust_mean"] - plain["trust_mean"] < 0.01  # "rises a little"
    middle = lesson("trust_threshold").columns[1]
    assert middle.params().initial_trust == Params().initial_trust == 0.55  # "the default"


# --- the ablation lesson: one mechanism switched off ---------------------------------------
def test_ablation_lesson_offers_the_mechanisms_of_the_full_model_patterns() -> None:
    from governance_sim.mechanisms import MECHANISMS
    from governance_sim.validation import PATTERN_MECHANISMS, patterns_resting_on

    full_model = {name for number, names in PATTERN_MECHANISMS.items() if number > 2
                  for name in names}
    assert set(ABLATION_MECHANISMS) == full_model == set(ABLATIONS)
    assert not any(MECHANISMS[name].lab for name in ABLATION_MECHANISMS)
    for name in ABLATION_MECHANISMS:
        assert sorted(ABLATIONS[name].patterns) == patterns_resting_on(name), name
        item = ablation_lesson(name)
        assert item.key == "ablation" and item.mechanism == name
        assert MECHANISMS[name].what in item.setup and MECHANISMS[name].neutral in item.setup
        assert all(f"{n}. " in item.question for n in patterns_resting_on(name))
        assert mechanism_label(name).endswith(MECHANISMS[name].what)
    assert lesson("ablation", "voice") == ablation_lesson("voice")
    with pytest.raises(KeyError, match="trust_asymmetry"):
        lesson("ablation", "contagion")  # no full-model pattern rests on it


@pytest.mark.parametrize("name", ABLATION_MECHANISMS)
def test_ablation_lesson_runs_the_scenario_with_and_without_the_mechanism(name) -> None:
    item = ablation_lesson(name)
    on, off = item.columns[-2], item.columns[-1]
    assert on.params().mechanisms.get(name, True) is True
    assert off.params().mechanisms == {name: False}
    assert {**off.settings, "mechanisms": {}} == {**on.settings, "mechanisms": {}}
    runs = [gs.run(column.params(SMALL), steps=item.steps, seed=1).timeseries
            for column in (on, off)]
    differences = {metric: float(np.abs(runs[0][metric] - runs[1][metric]).max())
                   for metric in item.metrics}
    assert max(differences.values()) > 0.005, differences


def test_ablation_lesson_through_the_classroom_controller() -> None:
    room = Classroom(population=SMALL)
    control(room, "lesson", lesson_key="ablation", mechanism="motivation_scar")
    assert room.lesson.mechanism == "motivation_scar" and len(room.models) == 3
    assert [m.params.mechanisms for m in room.models] == [{}, {}, {"motivation_scar": False}]
    room.advance(3)
    view = control(room, "cls-mechanism", lesson_key="ablation", mechanism="voice")
    assert room.lesson.mechanism == "voice" and room.step == 0
    assert len(view.network.data) == 4 and {t.legendgroup for t in view.curves.data} >= {
        "with voice", "without voice"}
    control(room, "cls-mechanism", lesson_key="ablation", mechanism="no such mechanism")
    assert room.lesson.mechanism == "voice"  # kept
    room.advance(30)  # the panel sits from month 12
    gaps = room.frame().pivot(index="step", columns="scenario", values="voice_trust_gap")
    assert (gaps["with voice"] - gaps["without voice"]).iloc[-1] > 0.02
    control(room, "lesson", lesson_key="three_logics", mechanism="voice")
    assert room.lesson.key == "three_logics" and room.lesson.mechanism is None


def _classroom_runs(name: str) -> dict[str, object]:
    """The ablation lesson's columns at the classroom's size and seed, by label."""
    item = ablation_lesson(name)
    runs = {column.label: gs.run(column.params(), steps=item.steps, seed=1).timeseries
            for column in item.columns}
    label = name.replace("_", " ")
    runs["on"], runs["off"] = runs[f"with {label}"], runs[f"without {label}"]
    return runs


# What each ablation text says, checked on the classroom's run (defaults, seed 1) with
# margins: the texts quote these numbers.
def _check_trust_asymmetry(r) -> None:
    fall = {k: r[k]["trust_mean"].iloc[23] - r[k]["trust_mean"].loc[24:60].min()
            for k in ("on", "off")}
    assert fall["on"] > 1.5 * fall["off"] > 0.05, fall


def _check_trust_threshold(r) -> None:
    part = {k: r[k]["participation_rate"].rolling(6).mean() for k in ("on", "off")}
    assert part["on"].iloc[47] < 0.8 * part["on"].iloc[23]  # "by a third" (measured 0.70)
    assert abs(part["off"].iloc[47] - part["off"].iloc[23]) < 0.01


def _check_service_motive(r) -> None:
    late = {k: r[k]["coproduction"].iloc[60:].mean() for k in r}
    assert late["on"] > 1.08 * late["co-creation, same budget"], late
    assert late["off"] < 0.7 * late["on"], late  # "about 45 % lower" (measured 0.54)


def _check_crowding_out(r) -> None:
    start = r["on"]["motivation_mean"].iloc[0]
    assert r["on"]["motivation_mean"].iloc[-1] < start - 0.03
    assert r["off"]["motivation_mean"].iloc[-1] > start - 0.005


def _check_motivation_scar(r) -> None:
    level = r["bureaucracy"]["motivation_mean"].iloc[-1]
    assert level - r["on"]["motivation_mean"].iloc[-1] > 0.006
    assert level - r["off"]["motivation_mean"].iloc[-1] < 0.003


def _check_reform_burnout(r) -> None:
    assert r["on"]["motivation_mean"].iloc[-1] < 0.6 < 0.68 < r["off"]["motivation_mean"].iloc[-1]


def _check_multitasking(r) -> None:
    quality = {k: r[k]["relational_quality"] for k in ("on", "off")}
    assert quality["on"].iloc[-1] < 0.6 * quality["on"].iloc[23]
    assert quality["off"].iloc[-1] > 0.9 * quality["off"].iloc[23]


def _check_facilitation(r) -> None:
    value = {k: r[k]["public_value_index"] for k in ("npm", "on", "off")}
    assert value["on"].iloc[48] < value["npm"].iloc[48]
    assert value["on"].iloc[-12:].mean() > value["npm"].iloc[-12:].mean()
    assert (value["off"].iloc[30:] < value["npm"].iloc[30:]).all()


def _check_targeting(r) -> None:
    gap = {k: r[k]["participation_gap"].iloc[60:].mean() for k in ("on", "off")}
    assert gap["on"] < 0.5 * gap["off"], gap


def _check_voice(r) -> None:
    gap = {k: r[k]["voice_trust_gap"].iloc[48:72].mean() for k in ("on", "off")}
    assert gap["on"] - gap["off"] > 0.07, gap


@pytest.mark.parametrize("name", ABLATION_MECHANISMS)
def test_ablation_texts_say_what_the_classroom_run_shows(name) -> None:
    globals()[f"_check_{name}"](_classroom_runs(name))


def test_unknown_lesson_is_refused_with_the_allowed_keys() -> None:
    with pytest.raises(KeyError, match="j_curve"):
        lesson("nope")


# --- role table -----------------------------------------------------------------------------
def test_role_table_has_every_role_and_follows_the_lever_table() -> None:
    rows = {row.key: row for row in role_table()}
    assert {"citizens", "professionals", "leaders", "politicians"} <= set(rows)
    for row in rows.values():
        assert all(row.seed[name] for name in LOGIC_NAMES)
    autonomy = {row.name: row for row in LEVER_TABLE}["professional_autonomy"]
    for name in LOGIC_NAMES:
        assert f"Autonomy {getattr(autonomy, name):.0%}" in rows["professionals"].model[name]
    assert "community palace" in rows["institution"].seed["co_creation"]


# --- sessions -------------------------------------------------------------------------------
def test_sessions_are_separate_bounded_and_checked() -> None:
    store = SessionStore(max_sessions=2)
    a, b = "a" * 32, "b" * 32
    store.get(a).get("policy", PolicyRuns).last_seconds = 1.0
    assert store.get(b).get("policy", PolicyRuns).last_seconds == 0.0
    store.get("c" * 32)
    assert len(store) == 2 and store.get(a).items == {}  # a was dropped, comes back empty
    for bad in ("../etc", "A" * 32, None, 42, "a" * 31):
        with pytest.raises(ValueError, match="session id"):
            store.get(bad)


# --- command ---------------------------------------------------------------------------------
def test_app_command_reports_a_taken_port_in_one_line(capsys) -> None:
    from governance_sim.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code = main(["app", "--port", str(port)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and f"port {port}" in err[0] and "--port" in err[0]


def test_app_builds_with_its_callbacks() -> None:
    from governance_sim.app import create_app

    app = create_app()
    outputs = " ".join(app.callback_map)
    for needed in ("graph-time.figure", "cls-network.figure", "download-scenario.data",
                   "policy-progress.value"):
        assert needed in outputs
    layout = app.layout()
    assert "session-id" in str(layout)
