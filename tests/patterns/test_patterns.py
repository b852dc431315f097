"""The twelve patterns of docs/odd.md (I.i), each over five seeds (governance_sim.validation).

Each test names its statistic and tolerance; the numbers live in the pattern functions'
docstrings and in ``PatternResult.threshold``, which the assertion message prints with the
per-seed values. Runs at 2 000 citizens and 40 units (pattern 8 at 10 000 and 200: its
widening is about as small as seed noise at 2 000).
"""

from __future__ import annotations

import pytest

from governance_sim import validation as v

pytestmark = [pytest.mark.patterns, pytest.mark.science]

SEEDS = (1, 2, 3, 4, 5)


def _explain(result: v.PatternResult) -> str:
    return (f"pattern {result.number} ({result.name}): {result.statistic} = "
            f"{[round(x, 4) for x in result.values]}, criterion: {result.threshold}; "
            f"passed {result.n_passed}/{len(result.seeds)}; details {result.details}")


def _holds(result: v.PatternResult) -> None:
    assert result.holds, _explain(result)


def test_pattern_1_contributions_decay_not_to_zero():
    """Lab, no sanctions: period-9/period-1 <= 0.8, period 10 >= 0.05, end game <= 0.9."""
    result = v.pattern_1(SEEDS)
    _holds(result)
    assert all(d["period_10"] >= 0.05 and d["end_game_ratio"] <= 0.9 for d in result.details)


@pytest.fixture(scope="module")
def pattern_2() -> v.PatternResult:
    return v.pattern_2(SEEDS)


def test_pattern_2_sanctions_need_strong_civic_norms(pattern_2):
    """Lab: sanctions gain >= +0.05 at civic norm 0.8, less than half of it at 0.2; the
    gradient emerges from punishment feedback (prediction: nothing fitted to it)."""
    _holds(pattern_2)


@pytest.mark.xfail(strict=True, reason="known discrepancy (docs/odd.md): Herrmann et al. 2008 "
                   "found no gain where civic norms are weakest; the model predicts +0.07")
def test_pattern_2_no_gain_at_weak_norms(pattern_2):
    assert all(d["gain_weak"] <= 0 for d in pattern_2.details)


def test_pattern_3_crowding_out_hysteresis():
    """NPM >= 0.10 SD below bureaucracy at 60; >= a quarter of it left 120 steps after."""
    _holds(v.pattern_3(SEEDS))


def test_pattern_4_trust_lost_faster_than_gained():
    """Equal good and bad news in the model: net trust change <= -0.005; recovery slower."""
    result = v.pattern_4(SEEDS)
    _holds(result)
    assert all(d["net_change_equal_signals"] <= -0.005 for d in result.details)


def test_pattern_5_voice_gap():
    """Panel members (a say, equal outcomes) trust >= 0.10 more than the others."""
    _holds(v.pattern_5(SEEDS))


@pytest.fixture(scope="module")
def pattern_6() -> v.PatternResult:
    return v.pattern_6(SEEDS)


def test_pattern_6_history_leaves_a_trace_in_who_takes_part(pattern_6):
    """Co-creation, three to seven years after a two-year trust shock ended: participation
    is still >= 5 % below the same seed without the shock (behaviour, not a starting value;
    issue 20)."""
    _holds(pattern_6)


@pytest.mark.xfail(strict=True, reason=(
    "does not emerge since trust moves in log-odds (issue 20): at pressure 0.06 trust on the "
    "way up exceeds the way down by 0.004-0.005 on seeds 1-5 (criterion 0.05), and released "
    "to zero pressure trust ends 0.037 above the first plateau (co-creation's slow rise goes "
    "on); the former pass rested on the room-to-move form, whose asymmetry reversed below "
    "trust 0.29. Pattern 6 itself is now history's trace in participation (behaviour)."))
