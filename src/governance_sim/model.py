"""The Mesa model around the vectorised core, and thin agent views.

This is the only module that knows Mesa. :class:`GovernanceModel` wraps a
:class:`governance_sim.simulation.Simulation` (the population as arrays, run one vectorised
step per ``step()``); a :class:`mesa.DataCollector` with named reporters records every
metric. ``run`` is re-exported from :mod:`governance_sim.simulation`. Citizens,
professionals, leaders and politicians are reachable as Mesa agents that are thin views
onto array rows, created on request (or automatically for small populations), so that
``AgentSet`` operations work without a Python object per citizen in large runs.

As in Mesa 3.5, the model takes ``seed=`` or ``rng=`` (an int or a
:class:`numpy.random.Generator`) and the keyword arguments Mesa's ``SolaraViz`` passes on
Reset (model parameters as keywords, ``scenario=`` a Mesa scenario); the citizens' network
is offered as a Mesa network space (:attr:`GovernanceModel.network_space`), built on first
use. ``running`` turns false after the planned ``steps`` (so ``run_model()`` returns);
``agent_reporters=True`` records the views' trust and participation for
``get_agent_vars_dataframe()``. A view cannot be removed (:meth:`_ArrayView.remove` says
why); a view's index must be a row of its role's arrays.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from governance_sim.metrics import METRICS
from governance_sim.params import ParameterError, Params, UserInputError
from governance_sim.results import Results
from governance_sim.rng import resolve_seed
from governance_sim.roles import STATE_SCHEMA, Role
from governance_sim.scenarios import Scenario
from governance_sim.simulation import Simulation, as_params, run
from governance_sim.state import Population

__all__ = [
    "AGENT_REPORTERS",
    "GovernanceModel",
    "ViewError",
    "Citizen",
    "Professional",
    "Leader",
    "Politician",
    "latest_metric",
    "network_space",
    "run",
    "seed_from",
]

#: Populations up to this size get their agent views created automatically.
DEFAULT_VIEW_LIMIT = 20_000


class ViewError(UserInputError, ValueError):
    """An agent view was asked for what a view of array rows cannot do.

    An index outside its role's arrays, or removing the agent.
    """


def latest_metric(model: GovernanceModel, name: str) -> float:
    """DataCollector reporter: the latest value of metric ``name``.

    Bound with a partial, which pickles because this is a named module-level function.
    """
    return model.latest[name]


def view_value(agent: mesa.Agent, name: str) -> Any:
    """Agent reporter: the view's variable ``name`` (None for a role without it).

    Bound with a partial, which pickles because this is a named module-level function.
    """
    return getattr(agent, name, None) if isinstance(agent, _ArrayView) else None


def view_role(agent: mesa.Agent) -> str | None:
    """Agent reporter: the view's role (``citizen``, ``professional``, ``leader``, ...)."""
    return agent.role.value if isinstance(agent, _ArrayView) else None


#: The agent reporters of ``GovernanceModel(agent_reporters=True)``: every view's role and
#: row, and the citizens' trust (0-1) and participation (True/False) at each step; None
#: where a role has no such variable.
AGENT_REPORTERS: dict[str, Any] = {
    "role": view_role,
    "index": partial(view_value, name="index"),
    "trust": partial(view_value, name="trust"),
    "participating": partial(view_value, name="participating"),
}


class ViewCollector(mesa.DataCollector):
    """Mesa's DataCollector, saying how to get agent reporters when there are none."""

    def get_agent_vars_dataframe(self) -> Any:
        """Mesa's agent table (one row per view and step).

        Raises:
            ParameterError: the model records no agent reporters (the default).
        """
        if not self.agent_reporters:
            raise ParameterError(
                "the model records no agent reporters: create it with agent_reporters=True "
                "(role, index, trust and participating of every view at every step) or "
                "agent_reporters={name: reporter}")
        return super().get_agent_vars_dataframe()


