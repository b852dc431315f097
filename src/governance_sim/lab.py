"""Lab mode: the citizens' contribution rule played as a linear public-goods game.

One arena, fixed groups of ``group_size`` (4), an endowment of 20 tokens per period, each
token contributed returns ``mpcr`` (0.4) to every group member, ``periods`` (10) periods:
the design of Herrmann, Thoeni & Gaechter (2008, *Science* 319:1362). Players are the
model's citizens: cooperator types with the shares of Fischbacher, Gaechter & Fehr (2001)
(``Params.share_*``), contributions from :func:`governance_sim.dynamics.contribution.contributions`
and beliefs from :func:`governance_sim.dynamics.contribution.update_beliefs` -- the same
functions, with the same parameters, as the co-creation arenas of the full model. In the
lab, each player's belief follows the mean contribution of the *other* members of the
group, which is what the subjects were shown.

Two lab-only elements, both absent from the open-ended full model:

* **End-game effect.** With a known last period, players expect others to defect in it: the
  final-period belief is scaled by ``1 - end_game_drop`` (the final-period drop is a robust
  finding: Andreoni 1988; Ledyard 1995; Fischbacher & Gaechter 2010; it is visible in the
  Herrmann et al. series, 32.0 % -> 21.9 % of endowment from period 9 to 10). The value is
  calibrated with the other parameters (``experiments/calibrate_lab.py``).
* **Sanctions stage** (``sanctions=True``): after contributing, each member may assign
  0-10 punishment points to each other member; a point costs the punisher 1 token and the
  target 3 tokens. Cooperators punish members who gave less than they did
  (``Params.punishment_per_deviation`` points per token of shortfall: Fehr & Gaechter
  2000); members also punish those who gave *more* ("antisocial punishment",
  ``Params.antisocial_punishment`` at a civic norm of 0, falling linearly to 0 at a norm of
  1: Herrmann et al. 2008, antisocial punishment is strongest where norms of civic
  cooperation and the rule of law are weak). The punished respond in their next
  contributions (``Params.punishment_response`` tokens per point, kept from then on): up for points
  from those who gave more (Fehr & Gaechter 2000), down for points from those who gave less
  (antisocial punishment deters cooperation). Because punishment follows the last period's
  contributions too, it deters part of the end-game drop (:func:`end_game_deterrence`):
  with strong norms, sanctions sustain contributions to the end (Fehr & Gaechter 2000;
  Herrmann et al. 2008). So whether sanctions raise contributions
  *emerges* from who punishes whom; the contribution rule has no sanctions term. The full
  model's arenas use the same parameters in a mean-field form
  (:func:`governance_sim.dynamics.contribution.punishment_learning`).
  This behaviour is a *prediction* of the model; nothing is fitted to sanctions data (the
  calibration uses the no-punishment series only).

Outcomes by period can be computed exactly (:func:`expected_series`: every ordered group
composition of the four types, weighted by its probability -- no sampling noise, used for
calibration) or for sampled groups (:func:`play`).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.dynamics.contribution import (
    CONDITIONAL,
    FREE_RIDER,
    HUMP,
    UNCONDITIONAL,
    contributions,
    update_beliefs,
)
from governance_sim.mechanisms import effective_params, switched_off
from governance_sim.params import Params

__all__ = [
    "LabDesign",
    "LabResult",
    "calibration",
    "expected_series",
    "play",
    "type_shares",
]

@cache
def calibration() -> dict[str, Any]:
    """The stored lab calibration (``governance_sim/data/lab_calibration.json``).

    Written by ``experiments/calibrate_lab.py``: fitted values, data, optimiser, error per
    period, date.
    """
    text = resources.files("governance_sim").joinpath("data/lab_calibration.json").read_text(
        encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class LabDesign:
    """The experimental design and the lab-only parameters.

    Attributes:
        group_size: players per group (Herrmann et al. 2008: 4).
        endowment: tokens per player and period (20).
        mpcr: marginal per-capita return of a contributed token (0.4).
        periods: number of periods (10).
        sanctions: whether the peer-punishment stage is played.
        civic_norm: strength of norms of civic cooperation / legitimacy of sanctions, 0-1.
        end_game_drop: share by which beliefs fall in the known final period (calibrated).
        max_points: most points one member may assign to another per period (10).
        point_cost_punisher: tokens a point costs the punisher (1).
        point_cost_target: tokens a point costs the target (3).

    How players punish and respond is behaviour, not design: ``Params``
    (``punishment_per_deviation``, ``antisocial_punishment``, ``punishment_response``).
    """

    group_size: int = 4
    endowment: float = 20.0
    mpcr: float = 0.4
    periods: int = 10
    sanctions: bool = False
    civic_norm: float = 0.5
    end_game_drop: float = field(default_factory=lambda: float(
        calibration()["lab_only"]["end_game_drop"]))
    max_points: float = 10.0
    point_cost_punisher: float = 1.0
    point_cost_target: float = 3.0

    def __post_init__(self) -> None:
        if self.group_size < 2 or self.periods < 1:
            raise ValueError("group_size must be >= 2 and periods >= 1")
        if not 0.0 <= self.civic_norm <= 1.0 or not 0.0 <= self.end_game_drop <= 1.0:
            raise ValueError("civic_norm and end_game_drop must be in [0, 1]")


@dataclass(frozen=True)
class LabResult:
    """Outcome of a lab session, by period.

    Attributes:
        by_period: DataFrame indexed by ``period`` (1..periods) with columns
            ``contribution`` (mean share of endowment), ``contribution_tokens``,
            ``belief`` (mean), ``points_given`` (mean per player), ``antisocial_share``
            (share of points aimed at higher contributors), ``earnings`` (mean tokens per
            player, after punishment) and ``contribution_<type>`` per cooperator type.
        design: the :class:`LabDesign` played.
    """

    by_period: pd.DataFrame
    design: LabDesign


def type_shares(params: Params) -> np.ndarray:
    """Shares of (conditional, free rider, hump, unconditional), float64[4] summing to 1."""
    rest = max(0.0, 1.0 - params.share_conditional - params.share_free_rider - params.share_hump)
    return np.array([params.share_conditional, params.share_free_rider, params.share_hump, rest])


def _all_compositions(params: Params, group_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered group of types with its probability: (int8[g, size], float64[g])."""
    shares = type_shares(params)
    kinds = (CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL)
    groups = np.array(list(itertools.product(kinds, repeat=group_size)), dtype=np.int8)
    weights = np.prod(shares[groups.astype(np.int64)], axis=1)
    keep = weights > 0
    return groups[keep], weights[keep] / weights[keep].sum()


