"""The model against what real populations show (issue 11; bands in data/field_targets.csv).

Three logics at their default levers, 20 000 citizens, 240 months, three seeds. Every band
is checked on every seed (a band is a field range, not a mean to hit on average). Sources
of each band: data/field_targets.md.
"""

from __future__ import annotations

import math

import pytest

from governance_sim import field
from governance_sim.params import LOGIC_NAMES, Params

pytestmark = [pytest.mark.slow, pytest.mark.science]

SEEDS = (1, 2, 3)
BANDS = field.FIELD_BANDS


@pytest.fixture(scope="module")
def stats() -> list[dict[str, float]]:
    base = Params(n_citizens=20_000, n_units=100)
    return [field.field_statistics(base, seed=seed, steps=240) for seed in SEEDS]


def _each(stats, name):
    return [round(s[name], 4) for s in stats]


@pytest.mark.parametrize("logic", LOGIC_NAMES)
@pytest.mark.parametrize("statistic", ["participation_monthly", "participation_yearly"])
def test_participation_in_field_band(stats, logic, statistic):
    band = BANDS[statistic]
    values = _each(stats, f"{logic}.{statistic}")
    assert all(band.contains(v) for v in values), (
        f"{logic} {statistic} {values} outside [{band.low}, {band.high}]")


@pytest.mark.parametrize("logic", ["bureaucracy", "npm"])
def test_participation_quintile_ratio_untargeted(stats, logic):
    band = BANDS["participation_quintile_ratio"]
    values = _each(stats, f"{logic}.participation_quintile_ratio")
    assert all(band.contains(v) for v in values), values


def test_targeting_moves_ratio_toward_one_never_below():
    base = Params(n_citizens=20_000, n_units=100, logic="co_creation")
    band = BANDS["participation_quintile_ratio"]
    for seed in SEEDS[:2]:
        plain = field.logic_statistics(base.replace(levers={"facilitation_targeting": 0.0}),
                                       seed, 120, shock=False)["participation_quintile_ratio"]
        full = field.logic_statistics(base.replace(levers={"facilitation_targeting": 1.0}),
                                      seed, 120, shock=False)["participation_quintile_ratio"]
        assert band.contains(plain), plain
        assert 1.0 <= full < plain, (plain, full)


@pytest.mark.parametrize("logic", LOGIC_NAMES)
def test_invitation_acceptance_in_band(stats, logic):
    band = BANDS["invitation_acceptance"]
    values = _each(stats, f"{logic}.invitation_acceptance")
    assert all(band.contains(v) for v in values), values


@pytest.mark.parametrize("logic", LOGIC_NAMES)
def test_trust_mean_anchored(stats, logic):
    low, high = (0.45, 0.70) if logic != "npm" else (0.30, 0.77)
    lows, highs = _each(stats, f"{logic}.trust_mean_min"), _each(stats, f"{logic}.trust_mean_max")
    assert min(lows) >= low and max(highs) <= high, (lows, highs)


@pytest.mark.parametrize("logic", LOGIC_NAMES)
def test_trust_stays_heterogeneous(stats, logic):
    band = BANDS["trust_sd"]
    assert all(band.contains(v) for v in _each(stats, f"{logic}.trust_sd")), _each(
        stats, f"{logic}.trust_sd")
    assert min(_each(stats, f"{logic}.trust_sd_min")) >= 0.15


def test_nordic_baseline_share_trusting_held_out(stats):
    """The share with high or moderately high trust (answers 6-10) under the Nordic baseline.

    Held out of the calibration (experiments/field_calibration/targets.toml): OECD 2024,
    Nordic local government and civil service, 51-62 %. The Nordic baseline is the model's
    bureaucracy, the nearest of its pure logics (data/field_targets.md says why and what
    the check adds to the calibrated mean and SD).
    """
    trusting = _each(stats, "bureaucracy.trust_trusting_share")
    assert all(BANDS["trust_trusting_share"].contains(v) for v in trusting), trusting


@pytest.mark.xfail(strict=True, reason=(
    "known discrepancy: under the Nordic baseline 0.25-0.26 of citizens have low or no trust "
    "(answers 0-4), above the field's 0.12-0.25 (whose sources are trust in the political "
    "system and a Swiss survey, not local government): the model's low tail is heavier than "
    "the field's (data/field_targets.md, docs/odd.md III.iii)"))
