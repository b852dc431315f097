"""The app's controls, generated from the parameter definitions, and the parsing of their input.

Every control is a :class:`ControlSpec` made from :meth:`governance_sim.Params.describe`
(parameters) or from :data:`governance_sim.logics.LEVER_TABLE` and
:data:`governance_sim.params.LEVER_RANGES` (levers): ranges, units, help text and sources
come from there, never copied by hand. What the browser sends back is parsed here with plain
number parsing (nothing typed is evaluated as code); a bad value gives a message naming the
field and what is allowed, and :func:`read_settings` collects the messages instead of raising,
so the app keeps running.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance_sim.i18n import format_number, mark, translator
from governance_sim.logics import LEVER_TABLE, profile
from governance_sim.params import LEVER_RANGES, LOGIC_NAMES, FieldInfo, UserInputError
from governance_sim.uncertainty import BUILTIN_TABLES, ParameterTable, load_table

__all__ = [
    "APP_MAX_CITIZENS",
    "MAIN_PARAMETERS",
    "ControlSpec",
    "FieldError",
    "RUN_CONTROLS",
    "lever_specs",
    "parameter_specs",
    "parse_number",
    "read_settings",
    "levers_for",
    "lever_overrides",
    "normalise_mix",
    "percents_from_logic",
    "logic_from_percents",
    "MAIN_LEVERS",
    "CONTEXT_CONTROLS",
    "PLAIN_LABELS",
    "plain_label",
    "range_text",
    "format_value",
    "NO_TABLE",
    "FIXED_SEED",
    "TableChoices",
    "read_fixed_seed",
]

I18N_DOMAIN = "policy"

#: Units of the controls shown first, translated in their range text.
_UNIT_WORDS = (mark("steps"), mark("runs"), mark("citizens"), mark("units"),
               mark("share/month"), mark("budget units/citizen/step"))

#: Largest population the app simulates interactively (the command line has no such limit):
#: 50 000 citizens x 200 steps is about 1 s a run on the reference machine (performance.md:
#: ~1.7 ms per step at 10 000 citizens, linear in N).
APP_MAX_CITIZENS = 50_000

#: Parameters shown as sliders at the top of the policy view; the rest are in groups below.
MAIN_PARAMETERS: tuple[str, ...] = (
    "initial_trust", "trust_threshold", "budget", "startup_cost", "leader_patience",
)

#: Parameters shown as number boxes at the top (populations are not slider material).
MAIN_NUMBERS: tuple[str, ...] = ("n_citizens", "n_units")

#: The levers a policy officer decides, shown at the top of the policy view (with the logic
#: mix and the budget); every other lever and parameter is folded in "advanced".
MAIN_LEVERS: tuple[str, ...] = (
    "arena_reach", "arnstein_rung", "facilitation_investment", "facilitation_targeting",
    "performance_incentives", "sanctions", "participation_payment",
)

#: Parameters describing the municipality rather than a decision, shown under the levers.
CONTEXT_CONTROLS: tuple[str, ...] = ("initial_trust", "n_citizens")

#: Plain labels of the controls a policy officer sees first; the technical name, unit,
#: range and source are in the control's hover title. Controls not listed here use the
#: definition's own description (:func:`plain_label`).
PLAIN_LABELS: dict[str, str] = {
    "arena_reach": mark("How far arenas reach (share of residents invited a month)"),
    "arnstein_rung": mark("How much say citizens get (Arnstein's ladder: 1 manipulation, "
                          "3 informing, 6 partnership, 8 citizen control)"),
    "facilitation_investment": mark("Investment in facilitation and arenas (0 none, 1 full)"),
    "facilitation_targeting": mark("Outreach aimed at residents with few resources "
                                   "(0 none, 1 full)"),
    "performance_incentives": mark("Hard targets and performance pay (0 none, 1 hard)"),
    "sanctions": mark("Sanctions that enforce contributions (0 none, 1 strict)"),
    "participation_payment": mark("Paying residents for taking part (0 none, 1 a payment "
                                  "that matters to most)"),
    "budget": mark("Service budget per resident a month (budget units; 1 = today's)"),
    "initial_trust": mark("Trust in institutions at the start (0 none, 1 full)"),
    "n_citizens": mark("Residents simulated"),
    "n_units": mark("Service units (kindergartens, neighbourhood services)"),
    "trust_threshold": mark("Trust at which residents start to take part (0-1)"),
    "startup_cost": mark("Extra cost of new arenas (share of the budget)"),
    "leader_patience": mark("Months a leader tolerates a dip in results"),
    "steps": mark("Months to simulate"),
    "replicates": mark("Repeat runs on the next seeds (for the band)"),
    "seed": mark("Random seed of the first run (same seed, same result)"),
}


def plain_label(spec: ControlSpec, lang: str = "en") -> str:
    """The label shown next to a control: plain words, first letter upper case.

    The labels of :data:`PLAIN_LABELS` are translated into ``lang``; the other controls
    (for modellers, in "advanced") keep the definition's English description.
    """
    text = PLAIN_LABELS.get(spec.name)
    text = translator(lang, "policy")(text) if text else spec.label
    return text[:1].upper() + text[1:]


def format_value(value: float, integer: bool = False, lang: str = "en") -> str:
    """A value for people: whole numbers with thousands separators, others to 4 digits.

    Written as ``lang`` writes numbers (:func:`governance_sim.i18n.format_number`: ``nb``
    gives ``50 000`` and ``0,5``).
    """
    if integer or float(value).is_integer() and abs(value) >= 1000:
        return format_number(int(value), lang)
    return format_number(value, lang, significant=4)


def range_text(spec: ControlSpec, lang: str = "en") -> str:
    """Allowed values in words, e.g. ``"0 to 1"`` or ``"whole number, 0 to 4,294,967,295"``."""
    _ = translator(lang, "policy")
    low, high = (format_value(spec.low, spec.integer, lang),
                 format_value(spec.high, spec.integer, lang))
    unit = spec.unit if spec.unit not in ("-", "", "0-1", "share") else ""
    if spec.unit.startswith("rung"):
        text = _("rung {low} to {high}").format(low=low, high=high)
    else:
        text = (_("{low} to {high}").format(low=low, high=high)
                + (f" {_(unit) if unit in _UNIT_WORDS else unit}" if unit else ""))
    return _("whole number, {range}").format(range=text) if spec.integer else text

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class FieldError(UserInputError, ValueError):
    """A value typed or sent for one control is not allowed; the message says what is."""


@dataclass(frozen=True)
class ControlSpec:
    """One control: what it sets, its range, step, default, unit, help and source.

    Attributes:
        name: parameter or lever name (the key in :class:`Params` or in ``levers``).
        label: short human label (the description of the field or the lever's meaning).
        kind: ``"slider"`` or ``"number"`` (a text box parsed as a number).
        low: smallest allowed value.
        high: largest allowed value.
        step: slider step.
        default: default value.
        integer: whether only whole numbers are allowed.
        unit: unit of the value.
        source: where the default or range comes from.
        group: parameter group (``"lever"`` for levers).
    """

    name: str
    label: str
    kind: str
    low: float
    high: float
    step: float
    default: float
    integer: bool
    unit: str
    source: str
    group: str

    @property
    def help(self) -> str:
        """The hover title of the control: technical name, meaning, unit, range, source."""
        return (f"{self.name}: {self.label}. Unit: {self.unit}; allowed: "
                f"{format_value(self.low, self.integer)} to "
                f"{format_value(self.high, self.integer)}. Source: {self.source}")


def _nice_step(low: float, high: float, integer: bool) -> float:
    """A slider step of about a hundredth of the range, rounded to 1, 2 or 5 x 10^k."""
    if integer:
        return float(max(1, round((high - low) / 100)))
    raw = (high - low) / 100.0
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power


def parameter_specs() -> list[ControlSpec]:
    """One control per numeric parameter of :class:`Params` (not logic, levers, events).

    Populations are capped at :data:`APP_MAX_CITIZENS` in the app.
    """
    specs = []
    for info in FieldInfo.of_params():
        if info.kind not in ("int", "float") or info.low is None or info.high is None:
            continue
        integer = info.kind == "int"
        high = float(info.high)
        if info.name in ("n_citizens", "n_units"):
            high = min(high, float(APP_MAX_CITIZENS))
        kind = "slider" if info.name in MAIN_PARAMETERS else "number"
        specs.append(ControlSpec(
            name=info.name, label=info.description, kind=kind, low=float(info.low),
            high=high, step=_nice_step(float(info.low), high, integer),
            default=info.default, integer=integer, unit=info.unit, source=info.source,
            group=info.group,
        ))
    return specs


def lever_specs() -> list[ControlSpec]:
    """One slider per lever of :data:`LEVER_TABLE`; the default is the bureaucracy value."""
    specs = []
    for row in LEVER_TABLE:
        low, high = LEVER_RANGES[row.name]
        step = 1.0 if row.name == "politician_horizon" else (
            0.1 if row.name == "arnstein_rung" else 0.01)
        specs.append(ControlSpec(
            name=row.name, label=row.meaning, kind="slider", low=low, high=high, step=step,
            default=row.bureaucracy, integer=False, unit=row.unit, source=row.source,
            group="lever",
        ))
    return specs


#: Settings of a run in the app (not parameters of the model): horizon, replicates, seed.
RUN_CONTROLS: tuple[ControlSpec, ...] = (
    ControlSpec("steps", "months to simulate (one step = one month)", "number", 1, 600, 1,
                120, True, "steps", "scenario file", "run"),
    ControlSpec("replicates", "runs on seeds seed, seed+1, ... (median and band)", "number",
                1, 20, 1, 5, True, "runs", "command line default", "run"),
    ControlSpec("seed", "seed of the first replicate", "number", 0, 2**32 - 1, 1, 1, True,
                "-", "command line default", "run"),
)


def parse_number(raw: Any, spec: ControlSpec) -> float | int:
    """Parse one value for ``spec`` without evaluating anything.

    Accepts a number (from a slider) or a text of digits with an optional sign, decimal
    point and exponent; spaces and underscores between digits are ignored (``10 000``).

    Raises:
        FieldError: empty, not a number, not finite, not whole where it must be, or out of
            range; the message names the field and the allowed range.
    """
    allowed = f"a {'whole ' if spec.integer else ''}number from {spec.low:g} to {spec.high:g}"
    where = f"{spec.name}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise FieldError(f"{where}: empty; enter {allowed}")
    if isinstance(raw, bool):
        raise FieldError(f"{where}: expected {allowed}")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace("_", "").replace(" ", "").replace("\u202f", "")
        if len(text) > 40 or not _NUMBER.match(text):
            shown = raw if len(raw) <= 20 else raw[:17] + "..."
            raise FieldError(f"{where}: {shown!r} is not a number; enter {allowed}")
        value = float(text)
    else:
        raise FieldError(f"{where}: expected {allowed}")
    if not math.isfinite(value):
        raise FieldError(f"{where}: must be finite; enter {allowed}")
    if spec.integer:
        if not value.is_integer():
            raise FieldError(f"{where}: {value:g} is not a whole number; enter {allowed}")
    if not spec.low <= value <= spec.high:
        raise FieldError(f"{where}: {value:g} is out of range; enter {allowed} ({spec.unit})")
    return int(value) if spec.integer else value


def read_settings(values: Mapping[str, Any], specs: Sequence[ControlSpec]
                  ) -> tuple[dict[str, float | int], dict[str, str]]:
    """Parse every control's value; collect messages instead of stopping at the first.

    Args:
        values: name -> raw value from the browser.
        specs: the controls those values belong to.

    Returns:
        ``(parsed, messages)``: parsed values of the good fields, and a message per bad one.
    """
    parsed: dict[str, float | int] = {}
    messages: dict[str, str] = {}
    for spec in specs:
        try:
            parsed[spec.name] = parse_number(values.get(spec.name), spec)
        except FieldError as error:
            messages[spec.name] = str(error)
    return parsed, messages


def levers_for(logic: str | Mapping[str, float], scenario_levers: Mapping[str, float]
               ) -> dict[str, float]:
    """Lever values of a logic or mix with a scenario's own lever overrides on top."""
    return profile(logic).with_levers(scenario_levers).as_dict()


def lever_overrides(logic: str | Mapping[str, float], values: Mapping[str, float],
                    specs: Sequence[ControlSpec]) -> dict[str, float]:
    """The levers whose slider differs from the logic's profile by more than half a step.

    Those become ``Params.levers``; a lever left at its profile value follows the logic (so
    a later ``switch_logic`` event moves it).
    """
    base = profile(logic).as_dict()
    out = {}
    for spec in specs:
        value = float(values[spec.name])
        if abs(value - base[spec.name]) > spec.step / 2:
            out[spec.name] = value
    return out


def percents_from_logic(logic: str | Mapping[str, float]) -> list[int]:
    """Whole percents per logic (in :data:`LOGIC_NAMES` order) summing to exactly 100.

    Rounding by largest remainder, so a mix of thirds gives ``[34, 33, 33]``.
    """
    weights = {logic: 1.0} if isinstance(logic, str) else dict(logic)
    raw = [100.0 * float(weights.get(name, 0.0)) for name in LOGIC_NAMES]
    floors = [math.floor(x + 1e-9) for x in raw]
    rest = 100 - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: floors[i] - raw[i])
    for i in order[:max(0, rest)]:
        floors[i] += 1
    return floors


