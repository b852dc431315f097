"""Participants contribute as imperfect conditional cooperators and learn from their group.

Conditional cooperators give in proportion to what they believe others give (the slope is
calibrated in lab mode, see ``experiments/calibrate_lab.py``; with free riders in every
group the group as a whole cooperates imperfectly and contributions decay); free riders give
nothing; hump-shaped contributors rise with beliefs up to one half and fall
after; unconditional contributors give a fixed amount (Fischbacher, Gaechter & Fehr 2001;
Fischbacher & Gaechter 2010). Facilitated dialogue lets a share of every participant's
decision follow the group's commitment to full contribution (communication sustains
cooperation: Ostrom, Walker & Gardner 1992), in proportion to the participant's trust in
the process (collective action rests on trust: Ostrom 1998). Beliefs move toward the mean
contribution participants saw in their unit's arena.

Sanctions are not a term of the contribution rule: they act through what the punished learn
(:func:`punishment_learning`). Where an arena sanctions, cooperators punish those who gave
less than the others, in proportion to the shortfall (Fehr & Gaechter 2000, 2002), and
members punish those who gave *more*, at a rate that rises as the civic norm (here the
participants' trust in the institutions: legitimacy) weakens (antisocial punishment:
Herrmann, Thoeni & Gaechter 2008). The punished shift their later contributions: up for
punishment from those who gave more, down for antisocial punishment. Whether sanctions raise
contributions therefore *emerges* from who is in the arena and how much they trust; the lab
(:mod:`governance_sim.lab`) plays the same behaviour pairwise in groups of four.
"""

from __future__ import annotations

import numpy as np

from governance_sim.params import Params

__all__ = ["CONDITIONAL", "FREE_RIDER", "HUMP", "UNCONDITIONAL", "contributions",
           "punishment_learning", "update_beliefs"]

CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL = 0, 1, 2, 3


def contributions(
    belief: np.ndarray,
    coop_type: np.ndarray,
    participating: np.ndarray,
    slope: float,
    dialogue: np.ndarray | float,
    unconditional: float,
    learned: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Contribution of each citizen, float64[n] in [0, 1] (0 for those not taking part).

    Args:
        belief: float64[n], belief about others' contributions.
        coop_type: int8[n], cooperator type (CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL).
        participating: bool[n].
        slope: conditional-cooperation slope.
        dialogue: float64[n] or scalar in [0, 1], weight of the group commitment to full
            contribution reached in facilitated dialogue (it includes the participant's
            trust in the process).
        unconditional: what unconditional contributors give.
        learned: float64[n] (or float32) or scalar, the shift punishment has taught each
            citizen (:func:`punishment_learning`), share of endowment.
    """
    base = np.select(
        [coop_type == CONDITIONAL, coop_type == HUMP, coop_type == UNCONDITIONAL],
        [np.minimum(1.0, slope * belief),
         np.minimum(1.0, slope * 2.0 * np.minimum(belief, 1.0 - belief)),
         np.full_like(belief, unconditional)],
        default=0.0,
    )
    committed = (1.0 - dialogue) * base + dialogue
    return np.where(participating, np.clip(committed + learned, 0.0, 1.0), 0.0)


def punishment_learning(
    given: np.ndarray,
    observed: np.ndarray,
    cooperator_share: np.ndarray,
    civic_norm: np.ndarray,
    sanctions: float,
    params: Params,
) -> np.ndarray:
    """Change of each participant's learned contribution shift this step, float64[m].

    A mean-field form of the lab's pairwise punishment stage (:func:`governance_sim.lab.play`)
    for arenas of any size: each participant meets ``sanction_group_size - 1`` others able to
    sanction; the arena's sanctions lever is the share of meetings with a sanctions stage.
    Punishment points received (Fehr & Gaechter 2000 regress them on the deviation from the
    others' mean)::

        prosocial  = sanctions x peers x punishment_per_deviation x cooperator_share
                     x max(observed - given, 0)
        antisocial = sanctions x peers x antisocial_punishment x (1 - civic_norm)
                     x max(given - observed, 0)

    and the change is ``punishment_response x (prosocial - antisocial)``.

    Args:
        given: float64[m], contributions of the participants this step.
        observed: float64[m], mean contribution in each participant's arena.
        cooperator_share: float64[m], share of the arena's participants who are not free
            riders (free riders do not punish prosocially).
        civic_norm: float64[m], mean trust of the arena's participants (legitimacy, the
            civic norm antisocial punishment falls with).
        sanctions: the sanctions lever, 0-1.
        params: punishment_per_deviation, antisocial_punishment, punishment_response,
            sanction_group_size.
    """
    peers = sanctions * (params.sanction_group_size - 1)
    prosocial = (peers * params.punishment_per_deviation) * cooperator_share * np.maximum(
        observed - given, 0.0)
    antisocial = (peers * params.antisocial_punishment) * (1.0 - civic_norm) * np.maximum(
        given - observed, 0.0)
    return params.punishment_response * (prosocial - antisocial)


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