def test_nordic_baseline_low_trust_share_held_out(stats):
    """The share with low or no trust (answers 0-4) under the Nordic baseline, held out."""
    low = _each(stats, "bureaucracy.trust_low_share")
    assert all(BANDS["trust_low_share"].contains(v) for v in low), low


@pytest.mark.parametrize("logic", LOGIC_NAMES)
def test_trust_quintile_gap(stats, logic):
    band = BANDS["trust_quintile_gap"]
    values = _each(stats, f"{logic}.trust_quintile_gap")
    assert all(band.contains(v) for v in values), values


@pytest.mark.parametrize("logic", LOGIC_NAMES)
def test_trust_settles(stats, logic):
    drift = _each(stats, f"{logic}.trust_drift_per_year")
    decade = _each(stats, f"{logic}.trust_decade_change")
    assert max(drift) <= BANDS["trust_drift_per_year"].high, drift
    assert max(decade) <= BANDS["trust_decade_change"].high, decade


@pytest.mark.parametrize("logic", LOGIC_NAMES)
def test_major_shock_fall(stats, logic):
    band = BANDS["shock_two_year_fall"]
    values = _each(stats, f"{logic}.shock_two_year_fall")
    assert all(band.contains(v) for v in values), values


def test_npm_effect_on_motivation_in_standard_deviations(stats):
    band = BANDS["motivation_npm_effect"]
    values = _each(stats, "motivation_npm_effect")
    assert all(band.contains(v) for v in values), values


def test_supportive_controls_leave_motivation_about_unchanged():
    """Andersen & Pallesen 2008; Bellé 2015: controls seen as supportive do not crowd out.

    "About none": below 0.1 SD, the lower bound of the field band for a real effect.
    """
    base = Params(n_citizens=20_000, n_units=100, perceived_support_mean=1.0)
    for seed in SEEDS:
        s = field.field_statistics(base, seed=seed, steps=60, logics=("bureaucracy", "npm"),
                                   shock=False)
        assert abs(s["motivation_npm_effect"]) < 0.1, s["motivation_npm_effect"]


def _mean_over_seeds(stats):
    return {key: sum(s[key] for s in stats) / len(stats) for key in stats[0]
            if not math.isnan(stats[0][key])}


def test_no_logic_leads_on_every_trade_off(stats):
    """No logic is best on every trade-off metric at month 120: at least three winners.

    Bureaucracy's smallest outcome gap is not a finding: it holds by construction (choice
    and exit are 0 under bureaucracy, so access does not depend on resources; docs/odd.md),
    and is not asserted.
    """
    for seed_stats in stats:
        best = field.trade_off_table(seed_stats)
        assert len(set(best.values())) >= 3, best


def test_npm_costs_least(stats):
    for seed_stats in stats:
        assert field.trade_off_table(seed_stats)["cost"] == "npm"


def test_npm_has_the_highest_measured_output(stats):
    for seed_stats in stats:
        assert field.trade_off_table(seed_stats)["measured_output"] == "npm"


def test_co_creation_leads_the_public_value_index_whatever_the_weights():
    """Co-creation's lead on the public value index survives weights from half to double.

    Every weighting with each component's weight at half, equal or double its default (3^6 =
    729), on three seeds: co-creation leads in at least 99 % of them (measured 726-728 of
    729; NPM leads where cost efficiency and outcomes weigh double and equity and
    legitimacy half).
    """
    import itertools

    import numpy as np

    from governance_sim.metrics import PV_COMPONENTS
    from governance_sim.simulation import run

    base = Params(n_citizens=20_000, n_units=100)
    components = list(PV_COMPONENTS)
    default = np.array([getattr(base, PV_COMPONENTS[c]) for c in components])
    for seed in SEEDS:
        values = {}
        for logic in LOGIC_NAMES:
            row = run(base.replace(logic=logic), steps=120, seed=seed).timeseries.iloc[120]
            values[logic] = np.array([row[c] for c in components])
        wins = 0
        for factors in itertools.product((0.5, 1.0, 2.0), repeat=len(components)):
            weights = default * np.array(factors)
            index = {logic: float(v @ weights) / weights.sum() for logic, v in values.items()}
            wins += max(index, key=index.__getitem__) == "co_creation"
        assert wins >= 0.99 * 3 ** len(components), (seed, wins)
