"""Units produce service from professional effort and co-produced input; citizens receive it.

Professional effort splits into measured and relational work; hard targets raise measured
output (Kelman & Friedman 2009) and shift effort away from relational work (multitask:
Holmstrom & Milgrom 1991). Co-produced input multiplies the professionals' output
(complementarity: Ostrom 1996). Choice and exit give the resourceful better access where
treatment is not impartial; those whose voice shapes the service get more from it.
Competition between providers (choice and exit) saves part of the service's cost (a
contested claim: Domberger & Jensen 1997 against Bel, Fageda & Warner 2010).
Facilitation and control cost money on top of the service budget, and new arenas take
professional time until they mature (the front-loaded cost of co-creation: Oellgaard
Bentzen 2021; Ansell & Gash 2008).
"""

from __future__ import annotations

import numpy as np

from governance_sim.logics import LogicProfile
from governance_sim.params import Params
from governance_sim.state import MEAN_RESOURCES

__all__ = ["unit_outputs", "citizen_value", "spending", "service_cost_share", "startup_burden"]


def unit_outputs(
    unit_effort: np.ndarray,
    unit_facilitation: np.ndarray,
    coproduced: np.ndarray,
    startup_burden: np.ndarray,
    budget_factor: float,
    levers: LogicProfile,
    params: Params,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Measured output, relational quality and overall quality of each unit.

    Args:
        unit_effort: float64[n_units], mean professional effort (motivation x (1 - burnout)).
        unit_facilitation: float64[n_units], effective facilitation.
        coproduced: float64[n_units], contributions per citizen of the unit.
        startup_burden: float64[n_units], share of professional time taken by building new
            arenas (:func:`startup_burden`).
        budget_factor: budget relative to the start; capacity is it to the power
            ``budget_returns`` (diminishing returns, an assumption).

    Returns:
        (measured, relational, quality), each float64[n_units].
    """
    relational_share = levers.relational_focus * (
        1.0 - params.multitask_shift * levers.performance_incentives
    )
    measured = unit_effort * (1.0 - relational_share) * (
        1.0 + params.target_productivity_gain * levers.performance_incentives
    )
    share = params.relational_facilitation_share
    relational = unit_effort * relational_share * ((1.0 - share) + share * unit_facilitation)
    capacity = budget_factor ** params.budget_returns * (1.0 - startup_burden)
    quality = capacity * (measured + relational) * (1.0 + params.coproduction_return * coproduced)
    return measured, relational, quality


def citizen_value(
    quality: np.ndarray,
    resources: np.ndarray,
    voice: np.ndarray,
    levers: LogicProfile,
    params: Params,
    fit: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Value each citizen receives, float64[n] in [0, 1).

    ``1 - exp(-value_scale x quality x fit x access x boost)``: the unit's quality, as far as
    it fits the citizen's needs, with better access for the resourceful where choice is
    not impartial and more for those whose voice shaped the service.

    Args:
        quality: float64[n], quality of the citizen's unit.
        resources: float64[n], 0.2-1.
        voice: float64[n], influence the citizen's voice had this step (0 if not taking part).
        fit: float32[n] (or a scalar), the lasting fit of the service to the citizen's
            needs (``Citizens.service_fit``).
    """
    access = 1.0 + (1.0 - levers.impartiality) * levers.choice_exit * params.choice_advantage * (
        resources - MEAN_RESOURCES
    )
    boost = 1.0 + params.voice_gain * voice
    return 1.0 - np.exp(-params.value_scale * (quality * fit) * access * boost)


def startup_burden(facilitation: np.ndarray, maturity: np.ndarray, params: Params) -> np.ndarray:
    """Share of professional time spent building arenas that are not yet mature.

    Returns:
        float64[n_units] in [0, 1): ``facilitation * startup_cost * (1 - maturity)``, capped
        at ``max_startup_burden``.
    """
    return np.minimum(params.max_startup_burden,
                      facilitation * params.startup_cost * (1.0 - maturity))


def service_cost_share(levers: LogicProfile, params: Params) -> float:
    """Share of the service budget spent for the same service.

    ``1 - competition_saving x choice_exit``: competition between providers saves the rest.
    """
    return 1.0 - params.competition_saving * levers.choice_exit


def spending(
    facilitation: np.ndarray, maturity: np.ndarray, control: np.ndarray, params: Params
) -> np.ndarray:
    """Overhead of each unit as a share of its budget: facilitation (with start-up) and control.

    Returns:
        float64[n_units].
    """
    return (
        facilitation * (params.facilitation_cost + params.startup_cost * (1.0 - maturity))
        + params.control_cost * control
    )
