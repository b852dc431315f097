"""Professionals' motivation: crowding out and in, a lasting scar, burnout from reforms.

Control felt as controlling and performance incentives crowd out intrinsic motivation;
recognition, autonomy and supportive leadership crowd it in (Frey & Jegen 2001; Jacobsen,
Hvitved & Andersen 2014). Control felt above a tolerance leaves a slowly healing ceiling
("scar") on motivation, so removing control does not restore it at once (Gneezy & Rustichini 2000).
Each logic switch adds burnout (Wynen et al. 2019).
"""

from __future__ import annotations

import numpy as np

from governance_sim.logics import LogicProfile
from governance_sim.params import Params

__all__ = ["felt_control", "update_professionals"]


def felt_control(
    control: np.ndarray, autonomy: np.ndarray, incentives: float, params: Params
) -> np.ndarray:
    """Control felt as controlling, float64[n_professionals] >= 0."""
    return control * (1.0 - autonomy) + params.incentive_crowding * incentives


def update_professionals(
    motivation: np.ndarray,
    autonomy: np.ndarray,
    scar: np.ndarray,
    burnout: np.ndarray,
    skill: np.ndarray,
    control: np.ndarray,
    facilitation: np.ndarray,
    switched: bool,
    levers: LogicProfile,
    params: Params,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of every professional, from last step's values (all float64[n_prof]).

    Args:
        control, facilitation: float64[n_prof], their leader's control and facilitation.
        switched: a logic switch happened this step (adds ``reform_burnout``).

    Returns:
        New (motivation, autonomy, scar, burnout, skill).
    """
    if switched:
        burnout = np.minimum(1.0, burnout + params.reform_burnout)
    controlling = felt_control(control, autonomy, levers.performance_incentives, params)
    support = params.recognition_baseline + autonomy * (1.0 - control)
    new_motivation = motivation + (
        -params.crowding_out_rate * controlling * motivation
        + params.crowding_in_rate * support * np.maximum(0.0, 1.0 - scar - motivation)
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