def end_game_deterrence(params: Params, design: LabDesign) -> float:
    """How far the sanctions stage deters the final-period drop, 0 (none) to 1 (fully).

    Punishment follows every period's contributions, the last one included, so a player
    who holds back in the known final period still meets it (Fehr & Gaechter 2000: with
    punishment, cooperation holds to the end). Per token held back, the player keeps ``1 -
    mpcr`` and the antisocial points it no longer draws (``antisocial_punishment x (1 -
    civic_norm)`` from each other member), and draws ``punishment_per_deviation`` points
    from each other member who cooperates (a share ``1 - share_free_rider``), each point
    costing ``point_cost_target``. Deterrence is the expected cost over the gain, capped at
    1; without sanctions, or with ``punishment_feedback`` off (punishment teaches nothing),
    it is 0.

    A reduced form: it acts on the last period's drop only, counts each other member both as
    a prosocial and as an antisocial punisher (an upper bound), and is all or nothing in
    ``punishment_response`` (docs/odd.md, III).

    Returns:
        The share of ``end_game_drop`` that the sanctions stage removes.
    """
    if not design.sanctions or params.punishment_response <= 0.0:
        return 0.0
    others = design.group_size - 1
    cost = (others * (1.0 - params.share_free_rider) * params.punishment_per_deviation
            * design.point_cost_target)
    gain = (1.0 - design.mpcr) + (others * params.antisocial_punishment
                                   * (1.0 - design.civic_norm) * design.point_cost_target)
    return min(1.0, cost / gain)


