"""What a sweep runs: the built-in model or any callable, and how outcomes are read off.

The sweep layer calls a *model*: a callable that maps a parameter dict to outcomes. It may
take the run's seed as a keyword ``seed`` (then it gets one), and it returns either a
mapping of scalars (picked with ``stat = "value"``) or a time series (a DataFrame indexed
by step, summarised with ``final``, ``mean`` or ``time_to_cross``). The built-in model is a
:class:`ModelRunner` around :func:`governance_sim.run`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.params import LOGIC_NAMES, ParameterError, Params
from governance_sim.sweep.design import draw_seeds
from governance_sim.sweep.registry import import_model
from governance_sim.sweep.spec import (
    DRAW_COLUMN,
    POLICY_COLUMN,
    OutcomeSpec,
    SpecError,
    SweepSpec,
    lever_cell,
)
from governance_sim.uncertainty import ParameterTable

__all__ = ["ModelRunner", "WithConstants", "WithPolicies", "call_model", "extract_outcomes",
           "resolve_model", "summarise"]

ModelFn = Callable[..., Any]


def summarise(series: pd.Series | np.ndarray, outcome: OutcomeSpec) -> float:
    """One summary of one time series.

    Args:
        series: values indexed by step 0..T (``float64[T + 1]``).
        outcome: which summary (``final``, ``mean`` over an inclusive window,
            ``time_to_cross``).

    Returns:
        The summary; for ``time_to_cross`` the number of steps after ``outcome.after`` at
        which the series first crosses the threshold in the given direction (from below to
        at/above for ``up``), or NaN if it never does.
    """
    values = np.asarray(series, dtype=np.float64)
    if outcome.stat == "final":
        return float(values[-1])
    if outcome.stat in ("mean", "min", "max"):
        first, last = outcome.window  # type: ignore[misc]
        if last >= len(values):
            raise ValueError(f"outcome {outcome.name!r}: window ends at step {last} but the "
                             f"run has steps 0..{len(values) - 1}")
        return float(getattr(values[first:last + 1], outcome.stat)())
    if outcome.stat == "time_to_cross":
        if outcome.baseline_window is not None:
            first, last = outcome.baseline_window
            threshold = float(values[first:last + 1].mean())
        else:
            threshold = float(outcome.threshold)  # type: ignore[arg-type]
        start = outcome.after
        tail = values[start:]
        if outcome.direction == "up":
            below, reached = tail < threshold, tail >= threshold
        else:
            below, reached = tail > threshold, tail <= threshold
        crossings = np.flatnonzero(below[:-1] & reached[1:])
        return float(crossings[0] + 1) if crossings.size else math.nan
    raise ValueError(f"outcome {outcome.name!r}: stat {outcome.stat!r} needs a mapping of values")


def extract_outcomes(value: Any, outcomes: tuple[OutcomeSpec, ...]) -> dict[str, Any]:
    """Read the spec's outcomes off what a model returned.

    Returns:
        Outcome name -> float; a recorded time series (``stat = "series"``) -> the list of
        its values at steps 0, every, 2 every, ... (floats).

    Raises:
        ValueError: the model's return value lacks an outcome or is not a number.
    """
    out: dict[str, Any] = {}
    for outcome in outcomes:
        if outcome.stat == "series":
            if not isinstance(value, pd.DataFrame):
                raise ValueError(f"[timeseries] {outcome.metric!r}: recording a time series "
                                 "needs a model that returns one (a DataFrame by step)")
            if outcome.metric not in value.columns:
                raise ValueError(f"[timeseries] {outcome.metric!r}: the time series has no "
                                 "such column")
            values = value[outcome.metric].to_numpy(dtype=np.float64)[::outcome.every]
            out[outcome.name] = [float(v) for v in values]
            continue
        if isinstance(value, pd.DataFrame):
            column = outcome.metric if outcome.relative_to is None else (
                f"{outcome.metric}-{outcome.relative_to}")
            if column not in value.columns:
                raise ValueError(f"outcome {outcome.name!r}: the time series has no column "
                                 f"{column!r}")
            if outcome.stat == "value":
                raise ValueError(f"outcome {outcome.name!r}: stat 'value' needs a mapping, "
                                 "the model returned a time series")
            result = summarise(value[column], outcome)
        elif isinstance(value, Mapping):
            if outcome.stat != "value":
                raise ValueError(f"outcome {outcome.name!r}: stat {outcome.stat!r} needs a "
                                 "time series, the model returned a mapping")
            if outcome.metric not in value:
                raise ValueError(f"outcome {outcome.name!r}: the model returned no "
                                 f"{outcome.metric!r} (it returned {', '.join(map(str, value))})")
            result = value[outcome.metric]
        else:
            raise ValueError(f"the model returned {type(value).__name__}; expected a mapping "
                             "of outcomes or a DataFrame time series")
        if isinstance(result, bool) or not isinstance(result, int | float | np.number):
            raise ValueError(f"outcome {outcome.name!r}: {result!r} is not a number")
        out[outcome.name] = float(result)
    return out


def call_model(model: ModelFn, params: dict[str, Any], seed: int) -> Any:
    """Call ``model(params)``, passing ``seed=`` when the callable accepts it."""
    if _takes_seed(model):
        return model(params, seed=seed)
    return model(params)


def _takes_seed(model: ModelFn) -> bool:
    try:
        signature = inspect.signature(model)
    except (TypeError, ValueError):
        return False
    return any(p.name == "seed" or p.kind is inspect.Parameter.VAR_KEYWORD
               for p in signature.parameters.values())


@dataclass(frozen=True)
class ModelRunner:
    """The built-in model as a sweep callable: point parameters -> time series.

    Attributes:
        base: every Params field of the base (scenario, constants, events) as plain data.
        weights: constant logic-mix weights (``logic.<name>``) from the spec.
        steps: months per run.
        counterfactual: metrics also returned as the difference to the same run (same
            parameters and seed) without events, in columns ``<metric>-no_events``.
        event_offset: events of the base scenario, before the spec's own events (keys
            ``events.<i>.<field>`` count the spec's events).
        uncertainty: a parameter table each run draws from (seeded with the run's seed,
            or with ``draw_seeds[k]`` for a point that carries a draw index ``k``).
        fixed: parameters the base scenario or the constants set; the table's draws of
            these are not used.
        draw_seeds: seeds of the draws crossing the design (``[uncertainty] draws``).
        policies: the spec's ``[[policies]]``: name -> settings, applied (over the base,
            under the point's own values) to a point that names its ``policy``.
    """

    base: dict[str, Any]
    weights: dict[str, float]
    steps: int
    counterfactual: tuple[str, ...] = ()
    event_offset: int = 0
    uncertainty: ParameterTable | None = None
    fixed: tuple[str, ...] = ()
    draw_seeds: tuple[int, ...] = ()
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def params(self, point: dict[str, Any], seed: int | None = None) -> Params:
        """The validated Params of one design point (raises ParameterError).

        With a parameter table and a ``seed``, the table's draw for that seed (or, when
        the point carries a draw index under ``draw``, for that draw's seed) is applied
        over the base (except the ``fixed`` parameters), then the point's values.
        """
        data = dict(self.base)
        point = dict(point)
        draw = point.pop(DRAW_COLUMN, None)
        policy = point.pop(POLICY_COLUMN, None)
        if policy is not None:
            point = {**self.policies[policy], **point}
        if draw is not None:
            seed = self.draw_seeds[int(draw)]
        if self.uncertainty is not None and seed is not None:
            for key, value in self.uncertainty.draw(seed).items():
                if key not in self.fixed:
                    data[key] = value
        levers = dict(data.get("levers") or {})
        cells = {logic: dict(row) for logic, row in (data.get("lever_table") or {}).items()}
        mechanisms = dict(data.get("mechanisms") or {})
        weights = dict(self.weights)
        events = None
        for key, value in point.items():
            if key.startswith("events."):
                _, index, name = key.split(".")
                if events is None:
                    events = [dict(e) for e in data["events"]]
                events[self.event_offset + int(index)][name] = value
            elif key.startswith("levers."):
                levers[key.removeprefix("levers.")] = value
            elif (cell := lever_cell(key)) is not None:
                cells.setdefault(cell[0], {})[cell[1]] = value
            elif key.startswith("mechanisms."):
                mechanisms[key.removeprefix("mechanisms.")] = bool(value)
            elif key.startswith("logic."):
                weights[key.removeprefix("logic.")] = value
            else:
                data[key] = value
        data["levers"] = levers
        data["lever_table"] = cells
        data["mechanisms"] = mechanisms
        if events is not None:
            data["events"] = events
        if weights:
            data["logic"] = _mix(weights, data["logic"])
        return Params.from_dict(data)

    def __call__(self, params: dict[str, Any], seed: int) -> pd.DataFrame:
        """Run the model at one design point; return its time series."""
        from governance_sim.simulation import run

        chosen = self.params(params, seed)
        series = run(chosen, steps=self.steps, seed=seed).timeseries
        if self.counterfactual:
            plain = run(chosen.replace(events=[]), steps=self.steps, seed=seed).timeseries
            for metric in self.counterfactual:
                series[f"{metric}-no_events"] = series[metric] - plain[metric]
        if self.uncertainty is not None:
            for name in self.uncertainty.names:
                series[f"drawn:{name}"] = float(getattr(chosen, name))
            if DRAW_COLUMN in params:
                series[f"drawn:{DRAW_COLUMN}"] = float(params[DRAW_COLUMN])
        return series


@dataclass(frozen=True)
class WithPolicies:
    """A custom model called with the settings of the policy a point names.

    The point's ``policy`` is replaced by that policy's settings (the point's own values
    win); wraps :class:`WithConstants`, so policy settings win over constants.
    """

    model: ModelFn
    policies: dict[str, dict[str, Any]]

    def __call__(self, params: dict[str, Any], seed: int) -> Any:
        """Call the model with the point's policy settings under its values."""
        point = dict(params)
        policy = point.pop(POLICY_COLUMN)
        return call_model(self.model, {**self.policies[policy], **point}, seed)