class _ArrayView(mesa.Agent):
    """Base of the thin agent views: an index into one role's arrays."""

    role: Role
    _group: str

    def __init__(self, model: GovernanceModel, index: int) -> None:
        """A view of row ``index`` of this role's arrays.

        Raises:
            ViewError: ``index`` is not a whole number in ``0 .. size - 1`` (checked before
                the view joins the model).
        """
        size = _role_size(model.params, self.role)
        if not _is_int(index) or not 0 <= index < size:
            raise ViewError(f"{type(self).__name__} index: must be a whole number in 0.."
                            f"{size - 1} (the model has {size} {self.role.value}s), got "
                            f"{_short(index)}")
        super().__init__(model)
        self.index = int(index)

    def remove(self) -> None:
        """Refused: the agent cannot leave the simulation, and its view stays.

        The population is a set of arrays with one row per agent (``index``), every row
        stepped at once: the citizens' network is a fixed-degree table of row numbers
        (``neighbours``, int32[n_citizens, degree]), units, quintiles, the metrics and the
        compiled kernels all count on rows ``0 .. n - 1``. Taking a row out would renumber
        every agent after it and leave other citizens listening to a citizen who is gone,
        so the model does not offer it. To start with fewer agents, build the model with a
        smaller population (e.g. ``n_citizens=``).

        Raises:
            ViewError: always.
        """
        raise ViewError(
            f"{self!r} cannot be removed: agents are rows of the model's arrays (the "
            "network's ties, units and metrics count on every row), so the agent would "
            "stay in the simulation; build the model with a smaller population instead")

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


