"""Sweeps carry parameter uncertainty (issue 21): the base scenario's table by default,
``none`` to turn it off, a design crossed with K draws, the draws recorded as columns."""

from __future__ import annotations

import json

import numpy as np
import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.sweep import SpecError, build_design, read_table, run_sweep, spec_from_dict
from governance_sim.sweep.design import draw_seeds, tasks
from governance_sim.uncertainty import load_table

SMALL = {"n_citizens": 300, "n_units": 4, "professionals_per_unit": 3, "n_politicians": 9}


def _raw(**uncertainty) -> dict:
    raw = {"sweep": {"name": "u", "scenario": "npm", "steps": 3, "replicates": 2, "seed": 5},
           "levers": {"levers.facilitation_targeting": [0.0, 1.0]},
           "constants": dict(SMALL),
           "outcomes": {"trust_final": {"metric": "trust_mean"}}}
    if uncertainty:
        raw["uncertainty"] = uncertainty
    return raw


def test_a_sweep_draws_from_its_scenarios_table_by_default_and_none_turns_it_off():
    spec = spec_from_dict(_raw())
    assert spec.uncertainty is not None and spec.uncertainty.name == "calibrated"
    assert spec.uncertainty_from == "scenario"
    assert "drawn_trust_anchoring" in [o.name for o in spec.outcomes]
    off = spec_from_dict(_raw(table="none"))
    assert off.uncertainty is None and [o.name for o in off.outcomes] == ["trust_final"]
    plain = _raw()
    del plain["sweep"]["scenario"]
    assert spec_from_dict(plain).uncertainty is None, "no scenario, no table"


def test_the_scenarios_table_yields_to_a_varied_parameter():
    raw = _raw()
    raw["uncertainties"] = {"trust_anchoring": [0.02, 0.05]}
    spec = spec_from_dict(raw)
    assert "drawn_trust_anchoring" not in [o.name for o in spec.outcomes]
    runner = gs.sweep.resolve_model(spec)
    assert runner.params({"trust_anchoring": 0.05}, seed=3).trust_anchoring == 0.05
    raw["uncertainty"] = {"table": "calibrated"}
    with pytest.raises(SpecError, match="also varied"):
        spec_from_dict(raw)


def test_a_design_crossed_with_draws_runs_every_point_with_every_draw(tmp_path):
    spec = spec_from_dict(_raw(draws=3))
    assert spec.n_runs == 2 * 3 * 2
    design = build_design(spec)
    assert design.n_runs == 12 and len(design.draws) == 3
    assert [t.run_id for t in tasks(design)] == list(range(12))
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    runs = read_table(tmp_path / "out")
    assert len(runs) == 12 and (runs["status"] == "ok").all()
    assert sorted(runs["draw"].unique()) == [0, 1, 2]
    table = load_table("calibrated")
    seeds = draw_seeds(5, 3)
    for draw, group in runs.groupby("draw"):
        expected = table.draw(int(seeds[int(draw)]))["trust_anchoring"]
        assert np.allclose(group["drawn_trust_anchoring"], expected), "the same set everywhere"
        # common random numbers: every point and draw runs on the same replicate seeds
        assert sorted(group["seed"].unique()) == sorted(int(s) for s in design.seeds)
    assert runs.groupby("draw")["drawn_trust_anchoring"].first().nunique() > 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["uncertainty"]["name"] == "calibrated"
    assert manifest["uncertainty"]["draws"] == 3 and manifest["n_runs"] == 12
    # resume: nothing left to run, the same table
    report = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert report.ran == 0 and report.skipped == 12


def test_draws_need_a_table_and_a_free_column_name():
    with pytest.raises(SpecError, match="draws: crossing the design with draws needs"):
        spec_from_dict(_raw(table="none", draws=2))
    raw = _raw(draws=2)
    raw["outcomes"]["draw"] = {"metric": "trust_mean"}
    with pytest.raises(SpecError, match="'draw': the name is reserved"):
        spec_from_dict(raw)
    with pytest.raises(SpecError, match=r"\[uncertainty\] draws: must be an integer"):
        spec_from_dict(_raw(draws=0))


def test_cli_uncertainty_none_turns_the_scenarios_table_off(tmp_path, capsys):
    import tomli_w

    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(tomli_w.dumps(_raw()), encoding="utf-8")
    assert main(["sweep", str(spec_file), "--out", str(tmp_path / "on"), "--workers", "1",
                 "--no-progress"]) == 0
    assert main(["sweep", str(spec_file), "--out", str(tmp_path / "off"), "--workers", "1",
                 "--no-progress", "--uncertainty", "none"]) == 0
    on, off = read_table(tmp_path / "on"), read_table(tmp_path / "off")
    assert "drawn_trust_anchoring" in on.columns and "drawn_trust_anchoring" not in off.columns
    manifest = json.loads((tmp_path / "off" / "manifest.json").read_text())
    assert manifest["uncertainty"] is None
    assert manifest["command"].endswith("--uncertainty none")


def test_gs_sweep_follows_the_scenario_and_takes_none_and_draws():
    keywords = dict(levers={"levers.facilitation_targeting": [0.0, 1.0]}, scenario="npm",
                    settings=SMALL, outcomes={"trust_final": "trust_mean"}, steps=2,
                    replicates=1, seed=3, progress=False)
    drawn = gs.sweep(**keywords)
    assert "drawn_trust_anchoring" in drawn.columns
    plain = gs.sweep(**keywords, uncertainty="none")
    assert "drawn_trust_anchoring" not in plain.columns
    crossed = gs.sweep(**keywords, draws=2)
    assert len(crossed) == 4 and sorted(crossed["draw"].unique()) == [0, 1]


def test_sensitivity_analyses_outcomes_not_the_drawn_parameters(tmp_path, capsys):
    raw = _raw()
    raw["design"] = {"kind": "latin_hypercube", "samples": 12}
    raw["levers"] = {"levers.facilitation_targeting": {"low": 0.0, "high": 1.0}}
    raw["sweep"]["replicates"] = 1
    run_sweep(spec_from_dict(raw), tmp_path / "out", workers=1, progress=False)
    assert main(["sensitivity", str(tmp_path / "out")]) == 0
    names = {p.name for p in (tmp_path / "out" / "sensitivity").iterdir()}
    assert "trust_final_delta.csv" in names
    assert not any(name.startswith("drawn_") for name in names)
    assert main(["sensitivity", str(tmp_path / "out"), "--outcome",
                 "drawn_trust_anchoring"]) == 2
    assert "an input, not an outcome" in capsys.readouterr().err
