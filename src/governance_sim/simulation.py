"""The model without Mesa: one simulation's state, streams, schedule and records; :func:`run`.

:class:`Simulation` builds the population from parameters and a seed (ODD element 5), runs
the vectorised schedule one step at a time and records every metric.
:class:`governance_sim.GovernanceModel` wraps it for Mesa; :func:`run`, sweeps and the app
use it directly, so a worker process that only runs simulations never imports Mesa. Both
paths give the same numbers for the same seed (``tests/test_model.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from os import PathLike
from typing import Any

import numpy as np

from governance_sim import native
from governance_sim.dynamics import schedule
from governance_sim.mechanisms import effective_params
from governance_sim.metrics import measure
from governance_sim.params import ParameterError, Params
from governance_sim.results import Recorder, Results, versions
from governance_sim.rng import make_streams, resolve_seed
from governance_sim.scenarios import (
    Scenario,
    check_numbers,
    late_events_message,
    load_scenario,
)
from governance_sim.state import Population, build_population

__all__ = ["Simulation", "as_params", "checked_seed", "run", "with_settings"]


def as_params(params: Params | Scenario | dict[str, Any] | str | None,
              overrides: dict[str, Any]) -> tuple[Params, str | None]:
    """Params from a Params, Scenario, mapping, scenario name/path or None, plus overrides.

    Returns:
        (parameters, scenario name or None).
    """
    name = None
    if params is None:
        base = Params()
    elif isinstance(params, Params):
        base = params
    elif isinstance(params, Scenario):
        base, name = params.params, params.name
    elif isinstance(params, dict):
        check_numbers(params, "parameters")
        base = Params.from_dict(params)
    elif isinstance(params, str):
        scenario = load_scenario(params)
        base, name = scenario.params, scenario.name
    else:
        raise ParameterError(
            "expected Params, a Scenario, a mapping or a scenario name, got "
            f"{type(params).__name__}"
        )
    if overrides:
        check_numbers(overrides, "parameters")
    return (base.replace(**overrides) if overrides else base), name


def with_settings(params: Params, settings: Mapping[str, Any]) -> Params:
    """``params`` with ``settings`` over them; ``levers`` and ``mechanisms`` are merged.

    Raises:
        ParameterError: ``settings`` is not a mapping, or a setting is unknown or invalid.
    """
    if not isinstance(settings, Mapping):
        raise ParameterError(f"settings: expected a mapping of parameter names to values, "
                             f"got {type(settings).__name__}")
    changes = dict(settings)
    check_numbers(changes, "settings")
    for table in ("levers", "mechanisms"):
        if isinstance(changes.get(table), Mapping):
            changes[table] = {**getattr(params, table), **changes[table]}
    return params.replace(**changes) if changes else params


#: Most steps (months) one run may have: a scenario file's limit too.
MAX_STEPS = 100_000


def checked_seed(seed: Any, field: str = "seed") -> int:
    """The seed to use (fresh OS entropy for None), or a ParameterError naming ``field``."""
    try:
        return resolve_seed(seed)
    except ValueError as error:
        raise ParameterError(f"{field}: {error}") from None


class Simulation:
    """One simulation: population arrays, named random streams, recorded metrics.

    Args:
        params: validated parameters.
        seed: non-negative integer seed.
        steps: planned number of steps (sizes the result arrays; running longer is fine).
        scenario_name: recorded in the manifest.
        backend: ``"auto"``, ``"native"`` (the compiled kernels) or ``"numpy"`` for the
            citizens' phases; None reads ``GOVERNANCE_SIM_BACKEND`` (default ``"auto"``).
            Both give the same numbers (tested to 1e-12; the manifest records which ran).

    Attributes:
        population: the state arrays (:class:`governance_sim.state.Population`).
        streams: the named random generators (:mod:`governance_sim.rng`).
        latest: the metrics of the last recorded step.
    """

    def __init__(self, params: Params, seed: int, steps: int = 120,
                 scenario_name: str | None = None, backend: str | None = None) -> None:
        self.backend = native.backend(backend)
        self.params = params  # as given (recorded in the manifest)
        #: the parameters the dynamics run with: switched-off mechanisms in neutral form
        self.dynamics_params = effective_params(params)
        self.seed = seed
        self.scenario_name = scenario_name
        self.streams = make_streams(seed)
        self.population: Population = build_population(self.dynamics_params, self.streams)
        schedule.prepare(self.population, self.dynamics_params)
        self.recorder = Recorder(steps)
        self._record()

    def _record(self) -> None:
        self.latest = measure(self.population, self.dynamics_params)
        self.recorder.record(self.latest)

    def step(self) -> None:
        """Run one vectorised step of the schedule and record the metrics."""
        schedule.step(self.population, self.dynamics_params, self.streams, self.backend)
        self._record()

    def results(self) -> Results:
        """The recorded time series and the manifest of this run."""
        return Results(series={name: array.copy() for name, array in
                               self.recorder.recorded().items()},
                       manifest=self.manifest())

    def manifest(self) -> dict[str, Any]:
        """Parameters, seed, steps run, scenario name and versions."""
        return {
            "scenario": self.scenario_name,
            "seed": self.seed,
            "steps": self.population.municipality.step,
            "params": self.params.to_dict(),
            "versions": versions(),
            "backend": self.backend,
        }


def run(
    params_or_scenario: Params | Scenario | dict[str, Any] | str | None = None,
    *,
    steps: int | None = None,
    seed: int | None = None,
    settings: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> Results:
    """Run the model and return its results.

    Args:
        params_or_scenario: parameters, a scenario (object, name or path), a mapping, or
            None for the defaults.
        steps: steps to run (months); default: the scenario's ``steps``, else 120.
        seed: the seed (None: fresh entropy, recorded in the manifest).
        settings: parameters set over the scenario's, e.g. ``{"n_citizens": 2000}``
            (``levers`` and ``mechanisms`` mappings are merged into the scenario's), the
            same keyword as in ``run_many``, ``compare`` and ``sweep``.
        **overrides: deprecated form of ``settings`` (``run(..., n_citizens=2000)``);
            still applied, with a DeprecationWarning.

    Returns:
        :class:`Results` with ``timeseries`` indexed by step 0..steps.
    """
    if isinstance(params_or_scenario, str | PathLike):  # a name or a file, as in run_many
        params_or_scenario = load_scenario(params_or_scenario)
    if steps is None:
        steps = params_or_scenario.steps if isinstance(params_or_scenario, Scenario) else 120
    if (isinstance(steps, bool) or not isinstance(steps, int | np.integer)
            or not 0 <= steps <= MAX_STEPS):
        raise ParameterError(f"steps must be an integer from 0 to {MAX_STEPS} (months), got "
                             f"{str(steps)[:40]}")
    if overrides:
        shown = repr(dict(overrides))
        if len(shown) > 100:
            shown = "{" + ", ".join(f"{k!r}: ..." for k in overrides) + "}"
        warnings.warn(f"run(..., {', '.join(f'{k}=...' for k in overrides)}) is deprecated; "
                      f"use run(..., settings={shown})", DeprecationWarning, stacklevel=2)
    params, name = as_params(params_or_scenario, overrides)
    if settings is not None:
        params = with_settings(params, settings)
    late = late_events_message(name or "run", params, int(steps))
    if late:  # an event after the last month never fires: say so, once
        warnings.warn(late, UserWarning, stacklevel=2)
    simulation = Simulation(params, checked_seed(seed), steps=int(steps), scenario_name=name)
    for _ in range(int(steps)):
        simulation.step()
    return simulation.results()
