"""Emulated history matching on a model with a known answer: emulators, waves, posterior."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from governance_sim.calibration import calibrate, config_from_dict
from governance_sim.calibration.config import Target
from governance_sim.calibration.emulator import fit_emulator
from governance_sim.calibration.history import inside_probability
from governance_sim.calibration.sampling import pick, rejection, screen_space
from governance_sim.sweep import SerialExecutor
from governance_sim.uncertainty import load_table

# truth: x = initial_trust, z = initial_efficacy; y = 10 x (band 4.5..5.5: x in 0.45..0.55),
# w = z + 0.3 x (band 0.3..0.4: z in about 0.14..0.27); trust_learning_rate does nothing.
TRUTH = {"initial_trust": 0.5, "initial_efficacy": 0.2}


def known_model(params: dict, seed: int) -> dict[str, float]:
    """A stochastic model whose in-band region is known (noise differs point to point)."""
    rng = np.random.default_rng([seed, int(params["initial_trust"] * 1e9),
                                 int(params.get("initial_efficacy", 0.2) * 1e9)])
    x, z = params["initial_trust"], params.get("initial_efficacy", 0.2)
    return {"y": 10.0 * x + rng.normal(0.0, 0.1), "w": z + 0.3 * x + rng.normal(0.0, 0.01)}


def _config(**settings) -> object:
    raw = {"calibration": {"name": "known", "seeds": 2, "seed": 11, "waves": 3,
                           "samples": 20, "candidates": 4096, "draws": 200,
                           "repeats": 2, **settings},
           "parameters": {"initial_trust": [0.0, 1.0], "initial_efficacy": [0.0, 1.0],
                          "trust_learning_rate": [0.0, 1.0]},
           "targets": {"y": [4.5, 5.5], "w": [0.3, 0.4]}}
    return config_from_dict(raw, source="known.toml")


def test_leave_one_out_matches_refitting_without_the_sample() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((30, 2))
    groups = np.repeat(np.arange(15), 2)
    x[1::2] = x[::2]  # two seeds per sample
    y = np.sin(4 * x[:, 0]) + x[:, 1] + rng.normal(0.0, 0.05, 30)
    emulator = fit_emulator("y", x, y, groups, seed=0)
    assert emulator.ok
    assert 0.8 <= emulator.validation()["within_3"] <= 1.0
    assert emulator.seed_var == pytest.approx(0.05 ** 2, rel=0.8)
    # the closed form against conditioning the same GP on the other samples
    gp = emulator.gp
    means = np.array([y[groups == g].mean() for g in range(15)])
    points = x[::2]
    k = gp.kernel_(points)
    std, centre = float(gp._y_train_std), float(gp._y_train_mean)
    target = (means - centre) / std
    rest = np.arange(1, 15)
    k_rr = k[np.ix_(rest, rest)]
    mean0 = k[0, rest] @ np.linalg.solve(k_rr, target[rest])
    var0 = k[0, 0] - k[0, rest] @ np.linalg.solve(k_rr, k[rest, 0])
    assert emulator.loo_z[0] == pytest.approx((target[0] - mean0) / math.sqrt(var0), rel=1e-5)


def test_emulated_chance_inside_a_band() -> None:
    x = np.linspace(0, 1, 12)[:, None]
    y = 10.0 * x[:, 0]
    emulator = fit_emulator("y", x, y, np.arange(12), seed=0)
    p = inside_probability({"y": emulator}, [Target("y", 4.0, 6.0, 1.0)],
                           np.array([[0.5], [0.95]]))
    assert p[0] > 0.95 and p[1] < 0.01


def test_screening_and_rejection_sample_the_region_itself() -> None:
    def keep(unit: np.ndarray) -> np.ndarray:  # a thin diagonal band, 4 % of the square
        return np.abs(unit[:, 0] - unit[:, 1]) < 0.02

    found = screen_space(keep, 2, want=200, batch=1024, seed=3)
    assert found.volume == pytest.approx(0.0396, abs=0.01)
    assert len(found.points) >= 200 and keep(found.points).all()
    assert found.points[:, 0].min() < 0.1 and found.points[:, 0].max() > 0.9  # whole band
    chosen = pick(found.points, 10, seed=1)
    assert len(chosen) == 10 and np.ptp(chosen[:, 0]) > 0.7
    weights = np.where(found.points[:, 0] < 0.5, 1.0, 0.0)
    accepted, _ = rejection(found.points, weights, 50, seed=2)
    assert len(accepted) == 50 and (accepted[:, 0] < 0.5).all()


def test_waves_shrink_the_space_and_the_posterior_covers_the_truth(tmp_path: Path) -> None:
    result = calibrate(_config(), tmp_path / "out", executor=SerialExecutor(),
                       model=known_model, progress=False)
    first = result.repeats[0]
    # non-implausible share of the prior: 1 -> about 0.16 after wave 1 (cutoff 3 of
    # sqrt(tolerance^2 + seed var + emulator var) around each band), then no larger
    assert first.volumes[0] == 1.0
    assert 0.05 < first.volumes[1] < 0.35
    assert first.volumes[-1] <= first.volumes[1] * 1.1
    post = result.posterior
    assert len(post) == 200
    assert post["initial_trust"].between(0.43, 0.57).all()
    w = post["initial_efficacy"] + 0.3 * post["initial_trust"]
    assert w.between(0.28, 0.42).all()
    for name, value in TRUTH.items():
        low, high = np.quantile(post[name], [0.05, 0.95])
        assert low <= value <= high, name
    assert np.ptp(post["trust_learning_rate"]) > 0.8  # what the bands do not constrain
    check = result.check
    assert check is not None and len(check.runs) == 200 and check.passed
    assert check.coverage["y"] >= 0.9 and check.coverage["w"] >= 0.9
    ident = result.identifiability
    assert ident.loc["initial_trust", "identified"]
    assert ident.loc["initial_efficacy", "identified"]
    assert not ident.loc["trust_learning_rate", "identified"]
    runs = 2 * 3 * 20 * 2 + 200
    assert result.runs == runs
    out = tmp_path / "out"
    table = load_table(out / "posterior.csv")  # shipping the posterior is a copy
    assert table.name == "posterior.csv"
    shipped = pd.read_csv(out / "posterior.csv")
    assert list(shipped.columns) == ["wave", "point_id", "initial_trust", "initial_efficacy",
                                     "trust_learning_rate", "implausibility", "worst",
                                     "inside"]
    assert shipped["inside"].mean() == pytest.approx(check.joint)
    report = (out / "report.md").read_text()
    for heading in ("## Implausibility by wave", "## Emulator validation",
                    "## Posterior predictive check", "**Accepted**", f"{runs} model runs"):
        assert heading in report
    assert "plotly" in (out / "pairs.html").read_text()[:200000].lower()
    validation = pd.read_csv(out / "emulators.csv")
    assert (validation["within_3"] >= 0.8).all()
    last = result.waves[-1].emulators
    assert math.sqrt(last["y"].seed_var) == pytest.approx(0.1, rel=0.35)  # the seed noise
    assert math.sqrt(last["w"].seed_var) == pytest.approx(0.01, rel=0.35)
    # run again: every wave and the check are found complete; same posterior
    again = calibrate(_config(), out, executor=SerialExecutor(), model=known_model,
                      progress=False)
    assert all(w.ran == 0 for r in again.repeats for w in r.waves) and again.check.ran == 0
    pd.testing.assert_frame_equal(again.posterior, post)


def test_unreachable_bands_leave_no_posterior(tmp_path: Path) -> None:
    config = config_from_dict({
        "calibration": {"name": "never", "seeds": 2, "seed": 1, "waves": 3, "samples": 10,
                        "candidates": 1024, "draws": 20, "repeats": 1},
        "parameters": {"initial_trust": [0.0, 1.0]},
        "targets": {"y": [50.0, 60.0], "w": [0.0, 1.0]}}, source="never.toml")
    result = calibrate(config, tmp_path / "out", executor=SerialExecutor(), model=known_model,
                       progress=False)
    assert result.posterior.empty and result.check is None and not result.accepted
    assert "not reached" in result.stopped
    assert "**Not accepted**" in (tmp_path / "out" / "report.md").read_text()


def test_nothing_identified_from_a_posterior_that_is_not_a_rejection_sample(
        tmp_path: Path) -> None:
    # min_inside 1: no candidate can reach it, so the draws fall back to every
    # non-implausible candidate and their intervals do not speak for identification
    config = _config(waves=2, samples=12, draws=20, min_inside=1.0)
    result = calibrate(config, tmp_path / "out", executor=SerialExecutor(),
                       model=known_model, progress=False)
    assert not any(r.clean for r in result.repeats)
    assert "not a plain rejection sample" in result.identified_note
    assert not result.identifiability["identified"].any()
    assert "Nothing is called identified" in (tmp_path / "out" / "report.md").read_text()


# --- refocusing: a small in-band region inside a large non-implausible box ------------------

#: Five parameters, each with its own statistic y_i = x_i (seed noise 0.01) and band
#: 0.4..0.6: inside every band is 0.2^5 = 0.03 % of the prior box, while a cutoff of 3
#: (tolerance: the half-width 0.1) keeps 0.1 <= x_i <= 0.9, 0.8^5 = 33 % of it. Like the
#: field calibration (36 bands, most of the box non-implausible, no sample inside every
#: band), a search of the non-implausible box at a fixed cutoff almost never lands inside.
BOX = ("initial_trust", "initial_efficacy", "initial_social_trust", "initial_belief",
       "initial_motivation")


def box_model(params: dict, seed: int) -> dict[str, float]:
    """y_i = x_i + seed noise for the five parameters of BOX."""
    rng = np.random.default_rng([seed, *(int(params[name] * 1e9) for name in BOX)])
    return {f"y{i}": params[name] + rng.normal(0.0, 0.01) for i, name in enumerate(BOX)}


def _box_config(**settings) -> object:
    raw = {"calibration": {"name": "box", "seeds": 2, "seed": 5, "waves": 4, "samples": 24,
                           "candidates": 4096, "draws": 40, "repeats": 1, **settings},
           "parameters": {name: [0.0, 1.0] for name in BOX},
           "targets": {f"y{i}": [0.4, 0.6] for i in range(len(BOX))}}
    return config_from_dict(raw, source="box.toml")


def test_waves_refocus_on_a_small_in_band_region(tmp_path: Path) -> None:
    # the default settings: a cutoff falling 3, 2.5, 2, 1.5 and half of each later wave
    # drawn by the emulated chance inside every band (fails on the method of a fixed
    # cutoff 3 and maximin designs: shares 0.33, 0.32, 0.32, 0.32 and no sample inside)
    result = calibrate(_box_config(), tmp_path / "out", executor=SerialExecutor(),
                       model=box_model, progress=False)
    waves = result.repeats[0].waves
    volumes = result.repeats[0].volumes  # before each wave, then after the last
    assert volumes[0] == 1.0 and 0.2 < volumes[1] < 0.45
    for before, after in zip(volumes[1:], volumes[2:], strict=False):
        assert after < 0.75 * before, volumes  # the non-implausible share falls every wave
    assert volumes[-1] < 0.1
    inside = [float(w.samples["inside"].mean()) for w in waves]
    assert inside[0] <= 0.1  # wave 1 is a Sobol' design of the box
    assert inside[-1] >= 0.25 and inside[-1] >= inside[0] + 0.2, inside
    assert result.accepted
    assert [w.inside_share for w in waves] == inside
    assert [w.cutoff for w in waves] == [3.0, 2.5, 2.0, 1.5]
    assert [w.focused for w in waves] == [0, 12, 12, 12]
    table = pd.read_csv(tmp_path / "out" / "waves.csv")
    assert {"cutoff", "focused", "inside_share"} <= set(table.columns)
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| repeat | wave | space | cutoff | samples (focused) |" in report
    assert f"({inside[-1]:.0%})" in report
    # same seed, same waves
    again = calibrate(_box_config(), tmp_path / "again", executor=SerialExecutor(),
                      model=box_model, progress=False)
    for one, two in zip(waves, again.repeats[0].waves, strict=True):
        pd.testing.assert_frame_equal(one.samples, two.samples)
    pd.testing.assert_frame_equal(again.posterior, result.posterior)


def test_a_fixed_cutoff_without_focus_does_not_refocus(tmp_path: Path) -> None:
    # the method before the schedule, still available: cutoff = 3.0, focus = 0
    result = calibrate(_box_config(cutoff=3.0, focus=0.0), tmp_path / "out",
                       executor=SerialExecutor(), model=box_model, progress=False)
    volumes = result.repeats[0].volumes
    assert min(volumes[1:]) > 0.8 * volumes[1]  # the share stays about one third
    assert all(w.focused == 0 for w in result.repeats[0].waves)
    assert max(w.inside_share for w in result.repeats[0].waves[1:]) <= 0.1
