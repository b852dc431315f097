"""Every mechanism shown by behaviour: its effect on an outcome a user sees (issue 20, item 4).

For each of the mechanism switches (``governance_sim.mechanisms``), one run with the
mechanism and one without it, on five seeds at 5 000 citizens, compared on an outcome a user
of the model sees: trust, participation and where it clusters, contributions, motivation,
relational quality, service value, the gaps between quintiles, or the correlations between
citizens' variables that surveys report (data/joint_structure.md). On *every* seed the
difference (with minus without) must have the stated sign and at least the stated size;
the sizes are about half the smallest difference measured (quoted in each case), so a
mechanism switched off, or a rule edited so that it no longer acts, fails. No golden
numbers, no formula: only what the model does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from governance_sim import field
from governance_sim.dynamics.groups import neighbour_mean
from governance_sim.lab import LabDesign, play
from governance_sim.mechanisms import MECHANISMS
from governance_sim.params import Params
from governance_sim.simulation import Simulation, run
from governance_sim.structure import within_quintiles

pytestmark = [pytest.mark.science, pytest.mark.slow]

SEEDS = (1, 2, 3, 4, 5)


def _base(**changes) -> Params:
    return Params(n_citizens=5_000, n_units=50, **changes)


def _final(metric: str, steps: int) -> Callable[[Params, int], float]:
    def outcome(params: Params, seed: int) -> float:
        return float(run(params, steps=steps, seed=seed).timeseries[metric].iloc[steps])
    return outcome


def _window_mean(metric: str, steps: int, first: int, last: int):
    def outcome(params: Params, seed: int) -> float:
        series = run(params, steps=steps, seed=seed).timeseries[metric]
        return float(series.iloc[first:last + 1].mean())
    return outcome


def _correlation(x: str, y: str, steps: int):
    """Pearson correlation of two citizen arrays after ``steps`` months."""
    def outcome(params: Params, seed: int) -> float:
        sim = Simulation(params, seed, steps=steps)
        for _ in range(steps):
            sim.step()
        cit = sim.population.citizens
        return float(np.corrcoef(getattr(cit, x), getattr(cit, y).astype(float))[0, 1])
    return outcome


def _within_quintiles(x: str, y: str, steps: int):
    """Pearson correlation of two citizen arrays after ``steps`` months, inside resource
    quintiles (:func:`governance_sim.structure.within_quintiles`): what goes together beyond
    resources."""
    def outcome(params: Params, seed: int) -> float:
        sim = Simulation(params, seed, steps=steps)
        for _ in range(steps):
            sim.step()
        cit = sim.population.citizens
        return within_quintiles(getattr(cit, x), getattr(cit, y), cit.quintile)
    return outcome


def _participation_clustering(params: Params, seed: int, steps: int = 60) -> float:
    """Share of a participant's ties taking part minus a non-participant's (last year)."""
    sim = Simulation(params, seed, steps=steps)
    gaps = []
    for month in range(steps):
        sim.step()
        if month >= steps - 12:
            cit = sim.population.citizens
            share = neighbour_mean(cit.participating.astype(float), cit.network)
            gaps.append(share[cit.participating].mean() - share[~cit.participating].mean())
    return float(np.mean(gaps))


def _shock_fall(params: Params, seed: int) -> float:
    """Fall of mean trust two years into a major shock (field.MAJOR_SHOCK) from month 24."""
    quiet = run(params, steps=48, seed=seed).timeseries["trust_mean"]
    shocked = run(params.replace(events=[dict(field.MAJOR_SHOCK, step=24)]), steps=48,
                  seed=seed).timeseries["trust_mean"]
    return float(quiet.iloc[47] - shocked.iloc[47])


def _lab(statistic: str, sanctions: bool = False, norm: float = 0.5):
    def outcome(params: Params, seed: int) -> float:
        series = play(params, LabDesign(sanctions=sanctions, civic_norm=norm), n_groups=200,
                      seed=seed).by_period["contribution"]
        return float(series.iloc[-1] if statistic == "last" else series.mean())
    return outcome


def _switching(every: int, until: int) -> list[dict]:
    return [{"kind": "switch_logic", "step": k,
             "logic": "bureaucracy" if (k // every) % 2 else "npm"}
            for k in range(every, until, every)]


#: mechanism -> (scenario changes, outcome(params, seed), sign, least size on every seed)
EFFECTS: dict[str, tuple[dict, Callable[[Params, int], float], int, float]] = {
    # contributions in the arenas decay as beliefs follow what participants see (mean of
    # months 37-60, -0.022; one month alone is too noisy at 5 000 citizens: month 60 gave
    # -0.050..+0.015)
    "belief_learning": ({"logic": "co_creation"},
                        _window_mean("contribution_mean", 60, 37, 60), -1, 0.011),
    # conditional cooperators give less as others give less (mean of months 37-60, -0.012)
    "conditional_cooperation": ({"logic": "co_creation"},
                                _window_mean("contribution_mean", 60, 37, 60), -1, 0.006),
    # lab, the known last period: contributions drop (-0.136)
    "end_game": ({}, _lab("last"), -1, 0.07),
    # lab with sanctions at strong norms: the punished give more (+0.167)
    "punishment_feedback": ({}, _lab("mean", sanctions=True, norm=0.8), +1, 0.08),
    # a major shock lowers trust more when losses weigh more (+0.036)
    "trust_asymmetry": ({}, _shock_fall, +1, 0.018),
    # the shock is procedural: it lowers trust more when process weighs more (+0.023)
    "process_over_outcome": ({}, _shock_fall, +1, 0.012),
    # those who trust more take part more (correlation +0.20 vs 0)
    "trust_threshold": ({"logic": "co_creation"}, _correlation("trust", "participating", 60),
                        +1, 0.10),
    # participation clusters in the network: a participant's ties take part more (+0.004)
    "contagion": ({"logic": "co_creation"}, _participation_clustering, +1, 0.002),
    # a service shortfall draws citizens into co-production (+0.006)
    "service_motive": ({"logic": "npm"}, _final("participation_rate", 60), +1, 0.003),
    # NPM's control lowers professionals' motivation (-0.032)
    "crowding_out": ({"logic": "npm"}, _final("motivation_mean", 60), -1, 0.016),
    # five years after NPM ends, motivation is still lower: the scar (-0.0085)
    "motivation_scar": ({"logic": "npm", "events": [
        {"kind": "switch_logic", "step": 60, "logic": "bureaucracy"}]},
        _final("motivation_mean", 180), -1, 0.004),
    # switching logic every year wears motivation down (-0.185)
    "reform_burnout": ({"logic": "npm", "events": _switching(12, 120)},
                       _final("motivation_mean", 120), -1, 0.09),
    # incentives on measured work cost relational quality (-0.047)
    "multitasking": ({"logic": "npm"}, _final("relational_quality", 60), -1, 0.024),
    # new arenas take professional time: less service value in the two years after a
    # switch from NPM to co-creation (-0.031)
    "startup_burden": ({"logic": "npm", "events": [
        {"kind": "switch_logic", "step": 24, "logic": "co_creation"}]},
        _window_mean("service_value", 60, 25, 48), -1, 0.015),
    # facilitation lowers the cost of taking part (+0.010)
    "facilitation": ({"logic": "co_creation"}, _final("participation_rate", 60), +1, 0.005),
    # targeted facilitation narrows the participation gap between quintiles (-0.021)
    "targeting": ({"logic": "co_creation", "levers": {"facilitation_targeting": 0.9}},
                  _final("participation_gap", 60), -1, 0.010),
    # being heard raises trust (+0.0065)
    "voice": ({"logic": "co_creation"}, _final("trust_mean", 120), +1, 0.003),
    # paying the person crowds out the civic motive (-0.015)
    "civic_crowding": ({"logic": "npm", "levers": {"participation_payment": 1.0}},
                       _final("participation_rate", 60), -1, 0.007),
    # those who feel they have a say trust more (correlation +0.061 vs 0)
    "felt_say": ({"logic": "bureaucracy"}, _correlation("trust", "efficacy", 60), +1, 0.03),
    # those who trust institutions trust others more (correlation +0.058 more)
    "institutional_social_trust": ({"logic": "bureaucracy"},
                                   _correlation("trust", "social_trust", 60), +1, 0.03),
    # those the service serves better trust more: trust and value received inside each
    # resource quintile, month 120 (+0.012..+0.063; the fit's resource gradient alone, which
    # makes both rise with resources, gives +0.0004 at most); without the fit every citizen
    # of a unit gets the same
    "service_fit": ({"logic": "bureaucracy"}, _within_quintiles("trust", "value", 120), +1,
                    0.006),
    # expectations that follow what others get keep the worse-served disappointed, so they
    # trust less (trust and value received inside each resource quintile, +0.031..+0.033)
    "shared_expectations": ({"logic": "bureaucracy"}, _within_quintiles("trust", "value", 60),
                            +1, 0.015),
}


def test_every_mechanism_has_an_effect_test():
    assert set(EFFECTS) == set(MECHANISMS)


@pytest.mark.parametrize("mechanism", list(EFFECTS))
def test_mechanism_changes_what_a_user_sees(mechanism):
    changes, outcome, sign, least = EFFECTS[mechanism]
    differences = []
    for seed in SEEDS:
        with_it = outcome(_base(**changes), seed)
        without = outcome(_base(**changes, mechanisms={mechanism: False}), seed)
        differences.append(with_it - without)
    assert all(sign * d >= least for d in differences), (
        f"{mechanism}: with minus without on seeds {SEEDS}: "
        f"{[round(d, 4) for d in differences]}, expected sign {sign:+d} and size >= {least}")
