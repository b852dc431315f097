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
the end. All random numbers of a step are drawn first (:func:`draw_step`), from named
streams, so the per-agent reference implementation can consume the very same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from governance_sim.dynamics import contribution as contrib
from governance_sim.dynamics import leadership, motivation, participation, service, trust
from governance_sim.dynamics.events import StepContext, apply_events
from governance_sim.dynamics.groups import neighbour_mean, unit_mean
from governance_sim.params import Params
from governance_sim.state import Population

__all__ = ["SCHEDULE", "StepDraws", "draw_step", "begin_step", "advance", "prepare", "step"]

SCHEDULE: tuple[str, ...] = (
    "events", "leaders", "participation", "contribution", "service", "trust",
    "professionals", "dips", "stocks",
)


@dataclass(frozen=True)
class StepDraws:
    """The random numbers of one step.

    Attributes:
        participation: float64[n_citizens], uniform on [0, 1), from stream "participation".
        experience: float64[n_citizens], uniform on [0, 1), from stream "experience".
    """

    participation: np.ndarray
    experience: np.ndarray


def draw_step(streams: dict[str, np.random.Generator], n_citizens: int) -> StepDraws:
    """Draw every random number one step needs, in bulk, each from its own stream."""
    return StepDraws(
        participation=streams["participation"].random(n_citizens),
        experience=streams["experience"].random(n_citizens),
    )


def begin_step(
    population: Population, params: Params, streams: dict[str, np.random.Generator]
) -> StepContext:
    """Phase 1, events: shared by the vectorised and the reference implementation."""
    return apply_events(
        population.municipality, params, population.municipality.step + 1,
        population.citizens.n, streams["panel"],
    )


def unit_facilitation_effect(population: Population, params: Params) -> np.ndarray:
    """Effective facilitation of each unit: the leader's investment times staff skill.

    Returns float64[n_units]: ``facilitation * (0.5 + 0.5 * mean skill of the unit's staff)``.
    """
    prof = population.professionals
    skill = unit_mean(prof.skill, prof.unit, population.municipality.staff_sizes)
    return population.leaders.facilitation * (0.5 + 0.5 * skill)


def arena_voice(
    influence: float,
    facilitation: np.ndarray,
    cooperation: np.ndarray,
    turnout: np.ndarray,
    params: Params,
) -> np.ndarray:
    """Influence participants feel in each unit's arena, float64[n_units] in [0, 1].

    The rung's influence, realised in proportion to facilitation and to what the arena
    achieved: its mean contribution relative to ``arena_success_level`` and its turnout
    relative to ``critical_mass``, each capped at 1 (Marwell & Oliver 1993). An arena where
    few take part, or where they give little, achieves little.

    Args:
        influence: the rung's influence (0-1).
        facilitation: float64[n_units], effective facilitation.
        cooperation: float64[n_units], mean contribution of participants (NaN: nobody).
        turnout: float64[n_units], share of the unit's citizens taking part.
    """
    achieved = np.minimum(1.0, np.nan_to_num(cooperation) / params.arena_success_level)
    mass = np.minimum(1.0, turnout / params.critical_mass)
    return influence * (0.5 + 0.5 * facilitation) * achieved * mass


def cost_per_citizen(population: Population, params: Params, budget_factor: float) -> float:
    """Spending per citizen, in budget units per step.

    The service budget plus each unit's facilitation and control overhead, weighted by the
    unit's citizens.
    """
    lead = population.leaders
    overhead = service.spending(lead.facilitation, lead.maturity, lead.control, params)
    return params.budget * (
        budget_factor + float(np.average(overhead, weights=population.municipality.unit_sizes)))


def prepare(population: Population, params: Params) -> None:
    """Set expectations, remembered levels and approval to the initial service (no noise).

    Called once before the first step so that no run starts with a disconfirmation shock.
    """
    cit, lead, mun = population.citizens, population.leaders, population.municipality
    levers = mun.base_logic
    prof = population.professionals
    effort = unit_mean(prof.motivation * (1.0 - prof.burnout), prof.unit, mun.staff_sizes)
    fac = unit_facilitation_effect(population, params)
    _, _, quality = service.unit_outputs(
        effort, fac, np.zeros(params.n_units),
        service.startup_burden(lead.facilitation, lead.maturity, params), 1.0, levers, params)
    value = service.citizen_value(quality[cit.unit], cit.resources, np.zeros(cit.n), levers,
                                  params)
    cit.value[:] = value
    cit.expectation[:] = value
    lead.reference[:] = unit_mean(value, cit.unit, mun.unit_sizes)
    mun.unit_quality = lead.reference.copy()
    mun.approval = 0.5 * float(cit.trust.mean()) + 0.5 * float(value.mean())
    mun.approval_reference = mun.approval
    mun.future_stock = 0.5 * (float(cit.social_trust.mean()) + float(prof.motivation.mean()))
    mun.cost = cost_per_citizen(population, params, 1.0)


