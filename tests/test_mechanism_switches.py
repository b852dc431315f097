"""Mechanism switches: validated, recorded, usable from Python, scenarios, the CLI and sweeps."""

from __future__ import annotations

import json

import numpy as np
import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.mechanisms import MECHANISMS, effective_params, switched_off
from governance_sim.params import MECHANISM_NAMES, ParameterError, Params


def test_every_switch_has_a_neutral_form_that_changes_something():
    base = Params()
    for name, mechanism in MECHANISMS.items():
        assert mechanism.what and mechanism.neutral
        if mechanism.lab:
            continue  # acts in lab mode (lab.py): no full-model parameter changes
        changed = effective_params(base.replace(mechanisms={name: False}))
        differs = [f for f in Params.model_fields
                   if f != "mechanisms" and getattr(changed, f) != getattr(base, f)]
        assert differs, f"{name}: its neutral form changes no parameter"


def test_unknown_or_non_boolean_switches_are_refused():
    with pytest.raises(ParameterError, match="unknown mechanism 'magic'"):
        Params(mechanisms={"magic": False})
    with pytest.raises(ParameterError, match="true or false"):
        Params(mechanisms={"contagion": 0})


def test_switches_are_recorded_as_given_and_the_dynamics_run_the_neutral_form():
    params = Params(n_citizens=500, n_units=5, mechanisms={"trust_asymmetry": False})
    assert switched_off(params) == ("trust_asymmetry",)
    result = gs.run(params, steps=3, seed=1)
    assert result.manifest["params"]["mechanisms"] == {"trust_asymmetry": False}
    assert result.manifest["params"]["loss_aversion"] == params.loss_aversion
    assert effective_params(params).loss_aversion == 1.0
    assert effective_params(Params()) == Params()  # nothing off: the same parameters


def test_a_switch_changes_the_run_and_is_deterministic():
    params = Params(n_citizens=1000, n_units=10, logic="co_creation")
    on = gs.run(params, steps=24, seed=3).timeseries
    off = gs.run(params.replace(mechanisms={"contagion": False}), steps=24, seed=3).timeseries
    again = gs.run(params.replace(mechanisms={"contagion": False}), steps=24,
                   seed=3).timeseries
    assert not on["participation_rate"].equals(off["participation_rate"])
    assert off.equals(again)


def test_scenario_file_can_switch_a_mechanism_off(tmp_path):
    path = tmp_path / "no_contagion.toml"
    path.write_text('[scenario]\nname = "no_contagion"\n\n[params]\nlogic = "co_creation"\n'
                    'n_citizens = 500\nn_units = 5\n\n[params.mechanisms]\ncontagion = false\n',
                    encoding="utf-8")
    assert gs.load_scenario(str(path)).params.mechanisms == {"contagion": False}


def test_cli_set_switches_a_mechanism_and_refuses_bad_values(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "co_creation", "--steps", "3", "--set", "n_citizens=500",
                 "--set", "n_units=5", "--set", "mechanisms.contagion=false",
                 "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenarios"][0]["params"]["mechanisms"] == {"contagion": False}
    capsys.readouterr()
    assert main(["run", "co_creation", "--steps", "3", "--set", "mechanisms.contagion=0",
                 "--out", str(tmp_path / "bad")]) == 2
    assert "true or false" in capsys.readouterr().err
    assert main(["run", "co_creation", "--steps", "3", "--set", "mechanisms.nope=false",
                 "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "unknown mechanism" in err and all(name in err for name in MECHANISM_NAMES)


def test_a_sweep_factor_switches_a_mechanism(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nname = "ablation"\nscenario = "co_creation"\nsteps = 24\nreplicates = 1\n\n'
        '[design]\nkind = "full_factorial"\n\n'
        '[levers]\n"mechanisms.facilitation" = [true, false]\n\n'
        '[constants]\nn_citizens = 1000\nn_units = 10\n\n'
        '[outcomes]\nparticipation = { metric = "participation_rate", stat = "mean", '
        'window = [12, 24] }\n', encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    from governance_sim.sweep.store import read_table

    table = read_table(tmp_path / "out")
    assert set(table["mechanisms.facilitation"]) == {True, False}
    by = table.groupby("mechanisms.facilitation")["participation"].mean()
    assert by[True] != by[False]


def test_a_sampled_design_refuses_a_mechanism_range(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('[sweep]\nname = "bad"\nscenario = "co_creation"\nsteps = 12\n\n'
                    '[design]\nkind = "latin_hypercube"\nsamples = 4\n\n'
                    '[levers]\n"mechanisms.contagion" = { low = 0, high = 1 }\n\n'
                    '[outcomes]\np = { metric = "participation_rate", stat = "final" }\n',
                    encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "switched, not sampled" in capsys.readouterr().err


def test_odd_lists_every_switch_with_its_neutral_form():
    from pathlib import Path

    odd = (Path(__file__).resolve().parents[1] / "docs" / "odd.md").read_text(encoding="utf-8")
    for name, mechanism in MECHANISMS.items():
        assert f"| `{name}` | {mechanism.what} | {mechanism.neutral} |" in odd, name


@pytest.mark.science
def test_paying_the_person_crowds_out_the_civic_motive_paying_a_cause_does_not():
    """A prediction, not fitted (Frey & Oberholzer-Gee 1997; Mellström & Johannesson 2008):
    payment raises taking part at first; paid to the person it erodes the civic motive until
    fewer take part than unpaid; paid to a cause it keeps its effect; without the
    civic_crowding mechanism the person's payment works like the cause's."""
    base = Params(n_citizens=4000, n_units=40, logic="co_creation")

    def participation(months, **over):
        ts = gs.run(base.replace(**over), steps=120, seed=2).timeseries
        return float(ts["participation_rate"].loc[months].mean())

    early, late = slice(6, 18), slice(96, 120)
    person = {"levers": {"participation_payment": 1.0}}
    cause = {"levers": {"participation_payment": 1.0, "payment_to_cause": 1.0}}
    assert participation(early, **person) > participation(early)
    assert participation(late, **person) < 0.9 * participation(late)
    assert participation(late, **cause) > 1.2 * participation(late)
    no_crowding = participation(late, mechanisms={"civic_crowding": False}, **person)
    assert no_crowding == pytest.approx(participation(late, **cause), rel=1e-12)


def _arena_contribution(trust: float, feedback: bool, sanctions: float | None = None) -> float:
    """Mean contribution of participants over months 49-60 of a bureaucracy, seeds 1-2."""
    levers = {} if sanctions is None else {"sanctions": sanctions}
    values = []
    for seed in (1, 2):
        params = Params(logic="bureaucracy", n_citizens=4000, initial_trust=trust,
                        levers=levers, mechanisms={"punishment_feedback": feedback})
        series = gs.run(params, steps=60, seed=seed).timeseries["contribution_mean"]
        values.append(float(series.iloc[-12:].mean()))
    return float(np.mean(values))


@pytest.mark.science
@pytest.mark.slow
def test_in_the_arenas_sanctions_raise_contributions_more_where_trust_is_high():
    # the norm dependence emerges from who punishes whom (no sanctions term in the rule)
    gain_high = _arena_contribution(0.8, True) - _arena_contribution(0.8, False)
    gain_low = _arena_contribution(0.2, True) - _arena_contribution(0.2, False)
    assert gain_high >= 0.03, gain_high
    assert gain_low < 0.5 * gain_high, (gain_low, gain_high)
    # with punishment teaching nothing, the sanctions lever changes no contribution
    assert _arena_contribution(0.8, False, sanctions=0.0) == _arena_contribution(
        0.8, False, sanctions=0.6)