@dataclass(frozen=True)
class WithConstants:
    """A custom model called with the spec's constants merged under each point's values."""

    model: ModelFn
    constants: dict[str, Any]

    def __call__(self, params: dict[str, Any], seed: int) -> Any:
        """Call the model with constants and point parameters (the point wins)."""
        return call_model(self.model, {**self.constants, **params}, seed)


def _mix(weights: dict[str, float], base: str | dict[str, float]) -> dict[str, float]:
    """Named weights take their share; the remainder is split like the base logic."""
    base_mix = {base: 1.0} if isinstance(base, str) else dict(base)
    rest = 1.0 - sum(weights.values())
    mix = {name: float(w) for name, w in weights.items()}
    for name, share in base_mix.items():
        mix[name] = mix.get(name, 0.0) + rest * share
    mix = {name: w for name, w in mix.items() if w > 0.0}
    total = sum(mix.values())
    return {name: mix[name] / total for name in LOGIC_NAMES if name in mix}


def resolve_model(spec: SweepSpec, model: ModelFn | None = None, *,
                  allow_code: bool = False) -> ModelFn:
    """The callable a spec runs.

    Args:
        spec: the validated spec.
        model: a callable that overrides the spec's ``model`` (Python use; it must be
            picklable for process pools and Dask: a module-level function).
        allow_code: let the spec name an unregistered ``module:function`` (imports it, so
            runs that module's code); see :mod:`governance_sim.sweep.registry`.

    Raises:
        SpecError: the model is not registered (and code is not allowed) or cannot be
            imported, the base scenario or constants are invalid.
    """
    if model is None and spec.builtin:
        return _builtin_runner(spec)
    target = model if model is not None else import_model(spec.model, source=spec.source,
                                                           allow_code=allow_code)
    if spec.constants:
        target = WithConstants(target, dict(spec.constants))
    return WithPolicies(target, dict(spec.policies)) if spec.policies else target