def test_pattern_6_hysteresis(pattern_6):
    """A slow sweep of pressure on trust, up and back down from the high state: at pressure
    0.06 trust on the way up exceeds trust on the way down by >= 0.05, and released to zero
    pressure trust stays >= 0.05 below where it started."""
    for d in pattern_6.details:
        assert d["up_trust"] - d["down_trust"] >= 0.05, _explain(pattern_6)
        assert d["start_trust"] - d["released_trust"] >= 0.05, _explain(pattern_6)


@pytest.fixture(scope="module")
def pattern_7() -> v.PatternResult:
    return v.pattern_7(SEEDS)


def test_pattern_7_j_curve(pattern_7):
    """Switch NPM -> co-creation: PV difference dips < -0.01 then crosses 0 (every config)."""
    _holds(pattern_7)


def test_pattern_7_crossing_earlier_with_higher_trust(pattern_7):
    """Mean over seeds: crossing earlier at initial trust 0.65 than at 0.4."""
    high = sum(d["cross_trust_high"] for d in pattern_7.details)
    low = sum(d["cross_trust_low"] for d in pattern_7.details)
    assert high < low, _explain(pattern_7)


@pytest.mark.xfail(strict=True, reason="known discrepancy (docs/odd.md): in the field-grounded "
                   "model a higher start-up cost crosses earlier, against Øllgaard Bentzen 2021")
def test_pattern_7_later_crossing_with_higher_startup_cost(pattern_7):
    assert all(d["cross_startup_high"] > d["cross_startup_low"] for d in pattern_7.details)


def test_pattern_8_gaps():
    """Untargeted co-creation widens the Q5-Q1 participation gap over bureaucracy and the
    outcome gap; targeting brings the Q5/Q1 ratio halfway to 1, not below 0.8; a panel
    lowers the ratio (at 10 000 citizens)."""
    _holds(v.pattern_8(SEEDS))



def test_pattern_9_service_crowds_out_coproduction_unless_complementary():
    """Budget x1.5: co-production -2 % or more (substitute framing), +2 % or more (complement)."""
    _holds(v.pattern_9(SEEDS))


def test_pattern_10_hard_targets():
    """Hard targets: measured output >= +5 %, relational quality <= -5 %."""
    _holds(v.pattern_10(SEEDS))


def test_pattern_11_oecd_shock():
    """Shock 0.15 for 24 steps: trust falls 0.08-0.12; not all regained in the next 24 steps."""
    result = v.pattern_11(SEEDS)
    _holds(result)
    assert all(0.08 <= d["fall"] <= 0.12 for d in result.details)


def test_pattern_12_reform_fatigue():
    """Switching every 12 steps leaves motivation >= 0.05 below one switch at mid-run."""
    _holds(v.pattern_12(SEEDS))


def test_a_pattern_can_fail():
    """The criteria bite: without loss aversion (=1) trust is not lost faster than gained."""
    result = v.pattern_4((1,), v.small_params(loss_aversion=1.0))
    assert not result.holds
    assert result.details[0]["net_change_equal_signals"] > -0.005


# --------------------------------------------------------------------------------------
# Ablation: each pattern fails with any one of the mechanisms it rests on switched off
# --------------------------------------------------------------------------------------
ABLATION_SEEDS = (1, 2, 3)
ABLATIONS = [(number, mechanism) for number, names in v.PATTERN_MECHANISMS.items()
             for mechanism in names]


@pytest.mark.parametrize(("number", "mechanism"), ABLATIONS,
                         ids=[f"pattern_{n}-without-{m}" for n, m in ABLATIONS])
def test_pattern_fails_without_its_mechanism(number, mechanism):
    result = v.PATTERNS[number](ABLATION_SEEDS,
                                v.small_params(mechanisms={mechanism: False}))
    assert result.n_passed == 0, (f"pattern {number} still holds on {result.n_passed} seeds "
                                  f"with {mechanism} off: " + _explain(result))


def test_every_pattern_names_its_mechanisms():
    from governance_sim.mechanisms import MECHANISMS

    for number, names in v.PATTERN_MECHANISMS.items():
        assert names and all(name in MECHANISMS for name in names), number
