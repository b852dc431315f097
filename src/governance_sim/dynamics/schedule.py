"""The schedule of one step (ODD element 3): the ordered phases, run on whole arrays.

One step is one month. The phases, in order:

1. ``events``        scheduled events change the logic, levers, budget, panel (events.py)
2. ``leaders``       leaders move control and facilitation toward the levers (leadership.py)
3. ``participation`` citizens decide to take part (participation.py)
4. ``contribution``  participants contribute and update beliefs (contribution.py)
5. ``service``       units produce service; citizens receive value (service.py)
6. ``trust``         trust, social trust and efficacy update (trust.py)
7. ``professionals`` motivation, autonomy, scar, burnout, skill update (motivation.py)
8. ``dips``          leaders and politicians compare results and may revert (leadership.py)
9. ``stocks``        the future-generations stock accumulates

Updates are synchronous: every phase reads last step's values of what it does not itself
compute this step (double buffering through new arrays), and the population is committed at
the end. The random numbers of a step (:func:`draw_step`) come in bulk from named streams,
one per purpose, so the per-agent reference implementation consumes the very same numbers.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from governance_sim import native
from governance_sim.dynamics import contribution as contrib
from governance_sim.dynamics import leadership, motivation, participation, service, trust
from governance_sim.dynamics.events import StepContext, apply_events
from governance_sim.dynamics.groups import contiguous_mean, neighbour_mean, unit_mean, unit_sum
from governance_sim.logics import LogicProfile, influence_of_rung
from governance_sim.params import Params
from governance_sim.state import (
    LOWEST_RESOURCES,
    MEAN_RESOURCES,
    RESOURCES_PER_QUINTILE,
    Citizens,
    Population,
)

__all__ = ["SCHEDULE", "StepDraws", "UnitFlows", "draw_step", "begin_step", "advance",
           "citizens_numpy", "citizens_native", "prepare", "step"]

SCHEDULE: tuple[str, ...] = (
    "events", "leaders", "participation", "contribution", "service", "trust",
    "professionals", "dips", "stocks",
)


class StepDraws:
    """The random numbers of one step, each drawn in bulk from its own stream on first use.

    Streams are independent, so when a number is drawn does not change it: the vectorised
    step and the per-agent reference consume the very same numbers. The fused path frees
    each array when it is done with it (:meth:`release`), so that only one is held at once.

    Attributes:
        participation: float64[n_citizens], uniform on [0, 1), from stream "participation".
        experience: float64[n_citizens], uniform on [0, 1), from stream "experience".
    """

    def __init__(self, streams: dict[str, np.random.Generator], n_citizens: int,
                 buffer: np.ndarray | None = None, chunk: np.ndarray | None = None) -> None:
        self._streams = streams
        self._n = n_citizens
        self._drawn: dict[str, np.ndarray] = {}
        self._released: set[str] = set()
        self._buffer = buffer  # float64[n_citizens] to draw into while no other draw uses it
        self._chunk = chunk  # float64[m] to draw a stream into piece by piece (:meth:`take`)
        self._taken: dict[str, int] = {}  # numbers taken so far of streams taken in pieces

    def _get(self, name: str) -> np.ndarray:
        if name not in self._drawn:
            if name in self._released:
                raise RuntimeError(f"the {name} draws of this step were released")
            if name in self._taken:
                raise RuntimeError(f"the {name} draws of this step are being taken in pieces")
            buffer = self._buffer
            if buffer is not None and not any(a is buffer for a in self._drawn.values()):
                self._drawn[name] = self._streams[name].random(out=buffer)
            else:
                self._drawn[name] = self._streams[name].random(self._n)
        return self._drawn[name]

    @property
    def participation(self) -> np.ndarray:  # noqa: D102
        return self._get("participation")

    @property
    def experience(self) -> np.ndarray:  # noqa: D102
        return self._get("experience")

    def can_take(self, name: str) -> bool:
        """Whether ``name`` can be taken in pieces (a chunk buffer, and not drawn whole)."""
        return (self._chunk is not None and name not in self._drawn
                and name not in self._released)

    def take(self, name: str, count: int) -> np.ndarray:
        """The next ``count`` numbers of ``name``, in the chunk buffer's first ``count`` places.

        Taken piece by piece, they are the very numbers one whole draw gives (a generator
        draws uniforms one after another). The buffer is returned whole (the same object
        each time); it is overwritten by the next piece.
        """
        done = self._taken.get(name, 0)
        if not self.can_take(name) or done + count > self._n or count > self._chunk.size:
            raise RuntimeError(f"cannot take {count} more {name} draws of this step in pieces")
        self._streams[name].random(out=self._chunk[:count])
        self._taken[name] = done + count
        return self._chunk

    def release(self, name: str) -> None:
        """Free the array ``name`` (drawing it first if it was not, to keep the stream in step).

        A stream taken in pieces draws whatever was not taken, for the same reason.
        """
        if name in self._taken:
            rest = self._n - self._taken.pop(name)
            if rest:
                self._streams[name].random(rest)
            self._released.add(name)
            return
        self._get(name)
        del self._drawn[name]
        self._released.add(name)


def draw_step(streams: dict[str, np.random.Generator], n_citizens: int,
              buffer: np.ndarray | None = None, chunk: np.ndarray | None = None) -> StepDraws:
    """The random numbers of one step (drawn on first use, each from its own stream).

    Args:
        buffer: optional float64[n_citizens] reused for the draws (one at a time).
        chunk: optional float64[m] into which the compiled path takes the draws in pieces.
    """
    return StepDraws(streams, n_citizens, buffer, chunk)


def begin_step(
    population: Population, params: Params, streams: dict[str, np.random.Generator]
) -> StepContext:
    """Phase 1, events: shared by the vectorised and the reference implementation."""
    return apply_events(
        population.municipality, params, population.municipality.step + 1,
        population.citizens.n, streams["panel"],
    )


_LARGEST = float(np.finfo(np.float64).max)
#: ``ndarray.sum`` of a 1-D array without its Python wrapper: the same pairwise reduction
_sum = np.add.reduce


def _nan_to_num(values: np.ndarray) -> np.ndarray:
    """``np.nan_to_num(values)`` of a float64 array, bit for bit, at a third of its cost.

    A new array: NaN becomes 0 and an infinity the largest float64 of its sign (``-0.0``
    stays); four ufunc calls instead of numpy's Python-level function, which matters on the
    unit-sized arrays of every step.
    """
    out = np.where(np.isnan(values), 0.0, values)
    np.minimum(out, _LARGEST, out=out)
    return np.maximum(out, -_LARGEST, out=out)


def _weighted_mean(values: np.ndarray, weights: np.ndarray, total: float) -> float:
    """``float(np.average(values, weights=weights))``, bit for bit, given the weights' sum.

    numpy's own steps (the product in float64, its pairwise sum, divided by the weights'
    float64 sum ``total``) without its per-call checks.
    """
    return float(_sum(np.multiply(values, weights, dtype=np.float64))) / total


def unit_facilitation_effect(population: Population, params: Params) -> np.ndarray:
    """Effective facilitation of each unit: the leader's investment times staff skill.

    Returns float64[n_units]: ``facilitation_effectiveness * facilitation * ((1 -
    skill_share) + skill_share * mean skill of the unit's staff)``.
    """
    prof = population.professionals
    skill = contiguous_mean(prof.skill, population.municipality.staff_starts)
    share = params.skill_share
    return params.facilitation_effectiveness * population.leaders.facilitation * (
        (1.0 - share) + share * skill)


def arena_voice(
    influence: float,
    facilitation: np.ndarray,
    cooperation: np.ndarray,
    turnout: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Influence participants feel in each unit's arena, float64[n_units] in [0, 1].

    The rung's influence, realised in part (``voice_facilitation_share``) in proportion to
    facilitation, and in proportion to what the arena
    achieved: its mean contribution relative to ``arena_success_level`` and its turnout
    relative to ``critical_mass``, each capped at 1 (Marwell & Oliver 1993). An arena where
    few take part, or where they give little, achieves little.

    Args:
        influence: the rung's influence (0-1).
        facilitation: float64[n_units], effective facilitation.
        cooperation: float64[n_units], mean contribution of participants (NaN: nobody).
        turnout: float64[n_units], share of the unit's citizens taking part.
    """
    achieved = np.minimum(1.0, _nan_to_num(cooperation) / params.arena_success_level)
    mass = np.minimum(1.0, turnout / params.critical_mass)
    share = params.voice_facilitation_share
    return influence * ((1.0 - share) + share * facilitation) * achieved * mass


def cost_per_citizen(population: Population, params: Params, budget_factor: float,
                     levers: LogicProfile) -> float:
    """Spending per citizen, in budget units per step.

    The service budget (less the saving from competition) plus each unit's facilitation and
    control overhead, weighted by the unit's citizens.
    """
    lead = population.leaders
    overhead = service.spending(lead.facilitation, lead.maturity, lead.control, params)
    share = service.service_cost_share(levers, params)
    sizes = population.municipality.unit_sizes
    return params.budget * (
        budget_factor * share
        + _weighted_mean(overhead, sizes, float(_sum(sizes, dtype=np.float64))))


def approval(mean_trust: float, mean_value: float, params: Params) -> float:
    """Council approval: ``approval_trust_weight`` x mean trust + the rest x mean value."""
    weight = params.approval_trust_weight
    return weight * mean_trust + (1.0 - weight) * mean_value


def future_target(mean_social: float, mean_motivation: float, params: Params) -> float:
    """Level the future-generations stock moves toward.

    ``future_social_weight`` x mean social trust + the rest x professionals' mean motivation.
    """
    weight = params.future_social_weight
    return weight * mean_social + (1.0 - weight) * mean_motivation


#: Citizens prepared at once (bounds the temporary memory of :func:`prepare`).
PREPARE_CHUNK = 1 << 16


def prepare(population: Population, params: Params) -> None:
    """Set expectations, remembered levels and approval to the initial service (no noise).

    Called once before the first step so that no run starts with a disconfirmation shock.
    """
    cit, lead, mun = population.citizens, population.leaders, population.municipality
    levers = mun.base_logic
    prof = population.professionals
    effort = contiguous_mean(prof.motivation * (1.0 - prof.burnout), mun.staff_starts)
    fac = unit_facilitation_effect(population, params)
    _, _, quality = service.unit_outputs(
        effort, fac, np.zeros(params.n_units),
        service.startup_burden(lead.facilitation, lead.maturity, params), 1.0, levers, params)
    for first in range(0, cit.n, PREPARE_CHUNK):  # in chunks, to bound temporary memory
        block = slice(first, first + PREPARE_CHUNK)
        cit.value[block] = service.citizen_value(
            quality[cit.unit[block]], cit.quintile[block] * RESOURCES_PER_QUINTILE,
            np.zeros(cit.value[block].size),
            levers, params, cit.service_fit[block])
    unit_value = unit_mean(cit.value, cit.unit, mun.unit_sizes)
    # where expectations rest: a share of the citizen's own service, the rest the unit's
    for first in range(0, cit.n, PREPARE_CHUNK):
        block = slice(first, first + PREPARE_CHUNK)
        cit.expectation[block] = trust.expectation_target(
            cit.value[block], unit_value[cit.unit[block]], params)
    lead.reference[:] = unit_value
    mun.unit_quality = unit_value.copy()
    mun.approval = approval(float(cit.trust.mean()), float(cit.value.mean()), params)
    mun.approval_reference = mun.approval
    mun.future_stock = future_target(float(cit.social_trust.mean()),
                                     float(prof.motivation.mean()), params)
    mun.cost = cost_per_citizen(population, params, 1.0, levers)


@dataclass(frozen=True)
class UnitFlows:
    """What the citizens' phases (3-6) leave for the rest of the step, per unit.

    Attributes:
        taking_part: int64[n_units], citizens taking part.
        given: float64[n_units], sum of their contributions.
        coproduced: float64[n_units], contributions per citizen of the unit.
        measured: float64[n_units], measured output.
        relational: float64[n_units], relational quality.
        value_sums, trust_sums, social_sums: float64[n_units], sums over each unit's
            citizens of the new value, trust and social trust (in citizen order; both paths
            take them the same way, so means from them agree bit for bit).

    The compiled path's arrays are reused by its next step (:func:`unit_outputs`): copy
    what you want to keep beyond the step.
    """

    taking_part: np.ndarray
    given: np.ndarray
    coproduced: np.ndarray
    measured: np.ndarray
    relational: np.ndarray
    value_sums: np.ndarray
    trust_sums: np.ndarray
    social_sums: np.ndarray


def arena_outcomes(
    n_taking_part: np.ndarray, given_unit: np.ndarray, fac_unit: np.ndarray,
    population: Population, params: Params, levers: LogicProfile,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: the mean contribution seen in the arena, coproduced input and arena voice.

    Returns:
        (observed, coproduced, voice), each float64[n_units]; ``observed`` is NaN where
        nobody took part.
    """
    sizes = population.municipality.unit_sizes
    # given / taking part where anyone took part (no division by zero), NaN elsewhere
    observed = np.empty(given_unit.shape)
    observed.fill(np.nan)  # (np.full, without its Python wrapper)
    np.divide(given_unit, n_taking_part, out=observed, where=n_taking_part > 0)
    coproduced = given_unit / sizes
    influence = influence_of_rung(levers.arnstein_rung, params.tokenism_influence)
    voice = arena_voice(influence, fac_unit, observed, n_taking_part / sizes, params)
    return observed, coproduced, voice


def sanctions_act(levers: LogicProfile, params: Params) -> bool:
    """Whether this step's arenas have a sanctions stage that teaches anyone anything."""
    return levers.sanctions > 0.0 and params.punishment_response > 0.0


def sanction_stage(
    cit: Citizens, part: np.ndarray, part_unit: np.ndarray, part_given: np.ndarray,
    part_observed: np.ndarray, n_units: int, levers: LogicProfile, params: Params,
) -> None:
    """Phase 4's sanctions stage: the punished learn (``cit.sanction_learning``, in place).

    Every participant's learned shift fades by ``sanction_learning_decay``; where the arenas
    sanction, the punishment received this month adds to it
    (:func:`contrib.punishment_learning`). Allocates the shifts (float32[n_citizens], zeros)
    the first time a step sanctions; a run without sanctions never holds them (4 bytes a
    citizen saved).

    Args:
        part: int64[m], indices of the citizens taking part, in citizen order.
        part_unit: int32[m], their units.
        part_given: float64[m], their contributions this step.
        part_observed: float64[m], the mean contribution in each one's arena.
    """
    active = sanctions_act(levers, params)
    if cit.sanction_learning is None:
        if not active:
            return
        cit.sanction_learning = np.zeros(cit.n, dtype=np.float32)
    change: np.ndarray | float = 0.0
    if active:
        n_part = np.bincount(part_unit, minlength=n_units)
        cooperators = np.bincount(part_unit, weights=cit.coop_type[part] != contrib.FREE_RIDER,
                                  minlength=n_units)
        trust_sum = np.bincount(part_unit, weights=cit.trust[part], minlength=n_units)
        present = n_part[part_unit]  # at least 1: the participant
        change = contrib.punishment_learning(
            part_given, part_observed, cooperators[part_unit] / present,
            trust_sum[part_unit] / present, levers.sanctions, params)
    kept = cit.sanction_learning[part].astype(np.float64) * (1.0 - params.sanction_learning_decay)
    cit.sanction_learning[part] = (kept + change).astype(np.float32)


def unit_service(
    population: Population, params: Params, ctx: StepContext, fac_unit: np.ndarray,
    coproduced: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phase 5 on the units: (measured, relational, quality), each float64[n_units]."""
    prof, lead = population.professionals, population.leaders
    effort = contiguous_mean(prof.motivation * (1.0 - prof.burnout),
                             population.municipality.staff_starts)
    return service.unit_outputs(
        effort, fac_unit, coproduced,
        service.startup_burden(lead.facilitation, lead.maturity, params),
        ctx.budget_factor, ctx.levers, params)


def citizens_numpy(
    population: Population, params: Params, ctx: StepContext, draws: StepDraws,
    fac_unit: np.ndarray,
) -> UnitFlows:
    """Phases 3-6 of the citizens on whole arrays, one numpy expression per rule."""
    cit, mun = population.citizens, population.municipality
    levers = ctx.levers
    n_units = params.n_units
    fac = fac_unit[cit.unit]

    # 3. participation (reads last step's participation of neighbours and last value):
    # reach, acceptance and frequency
    mun.civic_crowding = participation.update_civic_crowding(mun.civic_crowding, levers,
                                                             params)
    resources = cit.resources
    weight = participation.targeting_weight(resources, participation.targeting_slope(
        levers.facilitation_targeting, params.targeting_strength))
    log_odds = participation.acceptance_log_odds(
        cit.trust, cit.efficacy, cit.civic_motivation,
        neighbour_mean(cit.participating, cit.network),
        participation.service_motive(cit.value, levers.complementarity_framing),
        participation.facilitation_relief(fac, weight), resources, params,
        participation.acceptance_intercept(mun.civic_crowding, levers, params))
    invitation = participation.reach(weight, levers)
    probability = participation.participation_probability(
        participation.acceptance(log_odds), invitation, cit.participating,
        params.participation_persistence)
    uniform = draws.participation
    taking_part = participation.decide(probability, uniform)
    was_invited = participation.invited(invitation, cit.participating, uniform)
    mun.invited = int(np.count_nonzero(was_invited))
    mun.accepted = int(np.count_nonzero(was_invited & taking_part))
    if ctx.panel_active:
        taking_part[mun.panel_members] = True

    # 4. contribution: computed for those taking part only (indices ``part``)
    part = np.flatnonzero(taking_part)
    part_unit = cit.unit[part]
    part_trust = cit.trust[part]
    learned = (cit.sanction_learning[part] if cit.sanction_learning is not None else 0.0)
    part_given = contrib.contributions(
        cit.belief[part], cit.coop_type[part], np.ones(part.size, dtype=bool),
        params.cooperation_slope, params.dialogue_effect * fac_unit[part_unit] * part_trust,
        params.unconditional_contribution, learned)
    given = np.zeros(cit.n)
    given[part] = part_given
    n_taking_part = np.bincount(part_unit, minlength=n_units)
    given_unit = np.bincount(part_unit, weights=part_given, minlength=n_units)
    observed_unit, coproduced, voice_unit = arena_outcomes(
        n_taking_part, given_unit, fac_unit, population, params, levers)
    part_observed = observed_unit[part_unit]  # never NaN: each has at least themselves
    sanction_stage(cit, part, part_unit, part_given, part_observed, n_units, levers, params)
    belief = cit.belief.copy()
    belief[part] = contrib.update_beliefs(cit.belief[part], np.ones(part.size, dtype=bool),
                                          part_observed, params.belief_learning_rate)
    part_voice = voice_unit[part_unit]
    if ctx.panel_active:
        on_panel = np.isin(part, mun.panel_members, assume_unique=True)
        part_voice[on_panel] = np.maximum(part_voice[on_panel], ctx.panel_influence)
    voice = np.zeros(cit.n)
    voice[part] = part_voice

    # 5. service
    measured, relational, quality = unit_service(population, params, ctx, fac_unit,
                                                 coproduced)
    value = service.citizen_value(quality[cit.unit], resources, voice, levers, params,
                                  cit.service_fit)
    experienced = np.clip(value + params.experience_noise * (2.0 * draws.experience - 1.0),
                          0.0, 1.0)

    # 6. trust, social trust, efficacy
    disconfirmation = experienced - cit.expectation
    procedural = trust.procedural_signal(taking_part, voice,
                                         trust.fair_treatment(levers.impartiality, params),
                                         params.tokenism_threshold, ctx.commitment, ctx.shock,
                                         params.voice_trust_weight,
                                         trust.felt_say(cit.efficacy, params))
    new_trust = trust.update_trust(cit.trust, cit.trust_disposition,
                                   neighbour_mean(cit.trust, cit.network),
                                   disconfirmation, procedural, params)
    cit.trust_disposition = trust.update_disposition(cit.trust_disposition, cit.trust, params)
    new_social = trust.update_social_trust(
        cit.social_trust, part, part_observed, params,
        trust.citizen_social_level(trust.social_trust_level(levers.impartiality, params),
                                   resources, cit.trust, params))
    new_efficacy = trust.update_efficacy(cit.efficacy, part, part_voice, levers.mobilisation,
                                         params, trust.efficacy_anchor(
                                             resources, cit.trust_disposition,
                                             cit.civic_motivation, params))
    cit.expectation = cit.expectation + params.expectation_rate * (
        trust.expectation_target(experienced, mun.unit_quality[cit.unit], params) - cit.expectation)
    value_sums = unit_sum(value, cit.unit, n_units)

    cit.trust, cit.social_trust, cit.efficacy = new_trust, new_social, new_efficacy
    cit.belief, cit.value, cit.contribution, cit.participating = (
        belief, value, given, taking_part)
    return UnitFlows(n_taking_part, given_unit, coproduced, measured, relational,
                     value_sums,
                     unit_sum(new_trust, cit.unit, n_units),
                     unit_sum(new_social, cit.unit, n_units))


#: The kernels' arguments when there is no panel and no learned sanction shift: read-only
#: and the same every step, so the kernels' wrapper finds their addresses again.
_NO_PANEL = np.zeros(0, dtype=np.int64)
_NO_PANEL.flags.writeable = False
_NO_LEARNING = np.zeros(1, dtype=np.float32)
_NO_LEARNING.flags.writeable = False


def _participation_coefficients(params: Params, levers: LogicProfile,
                                 crowding: float) -> dict[str, float]:
    """The coefficients of ``participation_log_odds`` (phase 3), given the civic crowding."""
    return {
        "intercept": participation.acceptance_intercept(crowding, levers, params),
        "w_trust": params.participation_trust_weight,
        "threshold": params.trust_threshold,
        "w_efficacy": params.participation_efficacy_weight,
        "w_motivation": params.participation_motivation_weight,
        "w_contagion": params.participation_contagion_weight,
        "w_need": params.participation_need_weight,
        "time_cost": params.participation_time_cost,
        "framing": levers.complementarity_framing,
        "targeting_slope": participation.targeting_slope(levers.facilitation_targeting,
                                                         params.targeting_strength),
        "lowest_resources": LOWEST_RESOURCES, "per_quintile": RESOURCES_PER_QUINTILE,
        "reach": levers.arena_reach,
        "mean_resources": MEAN_RESOURCES}


def _contribution_coefficients(params: Params, levers: LogicProfile) -> dict[str, float]:
    """The coefficients of ``contribution_step`` (phases 3-4)."""
    return {
        "persistence": params.participation_persistence,
        "slope": params.cooperation_slope, "dialogue_effect": params.dialogue_effect,
        "unconditional": params.unconditional_contribution}


def _sanction_coefficients(params: Params, levers: LogicProfile,
                           active: bool) -> dict[str, float]:
    """The coefficients of ``sanction_step`` (phase 4), given :func:`sanctions_act`."""
    peers = levers.sanctions * (params.sanction_group_size - 1)
    return {
        "active": float(active),
        "prosocial_scale": peers * params.punishment_per_deviation,
        "antisocial_scale": peers * params.antisocial_punishment,
        "response": params.punishment_response,
        "keep": 1.0 - params.sanction_learning_decay,
        "free_rider": float(contrib.FREE_RIDER)}


def _value_coefficients(params: Params, levers: LogicProfile) -> dict[str, float]:
    """The coefficients of ``value_exponent`` (phase 5)."""
    return {
        "access_slope": (1.0 - levers.impartiality) * levers.choice_exit
        * params.choice_advantage,
        "voice_gain": params.voice_gain, "value_scale": params.value_scale,
        "mean_resources": MEAN_RESOURCES, "per_quintile": RESOURCES_PER_QUINTILE}


def _citizen_coefficients(params: Params, levers: LogicProfile, commitment: float,
                          shock: float) -> dict[str, float]:
    """The coefficients of ``citizen_step`` (phases 5-6), given the step's signals."""
    return {
        "noise": params.experience_noise, "tokenism": params.tokenism_threshold,
        "voice_weight": params.voice_trust_weight,
        "fair": trust.fair_treatment(levers.impartiality, params),
        "commitment": commitment, "shock": shock,
        "w_outcome": params.outcome_weight, "w_process": params.process_weight,
        "rate": params.trust_learning_rate, "loss_aversion": params.loss_aversion,
        "anchoring": params.trust_anchoring,
        "disposition_rate": params.disposition_learning_rate,
        "social_influence": params.trust_social_influence,
        "decay": params.social_capital_decay,
        "social_baseline": trust.social_trust_level(levers.impartiality, params),
        "norm": params.cooperation_norm,
        "gain": params.social_capital_gain, "loss": params.social_capital_loss,
        "efficacy_rate": params.efficacy_rate, "mobilisation": levers.mobilisation,
        "mobilisation_gain": params.mobilisation_efficacy_gain,
        "efficacy_reversion": params.efficacy_reversion,
        "efficacy_baseline": params.initial_efficacy,
        "expectation_rate": params.expectation_rate,
        "expectation_own": params.expectation_own_weight,
        "expectation_other": 1.0 - params.expectation_own_weight,
        "learning_rate": params.belief_learning_rate,
        "felt_say": params.felt_say_weight,
        "efficacy_gradient": params.efficacy_resource_gradient,
        "efficacy_trust_gradient": params.efficacy_trust_gradient,
        "efficacy_motivation_gradient": params.efficacy_motivation_gradient,
        "initial_motivation": params.initial_civic_motivation,
        "social_gradient": params.social_trust_resource_gradient,
        "institutional_link": params.institutional_social_link,
        "initial_trust": params.initial_trust,
        "mean_resources": MEAN_RESOURCES, "per_quintile": RESOURCES_PER_QUINTILE}


def _professional_coefficients(params: Params, levers: LogicProfile,
                               switched: bool) -> dict[str, float]:
    """The coefficients of ``professional_step`` (phase 7), given whether the logic switched."""
    return {
        "incentive_pressure": params.incentive_crowding * levers.performance_incentives,
        "crowding_out": params.crowding_out_effect,
        "crowding_in": params.crowding_in_effect,
        "adjustment_rate": params.motivation_adjustment_rate,
        "burnout_loss": params.burnout_motivation_loss,
        "tolerance": params.control_tolerance, "scar_rate": params.scar_rate,
        "scar_decay": params.scar_decay, "target_autonomy": levers.professional_autonomy,
        "adjustment_steps": params.leader_adjustment_steps,
        "burnout_decay": params.burnout_decay,
        "maturation_steps": params.maturation_steps,
        "reform_burnout": params.reform_burnout if switched else 0.0}


def _pack_inputs(*inputs: float) -> bytes:
    """The bytes of ``inputs`` as float64 (a struct packer per count, made once)."""
    packer = _PACKERS.get(len(inputs))
    if packer is None:
        packer = _PACKERS[len(inputs)] = struct.Struct(f"={len(inputs)}d").pack
    return packer(*inputs)


#: number of float64 values -> their struct packer (:func:`_pack_inputs`)
_PACKERS: dict[int, Callable[..., bytes]] = {}

#: kernel -> (params, levers, the other inputs' bytes, coefficient array) of the last step
#: that built its coefficients (:func:`_coefficients`).
_LAST_COEFFICIENTS: dict[str, tuple[Params, LogicProfile, bytes, np.ndarray]] = {}


def _coefficients(kernel: str, values: Callable[..., dict[str, float]], params: Params,
                  levers: LogicProfile, *inputs: float) -> np.ndarray:
    """``lib.coefficients(kernel, values(params, levers, *inputs))``, built once per change.

    ``values`` reads nothing but its arguments, so while ``params`` and ``levers`` are the
    same objects (both frozen) and ``inputs`` the same numbers (compared by their bytes, so
    ``0.0`` and ``-0.0`` stay apart), the last step's array is the answer: most steps of a
    run pass the same coefficients, and building them is dozens of attribute reads, a dict
    and a pack.
    """
    key = _pack_inputs(*inputs)
    last = _LAST_COEFFICIENTS.get(kernel)
    if last is not None and last[0] is params and last[1] is levers and last[2] == key:
        return last[3]
    array = native.library().coefficients(kernel, values(params, levers, *inputs))
    _LAST_COEFFICIENTS[kernel] = (params, levers, key, array)
    return array


def _draw_pieces(draws: StepDraws, name: str, cit: Citizens, starts: np.ndarray,
                 ) -> Iterable[tuple[int, int, np.ndarray]]:
    """The draws ``name`` as (first unit, end unit, uniforms of those units' citizens).

    In chunks of whole units taken into the citizens' draw chunk (each drawn just before its
    kernel call, so it is read from cache; no citizen-sized array), or, where the draws were
    already made whole or cannot be taken in pieces, one piece of every unit. Taken lazily:
    each chunk is drawn when the loop reaches it (a single chunk at once, without a
    generator: the same numbers, as nothing else draws from the stream in between).
    """
    n_units = starts.size - 1
    if not draws.can_take(name):
        return [(0, n_units, getattr(draws, name))]
    _, chunks = cit.draw_chunk(starts)
    if len(chunks) == 1:  # every unit in one chunk: drawn now (the loop's first act anyway)
        first, end = chunks[0]
        return [(first, end, draws.take(name, int(starts[end] - starts[first])))]

    def pieces() -> Iterator[tuple[int, int, np.ndarray]]:
        for first, end in chunks:
            yield first, end, draws.take(name, int(starts[end] - starts[first]))
    return pieces()


def unit_outputs(cit: Citizens, n_units: int) -> tuple[np.ndarray, ...]:
    """The per-unit outputs of the compiled path, made on its first step and then reused.

    Returns:
        (taking part int64[n_units], given float64[n_units], counts int64[3], value sums,
        trust sums, social trust sums float64[n_units]): the arrays of
        :class:`UnitFlows` and the counts of ``contribution_step``, kept in
        ``cit._unit_outputs`` so that the kernels get the same arrays every step (whose
        addresses their wrapper remembers). Each step overwrites them.
    """
    outputs = cit._unit_outputs
    if not outputs or outputs[0].size != n_units:
        outputs = (np.empty(n_units, dtype=np.int64), np.empty(n_units),
                   np.zeros(3, dtype=np.int64), np.empty(n_units), np.empty(n_units),
                   np.empty(n_units))
        cit._unit_outputs = outputs
    return outputs


def citizens_native(
    population: Population, params: Params, ctx: StepContext, draws: StepDraws,
    fac_unit: np.ndarray,
) -> UnitFlows:
    """Phases 3-6 of the citizens in the fused compiled kernels (``native/step_kernels.c``).

    The same rules as :func:`citizens_numpy` in a few passes over the citizens; the two
    exponentials run in numpy (vectorised). Value, expectation, social trust, efficacy,
    belief and contribution are updated in place. Trust and participation are double
    buffered: the new values go to the arrays of two steps ago, as the neighbours must read
    last step's. So an array taken from the population is overwritten by later steps: copy
    what you want to keep.
    """
    lib = native.library()
    cit, mun = population.citizens, population.municipality
    levers = ctx.levers
    n, n_units = cit.n, params.n_units
    neighbours = cit.neighbours
    degree = neighbours.shape[1]
    starts = mun.unit_starts  # citizens are stored unit by unit
    # double buffers: last step's trust and participation stay readable for the neighbours
    new_trust = cit._spare_trust
    if new_trust is None:  # the first step: the scratch buffer, if made, becomes the spare
        new_trust = cit._draw_buffer if cit._draw_buffer is not None else np.empty(n)
        cit._draw_buffer = None
    taking_part = (cit._spare_participating if cit._spare_participating is not None
                   else np.empty(n, dtype=bool))
    panel = (mun.panel_members.astype(np.int64, copy=False) if ctx.panel_active  # sorted
             else _NO_PANEL)
    panel_influence = float(ctx.panel_influence) if ctx.panel_active else 0.0

    # 3. participation; the same pass over the network takes the neighbours' mean trust
    # (into new_trust, for phase 6); contribution, written in phase 4, holds the log-odds
    mun.civic_crowding = participation.update_civic_crowding(mun.civic_crowding, levers,
                                                             params)
    lib.participation_log_odds(
        n, degree, neighbours, cit.participating, cit.trust, cit.efficacy, cit.civic_motivation,
        cit.value, cit.quintile, n_units, starts, fac_unit,
        _coefficients("participation_log_odds", _participation_coefficients, params, levers,
                      mun.civic_crowding),
        taking_part, new_trust, cit.contribution)  # taking_part: the contagion counts' scratch
    np.exp(cit.contribution, out=cit.contribution)

    # 3-4. who takes part (panel members regardless), and contributions
    learned = (cit.sanction_learning if cit.sanction_learning is not None
               else _NO_LEARNING)  # not read when there is none
    n_taking_part, given_unit, counts, unit_value, unit_trust, unit_social = unit_outputs(
        cit, n_units)
    counts.fill(0)  # the kernel adds to them
    listed = cit._participants  # receives the indices of those taking part, if they fit
    coefficients = _coefficients("contribution_step", _contribution_coefficients, params,
                                 levers)
    has_learned = int(cit.sanction_learning is not None)
    for first, end, uniform in _draw_pieces(draws, "participation", cit, starts):
        lib.contribution_step(
            first, end, starts, uniform, panel, panel.size, cit.belief, cit.coop_type,
            cit.trust, fac_unit, cit.value,  # value holds each citizen's invitation here
            learned, has_learned, coefficients,
            taking_part, cit.contribution, n_taking_part, given_unit, counts, listed,
            listed.size)
    mun.invited, mun.accepted = int(counts[0]), int(counts[1])
    draws.release("participation")
    observed_unit, coproduced, voice_unit = arena_outcomes(
        n_taking_part, given_unit, fac_unit, population, params, levers)
    active = sanctions_act(levers, params)
    if active or cit.sanction_learning is not None:  # sanction_stage, compiled
        n_part = int(counts[2])
        if n_part <= listed.size:
            part = listed  # its first n_part: np.flatnonzero(taking_part), without a pass
        else:  # more than last time's room: found again, and more room for the next step
            part = np.flatnonzero(taking_part)
            cit._participants = np.empty(n_part + n_part // 4 + 1, dtype=np.int64)  # headroom
        if cit.sanction_learning is None:
            cit.sanction_learning = np.zeros(n, dtype=np.float32)
        lib.sanction_step(
            n_part, part, starts, n_taking_part, given_unit, cit.coop_type, cit.trust,
            cit.contribution,
            _coefficients("sanction_step", _sanction_coefficients, params, levers, active),
            cit.sanction_learning)

    # 5. service (units), then 5-6 on the citizens
    measured, relational, quality = unit_service(population, params, ctx, fac_unit,
                                                 coproduced)
    lib.value_exponent(
        n_units, starts, taking_part, cit.quintile, cit.service_fit, quality, voice_unit,
        panel, panel.size,
        panel_influence,
        _coefficients("value_exponent", _value_coefficients, params, levers),
        cit.value)
    np.exp(cit.value, out=cit.value)
    observed_or_0 = _nan_to_num(observed_unit)
    coefficients = _coefficients("citizen_step", _citizen_coefficients, params, levers,
                                 ctx.commitment, ctx.shock)
    for first, end, uniform in _draw_pieces(draws, "experience", cit, starts):
        lib.citizen_step(
            first, end, starts, taking_part, cit.trust, cit.quintile, cit.civic_motivation,
            voice_unit, observed_or_0, mun.unit_quality, panel, panel.size, panel_influence,
            uniform, coefficients,
            new_trust, cit.value, cit.expectation, cit.trust_disposition, cit.social_trust,
            cit.efficacy, cit.belief, unit_value, unit_trust, unit_social)
    draws.release("experience")
    cit._spare_trust, cit._spare_participating = cit.trust, cit.participating
    cit.trust, cit.participating = new_trust, taking_part
    return UnitFlows(n_taking_part, given_unit, coproduced, measured, relational,
                     unit_value, unit_trust, unit_social)


def professionals_native(population: Population, params: Params, ctx: StepContext) -> None:
    """Phase 7 in the compiled kernel: :func:`motivation.update_professionals`, in place."""
    prof, lead = population.professionals, population.leaders
    levers = ctx.levers
    lib = native.library()
    lib.professional_step(
        params.n_units, population.municipality.staff_starts, lead.control, lead.facilitation,
        prof.disposition, prof.perceived_support,
        _coefficients("professional_step", _professional_coefficients, params, levers,
                      ctx.switched),
        prof.motivation, prof.autonomy, prof.scar, prof.burnout, prof.skill)


def advance(
    population: Population, params: Params, ctx: StepContext, draws: StepDraws,
    backend: str | None = None,
) -> None:
    """Phases 2-9 of one step on whole arrays (no Python loop over agents).

    Args:
        backend: ``"native"``, ``"numpy"`` or ``"auto"`` for the citizens' phases 3-6
            (:func:`governance_sim.native.backend`; None reads ``GOVERNANCE_SIM_BACKEND``).
    """
    cit, prof, lead = population.citizens, population.professionals, population.leaders
    council, mun = population.council, population.municipality
    levers = ctx.levers

    # 2. leaders
    if ctx.switched:
        lead.reverted[:] = False
        lead.dip_steps[:] = 0
        lead.calm_steps[:] = 0
    control, facilitation, maturity = leadership.update_leader_style(
        lead.control, lead.facilitation, lead.maturity, lead.reverted, levers, params)
    lead.control, lead.facilitation, lead.maturity = control, facilitation, maturity
    fac_unit = unit_facilitation_effect(population, params)

    # 3-6. citizens: participation, contribution, service received, trust (committed)
    fused = native.backend(backend) == "native"
    citizens_phases = citizens_native if fused else citizens_numpy
    flows = citizens_phases(population, params, ctx, draws, fac_unit)

    # 7. professionals
    if fused:
        professionals_native(population, params, ctx)
    else:
        (prof.motivation, prof.autonomy, prof.scar, prof.burnout, prof.skill) = (
            motivation.update_professionals(
                prof.motivation, prof.autonomy, prof.scar, prof.burnout, prof.skill,
                prof.disposition, prof.perceived_support, lead.control[prof.unit],
                lead.facilitation[prof.unit], ctx.switched, levers, params))

    # 8. dips: leaders, then politicians
    unit_results = flows.value_sums / mun.unit_sizes  # mean value received per unit
    lead.reference, lead.dip_steps, lead.calm_steps, lead.reverted = leadership.track_dips(
        unit_results, lead.reference, lead.dip_steps, lead.calm_steps, lead.reverted,
        lead.patience,
        mun.council_pressure, params.leader_memory, params.dip_tolerance)
    n = cit.n
    mun.approval = approval(float(_sum(flows.trust_sums)) / n,
                            float(_sum(flows.value_sums)) / n, params)
    (mun.approval_reference, mun.approval_dip_steps, council.demanding,
     mun.council_pressure) = leadership.council_demands(
        mun.approval, mun.approval_reference, mun.approval_dip_steps, council.horizon_factor,
        council.courage, levers, params.approval_memory, params.dip_tolerance)

    # 9. stocks and flows kept for observation
    weights = mun.unit_sizes
    total = float(_sum(weights, dtype=np.float64))
    mun.unit_quality = unit_results
    mun.cost = cost_per_citizen(population, params, ctx.budget_factor, levers)
    mun.measured_output = _weighted_mean(flows.measured, weights, total)
    mun.relational_quality = _weighted_mean(flows.relational, weights, total)
    mun.coproduction = _weighted_mean(flows.coproduced, weights, total)
    n_part = float(_sum(flows.taking_part))
    mun.cooperation = float(_sum(flows.given)) / n_part if n_part > 0 else 0.0
    mun.future_stock += (
        future_target(float(_sum(flows.social_sums)) / n,
                      float(_sum(prof.motivation)) / prof.motivation.size,  # = mean()
                      params)
        - mun.future_stock
    ) / params.future_memory
    mun.step += 1


def step(
    population: Population, params: Params, streams: dict[str, np.random.Generator],
    backend: str | None = None,
) -> None:
    """One full vectorised step: events, draws, then phases 2-9 (see :func:`advance`)."""
    ctx = begin_step(population, params, streams)
    cit = population.citizens
    if native.backend(backend) == "native":  # drawn in chunks, into a small buffer
        chunk, _ = cit.draw_chunk(population.municipality.unit_starts)
        draws = draw_step(streams, cit.n, chunk=chunk)
    else:
        draws = draw_step(streams, cit.n, cit.scratch())
    advance(population, params, ctx, draws, backend)