def normalise_mix(percents: Sequence[Any], changed: int | None) -> list[int]:
    """Make three whole percents sum to 100, keeping the one just ``changed``.

    The other two share the remainder in proportion to their current values (equally when
    both are zero). Values that are missing or not numbers count as zero; each is clipped
    to 0-100.

    Args:
        percents: the three slider values, in :data:`LOGIC_NAMES` order.
        changed: index of the slider the user moved (None: keep the proportions of all).
    """
    values = []
    for value in percents:
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
        number = 0.0 if not math.isfinite(float(number)) else float(number)
        values.append(min(100.0, max(0.0, number)))
    if changed is None:
        total = sum(values)
        if total <= 0:
            return [100, 0, 0]
        return percents_from_logic({name: v / total for name, v in
                                    zip(LOGIC_NAMES, values, strict=True)})
    keep = round(values[changed])
    others = [i for i in range(3) if i != changed]
    rest = 100 - keep
    weight = sum(values[i] for i in others)
    shares = ([values[i] / weight for i in others] if weight > 0 else [0.5, 0.5])
    first = round(rest * shares[0])
    out = [0, 0, 0]
    out[changed] = keep
    out[others[0]] = first
    out[others[1]] = rest - first
    return out


def logic_from_percents(percents: Sequence[int], base_logic: str | Mapping[str, float]
                        ) -> str | dict[str, float]:
    """The ``logic`` of :class:`Params` for three whole percents.

    Returns the scenario's own ``base_logic`` when the percents are its rounding (so a mix
    of thirds is not changed by the display), a name when one logic has 100 %, else a mix.
    """
    if list(percents) == percents_from_logic(base_logic):
        return base_logic if isinstance(base_logic, str) else dict(base_logic)
    if sum(percents) != 100:
        raise FieldError(f"logic mix: weights must sum to 100 %, they sum to {sum(percents)} %")
    for name, value in zip(LOGIC_NAMES, percents, strict=True):
        if value == 100:
            return name
    return {name: value / 100.0 for name, value in zip(LOGIC_NAMES, percents, strict=True)
            if value > 0}


