"""Citizens decide whether to take part in the unit's arena (logistic threshold choice).

Taking part rises with trust above a threshold (Granovetter 1978), efficacy and civic
motivation (Verba, Schlozman & Brady 1995), neighbours taking part (social contagion:
Sasaki et al. 2012) and a service-driven motive (Parrado et al. 2013); it falls with the
time cost relative to resources. The logic's Arnstein rung caps who the arena reaches.
Facilitation lowers the cost; targeted facilitation lowers it most for low-resource
citizens (Jakobsen & Andersen 2013). Members of a sortition panel take part regardless.
"""

from __future__ import annotations

import numpy as np

from governance_sim.logics import LogicProfile
from governance_sim.params import Params

__all__ = ["facilitation_reach", "participation_probability", "service_motive", "decide"]


def facilitation_reach(
    unit_facilitation: np.ndarray, resources: np.ndarray, targeting: float
) -> np.ndarray:
    """Share of a citizen's time cost that facilitation removes.

    Untargeted facilitation helps everyone equally; targeted facilitation weighs citizens
    by ``2.5 * (1 - resources)`` (2.0 for the bottom quintile, 0 for the top; mean 1).

    Args:
        unit_facilitation: float64[n], effective facilitation of each citizen's unit, 0-1.
        resources: float64[n], 0.2-1.
        targeting: 0 (untargeted) to 1 (fully targeted).

    Returns:
        float64[n] in [0, 1].
    """
    weight = (1.0 - targeting) + targeting * 2.5 * (1.0 - resources)
    return np.clip(unit_facilitation * weight, 0.0, 1.0)


def service_motive(value: np.ndarray, framing: float) -> np.ndarray:
    """Service-driven motive to co-produce, float64[n] in [0, 1].

    Where citizens' input is framed as a substitute, a shortfall (``1 - value``) drives
    participation, so better service lowers it; framed as a complement, a good service makes
    one's input count, so better service raises it (pattern 9; Parrado et al. 2013).
    """
    return (1.0 - framing) * (1.0 - value) + framing * value


def participation_probability(
    trust: np.ndarray,
    efficacy: np.ndarray,
    civic_motivation: np.ndarray,
    neighbours_participating: np.ndarray,
    motive: np.ndarray,
    reach: np.ndarray,
    resources: np.ndarray,
    levers: LogicProfile,
    params: Params,
) -> np.ndarray:
    """Probability of taking part this step, float64[n] in [0, openness]."""
    cost = params.participation_time_cost * (1.0 - reach) * 0.2 / resources
    log_odds = (
        params.participation_intercept
        + params.participation_trust_weight * (trust - params.trust_threshold)
        + params.participation_efficacy_weight * efficacy
        + params.participation_motivation_weight * civic_motivation
        + params.participation_contagion_weight * neighbours_participating
        + params.participation_need_weight * motive
        - cost
    )
    return levers.openness / (1.0 + np.exp(-log_odds))


def decide(probability: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who takes part: bool[n], true where the pre-drawn uniform is below the probability."""
    return uniform < probability
