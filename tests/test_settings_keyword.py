"""One keyword for parameter overrides: ``settings=`` in run, run_many, compare, sweep,
run_sweep and calibrate; the old names still work with a DeprecationWarning (issue 21)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import governance_sim as gs
from governance_sim.params import ParameterError

SMALL = {"n_citizens": 300, "n_units": 4, "professionals_per_unit": 3, "n_politicians": 9}


def _no_deprecation(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        return call()


def test_run_takes_settings_and_the_old_keywords_warn_naming_settings():
    new = _no_deprecation(lambda: gs.run("npm", steps=4, seed=3, settings=SMALL))
    with pytest.warns(DeprecationWarning, match=r"settings=\{'n_citizens': 300"):
        old = gs.run("npm", steps=4, seed=3, **SMALL)
    pd.testing.assert_frame_equal(new.timeseries, old.timeseries)
    assert new.manifest["params"]["n_citizens"] == 300


def test_run_settings_merge_levers_as_run_many_does():
    scenario = gs.load_scenario("co_creation")
    base_levers = dict(scenario.params.levers)
    result = gs.run(scenario, steps=1, seed=1,
                    settings={**SMALL, "levers": {"facilitation_targeting": 0.9}})
    levers = result.manifest["params"]["levers"]
    assert levers["facilitation_targeting"] == 0.9
    for key, value in base_levers.items():
        if key != "facilitation_targeting":
            assert levers[key] == value, "settings keep the scenario's other lever overrides"


def test_run_settings_bad_input_is_one_clear_error():
    with pytest.raises(ParameterError, match="settings: expected a mapping"):
        gs.run("npm", steps=1, seed=1, settings=[("n_citizens", 300)])
    with pytest.raises(ParameterError, match="n_citizenz"):
        gs.run("npm", steps=1, seed=1, settings={"n_citizenz": 300})


def test_sweep_takes_settings_and_constants_warns():
    keywords = dict(levers={"logic": ["npm", "co_creation"]},
                    outcomes={"trust_final": "trust_mean"}, steps=4, replicates=1, seed=2,
                    progress=False)
    new = _no_deprecation(lambda: gs.sweep(settings=SMALL, **keywords))
    with pytest.warns(DeprecationWarning, match="settings="):
        old = gs.sweep(constants=SMALL, **keywords)
    pd.testing.assert_frame_equal(new.drop(columns="elapsed_s"), old.drop(columns="elapsed_s"))
    with pytest.raises(gs.UserInputError, match="settings= and constants="):
        gs.sweep(settings=SMALL, constants=SMALL, **keywords)


def test_settings_override_a_spec_given_to_sweep_and_run_sweep(tmp_path):
    from governance_sim.sweep import read_manifest, read_table, run_sweep

    spec = {"sweep": {"name": "s", "steps": 3, "replicates": 1, "seed": 4},
            "levers": {"logic": ["npm", "co_creation"]},
            "constants": {"n_citizens": 5000, "n_units": 4},
            "outcomes": {"trust_final": {"metric": "trust_mean"}}}
    table = gs.sweep(spec, settings={"n_citizens": 300}, progress=False)
    assert (table["status"] == "ok").all()
    run_sweep(gs.sweep.spec_from_dict(spec), tmp_path / "out", workers=1, progress=False,
              settings={"n_citizens": 300})
    manifest = read_manifest(tmp_path / "out")
    assert manifest["constants"]["n_citizens"] == 300
    direct = gs.run(gs.Params(logic="npm", n_citizens=300, n_units=4), steps=3,
                    seed=int(table["seed"].iloc[0])).timeseries["trust_mean"].iloc[-1]
    assert table["trust_final"].iloc[0] == direct
    assert read_table(tmp_path / "out")["trust_final"].iloc[0] == direct


def test_run_many_and_compare_keep_settings():
    runs = _no_deprecation(lambda: gs.run_many("npm", replicates=1, steps=2, seed=1,
                                               settings=SMALL, progress=False,
                                               uncertainty="none"))
    assert len(runs) == 3
    result = _no_deprecation(lambda: gs.compare(["npm", "co_creation"], replicates=1, steps=2,
                                                settings=SMALL, progress=False,
                                                uncertainty="none"))
    assert set(result.runs["scenario"]) == {"npm", "co_creation"}


def _band(params: dict, seed: int) -> dict[str, float]:
    """y = 10 x + seed noise: in the band 4..6 for initial_trust 0.4..0.6."""
    import numpy as np

    return {"y": 10.0 * params["initial_trust"] + np.random.default_rng(seed).normal(0, 0.05)}


def test_calibrate_takes_settings_over_its_base(tmp_path):
    from governance_sim.calibration import CalibrationError, calibrate, config_from_dict
    from governance_sim.sweep import SerialExecutor

    config = config_from_dict({
        "calibration": {"name": "s", "seeds": 1, "seed": 3, "waves": 1, "samples": 8,
                        "draws": 4, "repeats": 1},
        "parameters": {"initial_trust": [0.0, 1.0]},
        "targets": {"y": [4.0, 6.0]}}, source="s.toml")
    result = calibrate(config, tmp_path / "out", executor=SerialExecutor(), model=_band,
                       progress=False, settings={"budget": 0.9, "n_citizens": 1500})
    assert result.config.base["budget"] == 0.9 and result.config.n_citizens == 1500
    assert "budget = 0.9" in (tmp_path / "out" / "calibrated.toml").read_text()
    with pytest.raises(CalibrationError, match="initial_trust.*free parameter"):
        calibrate(config, tmp_path / "other", model=_band, progress=False,
                  settings={"initial_trust": 0.5})
    with pytest.raises(CalibrationError, match="settings: expected a mapping"):
        calibrate(config, tmp_path / "other", model=_band, progress=False,
                  settings=["budget"])
    with pytest.raises(CalibrationError, match="settings: .*budget"):
        calibrate(config, tmp_path / "other", model=_band, progress=False,
                  settings={"budget": -1.0})
