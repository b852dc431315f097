"""Participants contribute as imperfect conditional cooperators and learn from their group.

Conditional cooperators give in proportion to what they believe others give (the slope is
calibrated in lab mode, see ``experiments/calibrate_lab.py``; with free riders in every
group the group as a whole cooperates imperfectly and contributions decay); free riders give
nothing; hump-shaped contributors rise with beliefs up to one half and fall
after; unconditional contributors give a fixed amount (Fischbacher, Gaechter & Fehr 2001;
Fischbacher & Gaechter 2010). Facilitated dialogue lets a share of every participant's
decision follow the group's commitment to full contribution (communication sustains
cooperation: Ostrom, Walker & Gardner 1992), in proportion to the participant's trust in
the process (collective action rests on trust: Ostrom 1998). Sanctions raise
contributions only where legitimacy (here: trust) is above a norm threshold and lower
them below it (Herrmann, Thoeni & Gaechter 2008). Beliefs move
toward the mean contribution participants saw in their unit's arena.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CONDITIONAL", "FREE_RIDER", "HUMP", "UNCONDITIONAL", "contributions", "update_beliefs"]

CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL = 0, 1, 2, 3


def contributions(
    belief: np.ndarray,
    coop_type: np.ndarray,
    legitimacy: np.ndarray,
    participating: np.ndarray,
    slope: float,
    dialogue: np.ndarray | float,
    unconditional: float,
    sanctions: float,
    sanction_effect: float,
    norm_threshold: float,
) -> np.ndarray:
    """Contribution of each citizen, float64[n] in [0, 1] (0 for those not taking part).

    Args:
        belief: float64[n], belief about others' contributions.
        coop_type: int8[n], cooperator type (CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL).
        legitimacy: float64[n], the civic norm sanctions rest on (trust in institutions).
        participating: bool[n].
        slope: conditional-cooperation slope.
        dialogue: float64[n] or scalar in [0, 1], weight of the group commitment to full
            contribution reached in facilitated dialogue.
        unconditional: what unconditional contributors give.
        sanctions: sanction intensity 0-1.
        sanction_effect: contribution change per unit of sanctions and norm gap.
        norm_threshold: legitimacy at which sanctions start to help.
    """
    base = np.select(
        [coop_type == CONDITIONAL, coop_type == HUMP, coop_type == UNCONDITIONAL],
        [np.minimum(1.0, slope * belief),
         np.minimum(1.0, slope * 2.0 * np.minimum(belief, 1.0 - belief)),
         np.full_like(belief, unconditional)],
        default=0.0,
    )
    committed = (1.0 - dialogue) * base + dialogue
    sanctioned = committed + sanctions * sanction_effect * (legitimacy - norm_threshold)
    return np.where(participating, np.clip(sanctioned, 0.0, 1.0), 0.0)


def update_beliefs(
    belief: np.ndarray, participating: np.ndarray, observed: np.ndarray, learning_rate: float
) -> np.ndarray:
    """New beliefs, float64[n]: participants move toward what they observed in their arena.

    Args:
        observed: float64[n], mean contribution in the citizen's arena (NaN where nobody took
            part; beliefs then stay).
    """
    seen = participating & ~np.isnan(observed)
    return np.where(seen, belief + learning_rate * (np.nan_to_num(observed) - belief), belief)
