"""Leaders set control and facilitation; leaders and politicians react to dips in results.

Leaders move their style toward the logic's levers over ``leader_adjustment_steps``.
Co-creation brings a dip before gains (Oellgaard Bentzen 2021; Ansell & Gash 2008): a leader
whose unit's results stay below the remembered level for longer than its patience, shortened
by the council's pressure, falls back to control; once results have held up for as long as
its patience again, it regains the courage to return to the logic's style (or a logic
switch resets it). Politicians
demand control when approval has been below its remembered level for longer than their
courage times their horizon: short horizons penalise logics whose gains come late.
"""

from __future__ import annotations

import numpy as np

from governance_sim.logics import LogicProfile
from governance_sim.params import Params

__all__ = ["update_leader_style", "track_dips", "council_demands"]


def update_leader_style(
    control: np.ndarray,
    facilitation: np.ndarray,
    maturity: np.ndarray,
    reverted: np.ndarray,
    levers: LogicProfile,
    params: Params,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New (control, facilitation, maturity), each float64[n_units].

    Reverted leaders aim at ``max(lever, revert_control)`` control and
    ``revert_facilitation_share`` of the lever's facilitation. Arenas mature in proportion to
    facilitation.
    """
    target_control = np.where(reverted, max(levers.control_intensity, params.revert_control),
                              levers.control_intensity)
    target_facilitation = np.where(reverted,
                                   params.revert_facilitation_share
                                   * levers.facilitation_investment,
                                   levers.facilitation_investment)
    steps = params.leader_adjustment_steps
    new_control = control + (target_control - control) / steps
    new_facilitation = facilitation + (target_facilitation - facilitation) / steps
    new_maturity = maturity + new_facilitation * (1.0 - maturity) / params.maturation_steps
    return new_control, new_facilitation, new_maturity


def track_dips(
    results: np.ndarray,
    reference: np.ndarray,
    dip_steps: np.ndarray,
    calm_steps: np.ndarray,
    reverted: np.ndarray,
    patience: np.ndarray,
    council_pressure: float,
    memory: float,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leaders compare results with the remembered level and may revert.

    Args:
        results: float64[n_units], mean value received in the unit this step.
        reference: float64[n_units], remembered level.
        dip_steps: int32[n_units], consecutive steps below it.
        calm_steps: int32[n_units], consecutive steps not below it.
        reverted: bool[n_units].
        patience: float64[n_units], steps a dip is tolerated.
        council_pressure: share of politicians demanding control (shortens patience).
        memory: steps over which the remembered level adapts.
        tolerance: how far below the remembered level a dip starts (``dip_tolerance``).

    Returns:
        New (reference, dip_steps, calm_steps, reverted).
    """
    below = results < reference - tolerance
    new_dips = np.where(below, dip_steps + 1, 0).astype(np.int32)
    new_calm = np.where(below, 0, calm_steps + 1).astype(np.int32)
    recovered = reverted & (new_calm > patience)
    new_reverted = (reverted & ~recovered) | (new_dips > patience * (1.0 - council_pressure))
    new_reference = reference + (results - reference) / memory
    return new_reference, new_dips, new_calm, new_reverted


def council_demands(
    approval: float,
    approval_reference: float,
    dip_steps: int,
    horizon_factor: np.ndarray,
    courage: np.ndarray,
    levers: LogicProfile,
    memory: float,
    tolerance: float,
) -> tuple[float, int, np.ndarray, float]:
    """Politicians compare approval with its remembered level.

    Returns:
        New (approval_reference, approval_dip_steps, demanding bool[n_politicians],
        council_pressure = share demanding).
    """
    below = approval < approval_reference - tolerance
    new_dips = dip_steps + 1 if below else 0
    demanding = new_dips > courage * levers.politician_horizon * horizon_factor
    new_reference = approval_reference + (approval - approval_reference) / memory
    return new_reference, new_dips, demanding, float(demanding.mean())