def advance(population: Population, params: Params, ctx: StepContext, draws: StepDraws) -> None:
    """Phases 2-9 of one step on whole arrays (no Python loop over agents)."""
    cit, prof, lead = population.citizens, population.professionals, population.leaders
    council, mun = population.council, population.municipality
    levers = ctx.levers
    n_units = params.n_units

    # 2. leaders
    if ctx.switched:
        lead.reverted[:] = False
        lead.dip_steps[:] = 0
        lead.calm_steps[:] = 0
    control, facilitation, maturity = leadership.update_leader_style(
        lead.control, lead.facilitation, lead.maturity, lead.reverted, levers, params)
    lead.control, lead.facilitation, lead.maturity = control, facilitation, maturity
    fac_unit = unit_facilitation_effect(population, params)
    fac = fac_unit[cit.unit]

    # 3. participation (reads last step's participation of neighbours and last value)
    reach = participation.facilitation_reach(fac, cit.resources, levers.facilitation_targeting)
    probability = participation.participation_probability(
        cit.trust, cit.efficacy, cit.civic_motivation,
        neighbour_mean(cit.participating, cit.network),
        participation.service_motive(cit.value, levers.complementarity_framing),
        reach, cit.resources, levers, params)
    taking_part = participation.decide(probability, draws.participation)
    if ctx.panel_active:
        taking_part[mun.panel_members] = True

    # 4. contribution: computed for those taking part only (indices ``part``)
    part = np.flatnonzero(taking_part)
    part_unit = cit.unit[part]
    part_trust = cit.trust[part]
    part_given = contrib.contributions(
        cit.belief[part], cit.coop_type[part], part_trust, np.ones(part.size, dtype=bool),
        params.cooperation_slope, params.dialogue_effect * fac_unit[part_unit] * part_trust,
        params.unconditional_contribution, levers.sanctions, params.sanction_effect,
        params.norm_threshold)
    given = np.zeros(cit.n)
    given[part] = part_given
    n_taking_part = np.bincount(part_unit, minlength=n_units)
    given_unit = np.bincount(part_unit, weights=part_given, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed_unit = np.where(n_taking_part > 0, given_unit / n_taking_part, np.nan)
    part_observed = observed_unit[part_unit]  # never NaN: each has at least themselves
    belief = cit.belief.copy()
    belief[part] = contrib.update_beliefs(cit.belief[part], np.ones(part.size, dtype=bool),
                                          part_observed, params.belief_learning_rate)
    coproduced = given_unit / mun.unit_sizes
    part_voice = arena_voice(levers.influence, fac_unit, observed_unit,
                             n_taking_part / mun.unit_sizes, params)[part_unit]
    if ctx.panel_active:
        on_panel = np.isin(part, mun.panel_members, assume_unique=True)
        part_voice[on_panel] = np.maximum(part_voice[on_panel], ctx.panel_influence)
    voice = np.zeros(cit.n)
    voice[part] = part_voice

    # 5. service
    effort = unit_mean(prof.motivation * (1.0 - prof.burnout), prof.unit, mun.staff_sizes)
    measured, relational, quality = service.unit_outputs(
        effort, fac_unit, coproduced, service.startup_burden(lead.facilitation, lead.maturity,
                                                             params),
        ctx.budget_factor, levers, params)
    value = service.citizen_value(quality[cit.unit], cit.resources, voice, levers, params)
    experienced = np.clip(value + params.experience_noise * (2.0 * draws.experience - 1.0),
                          0.0, 1.0)

    # 6. trust, social trust, efficacy
    disconfirmation = experienced - cit.expectation
    procedural = trust.procedural_signal(taking_part, voice, levers.impartiality,
                                         params.tokenism_threshold, ctx.commitment, ctx.shock)
    new_trust = trust.update_trust(cit.trust, neighbour_mean(cit.trust, cit.network),
                                   disconfirmation, procedural, params)
    new_social = trust.update_social_trust(cit.social_trust, part, part_observed, params)
    new_efficacy = trust.update_efficacy(cit.efficacy, part, part_voice, levers.mobilisation,
                                         params)
    cit.expectation = cit.expectation + params.expectation_rate * disconfirmation

    # 7. professionals
    (prof.motivation, prof.autonomy, prof.scar, prof.burnout, prof.skill) = (
        motivation.update_professionals(
            prof.motivation, prof.autonomy, prof.scar, prof.burnout, prof.skill,
            lead.control[prof.unit], lead.facilitation[prof.unit], ctx.switched, levers,
            params))

    # 8. dips: leaders, then politicians
    unit_results = unit_mean(value, cit.unit, mun.unit_sizes)
    lead.reference, lead.dip_steps, lead.calm_steps, lead.reverted = leadership.track_dips(
        unit_results, lead.reference, lead.dip_steps, lead.calm_steps, lead.reverted,
        lead.patience,
        mun.council_pressure, params.approval_memory)
    mun.approval = 0.5 * float(new_trust.mean()) + 0.5 * float(value.mean())
    (mun.approval_reference, mun.approval_dip_steps, council.demanding,
     mun.council_pressure) = leadership.council_demands(
        mun.approval, mun.approval_reference, mun.approval_dip_steps, council.horizon_factor,
        council.courage, levers, params.approval_memory)

    # commit citizens
    cit.trust, cit.social_trust, cit.efficacy = new_trust, new_social, new_efficacy
    cit.belief, cit.value, cit.contribution, cit.participating = (
        belief, value, given, taking_part)

    # 9. stocks and flows kept for observation
    weights = mun.unit_sizes
    mun.unit_quality = unit_results
    mun.cost = cost_per_citizen(population, params, ctx.budget_factor)
    mun.measured_output = float(np.average(measured, weights=weights))
    mun.relational_quality = float(np.average(relational, weights=weights))
    mun.coproduction = float(np.average(coproduced, weights=weights))
    n_part = float(n_taking_part.sum())
    mun.cooperation = float(given_unit.sum()) / n_part if n_part > 0 else 0.0
    mun.future_stock += (
        0.5 * (float(new_social.mean()) + float(prof.motivation.mean())) - mun.future_stock
    ) / params.future_memory
    mun.step += 1


def step(population: Population, params: Params, streams: dict[str, np.random.Generator]) -> None:
    """One full vectorised step: events, draws, then phases 2-9."""
    ctx = begin_step(population, params, streams)
    draws = draw_step(streams, population.citizens.n)
    advance(population, params, ctx, draws)
