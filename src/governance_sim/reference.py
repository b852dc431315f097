"""The same rules as :mod:`governance_sim.dynamics`, written one agent at a time.

This is the readable twin of the vectorised step: plain Python objects, plain loops, one
citizen, professional, leader and politician after another. It is what a teacher shows
and what the benchmarks compare the vectorised core against. It consumes the very same
pre-drawn random numbers (:class:`governance_sim.dynamics.schedule.StepDraws`) and shares
only the municipality-level event handling, so a test can show that both paths agree.

Usage::

    sim = ReferenceSimulation(population.copy(), params)
    ctx = begin_step(sim.population_for_events(), params, streams)
    sim.step(ctx, draw_step(streams, sim.n_citizens))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from governance_sim.dynamics.events import StepContext
from governance_sim.dynamics.schedule import StepDraws
from governance_sim.logics import influence_of_rung
from governance_sim.mechanisms import effective_params
from governance_sim.params import Params
from governance_sim.state import LOWEST_RESOURCES, MEAN_RESOURCES, Population

__all__ = ["ReferenceSimulation", "CitizenAgent", "ProfessionalAgent", "LeaderAgent",
           "PoliticianAgent"]

CONDITIONAL, FREE_RIDER, HUMP, UNCONDITIONAL = 0, 1, 2, 3


def clip01(x: float) -> float:
    """Clip a number to [0, 1]."""
    return min(1.0, max(0.0, x))


@dataclass
class CitizenAgent:
    """One citizen (see :data:`governance_sim.roles.STATE_SCHEMA` for the meaning)."""

    trust: float
    trust_disposition: float
    social_trust: float
    efficacy: float
    civic_motivation: float
    service_fit: float  # stored as float32 by the vectorised step: read as it is stored
    resources: float
    quintile: int
    coop_type: int
    belief: float
    expectation: float
    value: float
    contribution: float
    participating: bool
    unit: int
    neighbours: list[int]
    sanction_learning: float = 0.0  # stored as float32 by the vectorised step: rounded alike


@dataclass
class ProfessionalAgent:
    """One professional."""

    motivation: float
    autonomy: float
    scar: float
    burnout: float
    skill: float
    disposition: float
    perceived_support: float
    unit: int


@dataclass
class LeaderAgent:
    """One unit leader."""

    control: float
    facilitation: float
    patience: float
    dip_steps: int
    calm_steps: int
    reverted: bool
    reference: float
    maturity: float


@dataclass
class PoliticianAgent:
    """One council member."""

    horizon_factor: float
    courage: float
    demanding: bool


class ReferenceSimulation:
    """The model's step, agent by agent.

    Args:
        population: a population to take the initial state from (its arrays are read once;
            its municipality object is kept and updated, as events need it).
        params: the parameters.
    """

    def __init__(self, population: Population, params: Params) -> None:
        self.params = effective_params(params)  # switched-off mechanisms in neutral form
        self.municipality = population.municipality
        self.template = population
        c = population.citizens
        resources = c.resources
        self.citizens = [
            CitizenAgent(
                float(c.trust[i]), float(c.trust_disposition[i]), float(c.social_trust[i]),
                float(c.efficacy[i]),
                float(c.civic_motivation[i]), float(c.service_fit[i]), float(resources[i]),
                int(c.quintile[i]),
                int(c.coop_type[i]), float(c.belief[i]), float(c.expectation[i]),
                float(c.value[i]), float(c.contribution[i]), bool(c.participating[i]),
                int(c.unit[i]), [int(j) for j in c.neighbours[i]],
                0.0 if c.sanction_learning is None else float(c.sanction_learning[i]),
            )
            for i in range(c.n)
        ]
        p = population.professionals
        self.professionals = [
            ProfessionalAgent(float(p.motivation[j]), float(p.autonomy[j]), float(p.scar[j]),
                              float(p.burnout[j]), float(p.skill[j]), float(p.disposition[j]),
                              float(p.perceived_support[j]), int(p.unit[j]))
            for j in range(p.motivation.shape[0])
        ]
        lead = population.leaders
        self.leaders = [
            LeaderAgent(float(lead.control[u]), float(lead.facilitation[u]),
                        float(lead.patience[u]), int(lead.dip_steps[u]),
                        int(lead.calm_steps[u]), bool(lead.reverted[u]),
                        float(lead.reference[u]), float(lead.maturity[u]))
            for u in range(lead.control.shape[0])
        ]
        pol = population.council
        self.politicians = [
            PoliticianAgent(float(pol.horizon_factor[k]), float(pol.courage[k]),
                            bool(pol.demanding[k]))
            for k in range(pol.horizon_factor.shape[0])
        ]
        self.unit_sizes = [int(s) for s in self.municipality.unit_sizes]

    @property
    def n_citizens(self) -> int:
        """Number of citizens."""
        return len(self.citizens)

    # ------------------------------------------------------------------------------------
    def step(self, ctx: StepContext, draws: StepDraws) -> None:
        """One step: phases 2-9 of the schedule, one agent at a time."""
        p, levers, mun = self.params, ctx.levers, self.municipality
        n_units = len(self.leaders)

        # 2. leaders move their style toward the levers (reverted ones toward control)
        for leader in self.leaders:
            if ctx.switched:
                leader.reverted = False
                leader.dip_steps = 0
                leader.calm_steps = 0
            if leader.reverted:
                target_control = max(levers.control_intensity, p.revert_control)
                target_facilitation = (p.revert_facilitation_share
                                       * levers.facilitation_investment)
            else:
                target_control = levers.control_intensity
                target_facilitation = levers.facilitation_investment
            leader.control += (target_control - leader.control) / p.leader_adjustment_steps
            leader.facilitation += (
                (target_facilitation - leader.facilitation) / p.leader_adjustment_steps)
            leader.maturity += leader.facilitation * (1.0 - leader.maturity) / p.maturation_steps

        skill_sum = [0.0] * n_units
        staff = [0] * n_units
        for prof in self.professionals:
            skill_sum[prof.unit] += prof.skill
            staff[prof.unit] += 1
        unit_fac = [
            p.facilitation_effectiveness * leader.facilitation
            * ((1.0 - p.skill_share) + p.skill_share * (skill_sum[u] / staff[u]))
            for u, leader in enumerate(self.leaders)
        ]

        # 3. participation: a citizen who took part last month goes on with the
        #    persistence; another is invited with the arena's reach and accepts weighing
        #    trust, efficacy, motivation, neighbours, the service motive and the time cost
        old_participating = [c.participating for c in self.citizens]
        old_trust = [c.trust for c in self.citizens]
        taking_part = []
        mun.invited = mun.accepted = 0
        targeting = (levers.facilitation_targeting * p.targeting_strength
                     / (MEAN_RESOURCES - LOWEST_RESOURCES))  # slope of the weight
        # paying for taking part: its price effect, and the civic motive it crowds out
        mun.civic_crowding += p.civic_crowding_rate * (
            p.civic_crowding_effect * levers.participation_payment
            * (1.0 - levers.payment_to_cause) - mun.civic_crowding)
        intercept = (p.participation_intercept
                     + p.payment_effect * levers.participation_payment
                     - p.participation_motivation_weight * mun.civic_crowding)
        for i, c in enumerate(self.citizens):
            neighbours_part = sum(old_participating[j] for j in c.neighbours) / len(c.neighbours)
            motive = ((1.0 - levers.complementarity_framing) * (1.0 - c.value)
                      + levers.complementarity_framing * c.value)
            weight = 1.0 + targeting * (MEAN_RESOURCES - c.resources)
            relief = clip01(unit_fac[c.unit] * weight)
            cost = p.participation_time_cost * (1.0 - relief) * LOWEST_RESOURCES / c.resources
            log_odds = (intercept
                        + p.participation_trust_weight * (c.trust - p.trust_threshold)
                        + p.participation_efficacy_weight * c.efficacy
                        + p.participation_motivation_weight * c.civic_motivation
                        + p.participation_contagion_weight * neighbours_part
                        + p.participation_need_weight * motive
                        - cost)
            invitation = clip01(levers.arena_reach * weight)
            uniform = draws.participation[i]
            if c.participating:
                probability = p.participation_persistence
            else:
                probability = invitation * (1.0 / (1.0 + math.exp(-log_odds)))
            taking_part.append(bool(uniform < probability))
            if not c.participating and uniform < invitation:
                mun.invited += 1
                mun.accepted += taking_part[-1]
        if ctx.panel_active:
            for member in mun.panel_members:
                taking_part[int(member)] = True

        # 4. contributions as conditional cooperators; arena means; beliefs
        given = []
        for i, c in enumerate(self.citizens):
            if not taking_part[i]:
                given.append(0.0)
                continue
            b = c.belief
            if c.coop_type == CONDITIONAL:
                base = min(1.0, p.cooperation_slope * b)
            elif c.coop_type == HUMP:
                base = min(1.0, p.cooperation_slope * 2.0 * min(b, 1.0 - b))
            elif c.coop_type == UNCONDITIONAL:
                base = p.unconditional_contribution
            else:
                base = 0.0
            dialogue = p.dialogue_effect * unit_fac[c.unit] * c.trust
            committed = (1.0 - dialogue) * base + dialogue
            given.append(clip01(committed + c.sanction_learning))
        part_count = [0] * n_units
        given_sum = [0.0] * n_units
        for i, c in enumerate(self.citizens):
            if taking_part[i]:
                part_count[c.unit] += 1
            given_sum[c.unit] += given[i]
        observed = [given_sum[u] / part_count[u] if part_count[u] else math.nan
                    for u in range(n_units)]
        # sanctions stage: every participant's learned shift fades; where arenas sanction,
        # cooperators punish those who gave less than their arena's mean, everyone punishes
        # those who gave more as the civic norm (mean trust) weakens, and the punished shift
        # their later contributions
        active = levers.sanctions > 0.0 and p.punishment_response > 0.0
        cooperators = [0] * n_units
        trust_sum = [0.0] * n_units
        for i, c in enumerate(self.citizens):
            if taking_part[i]:
                cooperators[c.unit] += c.coop_type != FREE_RIDER
                trust_sum[c.unit] += c.trust
        peers = levers.sanctions * (p.sanction_group_size - 1)
        for i, c in enumerate(self.citizens):
            if not taking_part[i]:
                continue
            change = 0.0
            if active:
                mean = observed[c.unit]
                share = cooperators[c.unit] / part_count[c.unit]
                norm = trust_sum[c.unit] / part_count[c.unit]
                prosocial = (peers * p.punishment_per_deviation) * share * max(
                    mean - given[i], 0.0)
                antisocial = (peers * p.antisocial_punishment) * (1.0 - norm) * max(
                    given[i] - mean, 0.0)
                change = p.punishment_response * (prosocial - antisocial)
            kept = c.sanction_learning * (1.0 - p.sanction_learning_decay)
            c.sanction_learning = float(np.float32(kept + change))
        coproduced = [given_sum[u] / self.unit_sizes[u] for u in range(n_units)]
        influence = influence_of_rung(levers.arnstein_rung, p.tokenism_influence)
        arena_voice = []
        for u in range(n_units):
            achieved = min(1.0, (0.0 if math.isnan(observed[u]) else observed[u])
                           / p.arena_success_level)
            mass = min(1.0, part_count[u] / self.unit_sizes[u] / p.critical_mass)
            arena_voice.append(influence * ((1.0 - p.voice_facilitation_share)
                                                   + p.voice_facilitation_share * unit_fac[u])
                               * achieved * mass)
        voice = [arena_voice[c.unit] if taking_part[i] else 0.0
                 for i, c in enumerate(self.citizens)]
        if ctx.panel_active:
            for member in mun.panel_members:
                voice[int(member)] = max(voice[int(member)], ctx.panel_influence)

        # 5. service: effort of each unit's staff, measured and relational work
        effort_sum = [0.0] * n_units
        for prof in self.professionals:
            effort_sum[prof.unit] += prof.motivation * (1.0 - prof.burnout)
        relational_share = levers.relational_focus * (
            1.0 - p.multitask_shift * levers.performance_incentives)
        measured, relational, quality = [], [], []
        for u, leader in enumerate(self.leaders):
            effort = effort_sum[u] / staff[u]
            m = effort * (1.0 - relational_share) * (
                1.0 + p.target_productivity_gain * levers.performance_incentives)
            r = effort * relational_share * ((1.0 - p.relational_facilitation_share)
                                             + p.relational_facilitation_share * unit_fac[u])
            burden = min(p.max_startup_burden,
                         leader.facilitation * p.startup_cost * (1.0 - leader.maturity))
            capacity = ctx.budget_factor ** p.budget_returns * (1.0 - burden)
            measured.append(m)
            relational.append(r)
            quality.append(capacity * (m + r) * (1.0 + p.coproduction_return * coproduced[u]))

        # 6. each citizen experiences service and process; trust, social trust, efficacy
        new_values, new_trust = [], []
        unit_value_sum = [0.0] * n_units
        last_unit_value = [float(v) for v in mun.unit_quality]  # last step's, per unit
        for i, c in enumerate(self.citizens):
            access = 1.0 + (1.0 - levers.impartiality) * levers.choice_exit * (
                p.choice_advantage * (c.resources - MEAN_RESOURCES))
            value = 1.0 - math.exp(-p.value_scale * (quality[c.unit] * c.service_fit) * access
                                   * (1.0 + p.voice_gain * voice[i]))
            experienced = clip01(value + p.experience_noise * (2.0 * draws.experience[i] - 1.0))
            disconfirmation = experienced - c.expectation
            fair = p.fairness_weight * (levers.impartiality - p.fairness_reference)
            social_level = p.initial_social_trust + p.impartiality_social_effect * (
                levers.impartiality - p.fairness_reference)
            if taking_part[i]:
                procedural = (p.voice_trust_weight * (voice[i] - p.tokenism_threshold)
                              + (1.0 - p.voice_trust_weight) * fair)
            else:
                procedural = fair
            procedural += p.felt_say_weight * (c.efficacy - p.initial_efficacy)
            procedural += ctx.commitment - ctx.shock
            signal = p.outcome_weight * disconfirmation + p.process_weight * procedural
            weighted = signal if signal >= 0.0 else p.loss_aversion * signal
            own = clip01(c.trust + p.trust_learning_rate * (c.trust * (1.0 - c.trust))
                         * weighted)
            anchored = own + p.trust_anchoring * (c.trust_disposition - own)
            neighbours_trust = sum(old_trust[j] for j in c.neighbours) / len(c.neighbours)
            new_trust.append((1.0 - p.trust_social_influence) * anchored
                             + p.trust_social_influence * neighbours_trust)
            drift = c.trust - c.trust_disposition
            weight = 1.0 if drift >= 0.0 else p.loss_aversion
            c.trust_disposition = clip01(
                c.trust_disposition + p.disposition_learning_rate * weight * drift)

            seen = taking_part[i] and not math.isnan(observed[c.unit])
            g = c.social_trust
            gap = (observed[c.unit] if seen else 0.0) - p.cooperation_norm
            if seen:
                g_change = (p.social_capital_gain * gap * (1.0 - g) if gap >= 0.0
                            else p.social_capital_loss * gap * g)
            else:
                g_change = 0.0
            own_level = (social_level + p.social_trust_resource_gradient
                         * (c.resources - MEAN_RESOURCES)
                         + p.institutional_social_link * (c.trust - p.initial_trust))
            c.social_trust = clip01(
                g + g_change - p.social_capital_decay * (g - own_level))

            e = c.efficacy
            anchor = clip01(p.initial_efficacy + p.efficacy_resource_gradient
                            * (c.resources - MEAN_RESOURCES)
                            + p.efficacy_trust_gradient
                            * (c.trust_disposition - p.initial_trust)
                            + p.efficacy_motivation_gradient
                            * (c.civic_motivation - p.initial_civic_motivation))
            felt = voice[i] - p.tokenism_threshold
            e_change = ((p.efficacy_rate * (felt * (1.0 - e) if felt >= 0.0 else felt * e))
                        if taking_part[i] else 0.0)
            e_change += (p.efficacy_rate * p.mobilisation_efficacy_gain * levers.mobilisation
                         * (1.0 - e))
            e_change -= p.efficacy_rate * p.efficacy_reversion * (e - anchor)
            c.efficacy = clip01(e + e_change)

            c.expectation = c.expectation + p.expectation_rate * (
                p.expectation_own_weight * experienced
                + (1.0 - p.expectation_own_weight) * last_unit_value[c.unit] - c.expectation)
            if seen:
                c.belief = c.belief + p.belief_learning_rate * (observed[c.unit] - c.belief)
            new_values.append(value)
            unit_value_sum[c.unit] += value

        # 7. professionals: motivation moves toward the disposition less felt control plus
        #    autonomy, less the scar; burnout, skill
        for prof in self.professionals:
            leader = self.leaders[prof.unit]
            if ctx.switched:
                prof.burnout = min(1.0, prof.burnout + p.reform_burnout)
            controlling = (leader.control * (1.0 - prof.autonomy)
                           + p.incentive_crowding * levers.performance_incentives) * (
                1.0 - prof.perceived_support)
            target = (prof.disposition - p.crowding_out_effect * controlling
                      + p.crowding_in_effect * prof.autonomy * (1.0 - leader.control)
                      - prof.scar)
            motivation = prof.motivation + (
                p.motivation_adjustment_rate * (target - prof.motivation)
                - p.burnout_motivation_loss * prof.burnout * prof.motivation)
            excess = max(0.0, controlling - p.control_tolerance)
            scar = prof.scar + p.scar_rate * excess * (1.0 - prof.scar) - p.scar_decay * prof.scar
            autonomy = prof.autonomy + (levers.professional_autonomy - prof.autonomy) / (
                p.leader_adjustment_steps)
            prof.burnout = prof.burnout * (1.0 - p.burnout_decay)
            prof.skill = clip01(prof.skill + (leader.facilitation - prof.skill)
                                / p.maturation_steps)
            prof.motivation, prof.scar, prof.autonomy = (
                clip01(motivation), clip01(scar), clip01(autonomy))

        # 8. leaders compare results with what they remember; politicians likewise
        unit_results = [unit_value_sum[u] / self.unit_sizes[u] for u in range(n_units)]
        for u, leader in enumerate(self.leaders):
            below = unit_results[u] < leader.reference - p.dip_tolerance
            leader.dip_steps = leader.dip_steps + 1 if below else 0
            leader.calm_steps = 0 if below else leader.calm_steps + 1
            if leader.reverted and leader.calm_steps > leader.patience:
                leader.reverted = False  # results held up: courage regained
            if leader.dip_steps > leader.patience * (1.0 - mun.council_pressure):
                leader.reverted = True
            leader.reference += (unit_results[u] - leader.reference) / p.leader_memory
        approval = p.approval_trust_weight * (sum(new_trust) / len(new_trust)) + (
            1.0 - p.approval_trust_weight) * (sum(new_values) / len(new_values))
        mun.approval = approval
        below = approval < mun.approval_reference - p.dip_tolerance
        mun.approval_dip_steps = mun.approval_dip_steps + 1 if below else 0
        demanding = 0
        for politician in self.politicians:
            politician.demanding = mun.approval_dip_steps > (
                politician.courage * levers.politician_horizon * politician.horizon_factor)
            demanding += politician.demanding
        mun.council_pressure = demanding / len(self.politicians)
        mun.approval_reference += (approval - mun.approval_reference) / p.approval_memory

        for i, c in enumerate(self.citizens):
            c.trust = new_trust[i]
            c.value = new_values[i]
            c.contribution = given[i]
            c.participating = taking_part[i]

        # 9. flows and the future-generations stock
        n = len(self.citizens)
        overhead = 0.0
        for u, leader in enumerate(self.leaders):
            overhead += self.unit_sizes[u] * (
                leader.facilitation * (p.facilitation_cost
                                       + p.startup_cost * (1.0 - leader.maturity))
                + p.control_cost * leader.control)
        mun.unit_quality = np.array(unit_results)
        mun.cost = p.budget * (ctx.budget_factor * (
            1.0 - p.competition_saving * levers.choice_exit) + overhead / n)
        mun.measured_output = sum(self.unit_sizes[u] * measured[u] for u in range(n_units)) / n
        mun.relational_quality = sum(
            self.unit_sizes[u] * relational[u] for u in range(n_units)) / n
        mun.coproduction = sum(self.unit_sizes[u] * coproduced[u] for u in range(n_units)) / n
        total_part = sum(part_count)
        mun.cooperation = sum(given_sum) / total_part if total_part else 0.0
        mean_social = sum(c.social_trust for c in self.citizens) / n
        mean_motivation = sum(q.motivation for q in self.professionals) / len(self.professionals)
        target = (p.future_social_weight * mean_social
                  + (1.0 - p.future_social_weight) * mean_motivation)
        mun.future_stock += (target - mun.future_stock) / p.future_memory
        mun.step += 1

    # ------------------------------------------------------------------------------------
    def population_for_events(self) -> Population:
        """A population object whose municipality is this simulation's (for ``begin_step``)."""
        self.template.municipality = self.municipality
        return self.template

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The agents' state as arrays named like :meth:`Population.arrays`."""
        out: dict[str, np.ndarray] = {}
        groups = {"citizens": self.citizens, "professionals": self.professionals,
                  "leaders": self.leaders, "council": self.politicians}
        for group, agents in groups.items():
            for name in agents[0].__dataclass_fields__:
                if name == "neighbours":
                    continue
                out[f"{group}.{name}"] = np.array([getattr(a, name) for a in agents])
        return out