def _session(
    types: np.ndarray, weights: np.ndarray, params: Params, design: LabDesign
) -> pd.DataFrame:
    """Play ``periods`` periods for groups ``types`` (int8[g, size]) weighted by ``weights``.

    Every player of every group is updated at once (arrays of shape [g, size]).
    """
    n_groups, size = types.shape
    if "end_game" in switched_off(params):  # the end-game mechanism's neutral form
        design = dataclasses.replace(design, end_game_drop=0.0)
    params = effective_params(params)
    # a sanctions stage after the last contribution deters part of the end-game drop
    final_drop = design.end_game_drop * (1.0 - end_game_deterrence(params, design))
    flat_types = types.reshape(-1)
    belief = np.full(flat_types.shape, params.initial_belief)
    everyone = np.ones(flat_types.shape, dtype=bool)
    player_weight = np.repeat(weights / size, size)
    # what punishment has taught each player: a shift of the contribution, share of endowment
    learned = np.zeros(flat_types.shape)
    rows = []
    for period in range(1, design.periods + 1):
        held = belief * (1.0 - final_drop) if period == design.periods else belief
        # the rule of the full model without its sanctions term: in the lab the effect of
        # sanctions emerges from who punishes whom and how the punished respond
        given = contributions(held, flat_types, everyone, params.cooperation_slope, 0.0,
                              params.unconditional_contribution, learned)
        grid = given.reshape(n_groups, size)
        others = (grid.sum(axis=1, keepdims=True) - grid) / (size - 1)
        tokens = grid * design.endowment
        earnings = design.endowment - tokens + design.mpcr * tokens.sum(axis=1, keepdims=True)
        points_given = np.zeros_like(grid)
        antisocial = np.zeros_like(grid)
        if design.sanctions:
            # diff[g, i, j]: tokens i gave minus tokens j gave (i punishes j)
            diff = tokens[:, :, None] - tokens[:, None, :]
            cooperator = (types != FREE_RIDER)[:, :, None]
            prosocial = np.where(cooperator, params.punishment_per_deviation
                                 * np.maximum(diff, 0.0), 0.0)
            anti = (params.antisocial_punishment * (1.0 - design.civic_norm)
                    * np.maximum(-diff, 0.0))
            points = np.minimum(design.max_points, prosocial + anti)
            idx = np.arange(size)
            points[:, idx, idx] = 0.0
            anti_points = np.minimum(points, anti)
            anti_points[:, idx, idx] = 0.0
            points_given = points.sum(axis=2)
            antisocial = anti_points.sum(axis=2)
            # the punished respond: up for points from those who gave more, down for points
            # from those who gave less (received: summed over the punishers, axis 1)
            from_above = (points - anti_points).sum(axis=1)
            from_below = anti_points.sum(axis=1)
            learned = learned * (1.0 - params.sanction_learning_decay) + (
                params.punishment_response * (from_above - from_below)
                / design.endowment).reshape(-1)
            earnings = (earnings - design.point_cost_punisher * points_given
                        - design.point_cost_target * points.sum(axis=1))
        row = {
            "period": period,
            "contribution": float(np.dot(player_weight, given)),
            "belief": float(np.dot(player_weight, held)),
            "points_given": float(np.dot(player_weight, points_given.reshape(-1))),
            "antisocial_share": (float(np.dot(player_weight, antisocial.reshape(-1)))
                                 / max(1e-12, float(np.dot(player_weight,
                                                           points_given.reshape(-1))))),
            "earnings": float(np.dot(player_weight, earnings.reshape(-1))),
        }
        for name, kind in (("conditional", CONDITIONAL), ("free_rider", FREE_RIDER),
                           ("hump", HUMP), ("unconditional", UNCONDITIONAL)):
            mask = flat_types == kind
            mass = float(player_weight[mask].sum())
            row[f"contribution_{name}"] = (float(np.dot(player_weight[mask], given[mask]))
                                           / mass if mass > 0 else np.nan)
        rows.append(row)
        belief = update_beliefs(belief, everyone, others.reshape(-1),
                                params.belief_learning_rate)
    frame = pd.DataFrame(rows).set_index("period")
    frame.insert(1, "contribution_tokens", frame["contribution"] * design.endowment)
    return frame


def expected_series(params: Params | None = None, design: LabDesign | None = None) -> LabResult:
    """Exact expected outcome by period over random group composition (no sampling noise).

    Args:
        params: behavioural parameters (default: ``Params()``, i.e. the calibrated values).
        design: the design (default: Herrmann et al. 2008 without punishment).
    """
    params = params or Params()
    design = design or LabDesign()
    types, weights = _all_compositions(effective_params(params), design.group_size)
    return LabResult(_session(types, weights, params, design), design)


def play(
    params: Params | None = None,
    design: LabDesign | None = None,
    *,
    n_groups: int = 280,
    seed: int = 0,
) -> LabResult:
    """Play a session with ``n_groups`` groups whose members' types are drawn at random.

    Args:
        params: behavioural parameters (default: ``Params()``).
        design: the design (default: Herrmann et al. 2008 without punishment).
        n_groups: number of groups (280 groups of 4 = the 1,120 subjects of Herrmann et al.).
        seed: seed of the type draw (``numpy.random.default_rng``).
    """
    params = params or Params()
    design = design or LabDesign()
    rng = np.random.default_rng(seed)
    shares = type_shares(effective_params(params))
    kinds = np.array([CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL], dtype=np.int8)
    types = rng.choice(kinds, size=(n_groups, design.group_size), p=shares)
    weights = np.full(n_groups, 1.0 / n_groups)
    return LabResult(_session(types, weights, params, design), design)
