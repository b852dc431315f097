"""The Mesa model around the vectorised core, and thin agent views.

This is the only module that knows Mesa. :class:`GovernanceModel` wraps a
:class:`governance_sim.simulation.Simulation` (the population as arrays, run one vectorised
step per ``step()``); a :class:`mesa.DataCollector` with named reporters records every
metric. ``run`` is re-exported from :mod:`governance_sim.simulation`. Citizens,
professionals, leaders and politicians are reachable as Mesa agents that are thin views
onto array rows, created on request (or automatically for small populations), so that
``AgentSet`` operations work without a Python object per citizen in large runs.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from governance_sim.metrics import METRICS
from governance_sim.params import Params
from governance_sim.results import Results
from governance_sim.roles import STATE_SCHEMA, Role
from governance_sim.scenarios import Scenario
from governance_sim.simulation import Simulation, as_params, checked_seed, run
from governance_sim.state import Population

__all__ = [
    "GovernanceModel",
    "Citizen",
    "Professional",
    "Leader",
    "Politician",
    "latest_metric",
    "run",
]

#: Populations up to this size get their agent views created automatically.
DEFAULT_VIEW_LIMIT = 20_000


def latest_metric(model: GovernanceModel, name: str) -> float:
    """DataCollector reporter: the latest value of metric ``name``.

    Bound with a partial, which pickles because this is a named module-level function.
    """
    return model.latest[name]


class _ArrayView(mesa.Agent):
    """Base of the thin agent views: an index into one role's arrays."""

    role: Role
    _group: str

    def __init__(self, model: GovernanceModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    def _arrays(self) -> Any:
        return getattr(self.model.population, self._group)

    def step(self) -> None:
        """Views do not act: the model steps all agents at once."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self.index})"


def _view_property(name: str, label: str) -> property:
    def getter(self: _ArrayView) -> Any:
        return getattr(self._arrays(), name)[self.index].item()

    def setter(self: _ArrayView, value: Any) -> None:
        getattr(self._arrays(), name)[self.index] = value

    return property(getter, setter, doc=label)


def _make_view(class_name: str, role: Role, group: str, doc: str) -> type[_ArrayView]:
    namespace: dict[str, Any] = {"role": role, "_group": group, "__doc__": doc,
                                 "__module__": __name__}
    for var in STATE_SCHEMA[role]:
        namespace[var.name] = _view_property(var.name, var.label)
    return type(class_name, (_ArrayView,), namespace)


Citizen = _make_view("Citizen", Role.CITIZEN, "citizens",
                     "A citizen: a view onto one row of the citizens' arrays.")
Professional = _make_view("Professional", Role.PROFESSIONAL, "professionals",
                          "A professional: a view onto one row of the professionals' arrays.")
Leader = _make_view("Leader", Role.LEADER, "leaders",
                    "A unit leader: a view onto one row of the leaders' arrays.")
Politician = _make_view("Politician", Role.POLITICIAN, "council",
                        "A council member: a view onto one row of the politicians' arrays.")

_VIEWS: dict[Role, type[_ArrayView]] = {
    Role.CITIZEN: Citizen, Role.PROFESSIONAL: Professional, Role.LEADER: Leader,
    Role.POLITICIAN: Politician,
}


class GovernanceModel(mesa.Model):
    """The governance model: four roles under a logic, stepped as arrays.

    Args:
        params: a :class:`Params`, a :class:`Scenario`, a mapping of parameters, a scenario
            name or path, or None for the defaults.
        rng: the seed (non-negative int; None draws one from the OS and records it).
        steps: planned number of steps (sizes the result arrays; running longer is fine).
        agent_views: create agent views for every agent: True, False, or "auto" (only when
            there are at most ``view_limit`` citizens).
        view_limit: the size threshold for "auto".
        **overrides: parameters set over ``params`` (this is how ``mesa.batch_run`` passes
            its parameter grid).

    Attributes:
        params: the validated parameters.
        seed: the seed actually used.
        population: the state arrays (:class:`governance_sim.state.Population`).
        latest: the metrics of the last recorded step.
    """

    def __init__(
        self,
        params: Params | Scenario | dict[str, Any] | str | None = None,
        *,
        rng: int | None = None,
        steps: int = 120,
        agent_views: bool | str = "auto",
        view_limit: int = DEFAULT_VIEW_LIMIT,
        **overrides: Any,
    ) -> None:
        params_obj, scenario_name = as_params(params, overrides)
        seed = checked_seed(rng, "rng")
        super().__init__(rng=seed)
        self.simulation = Simulation(params_obj, seed, steps=steps, scenario_name=scenario_name)
        self.datacollector = mesa.DataCollector(
            model_reporters={m.name: partial(latest_metric, name=m.name) for m in METRICS}
        )
        self.datacollector.collect(self)
        if agent_views is True or (
            agent_views == "auto" and self.params.n_citizens <= view_limit
        ):
            for role in Role:
                self.create_views(role)

    @property
    def params(self) -> Params:
        """The validated parameters."""
        return self.simulation.params

    @property
    def seed(self) -> int:
        """The seed actually used."""
        return self.simulation.seed

    @property
    def scenario_name(self) -> str | None:
        """Name of the scenario the parameters came from, if any."""
        return self.simulation.scenario_name

    @property
    def population(self) -> Population:
        """The state arrays."""
        return self.simulation.population

    @property
    def streams(self) -> dict[str, np.random.Generator]:
        """The named random streams."""
        return self.simulation.streams

    @property
    def latest(self) -> dict[str, float]:
        """The metrics of the last recorded step."""
        return self.simulation.latest

    def step(self) -> None:
        """Run one vectorised step of the schedule and record the metrics."""
        self.simulation.step()
        self.datacollector.collect(self)

    def create_views(self, role: Role | str, indices: Any = None) -> AgentSet:
        """Create Mesa agent views for a role (all its agents, or the given indices).

        Views already created for an index are reused.

        Returns:
            An AgentSet of the views of those indices.
        """
        role = Role(role)
        view_class = _VIEWS[role]
        size = _role_size(self.params, role)
        wanted = np.arange(size) if indices is None else np.asarray(indices, dtype=np.int64)
        if wanted.size and (wanted.min() < 0 or wanted.max() >= size):
            raise IndexError(f"{role.value} indices must be in 0..{size - 1}")
        existing = {agent.index: agent for agent in self._agents_of(view_class)}
        agents = [existing.get(int(i)) or view_class(self, int(i)) for i in wanted]
        return AgentSet(agents, random=self.random)

    def _agents_of(self, view_class: type[_ArrayView]) -> list[_ArrayView]:
        try:
            return list(self.agents_by_type[view_class])
        except KeyError:
            return []

    def results(self) -> Results:
        """The recorded time series and the manifest of this run."""
        return self.simulation.results()

    def manifest(self) -> dict[str, Any]:
        """Parameters, seed, steps run, scenario name and versions."""
        return self.simulation.manifest()


def _role_size(params: Params, role: Role) -> int:
    return {
        Role.CITIZEN: params.n_citizens,
        Role.PROFESSIONAL: params.n_units * params.professionals_per_unit,
        Role.LEADER: params.n_units,
        Role.POLITICIAN: params.n_politicians,
    }[role]
