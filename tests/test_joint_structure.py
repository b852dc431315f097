"""Joint structure: every sign surveys show between citizens' quantities holds in each logic.

For each pair of the citizen-level quantities (institutional trust T, social trust G, efficacy
E, took part in the last 12 months P, civic motivation M, resources R, value received V),
``data/joint_structure.csv`` gives the sign surveys show person by person and, where a source
gives one, a band for Pearson's r (sources in ``data/joint_structure.md``). Issue 20: the model
reproduces every sign in each logic from month 24 on, at 20 000 citizens, on at least five
seeds; sizes inside the bands where the data give them.

One run per logic and seed serves every pair (a module-scoped cache); measured at months 24,
60 and 120.

Known failures (measured after each citizen got a lasting service fit, rising with
resources, and expectations anchored on what the unit gives others, issue 20) are strict
expected failures with the measured range of r over the five seeds per month in the
reason: the lead removes them as the dynamics change. Taking part and value received go
together positively in every logic, where the survey's sign is negative: the better-off
both take part more and get more from services (service_fit_resource_gradient), and
participants' voice raises what they get (voice_gain); Parrado et al.'s negative sign is net
of who the co-producers are, and weak (data/joint_structure.md).
"""

import math

import pytest

from governance_sim.structure import PAIRS
from governance_sim.structure_check import run_structure, survey_structure

pytestmark = [pytest.mark.science, pytest.mark.slow]

LOGICS = ("bureaucracy", "npm", "co_creation")
SEEDS = (987654, 1, 2, 3, 4)
MONTHS = (24, 60, 120)
N_CITIZENS = 20_000
SURVEY = survey_structure()
SIGNED = [pair for pair in PAIRS if SURVEY[pair].sign != "none"]
BANDED = [pair for pair in PAIRS if SURVEY[pair].r_low is not None]

#: Signs that do not hold (range of r over the five seeds at each month).
SIGN_FAILURES = {
    ("bureaucracy", "P-V"):
        "m24 +0.009..+0.028, m60 +0.012..+0.032, m120 +0.007..+0.027",
    ("npm", "P-V"):
        "m24 +0.034..+0.059, m60 +0.046..+0.065, m120 +0.042..+0.066",
    ("co_creation", "P-V"):
        "m24 +0.091..+0.108, m60 +0.102..+0.123, m120 +0.106..+0.120",
}

#: Bands that do not hold (none since the efficacy anchor carries the trust disposition and
#: civic motivation; before, T-E was 0.02-0.33 against the band 0.45-0.66 in every logic).
BAND_FAILURES: dict[tuple[str, str], str] = {}


def _cases(pairs, failures, what):
    cases = []
    for logic in LOGICS:
        for pair in pairs:
            marks = []
            if (logic, pair) in failures:
                marks.append(pytest.mark.xfail(
                    strict=True,
                    reason=f"{what} of {pair} does not hold under {logic}: measured r "
                           f"{failures[logic, pair]} (issue 20)"))
            cases.append(pytest.param(logic, pair, marks=marks, id=f"{logic}-{pair}"))
    return cases


@pytest.fixture(scope="module")
def measured():
    """{logic: {seed: {month: {pair: r}}}}, each logic run once (on first use) for all pairs."""
    cache = {}

    def get(logic):
        if logic not in cache:
            cache[logic] = {seed: run_structure(logic, seed, MONTHS, N_CITIZENS)
                            for seed in SEEDS}
        return cache[logic]

    return get


def _values(measured, logic, pair):
    return [(seed, month, measured(logic)[seed][month][pair])
            for seed in SEEDS for month in MONTHS]


@pytest.mark.parametrize(("logic", "pair"), _cases(SIGNED, SIGN_FAILURES, "the sign"))
def test_sign_holds_on_every_seed(measured, logic, pair):
    expected = SURVEY[pair]
    wrong = [(seed, month, round(r, 3)) for seed, month, r in _values(measured, logic, pair)
             if math.isnan(r) or not expected.sign_holds(r)]
    assert not wrong, (f"{pair} should be {expected.sign} ({expected.source}; "
                       f"{expected.evidence_grade}); (seed, month, r) that are not: {wrong}")


