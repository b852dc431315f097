"""Scheduled events: logic switches, shocks, budget changes, lever overrides, compacts, panels.

Events are the only way levers change during a run. ``Params.levers`` are standing
overrides that apply to whichever logic is in force; ``set_levers`` events add to them until
the next logic switch. :func:`apply_events` is called first in
every step; it updates the municipality's logic, overrides and panel, and returns the
:class:`StepContext` that the behavioural submodels read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from governance_sim.logics import LogicProfile, influence_of_rung, profile
from governance_sim.params import Params
from governance_sim.state import Municipality

__all__ = ["StepContext", "apply_events"]


@dataclass(frozen=True)
class StepContext:
    """What the events make of one step, shared by every submodel.

    Attributes:
        levers: the effective lever profile this step.
        switched: a logic switch happened at this step.
        shock: size of the active negative procedural signal (scandals, crises), less the
            positive signal of good news (``trust_boost``).
        commitment: size of the active positive signal of a visible compact.
        budget_factor: budget relative to ``Params.budget``.
        panel_active: a citizens' panel sits this step.
        panel_influence: influence of a panel member's voice (``panel_rung``'s).
    """

    levers: LogicProfile
    switched: bool
    shock: float
    commitment: float
    budget_factor: float
    panel_active: bool
    panel_influence: float


def apply_events(
    municipality: Municipality, params: Params, step: int, n_citizens: int,
    panel_rng: np.random.Generator,
) -> StepContext:
    """Apply the events due at ``step`` (1-based: the step being computed) and describe it.

    Changes the municipality's base logic, lever overrides and panel in place; everything
    else is read from the event list, so the result depends only on the step number.
    """
    switched = False
    shock = 0.0
    commitment = 0.0
    budget_factor = 1.0
    framing_floor = 0.0
    for event in params.events:
        start = event.step
        if event.kind == "switch_logic" and start == step:
            municipality.base_logic = profile(event.logic, params.lever_table).with_levers(
                params.levers)
            municipality.lever_overrides = {}
            municipality.last_switch_step = step
            switched = True
        elif event.kind == "set_levers" and start == step:
            municipality.lever_overrides.update(event.levers or {})
        elif event.kind == "trust_shock" and start <= step < start + event.duration:
            shock += event.size
        elif event.kind == "trust_boost" and start <= step < start + event.duration:
            shock -= event.size  # good news: a negative shock, a positive signal
        elif event.kind == "budget_change" and step >= start:
            phase = min(1.0, (step - start + 1) / event.duration)
            budget_factor *= 1.0 + (event.factor - 1.0) * phase
        elif event.kind == "compact" and step >= start:
            framing_floor = max(framing_floor, event.size)
            if step < start + event.duration:
                commitment += event.size * params.compact_signal_share
        elif event.kind == "citizens_panel" and start == step:
            municipality.panel_members = np.sort(
                panel_rng.choice(n_citizens, size=event.members, replace=False)
            )
            municipality.panel_end_step = start + event.duration
    levers = municipality.base_logic  # frozen: shared, not copied, when nothing overrides
    if municipality.lever_overrides:
        levers = levers.with_levers(municipality.lever_overrides)
    if framing_floor > levers.complementarity_framing:
        levers = levers.with_levers({"complementarity_framing": framing_floor})
    municipality.budget_factor = budget_factor
    return StepContext(
        levers=levers,
        switched=switched,
        shock=shock,
        commitment=commitment,
        budget_factor=budget_factor,
        panel_active=step < municipality.panel_end_step and municipality.panel_members.size > 0,
        panel_influence=influence_of_rung(params.panel_rung, params.tokenism_influence),
    )