# --- parameter uncertainty: which table the replicates draw from ----------------------------

#: The choice "no parameter table" (bands show seed variation only).
NO_TABLE = "none"

#: Value of the checked "one seed for every replicate" box (``fixed_seed=1`` in a link).
FIXED_SEED = "fixed"

_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")


def _table_key(table: ParameterTable, taken: set[str]) -> str:
    """A short key for an offered table: its built-in name, else its file's stem."""
    if table.name in BUILTIN_TABLES:
        stem = table.name
    else:
        stem = _KEY_CHARACTERS.sub("_", Path(table.name).stem).strip("_")[:40] or "table"
    key, number = stem, 2
    while key in taken:
        key, number = f"{stem}_{number}", number + 1
    return key


@dataclass(frozen=True)
class TableChoices:
    """The parameter tables the server offers the policy view, by key.

    The browser chooses among these keys only (a request never names a file): ``none``,
    ``calibrated`` (always offered) and the tables given to ``governance-sim app
    --uncertainty``, keyed by their file's stem (``my_ranges`` for ``data/my_ranges.csv``;
    a second table of the same stem gets ``_2``).

    Attributes:
        entries: ``(key, table)`` in menu order; the table is None for :data:`NO_TABLE`.
    """

    entries: tuple[tuple[str, ParameterTable | None], ...]

    @classmethod
    def offer(cls, given: Sequence[str | Path | ParameterTable] = ()) -> TableChoices:
        """Load and validate the tables to offer: ``none``, ``calibrated``, then ``given``.

        Args:
            given: tables (paths, built-in names or loaded tables); a table given twice
                (same file) is offered once.

        Raises:
            UncertaintyError: a file is missing or not a valid table (the message names it).
        """
        entries: list[tuple[str, ParameterTable | None]] = [(NO_TABLE, None)]
        seen: set[str] = set()
        for source in ("calibrated", *given):
            table = source if isinstance(source, ParameterTable) else load_table(source)
            where = str(Path(table.path).resolve()) + ":" + table.sha256
            if where in seen:
                continue
            seen.add(where)
            entries.append((_table_key(table, {key for key, _t in entries}), table))
        return cls(tuple(entries))

    @classmethod
    def default(cls) -> TableChoices:
        """``none`` and ``calibrated`` (loaded once per process)."""
        return _default_choices()

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys, in menu order."""
        return tuple(key for key, _table in self.entries)

    def table(self, key: str) -> ParameterTable | None:
        """The table offered as ``key`` (None for :data:`NO_TABLE`).

        Raises:
            FieldError: ``key`` is not offered (names the offered keys).
        """
        for known, table in self.entries:
            if isinstance(key, str) and key == known:
                return table
        shown = repr(key) if len(repr(key)) <= 30 else repr(key)[:27] + "..."
        raise FieldError(f"parameter table {shown} is not offered here; choose one of "
                         f"{', '.join(self.keys)}")

    def for_scenario(self, declared: str) -> tuple[str, str]:
        """The key the policy view starts from for a scenario that ships with ``declared``.

        Args:
            declared: the scenario's ``[scenario] uncertainty`` (a built-in table's name,
                :data:`NO_TABLE`, or "" when the file says nothing).

        Returns:
            ``(key, refused)``: the scenario's table when it is offered here (``refused``
            ""), else :data:`NO_TABLE` and the name of the table that is not offered.
        """
        wanted = declared or NO_TABLE
        if wanted in self.keys and (wanted == NO_TABLE or self.table(wanted).name == wanted):
            return wanted, ""
        return NO_TABLE, wanted

    def options(self, lang: str = "en") -> list[dict[str, str]]:
        """The dropdown's options: label in ``lang`` and key."""
        _ = translator(lang, "policy")
        out = []
        for key, table in self.entries:
            if table is None:
                label = _("none: seed variation only")
            elif table.kind == "sets":
                label = _("{name}: {n} plausible parameter sets").format(name=key,
                                                                       n=table.n_rows)
            else:
                label = _("{name}: ranges of {n} parameters").format(name=key,
                                                                    n=len(table.names))
            out.append({"label": label, "value": key})
        return out


@functools.cache
def _default_choices() -> TableChoices:
    return TableChoices.offer()


def read_fixed_seed(value: Any) -> bool:
    """Whether the "one seed for every replicate" box is checked (its checklist's value)."""
    return isinstance(value, list | tuple) and FIXED_SEED in value
