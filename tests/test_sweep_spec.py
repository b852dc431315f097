"""Sweep specs: validation names the key; the CLI reports one line and exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from governance_sim.cli import main
from governance_sim.params import UserInputError
from governance_sim.sweep import SpecError, build_design, load_spec, spec_from_dict
from governance_sim.sweep.models import ModelRunner, resolve_model

VALID = """
[sweep]
name = "ok"
steps = 20
replicates = 2
seed = 7

[design]
kind = "full_factorial"

[levers]
logic = ["npm", "co_creation"]
"levers.facilitation_targeting" = { low = 0.0, high = 1.0, levels = 3 }

[uncertainties]
initial_trust = [0.3, 0.6]

[constants]
n_citizens = 300
n_units = 10

[outcomes]
trust = { metric = "trust_mean", stat = "final" }
pv = { metric = "public_value_index", stat = "mean", window = [10, 20] }
"""


def base() -> dict:
    import tomllib

    return tomllib.loads(VALID)


def test_valid_spec_builds_the_full_grid(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(VALID)
    spec = load_spec(path)
    design = build_design(spec)
    assert spec.names == ["logic", "levers.facilitation_targeting", "initial_trust"]
    assert len(design.points) == 2 * 3 * 2
    assert design.n_runs == 24
    assert sorted(design.points["levers.facilitation_targeting"].unique()) == [0.0, 0.5, 1.0]


def test_replicate_seeds_shared_and_reproducible() -> None:
    spec = spec_from_dict(base())
    a, b = build_design(spec), build_design(spec)
    assert list(a.seeds) == list(b.seeds)
    assert len(set(a.seeds)) == 2
    other = dict(base())
    other["sweep"] = dict(other["sweep"], seed=8)
    assert list(build_design(spec_from_dict(other)).seeds) != list(a.seeds)


def test_points_map_onto_params_levers_and_mix_weights() -> None:
    raw = base()
    raw["levers"] = {"logic.co_creation": {"low": 0.0, "high": 0.6, "levels": 2},
                     "levers.control_intensity": [0.1, 0.9]}
    raw["constants"] = {"n_citizens": 300, "n_units": 10, "logic": "npm", "logic.bureaucracy": 0.2}
    spec = spec_from_dict(raw)
    runner = resolve_model(spec)
    assert isinstance(runner, ModelRunner)
    params = runner.params({"logic.co_creation": 0.6, "levers.control_intensity": 0.9,
                            "initial_trust": 0.3})
    assert params.logic == pytest.approx({"bureaucracy": 0.2, "npm": 0.2, "co_creation": 0.6})
    assert params.levers["control_intensity"] == 0.9
    assert params.initial_trust == 0.3 and params.n_citizens == 300


def _mutate(path: list[str], value: object) -> dict:
    raw = base()
    table = raw
    for key in path[:-1]:
        table = table.setdefault(key, {})
    if value is KeyError:
        del table[path[-1]]
    else:
        table[path[-1]] = value
    return raw


BAD = [
    (["levers", "levers.facilitaton_targeting"], {"low": 0, "high": 1, "levels": 2},
     "levers.facilitaton_targeting"),
    (["uncertainties", "initial_trust"], {"low": 0.2, "high": 1.5, "levels": 2},
     "initial_trust"),
    (["uncertainties", "no_such_param"], [1, 2], "no_such_param"),
    (["constants", "n_citizens"], -5, "n_citizens"),
    (["levers", "logic"], ["npm", "anarchy"], "logic"),
    (["design", "kind"], "monte_carlo", "kind"),
    (["sweep", "replicates"], 0, "replicates"),
    (["sweep", "sede"], 3, "sede"),
    (["outcomes", "trust"], {"metric": "trust_meen"}, "trust_meen"),
    (["outcomes", "pv"], {"metric": "public_value_index", "stat": "mean"}, "window"),
    (["outcomes", "pv"], {"metric": "public_value_index", "stat": "mean", "window": [0, 99]},
     "window"),
    (["uncertainties", "initial_trust"], {"low": 0.2, "high": 0.8}, "levels"),
    (["constants", "initial_trust"], 0.5, "initial_trust"),  # also varied
]


@pytest.mark.parametrize(("path", "value", "named"), BAD)
def test_invalid_spec_names_the_key(path: list[str], value: object, named: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec_from_dict(_mutate(path, value), source="bad.toml")
    assert named in str(caught.value)
    assert str(caught.value).startswith("bad.toml: ")
    assert issubclass(SpecError, UserInputError)


def test_sampled_designs_check_their_keys() -> None:
    raw = base()
    raw["design"] = {"kind": "sobol", "samples": 100}
    with pytest.raises(SpecError, match="power of 2"):
        spec_from_dict(raw)
    raw["design"] = {"kind": "sobol", "samples": 64}
    with pytest.raises(SpecError, match="'values' lists are for full factorials"):
        spec_from_dict(raw)
    raw = _mutate(["constants", "logic.npm"], 0.7)
    raw["levers"] = {"logic.co_creation": {"low": 0.0, "high": 0.6, "levels": 2}}
    with pytest.raises(SpecError, match="logic weights"):
        spec_from_dict(raw)


def test_bad_combination_of_points_is_caught_before_running(tmp_path: Path) -> None:
    raw = base()
    raw["uncertainties"] = {"n_units": [10, 500]}  # 500 units > 300 citizens
    del raw["constants"]["n_units"]
    from governance_sim.sweep import run_sweep

    with pytest.raises(SpecError, match="design point"):
        run_sweep(spec_from_dict(raw), tmp_path / "out", workers=1, progress=False)
    runs = tmp_path / "out" / "runs"
    assert not runs.exists() or not any(runs.iterdir())


def test_cli_invalid_spec_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(VALID.replace("initial_trust = [0.3, 0.6]", "initial_trust = [0.3, 1.6]"))
    done = subprocess.run([sys.executable, "-m", "governance_sim.cli", "sweep", str(path),
                           "--out", str(tmp_path / "out"), "--workers", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "initial_trust" in lines[0] and "Traceback" not in done.stderr


def test_cli_missing_and_malformed_spec_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[sweep\nname=")
    assert main(["sweep", str(broken), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "not valid TOML" in err


EXPERIMENTS = sorted(
    path for path in (Path(__file__).resolve().parents[1] / "experiments").glob("*/*.toml")
    if "[sweep]" in path.read_text(encoding="utf-8"))  # calibration targets files are not specs


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_experiment_specs_are_valid(path: Path) -> None:
    from governance_sim.sweep.models import check_points

    spec = load_spec(path)
    design = build_design(spec)
    runner = resolve_model(spec)
    check_points(runner, design.points, spec.source)
    assert design.n_runs >= 50


def test_relative_to_no_events_pairs_each_run_with_its_counterfactual() -> None:
    raw = base()
    raw["levers"] = {}
    raw["uncertainties"] = {"initial_trust": [0.5]}
    raw["constants"]["logic"] = "npm"
    raw["events"] = [{"kind": "switch_logic", "step": 5, "logic": "co_creation"}]
    raw["outcomes"] = {
        "gap": {"metric": "public_value_index", "stat": "min", "window": [0, 20],
                "relative_to": "no_events"},
        "before": {"metric": "public_value_index", "stat": "max", "window": [0, 4],
                   "relative_to": "no_events"},
    }
    spec = spec_from_dict(raw)
    runner = resolve_model(spec)
    series = runner({"initial_trust": 0.5}, seed=3)
    import governance_sim as gs

    plain = gs.run(None, steps=20, seed=3, logic="npm", initial_trust=0.5, n_citizens=300,
                   n_units=10).timeseries["public_value_index"]
    pd_diff = series["public_value_index"] - plain
    assert (series["public_value_index-no_events"] == pd_diff).all()
    assert (pd_diff.loc[:4] == 0).all() and pd_diff.loc[6:].abs().max() > 0
    raw["events"] = []
    with pytest.raises(SpecError, match="relative_to = 'no_events' needs events"):
        resolve_model(spec_from_dict(raw))


def test_event_fields_can_vary_and_are_checked() -> None:
    raw = base()
    raw["levers"] = {}
    raw["events"] = [{"kind": "budget_change", "step": 5, "factor": 0.6, "duration": 2}]
    raw["uncertainties"] = {"events.0.factor": [0.5, 0.9], "events.0.step": [3, 8]}
    spec = spec_from_dict(raw)
    runner = resolve_model(spec)
    params = runner.params({"events.0.factor": 0.5, "events.0.step": 8})
    assert params.events[0].factor == 0.5 and params.events[0].step == 8
    assert runner.params({}).events[0].factor == 0.6  # the base is not changed
    for key, value, named in [("events.1.factor", [0.5], "events.1.factor"),
                              ("events.0.kind", [0.5], "events.0.kind"),
                              ("events.0.factor", [0.5, 7.0], "events.0.factor")]:
        bad = base()
        bad["levers"] = {}
        bad["events"] = raw["events"]
        bad["uncertainties"] = {key: value}
        with pytest.raises(SpecError, match=named.replace(".", r"\.")):
            spec_from_dict(bad)


def test_base_scenario_beside_the_spec_gives_steps_and_params(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "mybase"\nsteps = 30\n[params]\nlogic = "npm"\n'
        "n_citizens = 300\nn_units = 10\n")
    (tmp_path / "spec.toml").write_text(
        '[sweep]\nscenario = "base.toml"\n[uncertainties]\ninitial_trust = [0.3, 0.6]\n'
        '[outcomes]\nt = { metric = "trust_mean" }\n')
    runner = resolve_model(load_spec(tmp_path / "spec.toml"))
    assert runner.steps == 30
    assert runner.params({"initial_trust": 0.3}).logic == "npm"
    (tmp_path / "spec.toml").write_text(
        '[sweep]\nscenario = "no_such_scenario"\n[outcomes]\nt = { metric = "trust_mean" }\n')
    with pytest.raises(UserInputError, match="no_such_scenario"):
        resolve_model(load_spec(tmp_path / "spec.toml"))


CELL = "lever_table.co_creation.control_intensity"


def _cell_spec(**tables: dict) -> dict:
    """A spec that varies one lever-table cell, on an NPM base switching to co-creation."""
    raw = base()
    raw["sweep"]["steps"] = 20
    raw["levers"] = {CELL: {"low": 0.1, "high": 0.7, "levels": 2}}
    raw["uncertainties"] = {}
    raw["constants"]["logic"] = "npm"
    raw["events"] = [{"kind": "switch_logic", "step": 8, "logic": "co_creation"}]
    raw.update(tables)
    return raw


def test_a_lever_table_cell_key_parses_and_sets_only_that_cell() -> None:
    from governance_sim.logics import profile

    raw = _cell_spec()
    raw["constants"]["lever_table"] = {"co_creation": {"facilitation_targeting": 0.6}}
    spec = spec_from_dict(raw)
    assert spec.names == [CELL]
    assert [d.values for d in spec.dimensions] == [(0.1, 0.7)]
    runner = resolve_model(spec)
    params = runner.params({CELL: 0.7})
    assert params.lever_table == {"co_creation": {"control_intensity": 0.7,
                                                  "facilitation_targeting": 0.6}}
    assert params.levers == {}  # not a lever override: other logics keep their values
    for logic in ("bureaucracy", "npm"):
        assert profile(logic, params.lever_table) == profile(logic)
    changed = profile("co_creation", params.lever_table).as_dict()
    table = profile("co_creation").as_dict()
    assert {k for k in table if changed[k] != table[k]} == {"control_intensity",
                                                            "facilitation_targeting"}
    assert runner.params({}).lever_table == {"co_creation": {"facilitation_targeting": 0.6}}


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lever_table.anarchy.control_intensity", [0.2, 0.4], "unknown logic 'anarchy'"),
    ("lever_table.co_creation.control", [0.2, 0.4], "unknown lever 'control'"),
    ("lever_table.co_creation", [0.2, 0.4], "needs a logic and a lever"),
    ("lever_table.co_creation.control_intensity.x", [0.2], "needs a logic and a lever"),
    (CELL, [0.2, 1.4], "outside the allowed range"),
    ("lever_table", [0.2], "unknown parameter"),
])
def test_a_bad_lever_table_cell_names_what_is_allowed(key: str, value: list,
                                                      message: str) -> None:
    raw = _cell_spec(levers={key: value})
    with pytest.raises(SpecError, match=message) as caught:
        spec_from_dict(raw, source="bad.toml")
    text = str(caught.value)
    assert text.startswith(f"bad.toml: [levers] {key!r}")
    if "needs" in message or "unknown l" in message:  # lists the logics and levers allowed
        assert "allowed: lever_table.<logic>.<lever> with logic one of bureaucracy, npm, " \
               "co_creation and lever one of arnstein_rung" in text


def test_a_cell_and_an_override_of_the_same_lever_are_refused() -> None:
    raw = _cell_spec()
    raw["constants"]["levers.control_intensity"] = 0.5
    with pytest.raises(SpecError, match="both given"):
        spec_from_dict(raw)
    raw = _cell_spec()
    raw["constants"]["levers.facilitation_targeting"] = 0.5  # another lever: fine
    spec_from_dict(raw)


def test_cli_bad_lever_table_cell_exits_2_with_one_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(VALID.replace('"levers.facilitation_targeting"',
                                  '"lever_table.co_creaton.facilitation_targeting"'))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown logic 'co_creaton'" in err


def test_a_cell_changes_a_run_only_after_the_switch_to_its_logic() -> None:
    runner = resolve_model(spec_from_dict(_cell_spec()))
    table = runner({CELL: 0.3}, seed=4)  # the table's own value: as if not set
    plain = runner({}, seed=4)
    assert table.equals(plain)
    cell = runner({CELL: 0.9}, seed=4)
    before, after = slice(None, 7), slice(9, None)
    assert cell.loc[before].equals(plain.loc[before])  # NPM governs: the cell is idle
    assert not cell.loc[after].equals(plain.loc[after])
    # the same value as a lever override acts from the start (what the cell avoids)
    raw = _cell_spec(levers={"levers.control_intensity": [0.3, 0.9]})
    override = resolve_model(spec_from_dict(raw))({"levers.control_intensity": 0.9}, seed=4)
    assert not override.loc[before].equals(plain.loc[before])
