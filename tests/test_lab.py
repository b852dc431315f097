"""Lab mode: the calibrated contribution rule reproduces the Herrmann et al. (2008) series."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from governance_sim import Params
from governance_sim.lab import LabDesign, calibration, expected_series, play

DATA = [Path(__file__).resolve().parents[1] / "data" / "public_goods_herrmann2008.csv",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "public_goods_herrmann2008.csv"]


def _herrmann() -> np.ndarray:
    stored = np.array(calibration()["fit"]["data"])
    for path in DATA:
        if path.exists():
            frame = pd.read_csv(path, comment="#")
            np.testing.assert_allclose(frame["share_of_endowment"], stored, atol=1e-9)
    return stored


def test_params_defaults_are_the_stored_calibration():
    defaults = Params()
    for name, value in calibration()["params"].items():
        assert getattr(defaults, name) == pytest.approx(value, abs=1e-12), name
        assert "calibrate_lab.py" in Params.model_fields[name].json_schema_extra["source"]


def test_calibrated_defaults_reproduce_no_punishment_series():
    data = _herrmann()
    model = expected_series().by_period["contribution"].to_numpy()
    rmse = float(np.sqrt(np.mean((model - data) ** 2)))
    assert rmse <= 0.03, f"RMSE {rmse:.4f} of endowment > 0.03"
    assert abs(model[-1] / model[0] - data[-1] / data[0]) <= 0.1
    np.testing.assert_allclose(model, calibration()["fit"]["model"], atol=1e-4)


def test_sampled_session_agrees_with_expectation():
    exact = expected_series().by_period["contribution"]
    sampled = play(n_groups=20_000, seed=3).by_period["contribution"]
    assert np.max(np.abs(exact - sampled)) < 0.01


def test_lab_design_follows_herrmann():
    design = LabDesign()
    assert (design.group_size, design.endowment, design.mpcr, design.periods) == (4, 20, 0.4, 10)
    assert (design.max_points, design.point_cost_punisher, design.point_cost_target) == (10, 1, 3)


def test_punishment_costs_points_and_tokens():
    out = expected_series(design=LabDesign(sanctions=True, civic_norm=0.5)).by_period
    assert (out["points_given"] > 0).all()
    free = expected_series(design=LabDesign(sanctions=False, civic_norm=0.5)).by_period
    assert (free["points_given"] == 0).all()
    # in period 1 nobody has been punished yet: the same contributions, less money
    assert out["contribution"].iloc[0] == pytest.approx(free["contribution"].iloc[0], abs=1e-12)
    assert out["earnings"].iloc[0] < free["earnings"].iloc[0]


@pytest.mark.science
def test_the_punished_respond_and_the_norm_dependence_emerges():
    """Fehr & Gaechter 2000: punished free riders raise their contributions; Herrmann et al.
    2008: where antisocial punishment is common, sanctions help less. Neither is a term in
    the contribution rule: switching the feedback off leaves contributions unchanged."""
    def gain(norm, **mechanisms):
        params = Params(mechanisms=mechanisms)
        with_s = expected_series(params, LabDesign(sanctions=True, civic_norm=norm))
        without = expected_series(params, LabDesign(sanctions=False, civic_norm=norm))
        return with_s.by_period, float((with_s.by_period["contribution"]
                                        - without.by_period["contribution"]).mean())

    strong_series, strong = gain(0.8)
    _, weak = gain(0.2)
    assert strong >= 0.1 and weak < 0.5 * strong
    assert strong_series["contribution_free_rider"].iloc[-2] > 0.1  # punished into giving
    for norm in (0.2, 0.8):
        assert gain(norm, punishment_feedback=False)[1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.science
def test_antisocial_punishment_grows_as_civic_norm_weakens():
    weak = expected_series(design=LabDesign(sanctions=True, civic_norm=0.1)).by_period
    strong = expected_series(design=LabDesign(sanctions=True, civic_norm=0.9)).by_period
    assert weak["antisocial_share"].mean() > strong["antisocial_share"].mean()


def test_sanctions_sustain_contributions_to_the_end_where_norms_are_strong():
    """Issue 20: with strong norms, sanctions sustain contributions over ten periods.

    The sanctions stage follows the last period too, so it deters the end-game drop
    (lab.end_game_deterrence). Without sanctions, or with punishment teaching nothing, the
    last period falls to about 0.4 of the first.
    """
    from governance_sim.lab import end_game_deterrence

    params = Params()
    strong = expected_series(params, LabDesign(sanctions=True, civic_norm=1.0)).by_period
    assert strong["contribution"].iloc[-1] >= strong["contribution"].iloc[0]
    assert strong["contribution"].min() >= 0.95 * strong["contribution"].iloc[0]
    plain = expected_series(params, LabDesign(sanctions=False, civic_norm=1.0)).by_period
    assert plain["contribution"].iloc[-1] <= 0.5 * plain["contribution"].iloc[0]
    taught_nothing = params.replace(mechanisms={"punishment_feedback": False})
    flat = expected_series(taught_nothing, LabDesign(sanctions=True, civic_norm=1.0)).by_period
    assert flat["contribution"].iloc[-1] <= 0.5 * flat["contribution"].iloc[0]
    # deterrence falls as norms weaken (antisocial punishment makes holding back pay)
    weak = end_game_deterrence(params, LabDesign(sanctions=True, civic_norm=0.0))
    assert 0.0 < weak < end_game_deterrence(params, LabDesign(sanctions=True, civic_norm=1.0))
    assert end_game_deterrence(params, LabDesign(sanctions=False)) == 0.0
