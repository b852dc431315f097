"""The sweep specification: a TOML file read into a validated, immutable :class:`SweepSpec`.

A spec names what varies and what is measured::

    [sweep]
    name = "trust_threshold"
    model = "governance_sim"        # default; or a registered model (sweep.registry)
    scenario = "co_creation"        # optional base scenario (name or path)
    steps = 200                     # months per run (built-in model only)
    replicates = 3                  # seeds per design point, shared by all points
    seed = 20261127                 # root seed: replicate seeds and design sampling

    [design]
    kind = "full_factorial"         # latin_hypercube | sobol | morris
    # samples = 256                 # LHS points; Sobol base N (a power of two);
    #                               # Morris trajectories
    # second_order = false          # Sobol only
    # levels = 4                    # Morris grid levels (even)

    [levers]                        # what a decision maker sets
    logic = ["bureaucracy", "npm", "co_creation"]
    "levers.facilitation_targeting" = { low = 0.0, high = 1.0, levels = 3 }

    [uncertainties]                 # what nobody controls
    initial_trust = { values = [0.2, 0.5, 0.8] }

    [constants]
    n_citizens = 2000

    [outcomes]
    trust_final = { metric = "trust_mean", stat = "final" }
    pv_late = { metric = "public_value_index", stat = "mean", window = [100, 200] }
    recovery = { metric = "trust_mean", stat = "time_to_cross", threshold = 0.6 }

    [[events]]                      # appended to the base scenario's events
    kind = "switch_logic"
    step = 60
    logic = "co_creation"

    [timeseries]                    # optional: record metrics month by month
    metrics = ["trust_mean", "public_value_index"]
    every = 12                      # months between records (default 1)

    [[policies]]                    # optional: named lever settings, each crossed with
    name = "hands_off"              # every point of the design (EMA Workbench's
    "levers.control_intensity" = 0.2  # perform_experiments(scenarios, policies))
    [[policies]]
    name = "tight"
    "levers.control_intensity" = 0.8

    [uncertainty]                   # optional: a parameter table (built-in model only)
    table = "calibrated"            # or "none", or a .csv/.toml file in the spec's folder tree
    # draws = 20                    # cross the design with 20 draws from the table

Every run draws its model parameters from a parameter table
(:mod:`governance_sim.uncertainty`): the one ``[uncertainty] table`` names, else the one the
base scenario ships with (``[scenario] uncertainty``, ``calibrated`` for every shipped
scenario), as ``run`` and ``compare`` do; ``table = "none"`` (``--uncertainty none``) runs on
seeds alone. Without ``draws`` each run's draw is seeded with its seed (replicate ``r`` of
every design point gets the same draw). With ``draws = K`` every design point runs with K
draws (draw ``k`` the same parameter set at every point) times the replicates (the same
seeds at every point and draw: common random numbers); the draw index is the column
``draw``. The base scenario's ``[params]`` and ``[constants]`` win over the table; a varied
parameter wins over the scenario's table and may not be in a table the spec names. A table
file is named relative to the spec's folder and must lie inside it (a spec is data: it
cannot make the tool read files elsewhere). The values each run used are recorded as
outcome columns ``drawn_<parameter>``.

Parameter keys are :class:`governance_sim.Params` fields, lever overrides
``levers.<lever>`` (the lever's value under every logic, before and after a switch),
cells of the lever table ``lever_table.<logic>.<lever>`` (the lever's value only while
that logic, or its share of a mix, governs: ``"lever_table.co_creation.control_intensity"``
changes a run only after a switch to co-creation; see ``Params.lever_table``), logic-mix
weights ``logic.<logic>`` (the weights named take their
share; the rest goes to the base logic) and fields of the spec's own events
``events.<i>.<field>`` (``i`` counts the spec's ``[[events]]`` from 0; fields step, size,
duration, factor, members), e.g. ``"events.0.factor" = { low = 0.5, high = 1.0 }`` for the
size of a budget cut. A custom model (a name registered in
:mod:`governance_sim.sweep.registry`; a ``"pkg.mod:function"`` path only when code is
explicitly allowed) takes any keys. Every mistake raises one :class:`SpecError` naming the
key and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from governance_sim.params import (
    LEVER_NAMES,
    LEVER_RANGES,
    LOGIC_NAMES,
    MECHANISM_NAMES,
    FieldInfo,
    Params,
    UserInputError,
)
from governance_sim.scenarios import read_toml
from governance_sim.uncertainty import BUILTIN_TABLES, ParameterTable, load_table

#: ``[uncertainty] table`` that turns the scenario's table off (seed variation alone).
NO_TABLE = "none"

#: Column holding the index of each run's draw when a design is crossed with draws.
DRAW_COLUMN = "draw"

__all__ = [
    "BUILTIN_MODEL",
    "DRAW_COLUMN",
    "POLICY_COLUMN",
    "SERIES_PREFIX",
    "NO_TABLE",
    "DESIGN_KINDS",
    "LEVER_CELL_PREFIX",
    "MAX_RUNS",
    "OUTCOME_STATS",
    "RELATIVE_TO",
    "Dimension",
    "OutcomeSpec",
    "SpecError",
    "SweepSpec",
    "lever_cell",
    "load_spec",
    "spec_from_dict",
    "with_settings",
    "with_uncertainty",
]

#: Name of the built-in model in a spec's ``model`` key.
BUILTIN_MODEL = "governance_sim"

#: Most runs (design points x replicates) one sweep may have.
MAX_RUNS = 1_000_000

#: Designs a spec may ask for.
DESIGN_KINDS: tuple[str, ...] = ("full_factorial", "latin_hypercube", "sobol", "morris")

#: Summaries of a metric's time series an outcome may take (``value``: custom models only,
#: a scalar the callable returned under ``metric``).
OUTCOME_STATS: tuple[str, ...] = ("final", "mean", "min", "max", "time_to_cross", "value")

#: What an outcome may be measured against: ``no_events`` is the same run (same
#: parameters, same seed) without any scheduled event, so the outcome summarises the
#: difference series ``with events - without`` (a paired counterfactual).
RELATIVE_TO: tuple[str, ...] = ("no_events",)

_TOP = {"sweep", "design", "levers", "uncertainties", "constants", "outcomes", "events",
        "uncertainty", "policies", "timeseries"}

#: Column naming each run's policy when a spec lists ``[[policies]]``.
POLICY_COLUMN = "policy"

#: Designs a list of policies may be crossed with (Sobol and Morris analyses need their
#: own sample order).
POLICY_DESIGNS: tuple[str, ...] = ("full_factorial", "latin_hypercube")
_SWEEP_KEYS = {"name", "description", "question", "model", "scenario", "steps", "replicates",
               "seed"}
_DESIGN_KEYS = {"kind", "samples", "second_order", "levels", "seed"}
_RANGE_KEYS = {"low", "high", "levels", "values"}
_OUTCOME_KEYS = {"metric", "stat", "window", "threshold", "direction", "after",
                 "baseline_window", "relative_to"}
_WINDOWED = ("mean", "min", "max")
_NOT_SWEEPABLE = {"levers", "events", "lever_table"}

#: Prefix of a flat key naming one cell of the lever table: ``lever_table.<logic>.<lever>``.
LEVER_CELL_PREFIX = "lever_table."


class SpecError(UserInputError, ValueError):
    """A sweep spec is invalid; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class Dimension:
    """One varied parameter.

    Attributes:
        name: flat key (``initial_trust``, ``levers.control_intensity``, ``logic.npm``,
            ``lever_table.co_creation.control_intensity``).
        section: ``levers`` or ``uncertainties``.
        low, high: bounds for sampled designs (None when only ``values`` are given).
        values: the levels of a full factorial (None for sampled designs).
        integer: the parameter takes integers (sampled values are rounded).
    """

    name: str
    section: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    integer: bool = False


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome: a summary of one metric's time series.

    Attributes:
        name: column name in the results table.
        metric: metric (built-in model: a name of ``governance_sim.metrics.METRICS``) or,
            for ``stat = "value"``, the key of the custom callable's returned mapping.
        stat: ``final`` (last step), ``mean``/``min``/``max`` (over ``window``),
            ``time_to_cross`` (steps
            after ``after`` until the series first crosses the threshold in ``direction``;
            NaN when it never does) or ``value``.
        window: inclusive ``(first, last)`` steps for ``mean``, ``min`` and ``max``.
        threshold: fixed threshold for ``time_to_cross``.
        baseline_window: inclusive steps whose mean is the threshold instead.
        direction: ``up`` (from below to at/above) or ``down``.
        after: step from which crossings count and time is measured.
        relative_to: ``no_events``: summarise the difference to the same run without
            events (built-in model only).
    """

    name: str
    metric: str
    stat: str = "final"
    window: tuple[int, int] | None = None
    threshold: float | None = None
    baseline_window: tuple[int, int] | None = None
    direction: str = "up"
    after: int = 0
    relative_to: str | None = None
    every: int = 1


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep specification (see the module docstring for the file format)."""

    name: str
    model: str
    design: str
    dimensions: tuple[Dimension, ...]
    constants: dict[str, Any]
    outcomes: tuple[OutcomeSpec, ...]
    replicates: int
    seed: int
    steps: int | None = None
    scenario: str | None = None
    events: tuple[dict[str, Any], ...] = ()
    samples: int | None = None
    second_order: bool = False
    levels: int = 4
    design_seed: int | None = None
    description: str = ""
    question: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    timeseries: tuple[OutcomeSpec, ...] = ()
    source: str = "spec"
    uncertainty: ParameterTable | None = None
    base_dir: Path | None = field(default=None, compare=False, repr=False)
    draws: int | None = None
    uncertainty_from: str = ""
    command_options: tuple[str, ...] = ()

    def uncertainty_record(self) -> dict[str, Any] | None:
        """What the manifest records of the parameter table (None: seeds only)."""
        if self.uncertainty is None:
            return None
        return {**self.uncertainty.describe(), "draws": self.draws,
                "from": {"spec": "the spec or --uncertainty",
                         "scenario": "the base scenario's [scenario] uncertainty"}.get(
                             self.uncertainty_from, self.uncertainty_from)}

    @property
    def recorded_outcomes(self) -> tuple[OutcomeSpec, ...]:
        """What each run returns: the outcomes, then the recorded time series."""
        return (*self.outcomes, *self.timeseries)

    @property
    def n_runs(self) -> int:
        """Runs of the sweep: design points x draws (if crossed) x replicates."""
        points = _n_points(self.design, list(self.dimensions), self.samples,
                           self.second_order, len(self.policies))
        return points * (self.draws or 1) * self.replicates

    @property
    def builtin(self) -> bool:
        """True when the spec runs the built-in governance model."""
        return self.model == BUILTIN_MODEL

    @property
    def names(self) -> list[str]:
        """Names of the varied parameters, in spec order."""
        return [d.name for d in self.dimensions]

    def fingerprint(self, extra: Any = None) -> str:
        """SHA-256 of what determines the results; a resumed sweep must have the same one.

        Covers the spec (without its free-text ``description`` and ``question``),
        ``extra`` (the model's resolved base parameters) and the content (SHA-256) of the
        parameter table, if any.
        """
        raw = {key: dict(value) if isinstance(value, dict) else value
               for key, value in self.raw.items()}
        for key in ("description", "question"):
            raw.get("sweep", {}).pop(key, None)
        content: dict[str, Any] = {"spec": raw, "extra": extra}
        if self.uncertainty is not None:
            content["uncertainty_sha256"] = self.uncertainty.sha256
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec from a TOML file.

    Raises:
        SpecError: the file is missing, not TOML, or invalid (message names the key).
    """
    target = Path(path)
    try:
        found = target.is_file()
    except (OSError, ValueError):  # a name the system refuses (too long, NUL)
        found = False
    if not found:
        shown = str(target) if len(str(target)) <= 80 else str(target)[:77] + "..."
        raise SpecError(f"sweep spec not found: {shown}")
    raw = read_toml(target, SpecError)
    return spec_from_dict(raw, source=str(target), base_dir=target.parent)


def spec_from_dict(raw: dict[str, Any], *, source: str = "spec",
                   base_dir: Path | None = None,
                   table: ParameterTable | None = None) -> SweepSpec:
    """Validate a spec given as a mapping (as read from TOML).

    Args:
        raw: the spec's tables.
        source: name used in error messages (a file path).
        base_dir: folder against which a relative scenario path is tried first (the
            spec file's folder).
        table: a parameter table loaded by the caller (``--uncertainty FILE``), used
            instead of reading ``[uncertainty] table`` (which then only records its name).

    Raises:
        SpecError: the first problem found, naming the key and what is allowed.
    """
    def fail(message: str) -> SpecError:
        return SpecError(f"{source}: {message}")

    if not isinstance(raw, dict):
        raise fail("a sweep spec must be a table")
    for key in raw:
        if key not in _TOP:
            raise fail(f"unknown section [{key}]; allowed: {', '.join(sorted(_TOP))}")
    sweep = _table(raw, "sweep", fail)
    design = _table(raw, "design", fail)
    _known(sweep, _SWEEP_KEYS, "[sweep]", fail)
    _known(design, _DESIGN_KEYS, "[design]", fail)

    model = sweep.get("model", BUILTIN_MODEL)
    if not isinstance(model, str) or not (model.isidentifier() or _is_callable_path(model)):
        raise fail(f"[sweep] model: must be {BUILTIN_MODEL!r} or the name of a registered "
                   f"model, got {_short(model)}")
    builtin = model == BUILTIN_MODEL
    name = _string(sweep, "name", "sweep", fail, default=Path(source).stem)
    steps = sweep.get("steps")
    if steps is not None:
        steps = _int(steps, "[sweep] steps", fail, low=1, high=100_000)
    elif builtin and "scenario" not in sweep:
        steps = 120
    if not builtin and "scenario" in sweep:
        raise fail("[sweep] scenario: only the built-in model takes a base scenario")
    replicates = _int(sweep.get("replicates", 1), "[sweep] replicates", fail, low=1,
                      high=100_000)
    seed = _int(sweep.get("seed", 0), "[sweep] seed", fail, low=0, high=2**63 - 1)

    kind = design.get("kind", "full_factorial")
    if kind not in DESIGN_KINDS:
        raise fail(f"[design] kind: unknown design {kind!r}; allowed: {', '.join(DESIGN_KINDS)}")
    samples = design.get("samples")
    if kind != "full_factorial":
        if samples is None:
            raise fail(f"[design] samples: design {kind!r} needs 'samples' (number of "
                       + {"latin_hypercube": "points", "sobol": "base samples N, a power of 2",
                          "morris": "trajectories"}[kind] + ")")
        samples = _int(samples, "[design] samples", fail, low=2 if kind == "morris" else 1,
                       high=10_000_000)
        if kind == "sobol" and samples & (samples - 1):
            raise fail(f"[design] samples: Sobol sampling needs a power of 2, got {samples}")
    elif samples is not None:
        raise fail("[design] samples: a full factorial takes no 'samples'; give the levels "
                   "of each parameter instead")
    second_order = design.get("second_order", False)
    if not isinstance(second_order, bool):
        raise fail(f"[design] second_order: must be true or false, got {second_order!r}")
    if second_order and kind != "sobol":
        raise fail("[design] second_order: only the 'sobol' design has second-order indices")
    levels = design.get("levels", 4)
    if kind == "morris":
        levels = _int(levels, "[design] levels", fail, low=2, high=1000)
        if levels % 2:
            raise fail(f"[design] levels: Morris needs an even number of levels, got {levels}")
    elif "levels" in design:
        raise fail("[design] levels: only the 'morris' design takes grid levels")
    design_seed = design.get("seed")
    if design_seed is not None:
        design_seed = _int(design_seed, "[design] seed", fail, low=0, high=2**32 - 1)

    events = raw.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise fail("[[events]]: must be an array of tables")
    if events and not builtin:
        raise fail("[[events]]: only the built-in model takes events")

    constants = _flatten(_table(raw, "constants", fail), "constants", fail, constant=True)
    seen: dict[str, str] = {key: "constants" for key in constants}
    dimensions: list[Dimension] = []
    for section in ("levers", "uncertainties"):
        entries = _flatten(_table(raw, section, fail), section, fail, constant=False)
        for key, value in entries.items():
            if key in seen:
                raise fail(f"[{section}] {key!r}: already given in [{seen[key]}]; "
                           "each parameter may appear once")
            seen[key] = section
            dimensions.append(_dimension(key, value, section, kind, builtin, fail,
                                         len(events)))
    if kind != "full_factorial" and not dimensions:
        raise fail(f"[levers]/[uncertainties]: design {kind!r} needs at least one varied "
                   "parameter with low and high")
    policies = _policies(raw.get("policies", []), seen, kind, builtin, fail, len(events))
    if policies:
        dimensions.insert(0, Dimension(POLICY_COLUMN, "policies",
                                       values=tuple(policies)))
    if kind == "sobol" and len(dimensions) < 2:
        raise fail("[levers]/[uncertainties]: Sobol indices need at least two varied "
                   "parameters")

    points = _n_points(kind, dimensions, samples, second_order, len(policies))
    draws = _draws(_table(raw, "uncertainty", fail), fail)
    if points * replicates * (draws or 1) > MAX_RUNS:
        crossed = f" x {draws} draws" if draws else ""
        raise fail(f"[design]: {points:,} design points{crossed} x {replicates} replicates = "
                   f"{points * replicates * (draws or 1):,} runs; one sweep may have at most "
                   f"{MAX_RUNS:,} (fewer samples, levels or draws, or split the sweep)")

    if builtin:
        for key, value in constants.items():
            _check_key(key, "constants", fail, len(events))
            if key not in ("logic",) and not key.startswith("logic."):
                _check_value(key, value, "constants", fail)
        _check_logic_weights(dimensions, constants, fail)
        _check_lever_cells(dimensions, constants, fail)

    outcomes = _outcomes(_table(raw, "outcomes", fail), builtin, fail=fail, steps=steps)
    timeseries = _timeseries(_table(raw, "timeseries", fail), builtin, fail)
    scenario = _scenario(sweep, base_dir, fail)
    uncertainty, origin = _uncertainty(_table(raw, "uncertainty", fail), base_dir, builtin,
                                       fail, scenario, table)
    if draws is not None and uncertainty is None:
        raise fail("[uncertainty] draws: crossing the design with draws needs a parameter "
                   "table (the base scenario ships with none, or table = \"none\"); name "
                   "one with table = \"calibrated\" or a file")
    if uncertainty is not None:
        varied = [d.name for d in dimensions if d.name in uncertainty.names]
        if varied and origin != "scenario":
            raise fail(f"[uncertainty] table: {varied[0]!r} is in the parameter table and "
                       "also varied in [levers]/[uncertainties]; vary it in one place")
        taken = {o.name for o in outcomes}
        drawn = []
        if draws is not None:
            if DRAW_COLUMN in taken:
                raise fail(f"[outcomes] {DRAW_COLUMN!r}: the name is reserved for the index "
                           "of each run's draw from the parameter table")
            drawn.append(OutcomeSpec(name=DRAW_COLUMN, metric=f"drawn:{DRAW_COLUMN}"))
        for parameter in uncertainty.names:
            if parameter in varied:
                continue  # the design sets it: the point's value wins over the draw
            if f"drawn_{parameter}" in taken:
                raise fail(f"[outcomes] 'drawn_{parameter}': the name is reserved for the "
                           f"value of {parameter} each run drew from the parameter table")
            drawn.append(OutcomeSpec(name=f"drawn_{parameter}", metric=f"drawn:{parameter}"))
        outcomes = (*outcomes, *drawn)
    spec = SweepSpec(
        name=name, model=model, design=kind, dimensions=tuple(dimensions),
        constants=constants, outcomes=outcomes, replicates=replicates, seed=seed,
        steps=steps, scenario=scenario,
        events=tuple(events), samples=samples, second_order=second_order, levels=levels,
        design_seed=design_seed,
        description=_string(sweep, "description", "sweep", fail, default=""),
        question=_string(sweep, "question", "sweep", fail, default=""),
        raw=raw, source=source, uncertainty=uncertainty, base_dir=base_dir,
        draws=draws, uncertainty_from=origin, policies=policies, timeseries=timeseries,
    )
    return spec


def with_settings(spec: SweepSpec, settings: dict[str, Any] | None) -> SweepSpec:
    """The spec with ``settings`` over its ``[constants]``, validated again.

    ``settings`` are what ``gs.run``, ``run_many`` and ``compare`` take: parameter name ->
    value (nested ``levers``/``mechanisms`` tables or flat ``levers.<lever>`` keys); a
    setting replaces the constant of the same name. A setting may not name a varied
    parameter.

    Raises:
        SpecError: ``settings`` is not a mapping, or the result is not a valid spec.
    """
    if not settings:
        return spec
    if not isinstance(settings, dict):
        raise SpecError(f"{spec.source}: settings: expected a mapping of parameter names to "
                        f"values, got {type(settings).__name__}")
    raw = {key: dict(value) if isinstance(value, dict) else value
           for key, value in spec.raw.items()}
    constants = _flatten(dict(raw.get("constants") or {}), "constants",
                         lambda message: SpecError(f"{spec.source}: {message}"),
                         constant=True)
    extra = _flatten(dict(settings), "constants",
                     lambda message: SpecError(f"{spec.source}: settings: {message}"),
                     constant=True)
    raw["constants"] = {**constants, **extra}
    return spec_from_dict(raw, source=spec.source, base_dir=spec.base_dir,
                          table=spec.uncertainty if spec.uncertainty_from == "spec" else None)


# --- helpers ------------------------------------------------------------------------------
def _n_points(kind: str, dimensions: list[Dimension], samples: int | None,
              second_order: bool, policies: int = 0) -> int:
    """Design points a spec asks for, computed before anything is sampled."""
    if kind == "full_factorial":
        return math.prod(len(dim.values or ()) or 1 for dim in dimensions)
    d = len([dim for dim in dimensions if dim.section != "policies"])
    n = int(samples or 0) * max(policies, 1)
    if kind == "sobol":
        return n * (2 * d + 2 if second_order else d + 2)
    if kind == "morris":
        return n * (d + 1)
    return n



def _policies(entries: Any, seen: dict[str, str], kind: str, builtin: bool, fail: Any,
              n_events: int) -> dict[str, dict[str, Any]]:
    """``[[policies]]``: name -> its settings (flat keys, as in ``[constants]``)."""
    if entries in ([], None):
        return {}
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise fail("[[policies]]: must be an array of tables, each with a name and the "
                   "levers it sets")
    if kind not in POLICY_DESIGNS:
        raise fail(f"[[policies]]: a list of policies is crossed with a "
                   f"{' or '.join(POLICY_DESIGNS)} design; {kind!r} needs its own sample "
                   "order (run one sweep per policy, with the policy in [constants])")
    if POLICY_COLUMN in seen:
        raise fail(f"[[policies]]: {POLICY_COLUMN!r} is also given in [{seen[POLICY_COLUMN]}]; "
                   "the name is reserved for the policy column")
    out: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        where = f"[[policies]] #{index + 1}"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise fail(f"{where}: give each policy a name (text of 1 to 100 characters), "
                       f"got {_short(name)}")
        if name in out:
            raise fail(f"{where}: the name {name!r} is used twice; each policy once")
        settings = _flatten({k: v for k, v in entry.items() if k != "name"}, "policies",
                            fail, constant=True)
        if not settings:
            raise fail(f"{where} ({name}): sets nothing; give the levers it sets, e.g. "
                       "\"levers.control_intensity\" = 0.3")
        for key, value in settings.items():
            if seen.get(key) in ("levers", "uncertainties"):
                raise fail(f"[[policies]] {name}: {key!r} is also varied in [{seen[key]}]; "
                           "a policy sets it, or the design varies it, not both")
            if builtin:
                _check_key(key, "policies", fail, n_events)
                if key != "logic" and not key.startswith("logic."):
                    _check_value(key, value, "policies", fail)
                elif key == "logic" and value not in LOGIC_NAMES:
                    raise fail(f"[[policies]] {name}: logic {_short(value)} is not a logic; "
                               f"allowed: {', '.join(LOGIC_NAMES)}")
        out[name] = settings
    return out


def _scenario(sweep: dict[str, Any], base_dir: Path | None, fail: Any) -> str | None:
    """The base scenario: a name, or a path (relative paths tried beside the spec first)."""
    name = _string(sweep, "scenario", "sweep", fail, default=None)
    if name and base_dir is not None and (name.endswith(".toml") or "/" in name):
        beside = base_dir / name
        if not Path(name).is_absolute() and beside.is_file():
            return str(beside)
    return name


def _draws(table: dict[str, Any], fail: Any) -> int | None:
    """``[uncertainty] draws``: how many draws cross the design (None: one per seed)."""
    if "draws" not in table:
        return None
    return _int(table["draws"], "[uncertainty] draws", fail, low=1, high=100_000)


def _uncertainty(table: dict[str, Any], base_dir: Path | None, builtin: bool,
                 fail: Any, scenario: str | None = None,
                 loaded: ParameterTable | None = None) -> tuple[ParameterTable | None, str]:
    """The spec's parameter table and where it comes from.

    Returns:
        ``(table, origin)``: origin ``spec`` (named in ``[uncertainty]``), ``scenario``
        (the one the base scenario ships with) or ``""`` (no table).
    """
    _known(table, {"table", "draws"}, "[uncertainty]", fail)
    if table and not builtin and table != {"table": NO_TABLE}:
        raise fail("[uncertainty]: only the built-in model draws parameters from a table")
    if loaded is not None:
        return loaded, "spec"
    if "table" not in table:
        found = _scenario_table(scenario, builtin)
        return found, "scenario" if found is not None else ""
    name = table.get("table")
    if not isinstance(name, str) or not name.strip() or "\0" in name:
        raise fail("[uncertainty] table: give " + " or ".join(repr(n) for n in BUILTIN_TABLES)
                   + f", {NO_TABLE!r} or the name of a .csv/.toml file in the spec's folder, "
                   "got " + _short(name))
    if name == NO_TABLE:
        return None, ""
    if name in BUILTIN_TABLES:
        source: str | Path = name
    else:
        folder = (base_dir if base_dir is not None else Path.cwd()).resolve()
        if Path(name).is_absolute():
            raise fail(f"[uncertainty] table: {_short(name)} is an absolute path; name the "
                       "file relative to the spec's folder (it must lie inside it)")
        source = (folder / name).resolve()
        if not source.is_relative_to(folder):
            raise fail(f"[uncertainty] table: {_short(name)} lies outside the spec's folder "
                       f"{_short(str(folder))}; a spec may only name files inside its folder")
    try:
        return load_table(source), "spec"
    except UserInputError as error:
        raise fail(f"[uncertainty] table: {error}") from None


def _scenario_table(scenario: str | None, builtin: bool) -> ParameterTable | None:
    """The table the base scenario ships with (``[scenario] uncertainty``), if any.

    A scenario that cannot be read gives None here; the model's resolution reports it.
    """
    if not builtin or not scenario:
        return None
    from governance_sim.scenarios import load_scenario

    try:
        declared = load_scenario(scenario).uncertainty
    except UserInputError:
        return None
    if not declared or declared == NO_TABLE:
        return None
    return load_table(declared)


def with_uncertainty(spec: SweepSpec, choice: str | Path | ParameterTable | None) -> SweepSpec:
    """The spec drawing from another parameter table (``--uncertainty NAME|none|FILE``).

    Args:
        spec: a validated spec of the built-in model.
        choice: a built-in table's name, ``"none"`` (seeds only), a table file (any path:
            the user names it, not the spec) or a loaded table; None leaves the spec as is.

    Raises:
        SpecError: the table cannot be read, or the spec does not take it.
    """
    if choice is None:
        return spec
    raw = {key: dict(value) if isinstance(value, dict) else value
           for key, value in spec.raw.items()}
    section = dict(raw.get("uncertainty") or {})
    loaded = None
    if isinstance(choice, ParameterTable):
        loaded = choice
    elif str(choice) not in (*BUILTIN_TABLES, NO_TABLE):
        try:
            loaded = load_table(choice)
        except UserInputError as error:
            raise SpecError(f"--uncertainty: {error}") from None
    section["table"] = loaded.path if loaded is not None else str(choice)
    if section["table"] == NO_TABLE:
        section.pop("draws", None)
    raw["uncertainty"] = section
    chosen = spec_from_dict(raw, source=spec.source, base_dir=spec.base_dir, table=loaded)
    shown = str(Path(choice.path).resolve()) if isinstance(choice, ParameterTable) else (
        str(Path(choice).resolve()) if loaded is not None else str(choice))
    return replace(chosen, command_options=("--uncertainty", shown))


def _table(raw: dict[str, Any], key: str, fail: Any) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise fail(f"[{key}] must be a table, got {type(value).__name__}")
    return value


def _known(table: dict[str, Any], allowed: set[str], where: str, fail: Any) -> None:
    for key in table:
        if key not in allowed:
            raise fail(f"{where} {key!r}: unknown key; allowed: {', '.join(sorted(allowed))}")


def _string(table: dict[str, Any], key: str, section: str, fail: Any,
            default: str | None) -> str | None:
    value = table.get(key, default)
    if value is not None and not isinstance(value, str):
        raise fail(f"[{section}] {key}: must be a string, got {value!r}")
    return value


def _int(value: Any, where: str, fail: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail(f"{where}: must be an integer in [{low}, {high}], got {value!r}")
    return int(value)


def _number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float: no parameter's value
        return False


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (messages never echo long input)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _is_callable_path(text: str) -> bool:
    module, _, function = text.partition(":")
    return bool(module) and bool(function) and all(
        part.isidentifier() for part in module.split(".") + function.split("."))


def _flatten(table: dict[str, Any], section: str, fail: Any, *, constant: bool) -> dict[str, Any]:
    """Turn nested ``levers``/``logic``/``mechanisms`` tables into flat ``levers.x`` keys.

    A nested ``lever_table = { co_creation = { control_intensity = ... } }`` becomes
    ``lever_table.co_creation.control_intensity``.
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "lever_table" and isinstance(value, dict):
            for logic, cells in value.items():
                if isinstance(cells, dict) and not (set(cells) & _RANGE_KEYS):
                    for lever, cell in cells.items():
                        out[f"{key}.{logic}.{lever}"] = cell
                else:
                    out[f"{key}.{logic}"] = cells  # refused by _check_key, naming the key
            continue
        nested = (key in ("levers", "logic", "mechanisms") and isinstance(value, dict)
                  and not (set(value) & _RANGE_KEYS))
        if nested and not (constant and key == "logic"):
            for inner, inner_value in value.items():
                out[f"{key}.{inner}"] = inner_value
        else:
            out[key] = value
    return out


