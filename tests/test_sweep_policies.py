"""Policies x scenarios (issue 21): a spec's [[policies]] crossed with a sampled design of
uncertainties, as the EMA Workbench's perform_experiments(scenarios, policies)."""

from __future__ import annotations

from pathlib import Path

import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.sweep import SpecError, build_design, read_table, run_sweep, spec_from_dict

SMALL = {"n_citizens": 300, "n_units": 4, "professionals_per_unit": 3, "n_politicians": 9}


def _raw(samples: int = 6) -> dict:
    return {"sweep": {"name": "pol", "steps": 3, "replicates": 2, "seed": 9},
            "design": {"kind": "latin_hypercube", "samples": samples},
            "uncertainties": {"initial_trust": {"low": 0.3, "high": 0.7}},
            "constants": dict(SMALL),
            "policies": [{"name": "hands_off", "levers": {"control_intensity": 0.2}},
                         {"name": "tight", "levers.control_intensity": 0.9,
                          "logic": "npm"}],
            "outcomes": {"trust_final": {"metric": "trust_mean"}}}


def test_policies_cross_every_sampled_point(tmp_path: Path) -> None:
    spec = spec_from_dict(_raw())
    assert spec.policies == {"hands_off": {"levers.control_intensity": 0.2},
                             "tight": {"levers.control_intensity": 0.9, "logic": "npm"}}
    design = build_design(spec)
    assert list(design.points.columns) == ["policy", "initial_trust"]
    assert len(design.points) == 12 and design.n_runs == 24 == spec.n_runs
    first, second = (design.points[design.points["policy"] == name]["initial_trust"]
                     for name in ("hands_off", "tight"))
    assert list(first) == list(second), "the same scenarios under every policy"
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    runs = read_table(tmp_path / "out")
    assert len(runs) == 24 and (runs["status"] == "ok").all()
    row = runs[runs["policy"] == "tight"].iloc[0]
    direct = gs.run(gs.Params(logic="npm", initial_trust=row.initial_trust,
                              levers={"control_intensity": 0.9}, **SMALL),
                    steps=3, seed=int(row.seed)).timeseries["trust_mean"].iloc[-1]
    assert row.trust_final == direct
    # resumes and analyses: discover sees the policy as a categorical factor
    assert run_sweep(spec, tmp_path / "out", workers=1, progress=False).ran == 0
    median = float(runs["trust_final"].median())
    assert main(["discover", str(tmp_path / "out"), "--where",
                 f"trust_final > {median:.6f}", "--resamples", "0"]) == 0
    assert main(["sensitivity", str(tmp_path / "out")]) == 0  # delta over the scenarios


def test_full_factorial_crosses_policies_with_levels() -> None:
    raw = _raw()
    raw["design"] = {"kind": "full_factorial"}
    raw["uncertainties"] = {"initial_trust": [0.3, 0.5, 0.7]}
    design = build_design(spec_from_dict(raw))
    assert len(design.points) == 6 and set(design.points["policy"]) == {"hands_off", "tight"}


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["design"].update(kind="sobol", samples=4), "needs its own sample order"),
    (lambda r: r["policies"].append({"name": "tight", "levers.control_intensity": 0.5}),
     "used twice"),
    (lambda r: r["policies"].append({"name": "empty"}), "sets nothing"),
    (lambda r: r["policies"][0].update({"initial_trust": 0.4}), "also varied"),
    (lambda r: r["policies"][0].update({"levers.control_intensity": 7}), "outside"),
    (lambda r: r["policies"][0].update({"levers.nonsense": 1}), "unknown lever"),
    (lambda r: r.update(policies={"name": "x"}), "array of tables"),
])
def test_bad_policies_are_one_clear_error(change, message) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(SpecError, match=message):
        spec_from_dict(raw)


def test_a_custom_model_gets_its_policys_settings() -> None:
    seen = []

    def model(params: dict) -> dict:
        seen.append(dict(params))
        return {"y": params["a"] + params["x"]}

    table = gs.sweep({"sweep": {"name": "c", "model": "mine", "seed": 1},
                      "design": {"kind": "full_factorial"},
                      "uncertainties": {"x": [0.0, 1.0]},
                      "constants": {"a": 100.0, "b": 1.0},
                      "policies": [{"name": "low", "a": 1.0}, {"name": "high", "a": 2.0}],
                      "outcomes": {"y": {"stat": "value"}}}, model=model, progress=False)
    assert sorted(table["y"]) == [1.0, 2.0, 2.0, 3.0]
    assert all("policy" not in p and p["b"] == 1.0 for p in seen)
