"""Joint structure: every sign surveys show between citizens' quantities holds in each logic.

For each pair of the citizen-level quantities (institutional trust T, social trust G, efficacy
E, took part in the last 12 months P, civic motivation M, resources R, value received V),
``data/joint_structure.csv`` gives the sign surveys show person by person and, where a source
gives one, a band for Pearson's r (sources in ``data/joint_structure.md``). Issue 20: the model
reproduces every sign in each logic from month 24 on, at 20 000 citizens, on at least five
seeds; sizes inside the bands where the data give them.

One run per logic and seed serves every pair (a module-scoped cache); measured at months 24,
60 and 120.

Known failures (measured on main before the dynamics of issue 20 item 2 were changed) are
strict expected failures with the measured range of r over the five seeds per month in the
reason: the lead removes them as the dynamics change.
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

#: Signs that did not hold on main (range of r over the five seeds at each month).
SIGN_FAILURES = {
    ("bureaucracy", "T-E"):
        "m24 -0.046..-0.023, m60 -0.223..-0.208, m120 -0.454..-0.448",
    ("bureaucracy", "T-V"):
        "m24 -0.005..+0.000, m60 -0.006..+0.002, m120 -0.005..-0.000",
    ("bureaucracy", "G-E"):
        "m24 -0.014..+0.001, m60 -0.033..-0.017, m120 -0.065..-0.044",
    ("bureaucracy", "G-M"):
        "m24 -0.001..+0.007, m60 +0.004..+0.013, m120 +0.014..+0.022",
    ("bureaucracy", "G-R"):
        "m24 -0.004..+0.007, m60 +0.004..+0.015, m120 +0.014..+0.025",
    ("bureaucracy", "G-V"):
        "m24 -0.007..-0.002, m60 -0.010..+0.000, m120 -0.007..+0.000",
    ("bureaucracy", "E-P"):
        "m24 -0.117..-0.106, m60 -0.234..-0.213, m120 -0.358..-0.352",
    ("bureaucracy", "E-V"):
        "m24 -0.009..+0.009, m60 -0.002..+0.017, m120 +0.002..+0.019",
    ("bureaucracy", "P-V"):
        "m24 -0.015..+0.008, m60 -0.010..+0.006, m120 -0.010..+0.005",
    ("npm", "T-E"):
        "m24 -0.028..-0.006, m60 -0.156..-0.140, m120 -0.327..-0.319",
    ("npm", "G-E"):
        "m24 -0.014..+0.003, m60 -0.026..-0.009, m120 -0.043..-0.024",
    ("npm", "G-M"):
        "m24 -0.002..+0.006, m60 +0.002..+0.010, m120 +0.007..+0.017",
    ("npm", "G-R"):
        "m24 -0.005..+0.006, m60 +0.001..+0.011, m120 +0.008..+0.017",
    ("npm", "G-V"):
        "m24 -0.008..+0.001, m60 -0.007..+0.006, m120 -0.003..+0.009",
    ("npm", "E-P"):
        "m24 -0.100..-0.086, m60 -0.163..-0.146, m120 -0.247..-0.229",
    ("npm", "P-V"):
        "m24 +0.065..+0.094, m60 +0.061..+0.082, m120 +0.054..+0.074",
    ("co_creation", "T-E"):
        "m24 +0.045..+0.072, m60 -0.100..-0.077, m120 -0.520..-0.517",
    ("co_creation", "G-E"):
        "m24 -0.007..+0.011, m60 -0.025..-0.013, m120 -0.151..-0.133",
    ("co_creation", "G-R"):
        "m24 -0.001..+0.010, m60 +0.012..+0.023, m120 +0.032..+0.045",
    ("co_creation", "G-V"):
        "m24 -0.000..+0.009, m60 +0.003..+0.021, m120 +0.018..+0.026",
    ("co_creation", "E-P"):
        "m24 +0.052..+0.059, m60 -0.132..-0.117, m120 -0.503..-0.500",
    ("co_creation", "E-V"):
        "m24 +0.080..+0.117, m60 +0.043..+0.073, m120 -0.079..-0.061",
    ("co_creation", "P-V"):
        "m24 +0.172..+0.226, m60 +0.177..+0.237, m120 +0.185..+0.221",
}

#: Bands that did not hold on main.
BAND_FAILURES = {
    ("bureaucracy", "T-E"): "m24 -0.046..-0.023, m60 -0.223..-0.208, m120 -0.454..-0.448",
    ("npm", "T-E"): "m24 -0.028..-0.006, m60 -0.156..-0.140, m120 -0.327..-0.319",
    ("co_creation", "T-E"): "m24 +0.045..+0.072, m60 -0.100..-0.077, m120 -0.520..-0.517",
}


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
    expected = SURVEY[pair]
    outside = [(seed, month, round(r, 3)) for seed, month, r in _values(measured, logic, pair)
               if math.isnan(r) or not expected.in_band(r)]
    assert not outside, (f"{pair} should lie in {expected.r_low}..{expected.r_high} "
                         f"({expected.source}); (seed, month, r) outside: {outside}")
