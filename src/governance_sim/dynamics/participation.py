"""Citizens take part in the unit's arena: reach, acceptance and frequency.

Taking part in the model stands for one indicator: *took part in a co-creation arena,
citizens' panel or co-production activity of the municipality this month* (docs/odd.md).
It has three parts, kept apart as field studies measure them:

* **Reach** (breadth): the share of residents an arena invites or is open to in a month,
  the logic's ``arena_reach`` lever. Targeted outreach shifts invitations toward
  low-resource citizens (:func:`targeting_weight`). Reach is not the Arnstein rung: the rung
  is depth (how much influence taking part carries, used in the arena's voice).
* **Acceptance**: an invited citizen accepts with a logistic probability that rises with
  trust above a threshold (assumed; the threshold form after Granovetter 1978), efficacy
  and civic motivation (Verba, Schlozman & Brady 1995), neighbours taking part (Granovetter
  1978: participation depends on how many others take part) and a service-driven
  motive (Parrado et al. 2013), and falls with the time cost relative to resources, which
  facilitation lowers (Jakobsen & Andersen 2013). Field acceptance of personal invitations
  is 4-12 % (Setälä et al. 2010; Røros; Trondheim).
* **Frequency**: a citizen who took part last month takes part again with probability
  ``participation_persistence`` (a regular core: Parrado et al. 2013), so yearly reach
  exceeds monthly participation by less than independent months would.

One pre-drawn uniform decides all three: a citizen who did not take part last month is
invited where it is below the reach, and accepts where it is below reach x acceptance.
Members of a sortition panel take part regardless.
"""

from __future__ import annotations

import numpy as np

from governance_sim.logics import LogicProfile
from governance_sim.params import Params
from governance_sim.state import LOWEST_RESOURCES, MEAN_RESOURCES

__all__ = ["update_civic_crowding", "acceptance_intercept", "targeting_slope",
           "targeting_weight",
           "facilitation_relief", "service_motive", "acceptance_log_odds", "acceptance", "reach",
           "participation_probability", "decide", "invited"]

# The time cost is stated for the bottom quintile (LOWEST_RESOURCES) and divided by
# resources for the others; targeting weighs citizens around MEAN_RESOURCES (state.py).


def update_civic_crowding(crowding: float, levers: LogicProfile, params: Params) -> float:
    """New fall of the civic norm from paying for taking part (a municipality-wide scalar).

    It moves at ``civic_crowding_rate`` toward ``civic_crowding_effect x payment x (1 -
    payment_to_cause)``: money paid to the person crowds out the civic motive, money given
    to a cause does not (Frey & Oberholzer-Gee 1997; Mellström & Johannesson 2008). The
    fall acts on everyone's civic motivation alike (the model keeps no per-citizen record of
    it), through :func:`acceptance_intercept`.
    """
    target = (params.civic_crowding_effect * levers.participation_payment
              * (1.0 - levers.payment_to_cause))
    return crowding + params.civic_crowding_rate * (target - crowding)


def acceptance_intercept(crowding: float, levers: LogicProfile, params: Params) -> float:
    """The intercept of the acceptance log-odds this month.

    ``participation_intercept + payment_effect x payment - participation_motivation_weight x
    crowding``: the price effect of a payment and the civic motivation it has crowded out.
    """
    return (params.participation_intercept
            + params.payment_effect * levers.participation_payment
            - params.participation_motivation_weight * crowding)


def targeting_slope(targeting: float, strength: float) -> float:
    """Slope of the targeting weight in resources: ``targeting x strength / 0.4``.

    Args:
        targeting: the ``facilitation_targeting`` lever, 0-1.
        strength: ``targeting_strength``, 0-1 (so no weight is negative).
    """
    return targeting * strength / (MEAN_RESOURCES - LOWEST_RESOURCES)


def targeting_weight(resources: np.ndarray, slope: float) -> np.ndarray:
    """How much outreach and facilitation each citizen gets relative to the mean, float64[n].

    ``1 + slope * (MEAN_RESOURCES - resources)`` with the slope of :func:`targeting_slope`:
    1 for everyone when untargeted; at full targeting ``1 + strength`` for the bottom
    quintile and ``1 - strength`` for the top (mean 1 over uniform quintiles).

    Args:
        resources: float64[n], 0.2-1.
        slope: from :func:`targeting_slope`.
    """
    return 1.0 + slope * (MEAN_RESOURCES - resources)


def facilitation_relief(unit_facilitation: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Share of a citizen's time cost that facilitation removes, float64[n] in [0, 1].

    Args:
        unit_facilitation: float64[n], effective facilitation of each citizen's unit, 0-1.
        weight: float64[n], from :func:`targeting_weight`.
    """
    return np.clip(unit_facilitation * weight, 0.0, 1.0)


def service_motive(value: np.ndarray, framing: float) -> np.ndarray:
    """Service-driven motive to co-produce, float64[n] in [0, 1].

    Where citizens' input is framed as a substitute, a shortfall (``1 - value``) drives
    participation, so better service lowers it; framed as a complement, a good service makes
    one's input count, so better service raises it (pattern 9; Parrado et al. 2013).
    """
    return (1.0 - framing) * (1.0 - value) + framing * value


def acceptance_log_odds(
    trust: np.ndarray,
    efficacy: np.ndarray,
    civic_motivation: np.ndarray,
    neighbours_participating: np.ndarray,
    motive: np.ndarray,
    relief: np.ndarray,
    resources: np.ndarray,
    params: Params,
    intercept: float | None = None,
) -> np.ndarray:
    """Log-odds of accepting an invitation, float64[n].

    Args:
        intercept: this month's intercept (:func:`acceptance_intercept`); default
            ``participation_intercept``.
    """
    cost = params.participation_time_cost * (1.0 - relief) * LOWEST_RESOURCES / resources
    return (
        (params.participation_intercept if intercept is None else intercept)
        + params.participation_trust_weight * (trust - params.trust_threshold)
        + params.participation_efficacy_weight * efficacy
        + params.participation_motivation_weight * np.asarray(civic_motivation,
                                                              dtype=np.float64)
        + params.participation_contagion_weight * neighbours_participating
        + params.participation_need_weight * motive
        - cost
    )


def acceptance(log_odds: np.ndarray) -> np.ndarray:
    """Probability of accepting an invitation, float64[n] in (0, 1)."""
    return 1.0 / (1.0 + np.exp(-log_odds))


def reach(weight: np.ndarray, levers: LogicProfile) -> np.ndarray:
    """Probability of being invited this month, float64[n] in [0, 1]: arena reach x weight."""
    return np.clip(levers.arena_reach * weight, 0.0, 1.0)


def participation_probability(
    accept: np.ndarray, invitation: np.ndarray, took_part: np.ndarray, persistence: float
) -> np.ndarray:
    """Probability of taking part this month, float64[n] in [0, 1].

    ``persistence`` for those who took part last month, reach x acceptance for the others.
    """
    return np.where(took_part, persistence, invitation * accept)


def decide(probability: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who takes part: bool[n], true where the pre-drawn uniform is below the probability."""
    return uniform < probability


def invited(invitation: np.ndarray, took_part: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who was invited this month (among those who did not take part last month): bool[n].

    The same uniform as :func:`decide`: invited where it is below the reach, so that those
    taking part anew are exactly the invited who accepted.
    """
    return ~took_part & (uniform < invitation)
