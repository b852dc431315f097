"""The running model behind a participatory session, and how students' choices reach it.

A :class:`ModelBridge` owns one :class:`governance_sim.GovernanceModel` and talks to it only
through its public state, never changing the dynamics:

* before each month (step) of a round, the human-held **leaders**' rows get the chosen
  control and facilitation and, in a dip, the choice to hold (``reverted`` false) or fall
  back (``reverted`` true); the human-held **professionals**' ``motivation`` (the effort they
  give: the model's effort is motivation x (1 - burnout)); the human-held **politicians**'
  ``horizon_factor`` (own horizon / the logic's);
* a council budget or logic switch becomes one of the model's own scheduled events
  (``budget_change``, ``switch_logic``) for the next step, so the model's reform rules
  (leaders' reset, reform burnout) apply and the manifest records it;
* after each month, the human-held **citizens**' decision rows are set to what they chose
  (``participating``, ``contribution``): next month's persistence, the neighbours'
  contagion and the arena read them.

A seat that no student answered keeps the model's own rule (nothing is written). For the
debrief, each human decision is stored next to what the rule did (:class:`Decision`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from governance_sim.mechanisms import effective_params
from governance_sim.model import GovernanceModel
from governance_sim.params import Event, Params
from governance_sim.participatory.roles import LOGICS, RoleKind

__all__ = ["ModelBridge", "Decision", "CURVES", "MONTHS_BETWEEN_SWITCHES"]

#: A politician may switch logic at most once a year.
MONTHS_BETWEEN_SWITCHES = 12

#: The curves on the projector: metric name -> colour.
CURVES: dict[str, str] = {
    "trust_mean": "#1f77b4", "participation_rate": "#2ca02c", "service_value": "#ff7f0e",
    "motivation_mean": "#9467bd", "trust_q1": "#8c564b", "public_value_index": "#d62728",
}


@dataclass
class Decision:
    """One seat's decision in one round: the human's answer (or none) and the rule's.

    Attributes:
        round: round number (1-based).
        role_id: the seat, e.g. ``"citizen-3"``.
        kind: the role.
        answered: a student answered this round.
        choices: the answer applied (empty when none).
        rule: what the model's rule did for this seat in the round's last month.
        outcome: what happened to the seat (plain numbers, 0-1 unless named).
        month: months simulated at the end of the round.
    """

    round: int
    role_id: str
    kind: RoleKind
    answered: bool
    choices: dict[str, Any]
    rule: dict[str, Any]
    outcome: dict[str, Any] = field(default_factory=dict)
    month: int = 0


def _coprime_stride(size: int) -> int:
    stride = max(1, size // 5 + 1)
    while math.gcd(stride, size) != 1:
        stride += 1
    return stride


class ModelBridge:
    """One model run, stepped round by round with the students' choices applied.

    Args:
        logic: the logic at the start (one of :data:`LOGICS`).
        n_citizens: citizens of the municipality (small: the class plays in real time).
        n_units: service units (kindergartens); each has one leader.
        seed: the model's seed.
        steps: planned months (sizes the result arrays; running longer is fine).
    """

    def __init__(self, logic: str = "bureaucracy", *, n_citizens: int = 2000,
                 n_units: int = 20, seed: int = 1, steps: int = 60) -> None:
        if logic not in LOGICS:
            raise ValueError(f"logic {logic!r}: allowed {', '.join(LOGICS)}")
        self.model = GovernanceModel(Params(logic=logic, n_citizens=n_citizens,
                                            n_units=n_units),
                                     seed=seed, steps=steps, agent_views=False)
        self.logic = logic
        #: months at which a logic switch took effect, with the logic: [(month, logic)]
        self.switches: list[tuple[int, str]] = []
        self.history: dict[str, list[float]] = {name: [self.model.latest[name]]
                                                for name in CURVES}
        self.own: dict[str, list[float]] = {}  # role id -> the seat's headline per round
        self._network: Any = None

    # -- seats ------------------------------------------------------------------------------
    @property
    def capacity(self) -> dict[RoleKind, int]:
        """Most students each role can take."""
        p = self.model.params
        return {RoleKind.CITIZEN: p.n_citizens, RoleKind.PROFESSIONAL: p.n_units
                * p.professionals_per_unit, RoleKind.LEADER: p.n_units,
                RoleKind.POLITICIAN: p.n_politicians}

    def seat_index(self, kind: RoleKind, k: int) -> int:
        """Row in the role's arrays of the ``k``-th seat of a role (0-based), spread over units.

        Citizens: unit ``k % n_units``, and inside it a stride through the resource-sorted
        rows so that successive seats of a unit differ in resources. Professionals: unit
        ``k % n_units``. Leaders: unit ``k``. Politicians: council seat ``k``.
        """
        p = self.model.params
        mun = self.model.population.municipality
        if kind is RoleKind.CITIZEN:
            unit, j = k % p.n_units, k // p.n_units
            start, size = int(mun.unit_starts[unit]), int(mun.unit_sizes[unit])
            return start + (j * _coprime_stride(size) + size // 10) % size
        if kind is RoleKind.PROFESSIONAL:
            unit, j = k % p.n_units, k // p.n_units
            return int(mun.staff_starts[unit]) + j % p.professionals_per_unit
        return k

    def unit_of(self, kind: RoleKind, index: int) -> int:
        """The unit a seat belongs to (-1 for a politician)."""
        pop = self.model.population
        if kind is RoleKind.CITIZEN:
            return int(pop.citizens.unit[index])
        if kind is RoleKind.PROFESSIONAL:
            return int(pop.professionals.unit[index])
        return index if kind is RoleKind.LEADER else -1

    # -- a round ----------------------------------------------------------------------------
    @property
    def month(self) -> int:
        """Months simulated so far."""
        return int(self.model.population.municipality.step)

    def can_switch(self) -> bool:
        """Whether a switch of logic is allowed now (none in the last 12 months)."""
        last = max([0, *[m for m, _ in self.switches],
                    int(self.model.population.municipality.last_switch_step)])
        return last == 0 or self.month + 1 - last >= MONTHS_BETWEEN_SWITCHES

    def play_round(self, round_no: int, months: int,
                   answers: dict[str, tuple[RoleKind, int, dict[str, Any] | None]]
                   ) -> list[Decision]:
        """Simulate one round of ``months`` months with the seats' answers applied.

        Args:
            round_no: the round's number (for the records).
            months: months in the round (>= 1).
            answers: role id -> (kind, row, cleaned choices or None when not answered).

        Returns:
            One :class:`Decision` per seat in ``answers``.
        """
        for role_id, (kind, i, _) in answers.items():  # where each seat starts from
            self.own.setdefault(role_id, [self.observe(kind, i)["headline"]])
        self._council_decisions(answers)
        pop = self.model.population
        rules: dict[str, dict[str, Any]] = {}
        for _ in range(months):
            for role_id, (kind, i, choices) in answers.items():
                rules[role_id] = self._before_step(kind, i, choices)
            self.model.step()
            for role_id, (kind, i, choices) in answers.items():
                if kind is RoleKind.CITIZEN:
                    cit = pop.citizens
                    rules[role_id] = {"accept": bool(cit.participating[i]),
                                      "time": round(float(cit.contribution[i]), 3)}
                    if choices is not None:
                        cit.participating[i] = choices["accept"]
                        cit.contribution[i] = choices["time"] if choices["accept"] else 0.0
            for name in CURVES:
                self.history[name].append(float(self.model.latest[name]))
        decisions = []
        for role_id, (kind, i, choices) in answers.items():
            outcome = self.observe(kind, i)
            self.own.setdefault(role_id, []).append(outcome["headline"])
            decisions.append(Decision(round_no, role_id, kind, choices is not None,
                                      dict(choices or {}), rules.get(role_id, {}), outcome,
                                      self.month))
        return decisions

    def _before_step(self, kind: RoleKind, i: int,
                     choices: dict[str, Any] | None) -> dict[str, Any]:
        """Write one seat's choices before a month; returns what the rule had there."""
        pop = self.model.population
        levers = pop.municipality.base_logic
        if kind is RoleKind.LEADER:
            lead = pop.leaders
            rule = {"control": round(float(lead.control[i]), 3),
                    "facilitation": round(float(lead.facilitation[i]), 3),
                    "in_dip": "fall_back" if lead.reverted[i] else "hold"}
            if choices is not None:
                lead.control[i] = choices["control"]
                lead.facilitation[i] = choices["facilitation"]
                if choices["in_dip"] == "hold":
                    lead.reverted[i] = False
                elif lead.dip_steps[i] > 0:
                    lead.reverted[i] = True
            return rule
        if kind is RoleKind.PROFESSIONAL:
            prof = pop.professionals
            rule = {"effort": round(float(prof.motivation[i]), 3)}
            if choices is not None:
                prof.motivation[i] = choices["effort"]
            return rule
        if kind is RoleKind.POLITICIAN:
            council = pop.council
            rule = {"horizon": round(float(council.horizon_factor[i]
                                           * levers.politician_horizon), 1),
                    "budget": round(float(pop.municipality.budget_factor), 3),
                    "switch_to": "keep"}
            if choices is not None:
                council.horizon_factor[i] = choices["horizon"] / levers.politician_horizon
            return rule
        return {}

    def _council_decisions(self, answers: dict[str, tuple[RoleKind, int,
                                                          dict[str, Any] | None]]) -> None:
        """The council's budget (mean of the answers) and switch (a majority) as events."""
        votes = [c for kind, _, c in answers.values()
                 if kind is RoleKind.POLITICIAN and c is not None]
        if not votes:
            return
        events: list[Event] = []
        next_step = self.month + 1
        current = float(self.model.population.municipality.budget_factor)
        wanted = float(np.mean([c["budget"] for c in votes]))
        if current > 0 and abs(wanted - current) > 1e-9:
            events.append(Event(kind="budget_change", step=next_step,
                                factor=min(5.0, wanted / current), duration=1))
        tally: dict[str, int] = {}
        for c in votes:
            tally[c["switch_to"]] = tally.get(c["switch_to"], 0) + 1
        winner = max(tally, key=lambda k: (tally[k], k == "keep"))
        if (winner != "keep" and winner != self.logic and tally[winner] * 2 > len(votes)
                and self.can_switch()):
            events.append(Event(kind="switch_logic", step=next_step, logic=winner))
            self.switches.append((next_step, winner))
            self.logic = winner
        if events:
            sim = self.model.simulation
            sim.params = sim.params.model_copy(update={"events": (*sim.params.events,
                                                                  *events)})
            sim.dynamics_params = effective_params(sim.params)

    # -- what a seat sees -------------------------------------------------------------------
    def observe(self, kind: RoleKind, i: int) -> dict[str, Any]:
        """What happened to one seat, in plain numbers; ``headline`` is its key number."""
        pop = self.model.population
        mun = pop.municipality
        unit = self.unit_of(kind, i)
        if kind is RoleKind.CITIZEN:
            cit = pop.citizens
            return {"trust": float(cit.trust[i]), "value": float(cit.value[i]),
                    "unit_quality": float(mun.unit_quality[unit]),
                    "took_part": bool(cit.participating[i]),
                    "efficacy": float(cit.efficacy[i]), "quintile": int(cit.quintile[i]),
                    "unit": unit, "headline": float(cit.trust[i])}
        if kind is RoleKind.PROFESSIONAL:
            prof = pop.professionals
            return {"motivation": float(prof.motivation[i]), "burnout": float(prof.burnout[i]),
                    "autonomy": float(prof.autonomy[i]),
                    "unit_quality": float(mun.unit_quality[unit]), "unit": unit,
                    "headline": float(prof.motivation[i])}
        if kind is RoleKind.LEADER:
            lead, cit = pop.leaders, pop.citizens
            rows = slice(int(mun.unit_starts[i]), int(mun.unit_starts[i + 1]))
            staff = slice(int(mun.staff_starts[i]), int(mun.staff_starts[i + 1]))
            return {"unit_quality": float(mun.unit_quality[i]),
                    "reference": float(lead.reference[i]),
                    "in_dip": bool(lead.dip_steps[i] > 0), "fell_back": bool(lead.reverted[i]),
                    "control": float(lead.control[i]),
                    "facilitation": float(lead.facilitation[i]),
                    "taking_part": float(cit.participating[rows].mean()),
                    "staff_motivation": float(pop.professionals.motivation[staff].mean()),
                    "unit": i, "headline": float(mun.unit_quality[i])}
        latest = self.model.latest
        return {"approval": float(mun.approval), "pressure": float(mun.council_pressure),
                "budget": float(mun.budget_factor), "trust": float(latest["trust_mean"]),
                "logic": self.logic, "can_switch": self.can_switch(), "unit": -1,
                "headline": float(mun.approval)}

    @property
    def network(self) -> Any:
        """A sample of whole units' citizens with their ties and fixed positions (made once).

        The classroom's :func:`governance_sim.app.classroom.sample_network` (about 300
        citizens, the first units: where the first parent seats are).
        """
        if self._network is None:
            from governance_sim.app.classroom import sample_network

            cit = self.model.population.citizens
            self._network = sample_network(cit.unit, cit.neighbours, cit.quintile,
                                           seed=self.model.seed % (2**32))
        return self._network

    def units(self) -> list[dict[str, Any]]:
        """Each unit's quality and state, for the projector's map of units."""
        pop = self.model.population
        return [{"quality": float(q), "fell_back": bool(r), "in_dip": bool(d > 0)}
                for q, r, d in zip(pop.municipality.unit_quality, pop.leaders.reverted,
                                   pop.leaders.dip_steps, strict=True)]
