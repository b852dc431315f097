"""The targets file of ``governance-sim calibrate``, read into a :class:`CalibrationConfig`.

A targets file (TOML; the format is documented in ``docs/calibration.md``)::

    [calibration]
    name = "field"                  # default: the file's name
    scenario = "bureaucracy"        # base scenario (name, or path beside this file)
    n_citizens = 5000               # population of every calibration run
    steps = 240                     # months per run
    logics = ["bureaucracy", "npm", "co_creation"]
    shock = true                    # also measure the fall after a major trust shock
    seeds = 3                       # seeds per sample (shared by all samples)
    seed = 20261128                 # root seed: sample seeds and designs
    waves = 4                       # history-matching waves
    samples = 64                    # model samples per wave
    cutoff = [3.0, 2.5, 2.0, 1.5]   # non-implausible: implausibility <= the cutoff of the
                                    # wave whose emulators judge (a list falls wave by wave;
                                    # its last value holds for later waves; a number: every wave)
    focus = 0.5                     # share of each later wave's samples drawn by the emulated
                                    # chance of a run inside every band (the rest spread out)
    focus_steps = 20                # Metropolis steps of each focused sample's chain
    candidates = 16384              # emulator-screened candidates per batch
    draws = 200                     # posterior draws (rejection on the emulators)
    min_inside = 0.9                # posterior: emulated chance inside every band >= this
    check_citizens = 20000          # population of the posterior predictive check
    coverage = 0.9                  # accept: this share of check runs inside every band
    repeats = 2                     # independent repeats (agreement for "identified")
    identified_below = 0.5          # identified: 90 % interval < this share of the prior
    workers = 2                     # local processes (--workers overrides); 1: serial
    # scheduler = "local"           # or a Dask scheduler address (--scheduler overrides)

    [calibration.params]            # parameters over the base scenario (optional)
    initial_trust_sd = 0.15

    [parameters]                    # free parameters: name = [low, high] (prior range)
    participation_intercept = [-6.0, 0.0]

    [targets]                       # statistic = [low, high] (or { low, high, scale, missing })
    "*.participation_monthly" = [0.01, 0.08]        # every logic run
    "bureaucracy.trust_mean_min" = [0.45, 0.70]     # one logic (overrides a "*" entry)
    motivation_npm_effect = [0.10, 0.35]            # a statistic across logics

Every mistake raises one :class:`CalibrationError` (a :class:`UserInputError`: the command
line prints one line and exits 2) naming the file, the key and what is allowed. Whether a
target names a statistic the model reports is checked by
:func:`governance_sim.calibration.model.check_statistics`, which runs the model once.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from governance_sim.params import (
    LOGIC_NAMES,
    FieldInfo,
    ParameterError,
    Params,
    UserInputError,
)
from governance_sim.scenarios import load_scenario, read_toml

__all__ = ["CalibrationConfig", "CalibrationError", "Target", "load_config",
           "config_from_dict", "quick_config", "MISSING_POLICIES", "DEFAULT_CUTOFFS",
           "DEFAULT_FOCUS", "DEFAULT_FOCUS_STEPS"]

#: What a target does with a statistic that is NaN (not measured in a run):
#: ``implausible`` (the sample fails the target) or ``ignore`` (the target is skipped).
MISSING_POLICIES: tuple[str, ...] = ("implausible", "ignore")

#: Default implausibility cutoff of each wave's emulators (``cutoff``): 3 for wave 1
#: (Pukelsheim's three-sigma rule, as in Vernon et al. 2010), then half a unit less each
#: wave down to 1.5 from wave 4 on, so the non-implausible space refocuses wave by wave
#: (docs/calibration.md, "Refocusing"). A cutoff of 1.5 still keeps a point whose emulated
#: mean lies one and a half tolerances outside a band, widened by the seed and emulator
#: spread.
DEFAULT_CUTOFFS: tuple[float, ...] = (3.0, 2.5, 2.0, 1.5)
#: Default share of each wave's samples (from wave 2) drawn, among the non-implausible
#: candidates, with probability proportional to the emulated chance of one run inside
#: every band (``focus``); the rest are spread over the non-implausible space (maximin).
DEFAULT_FOCUS = 0.5
#: Default Metropolis steps (``focus_steps``) that move each focused sample, from a start
#: drawn among the uniform candidates by the chance inside, toward the prior times that
#: chance on the non-implausible space: the region inside every band can be too small for
#: the uniform candidates to hit it often.
DEFAULT_FOCUS_STEPS = 20

_TOP = {"calibration", "parameters", "targets"}
_SETTINGS = {"name", "description", "scenario", "params", "n_citizens", "steps", "logics",
             "shock", "seeds", "seed", "waves", "samples", "cutoff", "focus", "focus_steps",
             "candidates", "draws",
             "min_inside", "check_citizens", "coverage", "repeats", "identified_below",
             "workers", "scheduler"}
#: Settings of the bounding-box method this one replaced, with what to do instead.
_RETIRED = {"pad": "the waves sample the non-implausible space itself (no box to pad)",
            "stop_inside": "the waves run to 'waves'; the posterior check decides"}
_TARGET_KEYS = {"low", "high", "scale", "missing"}
_MIN_STEPS = 36  # two settling years and one to judge (governance_sim.field)


class CalibrationError(UserInputError, ValueError):
    """A targets file is invalid; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class Target:
    """One band a statistic should fall in.

    Attributes:
        statistic: the key of :func:`governance_sim.field.field_statistics`
            (``<logic>.<statistic>`` or a cross-logic name such as ``motivation_npm_effect``).
        low, high: the band.
        scale: the distance that counts as one unit of implausibility besides the seed
            spread (default: the band's half-width).
        missing: ``implausible`` or ``ignore`` (see :data:`MISSING_POLICIES`).
        written: the key as written in the file (``*.participation_monthly``).
    """

    statistic: str
    low: float
    high: float
    scale: float
    missing: str = "implausible"
    written: str = ""

    @property
    def column(self) -> str:
        """The statistic's outcome column in the wave sweeps (an identifier)."""
        return self.statistic.replace(".", "__")


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated targets file (see the module docstring for the format)."""

    name: str
    base: dict[str, Any]
    base_label: str
    parameters: dict[str, tuple[float, float]]
    integer: tuple[str, ...]
    targets: tuple[Target, ...]
    n_citizens: int
    steps: int = 240
    logics: tuple[str, ...] = LOGIC_NAMES
    shock: bool = True
    seeds: int = 3
    seed: int = 0
    waves: int = 4
    samples: int = 64
    cutoff: tuple[float, ...] = DEFAULT_CUTOFFS
    focus: float = DEFAULT_FOCUS
    focus_steps: int = DEFAULT_FOCUS_STEPS
    candidates: int = 16384
    draws: int = 200
    min_inside: float = 0.9
    check_citizens: int = 20000
    coverage: float = 0.9
    repeats: int = 2
    identified_below: float = 0.5
    quick: bool = False
    workers: int | None = None
    scheduler: str | None = None
    description: str = ""
    base_events: tuple[dict[str, Any], ...] = ()
    source: str = "targets"
    text: str = field(default="", compare=False, repr=False)

    def cutoff_at(self, wave: int) -> float:
        """The implausibility cutoff of wave ``wave`` (1-based).

        That wave's emulators rule out points above it (in later waves' screening and the
        posterior's), and its samples above it are not non-implausible. The schedule's last
        value holds for waves beyond it.
        """
        return self.cutoff[min(wave, len(self.cutoff)) - 1]

    def cutoff_text(self) -> str:
        """The schedule for reports: ``3`` or ``3, 2.5, 2, 1.5 (then 1.5)``."""
        values = ", ".join(f"{c:g}" for c in self.cutoff)
        return values if len(self.cutoff) == 1 else f"{values} by wave (then {self.cutoff[-1]:g})"

    @property
    def names(self) -> list[str]:
        """Free parameters in file order."""
        return list(self.parameters)

    def base_params(self, n_citizens: int | None = None) -> Params:
        """The base parameters of every run (population ``n_citizens``, default the file's)."""
        return Params.from_dict({**self.base, "n_citizens": n_citizens or self.n_citizens})

    def fingerprint(self) -> str:
        """SHA-256 of everything that determines each wave's runs (not where they run).

        ``waves``, ``repeats`` and the posterior's settings (``draws``, ``min_inside``,
        ``check_citizens``, ``coverage``, ``identified_below``) only decide what follows the
        waves run so far, so they are left out: raising ``waves`` and running again continues
        a finished calibration (the posterior and its check are redone). A one-value cutoff
        is written as a number and ``focus`` only when it is not 0, so folders made before
        the schedule and the focus existed (one cutoff, no focus) still resume.
        """
        data = {
            "base": self.base, "parameters": self.parameters, "integer": self.integer,
            "targets": [t.__dict__ for t in self.targets], "n_citizens": self.n_citizens,
            "steps": self.steps, "logics": self.logics, "shock": self.shock,
            "seeds": self.seeds, "seed": self.seed, "samples": self.samples,
            "cutoff": self.cutoff[0] if len(self.cutoff) == 1 else list(self.cutoff),
            "candidates": self.candidates, "quick": self.quick,
        }
        if self.focus:
            data["focus"] = self.focus
            data["focus_steps"] = self.focus_steps
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def quick_config(config: CalibrationConfig) -> CalibrationConfig:
    """A quick version of a calibration (``--quick``): the same targets and priors, small.

    1 000 citizens (at most), 2 waves of at most 16 samples on 2 seeds, 4 096 candidates per
    batch, 40 posterior draws checked at 2 000 citizens; two repeats. For tests and a first
    look: far too small to ship (the report says so).
    """
    n_citizens = min(config.n_citizens, 1000)
    base = {**config.base, "n_units": min(int(config.base.get("n_units", 100)),
                                          max(1, n_citizens // 10))}
    return replace(config, name=f"{config.name}-quick", base=base, n_citizens=n_citizens,
                   waves=min(config.waves, 2), samples=min(config.samples, 16),
                   seeds=min(config.seeds, 2), candidates=min(config.candidates, 4096),
                   draws=min(config.draws, 40),
                   check_citizens=min(config.check_citizens, 2000),
                   repeats=min(config.repeats, 2),
                   quick=True)


def load_config(path: str | Path) -> CalibrationConfig:
    """Read and validate a targets file.

    Raises:
        CalibrationError: the file is missing, not TOML, or invalid (message names the key).
    """
    target = Path(path)
    if not target.is_file():
        raise CalibrationError(f"targets file not found: {target}")
    raw = read_toml(target, CalibrationError)
    return config_from_dict(raw, source=str(target), base_dir=target.parent,
                            text=target.read_text(encoding="utf-8"))


def config_from_dict(raw: dict[str, Any], *, source: str = "targets",
                     base_dir: Path | None = None, text: str = "") -> CalibrationConfig:
    """Validate a targets file given as a mapping (as read from TOML).

    Raises:
        CalibrationError: the first problem found, naming the key and what is allowed.
    """
    def fail(message: str) -> CalibrationError:
        return CalibrationError(f"{source}: {message}")

    for key in raw:
        if key not in _TOP:
            raise fail(f"unknown section [{key}]; allowed: {', '.join(sorted(_TOP))}")
    settings = _table(raw, "calibration", fail)
    for key in settings:
        if key in _RETIRED:
            raise fail(f"[calibration] {key!r} is no longer used: {_RETIRED[key]}; remove it")
        if key not in _SETTINGS:
            raise fail(f"[calibration] {key!r}: unknown key; allowed: "
                       f"{', '.join(sorted(_SETTINGS))}")
    base, label, events = _base(settings, base_dir, fail)
    default_n = int(base.get("n_citizens", Params().n_citizens))
    n_citizens = _int(settings, "n_citizens", default_n, 10, 5_000_000, fail)
    logics = settings.get("logics", list(LOGIC_NAMES))
    if (not isinstance(logics, list) or not logics
            or not all(isinstance(x, str) and x in LOGIC_NAMES for x in logics)
            or len(set(logics)) != len(logics)):
        raise fail(f"[calibration] logics: a list of distinct logics from "
                   f"{', '.join(LOGIC_NAMES)}, got {_short(logics)}")
    samples = _int(settings, "samples", 64, 3, 1_000_000, fail)
    shock = settings.get("shock", True)
    if not isinstance(shock, bool):
        raise fail(f"[calibration] shock: must be true or false, got {_short(shock)}")
    workers = settings.get("workers")
    if workers is not None:
        workers = _int(settings, "workers", 1, 1, 4096, fail)
    scheduler = settings.get("scheduler")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise fail("[calibration] scheduler: 'local' or a Dask scheduler address such as "
                   f"'tcp://host:8786', got {_short(scheduler)}")
    parameters, integer = _parameters(_table(raw, "parameters", fail), base, fail)
    config = CalibrationConfig(
        name=_text(settings, "name", Path(source).stem, fail),
        description=_text(settings, "description", "", fail),
        base=base, base_label=label, base_events=events,
        parameters=parameters, integer=integer,
        targets=_targets(_table(raw, "targets", fail), tuple(logics), fail),
        n_citizens=n_citizens,
        steps=_int(settings, "steps", 240, _MIN_STEPS, 100_000, fail),
        logics=tuple(logics), shock=shock,
        seeds=_int(settings, "seeds", 3, 1, 10_000, fail),
        seed=_int(settings, "seed", 0, 0, 2**63 - 1, fail),
        waves=_int(settings, "waves", 4, 1, 1000, fail),
        samples=samples,
        cutoff=_cutoffs(settings, fail),
        focus=_float(settings, "focus", DEFAULT_FOCUS, 0.0, 1.0, fail),
        focus_steps=_int(settings, "focus_steps", DEFAULT_FOCUS_STEPS, 0, 10_000, fail),
        candidates=_int(settings, "candidates", 16384, 64, 1_000_000, fail),
        draws=_int(settings, "draws", 200, 2, 100_000, fail),
        min_inside=_float(settings, "min_inside", 0.9, 0.0, 1.0, fail),
        check_citizens=_int(settings, "check_citizens", 20000, 10, 5_000_000, fail),
        coverage=_float(settings, "coverage", 0.9, 0.0, 1.0, fail, open_low=True),
        repeats=_int(settings, "repeats", 2, 1, 10, fail),
        identified_below=_float(settings, "identified_below", 0.5, 0.0, 1.0, fail,
                                open_low=True),
        workers=workers, scheduler=scheduler, source=source, text=text,
    )
    for key, population in (("n_citizens", n_citizens),
                            ("check_citizens", config.check_citizens)):
        try:
            config.base_params(population)
        except ParameterError as error:
            raise fail(f"[calibration] {key} = {population}: {error}") from None
    return config


# --- sections ------------------------------------------------------------------------------

def _base(settings: dict[str, Any], base_dir: Path | None,
          fail: Any) -> tuple[dict[str, Any], str, tuple[dict[str, Any], ...]]:
    """The base parameters: a scenario (optional) with ``[calibration.params]`` over it."""
    name = settings.get("scenario")
    data = Params().to_dict()
    label = "defaults"
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise fail(f"[calibration] scenario: a scenario name or .toml path, got "
                       f"{_short(name)}")
        if base_dir is not None and (name.endswith(".toml") or "/" in name):
            beside = base_dir / name
            if not Path(name).is_absolute() and beside.is_file():
                name = str(beside)
        try:
            scenario = load_scenario(name)
        except UserInputError as error:
            raise fail(f"[calibration] scenario: {error}") from None
        data = scenario.params.to_dict()
        label = scenario.name
    over = settings.get("params", {})
    if not isinstance(over, dict):
        raise fail("[calibration] params: must be a table of parameters over the base")
    for key in ("n_citizens", "events"):
        if key in over:
            where = ("[calibration] n_citizens" if key == "n_citizens"
                     else "[[events]] of a base scenario")
            raise fail(f"[calibration.params] {key}: set it in {where}")
    try:
        params = Params.from_dict({**data, **over})
    except ParameterError as error:
        raise fail(f"[calibration.params]: {error}") from None
    base = params.to_dict()
    return base, label, tuple(base["events"])


def _parameters(table: dict[str, Any], base: dict[str, Any],
                fail: Any) -> tuple[dict[str, tuple[float, float]], tuple[str, ...]]:
    """Free parameters: top-level numeric Params fields with a prior inside their range."""
    fields = {info.name: info for info in FieldInfo.of_params()
              if info.kind in ("int", "float") and info.name != "n_citizens"}
    if not table:
        raise fail("[parameters]: name at least one free parameter, e.g. "
                   "participation_intercept = [-6.0, 0.0]")
    out: dict[str, tuple[float, float]] = {}
    integer = []
    for name, value in table.items():
        where = f"[parameters] {name!r}"
        if name not in fields:
            hint = (" (set it in [calibration])" if name == "n_citizens" else "")
            raise fail(f"{where}: not a numeric parameter{hint}; allowed: "
                       f"{', '.join(fields)}")
        if (not isinstance(value, list) or len(value) != 2
                or not all(_number(v) for v in value) or not value[0] < value[1]):
            raise fail(f"{where}: a prior range [low, high] with low < high, got "
                       f"{_short(value)}")
        info = fields[name]
        lo, hi = float(value[0]), float(value[1])
        if (info.low is not None and lo < info.low) or (info.high is not None and hi > info.high):
            raise fail(f"{where}: [{lo:g}, {hi:g}] is outside the allowed range "
                       f"[{_bound(info.low)}, {_bound(info.high)}]")
        for end in (lo, hi):
            try:
                Params.from_dict({**base, name: int(round(end)) if info.kind == "int" else end})
            except ParameterError as error:
                raise fail(f"{where}: {end:g} is not valid with the base parameters: "
                           f"{error}") from None
        out[name] = (lo, hi)
        if info.kind == "int":
            integer.append(name)
    return out, tuple(integer)


def _targets(table: dict[str, Any], logics: tuple[str, ...], fail: Any) -> tuple[Target, ...]:
    """Bands keyed by statistic; ``*.<stat>`` expands to every logic run."""
    flat = _flatten_targets(table, "", fail)
    if not flat:
        raise fail("[targets]: name at least one band, e.g. "
                   "\"*.participation_monthly\" = [0.01, 0.08]")
    wildcard: dict[str, Target] = {}
    explicit: dict[str, Target] = {}
    for key, value in flat.items():
        where = f"[targets] {key!r}"
        band = _band(value, where, fail)
        head, dot, rest = key.partition(".")
        if dot and head == "*":
            for logic in logics:
                wildcard[f"{logic}.{rest}"] = Target(f"{logic}.{rest}", *band, written=key)
        elif dot and head in LOGIC_NAMES:
            if head not in logics:
                raise fail(f"{where}: logic {head!r} is not run; [calibration] logics = "
                           f"{list(logics)}")
            explicit[key] = Target(key, *band, written=key)
        elif dot:
            raise fail(f"{where}: a statistic is '<logic>.<name>' with logic one of "
                       f"{', '.join(LOGIC_NAMES)} or '*' (every logic run), or a name across "
                       "logics such as motivation_npm_effect")
        else:
            explicit[key] = Target(key, *band, written=key)
    merged = {**wildcard, **explicit}
    return tuple(merged[name] for name in sorted(merged))


def _flatten_targets(table: dict[str, Any], prefix: str, fail: Any) -> dict[str, Any]:
    """Dotted TOML keys (``bureaucracy.trust_sd = ...``) read back as ``bureaucracy.trust_sd``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not set(value) <= _TARGET_KEYS:
            out.update(_flatten_targets(value, f"{name}.", fail))
        else:
            out[name] = value
    return out


def _band(value: Any, where: str, fail: Any) -> tuple[float, float, float, str]:
    """``[low, high]`` or ``{ low, high, scale, missing }`` -> (low, high, scale, missing)."""
    scale = None
    missing = "implausible"
    if isinstance(value, dict):
        unknown = set(value) - _TARGET_KEYS
        if unknown or "low" not in value or "high" not in value:
            raise fail(f"{where}: a band [low, high] or a table with low, high and optionally "
                       "scale and missing")
        scale = value.get("scale")
        missing = value.get("missing", "implausible")
        if missing not in MISSING_POLICIES:
            raise fail(f"{where} missing: {_short(missing)}; allowed: "
                       f"{', '.join(MISSING_POLICIES)}")
        if scale is not None and not (_number(scale) and scale > 0):
            raise fail(f"{where} scale: a positive number, got {_short(scale)}")
        value = [value["low"], value["high"]]
    if (not isinstance(value, list) or len(value) != 2 or not all(_number(v) for v in value)
            or not value[0] < value[1]):
        raise fail(f"{where}: a band [low, high] with low < high, got {_short(value)}")
    low, high = float(value[0]), float(value[1])
    return low, high, float(scale) if scale is not None else (high - low) / 2.0, missing


# --- helpers ------------------------------------------------------------------------------

def _table(raw: dict[str, Any], key: str, fail: Any) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise fail(f"[{key}] must be a table, got {type(value).__name__}")
    return value


def _number(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value))


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _bound(value: float | None) -> str:
    return "unbounded" if value is None else f"{value:g}"


def _int(table: dict[str, Any], key: str, default: int, low: int, high: int, fail: Any) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail(f"[calibration] {key}: an integer in [{low}, {high}], got {_short(value)}")
    return int(value)


def _float(table: dict[str, Any], key: str, default: float, low: float, high: float,
           fail: Any, open_low: bool = False) -> float:
    value = table.get(key, default)
    ok = _number(value) and (low < value if open_low else low <= value) and value <= high
    if not ok:
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}]"
        raise fail(f"[calibration] {key}: a number in {interval}, got {_short(value)}")
    return float(value)


def _cutoffs(table: dict[str, Any], fail: Any) -> tuple[float, ...]:
    """``cutoff``: a positive number (every wave) or a non-increasing list (per wave)."""
    value = table.get("cutoff", list(DEFAULT_CUTOFFS))
    values = value if isinstance(value, list) else [value]
    if (not values or not all(_number(v) and v > 0 for v in values)
            or any(b > a for a, b in zip(values, values[1:], strict=False))):
        raise fail("[calibration] cutoff: a positive number, or a list of positive numbers "
                   "that does not rise (one per wave, e.g. [3.0, 2.5, 2.0, 1.5]), got "
                   f"{_short(value)}")
    return tuple(float(v) for v in values)


def _text(table: dict[str, Any], key: str, default: str, fail: Any) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise fail(f"[calibration] {key}: must be a string, got {_short(value)}")
    return value