def seed_from(seed: Any = None, rng: Any = None, scenario_rng: Any = None) -> int:
    """The run's integer seed from Mesa-style ``seed=`` / ``rng=`` arguments.

    Every random stream of the model derives from this one integer
    (:func:`governance_sim.rng.make_streams`: stream *name* is seeded from
    ``SeedSequence(seed, spawn_key=(crc32(name),))``), and the manifest records it.

    Args:
        seed: a non-negative int, or None.
        rng: a non-negative int (the same as ``seed=``), a :class:`numpy.random.Generator`
            (one 63-bit integer is drawn from it and becomes the seed, so the same
            generator state gives the same run, and the generator advances by one draw),
            or None.
        scenario_rng: the ``rng`` of a Mesa scenario, used when neither is given.

    Returns:
        The seed; fresh OS entropy when nothing is given.

    Raises:
        ParameterError: both ``seed`` and ``rng`` are given, ``rng`` differs from the
            scenario's, or a value of the wrong type or sign.
    """
    if seed is not None and rng is not None:
        raise ParameterError("give seed= or rng=, not both (as in Mesa); got seed="
                             f"{_short(seed)} and rng={_short(rng)}")
    name, value = ("seed", seed) if seed is not None else ("rng", rng)
    if scenario_rng is not None:
        if value is not None and value is not scenario_rng and not (
                _is_int(value) and _is_int(scenario_rng) and value == scenario_rng):
            raise ParameterError(f"{name}={_short(value)} and the Mesa scenario's rng="
                                 f"{_short(scenario_rng)} must be the same (as in Mesa)")
        name, value = "scenario.rng", scenario_rng
    if isinstance(value, np.random.Generator) and name != "seed":
        return int(value.integers(0, np.iinfo(np.int64).max, dtype=np.int64))
    if value is None or (_is_int(value) and value >= 0):
        return resolve_seed(value)
    allowed = ("a non-negative integer or None" if name == "seed" else
               "a non-negative integer, a numpy.random.Generator or None")
    raise ParameterError(f"{name}: must be {allowed}, got {_short(value)} "
                         f"({type(value).__name__})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _mesa_scenario(scenario: Any) -> tuple[Any, dict[str, Any]]:
    """The ``rng`` and the parameters of a Mesa scenario (what SolaraViz passes on Reset)."""
    if scenario is None:
        return None, {}
    from mesa.experimental.scenarios import Scenario as MesaScenario

    if not isinstance(scenario, MesaScenario):
        raise ParameterError(
            "scenario: expected a mesa.experimental.scenarios.Scenario (what Mesa passes), "
            f"got {type(scenario).__name__}; give a governance-sim scenario name, path or "
            "Scenario as the first argument (params=)")
    found = {key: value for key, value in scenario.__dict__.items()
             if key not in ("model", "rng") and not key.startswith("_")}
    return scenario.rng, found


class GovernanceModel(mesa.Model):
    """The governance model: four roles under a logic, stepped as arrays.

    Takes its arguments as Mesa 3.5's ``Model`` does: ``GovernanceModel(seed=3)``,
    ``GovernanceModel(rng=3)`` (the same run) or
    ``GovernanceModel(rng=np.random.default_rng(3))``, and, as Mesa's ``SolaraViz`` and
    ``batch_run`` pass them, model parameters as keywords and ``scenario=`` a Mesa
    scenario. ``running`` turns false once ``steps`` steps are done, so Mesa's
    ``run_model()`` and SolaraViz's play stop there; ``step()`` still runs on if called.

    Args:
        params: a :class:`Params`, a :class:`Scenario`, a mapping of parameters, a scenario
            name or path, or None for the defaults.
        seed: the seed, a non-negative int (None: drawn from the OS and recorded).
        rng: a non-negative int (the same as ``seed``) or a :class:`numpy.random.Generator`
            from which the seed is drawn (one draw: see :func:`seed_from`); not together
            with ``seed``. Every random stream of the model derives from the resulting
            integer seed (:mod:`governance_sim.rng`), recorded as ``model.seed``:
            ``GovernanceModel(params, seed=model.seed)`` repeats the run bit for bit.
        scenario: a ``mesa.experimental.scenarios.Scenario`` (Mesa's, not a governance-sim
            scenario): its ``rng`` is used when neither ``seed`` nor ``rng`` is given, and its
            other attributes are parameters (set over ``params``, under ``overrides``).
        steps: planned number of steps: sizes the result arrays, and ``running`` turns
            false after them (calling ``step()`` after that is fine).
        agent_views: create agent views for every agent: True, False, or "auto" (only when
            there are at most ``view_limit`` citizens).
        view_limit: the size threshold for "auto".
        agent_reporters: the DataCollector's agent reporters, recorded for every view at
            every step (``datacollector.get_agent_vars_dataframe()``): False (none, the
            default: a record per view per step costs time and memory, about 100 bytes a
            view a step), True (:data:`AGENT_REPORTERS`: role, index, trust,
            participating), or a dict of Mesa reporters (name -> attribute name or
            function of the agent).
        **overrides: parameters set over ``params`` (this is how ``mesa.batch_run`` and
            ``SolaraViz`` pass their parameters), e.g. ``logic="npm"``,
            ``n_citizens=2000``, ``initial_trust=0.4``.

    Raises:
        ParameterError: an unknown or invalid parameter, both ``seed`` and ``rng``, a
            seed of the wrong type, or ``agent_reporters`` not a bool or a dict.

    Attributes:
        params: the validated parameters.
        seed: the seed actually used.
        population: the state arrays (:class:`governance_sim.state.Population`).
        latest: the metrics of the last recorded step.
        network_space: the citizens' network as a ``mesa.discrete_space.Network``, built on
            first use.
        planned_steps: the ``steps`` after which ``running`` turns false.
    """

    def __init__(
        self,
        params: Params | Scenario | dict[str, Any] | str | None = None,
        *,
        seed: int | None = None,
        rng: int | np.random.Generator | None = None,
        scenario: Any = None,
        steps: int = 120,
        agent_views: bool | str = "auto",
        view_limit: int = DEFAULT_VIEW_LIMIT,
        agent_reporters: bool | dict[str, Any] = False,
        **overrides: Any,
    ) -> None:
        scenario_rng, scenario_params = _mesa_scenario(scenario)
        params_obj, scenario_name = as_params(params, {**scenario_params, **overrides})
        run_seed = seed_from(seed, rng, scenario_rng)
        super().__init__(rng=run_seed)
        if scenario is not None:
            self.scenario = scenario
        self._network_space: Any = None
        self._samples: dict[int, Any] = {}
        self.simulation = Simulation(params_obj, run_seed, steps=steps,
                                     scenario_name=scenario_name)
        self.planned_steps = steps
        self.running = self.population.municipality.step < steps
        if agent_views is True or (
            agent_views == "auto" and self.params.n_citizens <= view_limit
        ):
            for role in Role:
                self.create_views(role)
        self.datacollector = ViewCollector(
            model_reporters={m.name: partial(latest_metric, name=m.name) for m in METRICS},
            agent_reporters=_agent_reporters(agent_reporters),
        )
        self.datacollector.collect(self)

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
        """Run one vectorised step of the schedule and record the metrics.

        The agent reporters' values too, if any; ``running`` turns false at the planned
        steps.
        """
        self.simulation.step()
        self.datacollector.collect(self)
        if self.population.municipality.step >= self.planned_steps:
            self.running = False

    @property
    def network_space(self) -> Any:
        """The citizens' network as a Mesa network space, built on first use and kept.

        A ``mesa.discrete_space.Network`` over a directed ``networkx.DiGraph``: cell ``i`` is
        citizen ``i``, and its ``neighborhood`` is the citizens ``i`` listens to (the rows
        of ``population.citizens.neighbours``; a repeated tie appears once). Citizen views
        that exist, or are created later, sit in their cells (``cell.agents``). Positions
        are not laid out (``layout=None``).

        Cost (measured at the default degree 8): a Python cell per citizen and a networkx
        edge per tie, about 2.5 KB and 0.1 ms a citizen: 25 MB and 1 s at 10 000 citizens,
        260 MB and 12 s at 100 000, some 2.5 GB and two minutes at 1 000 000. The model's
        own state stays arrays and the dynamics never read the space, so changing the
        space does not change the run.
        """
        if self._network_space is None:
            self._network_space = network_space(self.population.citizens.neighbours,
                                                self.random)
            for view in self._agents_of(Citizen):
                self._network_space[view.index].add_agent(view)
        return self._network_space

    def network_sample(self, size: int = 150) -> Any:
        """A Mesa network space of a few whole units of citizens and their mutual ties.

        What Mesa's network drawing (``make_space_component``) can show: the citizens of
        the first units, whole units until ``size`` citizens (a few more may come), as an
        undirected ``mesa.discrete_space.Network`` whose node ``k`` is the ``k``-th citizen
        of the sample; a tie joins two of them when either listens to the other. Each
        sampled citizen's view (created if needed) sits in its node's cell, and its
        ``cell`` attribute is that cell (as Mesa's space drawers read it). Built once per
        ``size`` and kept; the views read the arrays, so the drawing follows the run.

        Args:
            size: citizens wanted, at least 1.

        Returns:
            The space.

        Raises:
            ParameterError: ``size`` is not a positive whole number.
        """
        import networkx as nx
        from mesa.discrete_space import Network

        if not _is_int(size) or size < 1:
            raise ParameterError(f"size: must be a positive whole number, got {_short(size)}")
        cached = self._samples.get(int(size))
        if cached is not None:
            return cached
        citizens = self.population.citizens
        unit = np.asarray(citizens.unit)
        counts = np.bincount(unit)
        units = int(np.searchsorted(np.cumsum(counts), min(int(size), unit.size))) + 1
        index = np.flatnonzero(unit < units)
        position = np.full(unit.size, -1, dtype=np.int64)
        position[index] = np.arange(index.size)
        targets = position[citizens.neighbours[index]]          # [k, degree], -1 outside
        rows = np.repeat(np.arange(index.size), targets.shape[1])
        cols = targets.reshape(-1)
        keep = (cols >= 0) & (cols != rows)
        graph = nx.Graph()
        graph.add_nodes_from(range(index.size))
        graph.add_edges_from(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True))
        space = Network(graph, random=self.random, layout=None)
        for node, view in enumerate(self.create_views(Role.CITIZEN, index)):
            space[node].add_agent(view)
            view.cell = space[node]
        self._samples[int(size)] = space
        return space

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
        agents = []
        for i in wanted:
            agent = existing.get(int(i))
            if agent is None:
                agent = existing[int(i)] = view_class(self, int(i))
                if role is Role.CITIZEN and self._network_space is not None:
                    self._network_space[agent.index].add_agent(agent)
            agents.append(agent)
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