@pytest.mark.parametrize(("logic", "pair"), _cases(BANDED, BAND_FAILURES, "the band"))
def test_size_inside_band_on_every_seed(measured, logic, pair):
    """The only band is T-E's, a calibration target since issue 20 (the efficacy anchor's
    gradients were set by hand to it): this keeps the target met, it does not check the
    structure (data/joint_structure.md)."""
    expected = SURVEY[pair]
    outside = [(seed, month, round(r, 3)) for seed, month, r in _values(measured, logic, pair)
               if math.isnan(r) or not expected.in_band(r)]
    assert not outside, (f"{pair} should lie in {expected.r_low}..{expected.r_high} "
                         f"({expected.source}); (seed, month, r) outside: {outside}")


def _trust_efficacy_from_a_shuffled_start(months: int, **overrides) -> tuple[float, float]:
    """T-E at month 0 and at ``months`` under bureaucracy, with initial efficacy shuffled
    among the citizens of each resource quintile (its link to trust and motivation cut, its
    link to resources kept)."""
    import numpy as np

    from governance_sim.simulation import Simulation, as_params

    params, name = as_params("bureaucracy", {"n_citizens": N_CITIZENS, **overrides})
    sim = Simulation(params, 1, steps=months, scenario_name=name)
    cit = sim.population.citizens
    shuffle = np.random.default_rng(7)
    for quintile in np.unique(cit.quintile):
        members = np.flatnonzero(cit.quintile == quintile)
        cit.efficacy[members] = cit.efficacy[shuffle.permutation(members)]
    start = float(np.corrcoef(cit.trust, cit.efficacy)[0, 1])
    for _ in range(months):
        sim.step()
    cit = sim.population.citizens
    return start, float(np.corrcoef(cit.trust, cit.efficacy)[0, 1])


def test_the_anchor_not_the_start_holds_trust_and_efficacy_together():
    """From a start with no trust-efficacy link, the efficacy anchor (trust disposition and
    civic motivation) builds it up over the years: T-E >= 0.35 by month 360 under
    bureaucracy (seed 1 measured 0.42); without the disposition's term it stays below 0.15.
    The window checked above (months 24-120) shows mostly the start: efficacy returns to its
    anchor at 0.003 a month (docs/odd.md)."""
    start, built = _trust_efficacy_from_a_shuffled_start(360)
    assert abs(start) < 0.05 and built >= 0.35, (start, built)
    _, without = _trust_efficacy_from_a_shuffled_start(360, efficacy_trust_gradient=0.0)
    assert without < 0.15, without


def _trust_value_inside_quintiles(logic: str, seed: int, **overrides) -> dict[int, float]:
    """r of trust and value received inside resource quintiles (each variable centred on its
    quintile's mean) at each month of MONTHS."""
    from governance_sim.simulation import Simulation, as_params
    from governance_sim.structure import within_quintiles

    params, name = as_params(logic, {"n_citizens": N_CITIZENS, **overrides})
    sim = Simulation(params, seed, steps=max(MONTHS), scenario_name=name)
    found = {}
    for month in range(1, max(MONTHS) + 1):
        sim.step()
        if month in MONTHS:
            cit = sim.population.citizens
            found[month] = within_quintiles(cit.trust, cit.value, cit.quintile)
    return found


@pytest.mark.parametrize("logic", LOGICS)
def test_trust_goes_with_value_received_beyond_resources(logic):
    """T-V is not only resources: inside each resource quintile trust and value received go
    together in every logic, on every seed, from month 24 (measured +0.017..+0.083), and
    at months 60 and 120 by at least 0.015 more than with expectations that follow one's own
    experience only (shared_expectations off: bureaucracy and NPM -0.003..+0.010,
    co-creation +0.024..+0.039 through voice). G-V and E-V hold only through resources
    (inside quintiles about 0 under bureaucracy and NPM): data/joint_structure.md."""
    for seed in SEEDS:
        with_it = _trust_value_inside_quintiles(logic, seed)
        without = _trust_value_inside_quintiles(logic, seed,
                                                mechanisms={"shared_expectations": False})
        assert all(r > 0.0 for r in with_it.values()), (seed, with_it)
        assert all(with_it[m] - without[m] >= 0.015 for m in (60, 120)), (seed, with_it,
                                                                            without)

