"""What one calibration run computes: the field statistics at one sample of the free parameters.

:class:`FieldModel` is the callable the wave sweeps run (through the sweep engine and its
executors): free parameter values and a seed in, the mapping of
:func:`governance_sim.field.field_statistics` out. :class:`DrawModel` runs a list of
chosen points (a wave's design, the posterior's draws) as a sweep whose one factor is the
point's index. Both are module-level frozen dataclasses, so they pickle to worker processes
and Dask workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from governance_sim.calibration.config import CalibrationConfig, CalibrationError
from governance_sim.params import Params

__all__ = ["DRAW", "DrawModel", "FieldModel", "check_statistics", "field_model"]

#: The one factor of a sweep over chosen points: the point's index (a name no sweep
#: column takes: ``draw`` and ``policy`` are the sweep engine's own).
DRAW = "calibration_point"

#: Population of the run that lists the statistics before a calibration starts.
_PROBE_CITIZENS = 200


@dataclass(frozen=True)
class FieldModel:
    """The field statistics of the logics run over a base, at one sample.

    Attributes:
        base: every Params field of the base (as plain data), population included.
        steps: months per run.
        logics: the logics run (each over the base).
        shock: also measure the fall after a major trust shock.
        integer: free parameters that take integers (sampled values are rounded).
    """

    base: dict[str, Any]
    steps: int
    logics: tuple[str, ...]
    shock: bool = True
    integer: tuple[str, ...] = ()

    def params(self, point: dict[str, Any]) -> Params:
        """The validated Params of one sample (raises ParameterError)."""
        values = {key: int(round(value)) if key in self.integer else float(value)
                  for key, value in point.items()}
        return Params.from_dict({**self.base, **values})

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, float]:
        """Run the logics at one sample on one seed; return every field statistic."""
        from governance_sim.field import field_statistics

        return field_statistics(self.params(params), seed=seed, steps=self.steps,
                                logics=self.logics, shock=self.shock)


@dataclass(frozen=True)
class DrawModel:
    """Run a model at chosen points: the sweep's factor :data:`DRAW` indexes ``values``.

    Attributes:
        inner: the model (``params dict, seed -> mapping``), e.g. a :class:`FieldModel`.
        names: the free parameters, in the order of each row of ``values``.
        values: one tuple of parameter values per point.
        own_seeds: give each point its own seed, spawned from the run's seed and the
            point's index (the posterior check: every draw a different world), instead of
            the replicate seed every point shares (the waves: common random numbers).
    """

    inner: Callable[..., Any]
    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    own_seeds: bool = False

    def point(self, index: int) -> dict[str, float]:
        """The parameter values of point ``index``."""
        return dict(zip(self.names, self.values[index], strict=True))

    def seed_of(self, index: int, seed: int) -> int:
        """The seed point ``index`` runs with, given the replicate's seed."""
        if not self.own_seeds:
            return int(seed)
        state = np.random.SeedSequence(int(seed), spawn_key=(int(index),)).generate_state(
            1, np.uint64)[0]
        return int(state >> np.uint64(1))

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, float]:
        """Run the inner model at the point ``params[DRAW]`` names."""
        from governance_sim.sweep.models import call_model

        index = int(params[DRAW])
        return call_model(self.inner, self.point(index), self.seed_of(index, seed))


def field_model(config: CalibrationConfig, n_citizens: int | None = None) -> FieldModel:
    """The model a calibration runs (at ``n_citizens``, default the file's population)."""
    return FieldModel(base=config.base_params(n_citizens).to_dict(), steps=config.steps,
                      logics=config.logics, shock=config.shock, integer=config.integer)


def check_statistics(config: CalibrationConfig, model: Any = None) -> list[str]:
    """Check that every target names a statistic the model reports, before any wave runs.

    Runs the model once on a small population (the statistics' names do not depend on its
    size).

    Args:
        config: the calibration.
        model: a callable to ask instead of :func:`field_model` (tests, custom models);
            called with the prior's midpoint and seed 0.

    Returns:
        The names the model reports, sorted.

    Raises:
        CalibrationError: a target names a statistic the model does not report.
    """
    point = {name: (low + high) / 2.0 for name, (low, high) in config.parameters.items()}
    if model is None:
        base = config.base_params()
        small = min(base.n_citizens, _PROBE_CITIZENS)
        probe = FieldModel(base={**base.to_dict(), "n_citizens": small,
                                 "n_units": min(base.n_units, max(1, small // 20))},
                           steps=config.steps, logics=config.logics, shock=config.shock,
                           integer=config.integer)
        found = probe(point, seed=0)
    else:
        found = model(point, seed=0)
    names = sorted(found)
    for target in config.targets:
        if target.statistic not in found:
            per_logic = sorted({n.partition(".")[2] for n in names if "." in n})
            across = [n for n in names if "." not in n]
            raise CalibrationError(
                f"{config.source}: [targets] {target.written!r}: the model reports no "
                f"statistic {target.statistic!r}; allowed: <logic>.<name> ('*' for every "
                f"logic run: {', '.join(config.logics)}) with name one of "
                f"{', '.join(per_logic)}" + (f"; or {', '.join(across)}" if across else ""))
    return names
