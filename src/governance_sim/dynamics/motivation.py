"""Professionals' motivation: dispositions, crowding out and in, a lasting scar, burnout.

Each professional has a lasting motivation disposition (public service motivation is a
fairly stable trait: Perry 1996) and a perception of how supportive control is. Motivation
moves toward a target: the disposition, lowered by control and incentives felt as
controlling and raised by autonomy under light control (crowding out and in: Frey & Jegen
2001; Jacobsen, Hvitved & Andersen 2014). Only the share of control a professional does not
see as supportive is felt as controlling (Andersen & Pallesen 2008; Nielsen, Jakobsen &
Andersen 2011), so controls seen as supportive leave motivation about unchanged. Felt control
above a tolerance leaves a slowly healing scar that lowers the target, so removing control
does not restore motivation at once (Gneezy & Rustichini 2000). Each logic switch adds
burnout (Wynen et al. 2019).
"""

from __future__ import annotations

import numpy as np

from governance_sim.logics import LogicProfile
from governance_sim.params import Params

__all__ = ["felt_control", "motivation_target", "update_professionals"]


def felt_control(
    control: np.ndarray, autonomy: np.ndarray, perceived_support: np.ndarray,
    incentives: float, params: Params,
) -> np.ndarray:
    """Control felt as controlling, float64[n_professionals] >= 0.

    ``(control x (1 - autonomy) + incentive_crowding x incentives) x (1 - perceived support)``.
    """
    return (control * (1.0 - autonomy) + params.incentive_crowding * incentives) * (
        1.0 - perceived_support)


def motivation_target(
    disposition: np.ndarray, controlling: np.ndarray, autonomy: np.ndarray,
    control: np.ndarray, scar: np.ndarray, params: Params,
) -> np.ndarray:
    """Where motivation settles under the current regime, float64[n_professionals].

    ``disposition - crowding_out_effect x felt control + crowding_in_effect x autonomy x
    (1 - control) - scar``.
    """
    return (disposition - params.crowding_out_effect * controlling
            + params.crowding_in_effect * autonomy * (1.0 - control) - scar)


def update_professionals(
    motivation: np.ndarray,
    autonomy: np.ndarray,
    scar: np.ndarray,
    burnout: np.ndarray,
    skill: np.ndarray,
    disposition: np.ndarray,
    perceived_support: np.ndarray,
    control: np.ndarray,
    facilitation: np.ndarray,
    switched: bool,
    levers: LogicProfile,
    params: Params,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of every professional, from last step's values (all float64[n_prof]).

    Args:
        disposition, perceived_support: float64[n_prof], fixed traits.
        control, facilitation: float64[n_prof], their leader's control and facilitation.
        switched: a logic switch happened this step (adds ``reform_burnout``).

    Returns:
        New (motivation, autonomy, scar, burnout, skill).
    """
    if switched:
        burnout = np.minimum(1.0, burnout + params.reform_burnout)
    controlling = felt_control(control, autonomy, perceived_support,
                               levers.performance_incentives, params)
    target = motivation_target(disposition, controlling, autonomy, control, scar, params)
    new_motivation = motivation + (
        params.motivation_adjustment_rate * (target - motivation)
        - params.burnout_motivation_loss * burnout * motivation
    )
    excess = np.maximum(0.0, controlling - params.control_tolerance)
    new_scar = scar + params.scar_rate * excess * (1.0 - scar) - params.scar_decay * scar
    new_autonomy = autonomy + (levers.professional_autonomy - autonomy) / (
        params.leader_adjustment_steps
    )
    new_burnout = burnout * (1.0 - params.burnout_decay)
    new_skill = skill + (facilitation - skill) / params.maturation_steps
    return (
        np.clip(new_motivation, 0.0, 1.0),
        np.clip(new_autonomy, 0.0, 1.0),
        np.clip(new_scar, 0.0, 1.0),
        new_burnout,
        np.clip(new_skill, 0.0, 1.0),
    )