def _field_bounds(name: str) -> tuple[float | None, float | None, bool]:
    for info in FieldInfo.of_params():
        if info.name == name:
            return info.low, info.high, info.kind == "int"
    raise KeyError(name)


#: Fields of a spec's ``[[events]]`` entry that may vary (``events.<index>.<field>``).
EVENT_FIELDS: tuple[str, ...] = ("step", "size", "duration", "factor", "members")


def _event_key(key: str) -> tuple[int, str] | None:
    """``events.<index>.<field>`` -> ``(index, field)``; None for other keys."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "events" and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return None


def lever_cell(key: str) -> tuple[str, str] | None:
    """``lever_table.<logic>.<lever>`` -> ``(logic, lever)``; None for other keys.

    The names are not checked here (``spec_from_dict`` does that).
    """
    if not key.startswith(LEVER_CELL_PREFIX):
        return None
    parts = key.split(".")
    if len(parts) != 3:
        return None
    return parts[1], parts[2]


def _check_lever_cell(key: str, section: str, fail: Any) -> None:
    """Refuse a ``lever_table.`` key whose logic or lever is unknown, naming what is allowed."""
    cell = lever_cell(key)
    allowed = (f"allowed: lever_table.<logic>.<lever> with logic one of "
               f"{', '.join(LOGIC_NAMES)} and lever one of {', '.join(LEVER_NAMES)}")
    if cell is None:
        raise fail(f"[{section}] {key!r}: a lever-table cell needs a logic and a lever; "
                   + allowed)
    logic, lever = cell
    if logic not in LOGIC_NAMES:
        raise fail(f"[{section}] {key!r}: unknown logic {logic!r}; " + allowed)
    if lever not in LEVER_NAMES:
        raise fail(f"[{section}] {key!r}: unknown lever {lever!r}; " + allowed)


def _check_lever_cells(dimensions: list[Dimension], constants: dict[str, Any],
                       fail: Any) -> None:
    """A ``levers.x`` override replaces lever x under every logic, so cells of x are idle."""
    keys = [d.name for d in dimensions] + list(constants)
    overridden = {key.removeprefix("levers.") for key in keys if key.startswith("levers.")}
    for key in keys:
        cell = lever_cell(key)
        if cell is not None and cell[1] in overridden:
            raise fail(f"{key!r} and 'levers.{cell[1]}' are both given: levers.{cell[1]} "
                       f"sets the lever under every logic, so the lever-table cell would "
                       "change nothing; give one of them")


def _check_key(key: str, section: str, fail: Any, n_events: int = 0) -> None:
    """Check that ``key`` names a parameter, lever, lever-table cell, weight or event field."""
    if key.startswith(LEVER_CELL_PREFIX):
        _check_lever_cell(key, section, fail)
        return
    if key.startswith("events."):
        found = _event_key(key)
        if found is None or found[0] >= n_events or found[1] not in EVENT_FIELDS:
            raise fail(f"[{section}] {key!r}: not an event field; allowed: "
                       f"events.<i>.<field> with i < {n_events} (the spec's [[events]], "
                       f"counted from 0) and field one of {', '.join(EVENT_FIELDS)}")
        return
    for prefix, names, what in (("levers.", LEVER_NAMES, "lever"),
                                ("logic.", LOGIC_NAMES, "logic weight"),
                                ("mechanisms.", MECHANISM_NAMES, "mechanism")):
        if key.startswith(prefix):
            if key.removeprefix(prefix) not in names:
                raise fail(f"[{section}] {key!r}: unknown {what}; allowed: "
                           + ", ".join(f"{prefix}{n}" for n in names))
            return
    if key in _NOT_SWEEPABLE or key not in Params.model_fields:
        allowed = [n for n in Params.model_fields if n not in _NOT_SWEEPABLE]
        raise fail(f"[{section}] {key!r}: unknown parameter; allowed: {', '.join(allowed)}, "
                   "levers.<lever>, lever_table.<logic>.<lever>, logic.<logic>, "
                   "mechanisms.<mechanism>")


def _bounds(key: str) -> tuple[float | None, float | None, bool]:
    found = _event_key(key)
    if found is not None:
        from governance_sim.params import Event

        info = Event.model_fields[found[1]]
        lo = hi = None
        for meta in info.metadata:
            lo = getattr(meta, "ge", lo)
            hi = getattr(meta, "le", hi)
        return lo, hi, found[1] in ("step", "duration", "members")
    if key.startswith("levers."):
        lo, hi = LEVER_RANGES[key.removeprefix("levers.")]
        return lo, hi, False
    cell = lever_cell(key)
    if cell is not None:
        lo, hi = LEVER_RANGES[cell[1]]
        return lo, hi, False
    if key.startswith("logic."):
        return 0.0, 1.0, False
    if key.startswith("mechanisms."):
        return None, None, False  # true or false (checked in _check_value)
    return _field_bounds(key)


def _check_value(key: str, value: Any, section: str, fail: Any) -> None:
    if key.startswith("mechanisms."):
        if not isinstance(value, bool):
            raise fail(f"[{section}] {key!r}: a mechanism is true (on) or false (off), got "
                       f"{value!r}")
        return
    lo, hi, integer = _bounds(key)
    if key in Params.model_fields and lo is None and hi is None:
        return  # free-form fields are checked when Params are built
    if not _number(value):
        raise fail(f"[{section}] {key!r}: must be a finite number, got {_short(value)}")
    if integer and float(value) != int(value):
        raise fail(f"[{section}] {key!r}: must be an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise fail(f"[{section}] {key!r}: {value!r} is outside the allowed range "
                   f"[{lo:g}, {hi:g}]")


def _dimension(key: str, value: Any, section: str, kind: str, builtin: bool,
               fail: Any, n_events: int = 0) -> Dimension:
    if builtin:
        _check_key(key, section, fail, n_events)
    where = f"[{section}] {key!r}"
    if isinstance(value, list):
        value = {"values": value}
    if not isinstance(value, dict):
        raise fail(f"{where}: give a list of values, {{ values = [...] }} or "
                   f"{{ low = ..., high = ... }}; a single value belongs in [constants]")
    for inner in value:
        if inner not in _RANGE_KEYS:
            raise fail(f"{where}: unknown key {inner!r}; allowed: low, high, levels, values")
    if key.startswith("mechanisms.") and set(value) != {"values"}:
        raise fail(f"{where}: a mechanism is switched, not sampled: give values = [true, "
                   "false] in a full factorial")
    integer = builtin and key != "logic" and _bounds(key)[2]
    if "values" in value:
        if kind != "full_factorial":
            raise fail(f"{where}: design {kind!r} samples between 'low' and 'high'; "
                       "'values' lists are for full factorials")
        if set(value) - {"values"}:
            raise fail(f"{where}: give either 'values' or 'low'/'high', not both")
        values = value["values"]
        if not isinstance(values, list) or not values:
            raise fail(f"{where}: 'values' must be a non-empty list")
        if len(set(map(repr, values))) != len(values):
            raise fail(f"{where}: 'values' repeats a value")
        if builtin:
            for item in values:
                if key == "logic":
                    if not (isinstance(item, str) and item in LOGIC_NAMES):
                        raise fail(f"{where}: {item!r} is not a logic; allowed: "
                                   f"{', '.join(LOGIC_NAMES)}")
                else:
                    _check_value(key, item, section, fail)
        if all(_number(v) for v in values):
            # one type per column, so every part file of the results has the same dtype
            as_float = any(isinstance(v, float) for v in values) or (builtin and not integer)
            values = [float(v) if as_float else int(v) for v in values]
        return Dimension(key, section, values=tuple(values), integer=bool(integer))
    if "low" not in value or "high" not in value:
        raise fail(f"{where}: needs both 'low' and 'high' (or a 'values' list)")
    low, high = value["low"], value["high"]
    if not (_number(low) and _number(high)) or not low < high:
        raise fail(f"{where}: 'low' and 'high' must be numbers with low < high, "
                   f"got {low!r}, {high!r}")
    if builtin:
        if key == "logic":
            raise fail(f"{where}: 'logic' is a name; list names in 'values' or vary weights "
                       "with logic.<logic>")
        _check_value(key, low, section, fail)
        _check_value(key, high, section, fail)
    if kind == "full_factorial":
        levels = value.get("levels")
        if levels is None:
            raise fail(f"{where}: a full factorial needs 'levels' with 'low'/'high' "
                       "(or a 'values' list)")
        levels = _int(levels, f"{where} levels", fail, low=2, high=100_000)
        step = (high - low) / (levels - 1)
        values = tuple(round(low + i * step, 12) for i in range(levels))
        if integer:
            values = tuple(sorted({int(round(v)) for v in values}))
        return Dimension(key, section, low=float(low), high=float(high), values=values,
                         integer=bool(integer))
    if "levels" in value:
        raise fail(f"{where}: 'levels' is only for full factorials")
    return Dimension(key, section, low=float(low), high=float(high), integer=bool(integer))


def _check_logic_weights(dimensions: list[Dimension], constants: dict[str, Any],
                         fail: Any) -> None:
    """The named logic weights must never exceed 1 together (the rest goes to the base)."""
    top = 0.0
    names = []
    for dim in dimensions:
        if dim.name.startswith("logic."):
            names.append(dim.name)
            top += max(dim.values) if dim.values is not None else float(dim.high or 0.0)
    for key, value in constants.items():
        if key.startswith("logic."):
            names.append(key)
            top += float(value)
    if names and top > 1.0 + 1e-9:
        raise fail(f"logic weights {', '.join(names)} can sum to {top:g} > 1; the named "
                   "weights take their share and the rest goes to the base logic, so their "
                   "upper bounds must sum to at most 1")
    if names and any(d.name == "logic" for d in dimensions):
        raise fail("'logic' and logic.<logic> weights cannot both vary; vary the base "
                   "logic or the weights")


#: Prefix of the outcome names of recorded time series (never columns of the runs table).
SERIES_PREFIX = "series:"


def _timeseries(table: dict[str, Any], builtin: bool, fail: Any) -> tuple[OutcomeSpec, ...]:
    """``[timeseries]``: the metrics recorded every ``every`` months into a long table."""
    if not table:
        return ()
    _known(table, {"metrics", "every"}, "[timeseries]", fail)
    metrics = table.get("metrics")
    if (not isinstance(metrics, list) or not metrics
            or not all(isinstance(m, str) and m for m in metrics)):
        raise fail("[timeseries] metrics: give a list of metric names, e.g. "
                   "[\"trust_mean\", \"public_value_index\"]")
    if len(set(metrics)) != len(metrics):
        raise fail("[timeseries] metrics: a metric is listed twice")
    if builtin:
        from governance_sim.metrics import METRICS

        names = [m.name for m in METRICS]
        for metric in metrics:
            if metric not in names:
                raise fail(f"[timeseries] metrics: unknown metric {_short(metric)}; "
                           f"allowed: {', '.join(names)}")
    every = _int(table.get("every", 1), "[timeseries] every", fail, low=1, high=100_000)
    return tuple(OutcomeSpec(name=f"{SERIES_PREFIX}{metric}", metric=metric, stat="series",
                             every=every) for metric in metrics)


def _outcomes(table: dict[str, Any], builtin: bool, *, steps: int | None,
              fail: Any) -> tuple[OutcomeSpec, ...]:
    from governance_sim.metrics import METRICS

    metric_names = [m.name for m in METRICS]
    if not table:
        raise fail("[outcomes]: name at least one outcome, e.g. "
                   "trust_final = { metric = \"trust_mean\", stat = \"final\" }")
    out = []
    for name, entry in table.items():
        where = f"[outcomes] {name!r}"
        if not name.isidentifier():
            raise fail(f"{where}: outcome names must be identifiers (letters, digits, _)")
        if not isinstance(entry, dict):
            raise fail(f"{where}: must be a table such as {{ metric = \"trust_mean\", "
                       "stat = \"final\" }")
        _known(entry, _OUTCOME_KEYS, where, fail)
        stat = entry.get("stat", "final" if builtin else "value")
        if stat not in OUTCOME_STATS:
            raise fail(f"{where} stat: unknown {stat!r}; allowed: {', '.join(OUTCOME_STATS)}")
        metric = entry.get("metric", name)
        if not isinstance(metric, str):
            raise fail(f"{where} metric: must be a string, got {metric!r}")
        if builtin:
            if stat == "value":
                raise fail(f"{where} stat: 'value' is for custom models; the built-in model "
                           "gives time series: use final, mean or time_to_cross")
            if metric not in metric_names:
                raise fail(f"{where} metric: unknown metric {metric!r}; allowed: "
                           f"{', '.join(metric_names)}")
        window = _window(entry, "window", where, steps, fail)
        if stat in _WINDOWED and window is None:
            raise fail(f"{where}: stat {stat!r} needs window = [first_step, last_step]")
        if stat not in _WINDOWED and window is not None:
            raise fail(f"{where} window: only stats mean, min and max take a window")
        relative_to = entry.get("relative_to")
        if relative_to is not None:
            if relative_to not in RELATIVE_TO:
                raise fail(f"{where} relative_to: unknown {relative_to!r}; allowed: "
                           f"{', '.join(RELATIVE_TO)}")
            if not builtin:
                raise fail(f"{where} relative_to: only the built-in model has a "
                           "counterfactual")
        threshold = entry.get("threshold")
        baseline = _window(entry, "baseline_window", where, steps, fail)
        direction = entry.get("direction", "up")
        after = entry.get("after", 0)
        if stat == "time_to_cross":
            if (threshold is None) == (baseline is None):
                raise fail(f"{where}: stat 'time_to_cross' needs either 'threshold' or "
                           "'baseline_window' (a threshold from the mean over those steps)")
            if threshold is not None and not _number(threshold):
                raise fail(f"{where} threshold: must be a number, got {threshold!r}")
            if direction not in ("up", "down"):
                raise fail(f"{where} direction: must be 'up' or 'down', got {direction!r}")
            after = _int(after, f"{where} after", fail, low=0,
                         high=steps if steps is not None else 10**9)
        elif {"threshold", "baseline_window", "direction", "after"} & set(entry):
            raise fail(f"{where}: threshold, baseline_window, direction and after are only "
                       "for stat 'time_to_cross'")
        out.append(OutcomeSpec(name=name, metric=metric, stat=stat, window=window,
                               threshold=None if threshold is None else float(threshold),
                               baseline_window=baseline, direction=direction, after=after,
                               relative_to=relative_to))
    return tuple(out)


def _window(entry: dict[str, Any], key: str, where: str, steps: int | None,
            fail: Any) -> tuple[int, int] | None:
    value = entry.get(key)
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not 0 <= value[0] <= value[1]):
        raise fail(f"{where} {key}: must be [first_step, last_step] with "
                   f"0 <= first <= last, got {value!r}")
    if steps is not None and value[1] > steps:
        raise fail(f"{where} {key}: last step {value[1]} is after the end of the run "
                   f"(steps = {steps})")
    return int(value[0]), int(value[1])