def _builtin_runner(spec: SweepSpec) -> ModelRunner:
    from governance_sim.scenarios import load_scenario

    steps = spec.steps
    fixed = {key for key in spec.constants if "." not in key}
    if spec.scenario:
        try:
            scenario = load_scenario(spec.scenario)
        except ParameterError as error:
            raise SpecError(f"{spec.source}: [sweep] scenario: {error}") from None
        base = scenario.params.to_dict()
        steps = steps if steps is not None else scenario.steps
        fixed |= set(scenario.raw.get("params") or {})
    else:
        base = Params().to_dict()
    table = spec.uncertainty
    if table is not None and set(table.names) <= fixed and spec.uncertainty_from == "spec":
        raise SpecError(f"{spec.source}: [uncertainty] table: every parameter in it "
                        f"({', '.join(table.names)}) is set by the base scenario or "
                        "[constants], which win over the table; the draws would change nothing")
    assert steps is not None
    for outcome in spec.outcomes:
        for window in (outcome.window, outcome.baseline_window):
            if window is not None and window[1] > steps:
                raise SpecError(f"{spec.source}: [outcomes] {outcome.name!r}: window ends at "
                                f"step {window[1]}, after the end of the run (steps = {steps})")
    weights = {}
    levers = dict(base.get("levers") or {})
    mechanisms = dict(base.get("mechanisms") or {})
    for key, value in spec.constants.items():
        if key.startswith("levers."):
            levers[key.removeprefix("levers.")] = value
        elif (cell := lever_cell(key)) is not None:
            base.setdefault("lever_table", {}).setdefault(cell[0], {})[cell[1]] = value
        elif key.startswith("mechanisms."):
            mechanisms[key.removeprefix("mechanisms.")] = value
        elif key.startswith("logic."):
            weights[key.removeprefix("logic.")] = float(value)
        elif not key.startswith("events."):
            base[key] = value
    base["levers"] = levers
    base["mechanisms"] = mechanisms
    offset = len(base.get("events") or [])
    base["events"] = list(base.get("events") or []) + [dict(e) for e in spec.events]
    for key, value in spec.constants.items():
        if key.startswith("events."):
            _, index, name = key.split(".")
            base["events"][offset + int(index)][name] = value
    paired = tuple(sorted({o.metric for o in spec.outcomes if o.relative_to == "no_events"}))
    if paired and not base["events"]:
        raise SpecError(f"{spec.source}: [outcomes]: relative_to = 'no_events' needs events "
                        "(in [[events]] or the base scenario) to compare against")
    runner = ModelRunner(base=base, weights=weights, steps=int(steps), counterfactual=paired,
                         event_offset=offset, uncertainty=table,
                         fixed=tuple(sorted(fixed & set(table.names))) if table else (),
                         draw_seeds=tuple(int(s) for s in draw_seeds(spec.seed, spec.draws)),
                         policies=dict(spec.policies))
    try:
        runner.params({})
    except ParameterError as error:
        raise SpecError(f"{spec.source}: [constants]/[[events]]: {error}") from None
    return runner


def check_points(runner: ModelRunner, points: pd.DataFrame, source: str) -> None:
    """Build the Params of every design point so a bad combination fails before any run.

    Raises:
        SpecError: naming the first point whose parameters are invalid.
    """
    for point_id, row in enumerate(points.to_dict(orient="records")):
        clean = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        try:
            runner.params(clean)
        except ParameterError as error:
            raise SpecError(f"{source}: design point {point_id} ({clean}): {error}") from None