def network_space(neighbours: np.ndarray, random: Any = None) -> Any:
    """A ``mesa.discrete_space.Network`` over a directed neighbours table.

    Args:
        neighbours: int32[n_citizens, degree], whom each citizen listens to.
        random: the ``random.Random`` the space uses (the model's ``random``).

    Returns:
        The space; node ``i`` is citizen ``i``, its successors the distinct entries of
        ``neighbours[i]``.
    """
    import networkx as nx
    from mesa.discrete_space import Network

    n, degree = neighbours.shape
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    sources = np.repeat(np.arange(n), degree).tolist()
    graph.add_edges_from(zip(sources, neighbours.reshape(-1).tolist(), strict=True))
    return Network(graph, random=random, layout=None)


def _agent_reporters(choice: Any) -> dict[str, Any] | None:
    """The DataCollector's agent reporters for ``agent_reporters=`` (see the model)."""
    if choice is False or choice is None:
        return None
    if choice is True:
        return dict(AGENT_REPORTERS)
    if isinstance(choice, dict) and all(isinstance(k, str) for k in choice):
        return dict(choice)
    raise ParameterError("agent_reporters: must be True, False or a dict of Mesa reporters "
                         f"(name -> attribute name or function), got {_short(choice)}")


def _role_size(params: Params, role: Role) -> int:
    return {
        Role.CITIZEN: params.n_citizens,
        Role.PROFESSIONAL: params.n_units * params.professionals_per_unit,
        Role.LEADER: params.n_units,
        Role.POLITICIAN: params.n_politicians,
    }[role]
