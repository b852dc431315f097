"""The policy view's state in the page address: encode it, and read it back safely.

A link to the policy view carries the scenario's name and every control whose value differs
from what loading that scenario (and the link's logic mix) sets, e.g.
``?scenario=co_creation&mix=20,30,50&arena_reach=0.3&steps=60&month=48``; the other controls
are the scenario's, so the link restores the whole view. Reading a link is input parsing
like the form's (:func:`governance_sim.app.controls.parse_number`: digits only, nothing is
evaluated, no path is read): unknown names are ignored with a notice, values out of range
are clamped to the range with a notice, values that are not numbers are refused with a
notice (the scenario's value is kept), and an unknown scenario falls back to the default.
The parameter table is named by its key among those the server offers
(``uncertainty=calibrated``; ``fixed_seed=1`` for one seed under every replicate): a key the
server does not offer is refused with a notice (no table), never read as a path. Like the
other controls, the table is written only when it differs from the one the scenario ships
with (``[scenario] uncertainty``, ``calibrated`` for every shipped scenario), so choosing
no table is written ``uncertainty=none``; a link without ``uncertainty=`` (every link made
before scenarios shipped with a table) opens with the scenario's table.
The page's language and view (``lang``, ``mode``: :data:`governance_sim.app.chrome.APP_QUERY_KEYS`)
belong to the page's chrome: they are left to it here, and kept in the address when the
view's state is written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from governance_sim.app.chrome import APP_QUERY_KEYS
from governance_sim.app.controls import (
    NO_TABLE,
    RUN_CONTROLS,
    ControlSpec,
    FieldError,
    lever_specs,
    levers_for,
    logic_from_percents,
    normalise_mix,
    parameter_specs,
    parse_number,
    percents_from_logic,
)
from governance_sim.i18n import translator
from governance_sim.scenarios import Scenario, list_scenarios

__all__ = ["TABS", "MAX_QUERY", "ViewState", "decode_query", "encode_state",
           "differences"]

#: The figure tabs of the policy view (``tab=`` in the link).
TABS: tuple[str, ...] = ("time", "equity", "pv")

#: Longest query read, in characters, and most fields (a longer link is refused).
MAX_QUERY = 8192
_MAX_FIELDS = 400
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_RESERVED = ("scenario", "mix", "month", "tab", "zoom", "uncertainty", "fixed_seed")
#: Table keys every server offers (``governance-sim app --uncertainty`` adds more).
_OFFERED = (NO_TABLE, "calibrated")
#: Largest month of the numeric readout (the horizon's upper bound).
_MONTH_MAX = int(next(s.high for s in RUN_CONTROLS if s.name == "steps"))
#: Replicates and seed when a link does not give them (the form's defaults).
RUN_DEFAULTS = {spec.name: spec.default for spec in RUN_CONTROLS}


@dataclass
class ViewState:
    """What a link says; fields it does not give are None or empty.

    Attributes:
        scenario: scenario name (one of :func:`governance_sim.list_scenarios`).
        percents: logic mix, whole percents (bureaucracy, npm, co_creation) summing to 100.
        levers: lever name -> value (inside its range).
        params: parameter name -> value (inside its range).
        run: ``steps``, ``replicates``, ``seed`` -> value.
        month: month of the numeric readout.
        tab: figure tab (one of :data:`TABS`).
        zoom: y axes fitted to the data instead of starting at 0.
        uncertainty: key of the parameter table (one the server offers); None when the link
            does not say (the view then uses the scenario's table).
        fixed_seed: every replicate on one seed, only the parameter draws differ.
    """

    scenario: str | None = None
    percents: list[int] | None = None
    levers: dict[str, float] = field(default_factory=dict)
    params: dict[str, float | int] = field(default_factory=dict)
    run: dict[str, int] = field(default_factory=dict)
    month: int | None = None
    tab: str | None = None
    zoom: bool | None = None
    uncertainty: str | None = None
    fixed_seed: bool | None = None


def _specs() -> dict[str, tuple[str, ControlSpec]]:
    """Control name -> (kind, spec) for every control a link may set."""
    out: dict[str, tuple[str, ControlSpec]] = {}
    for kind, specs in (("lever", lever_specs()), ("param", parameter_specs()),
                        ("run", list(RUN_CONTROLS))):
        for spec in specs:
            if spec.name in out or spec.name in _RESERVED:
                raise RuntimeError(f"control name {spec.name!r} is used twice")
            out[spec.name] = (kind, spec)
    return out


def _number(value: float | int, integer: bool) -> str:
    """Shortest exact text of a value (``0.1``, ``10000``)."""
    if integer:
        return str(int(value))
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else json.dumps(value)


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def differences(base: Scenario, percents: Sequence[int], values: Mapping[str, Any]
                ) -> dict[str, float | int]:
    """Controls whose parsed value differs from what loading ``base`` with this mix sets.

    Args:
        base: the chosen scenario.
        percents: the logic mix shown (whole percents summing to 100).
        values: control name -> raw value from the page (fields that do not parse are
            left out: a link holds valid values only).

    Returns:
        name -> value, in the order of the controls.
    """
    logic = logic_from_percents(list(percents), base.params.logic)
    reference: dict[str, Any] = {**base.params.to_dict(),
                                 **levers_for(logic, base.params.levers),
                                 **RUN_DEFAULTS, "steps": base.steps}
    out: dict[str, float | int] = {}
    for name, (_kind, spec) in _specs().items():
        if name not in values:
            continue
        try:
            value = parse_number(values[name], spec)
        except FieldError:
            continue
        if not _same(value, reference[name]):
            out[name] = value
    return out


def encode_state(base: Scenario, percents: Sequence[int], values: Mapping[str, Any], *,
                 month: int | None = None, tab: str = "time", zoom: bool = False,
                 uncertainty: str | None = None, fixed_seed: bool = False) -> str:
    """The query string (without ``?``) of a view.

    Args:
        base: the chosen scenario.
        percents: the logic mix shown.
        values: control name -> raw value from the page (levers, parameters, run).
        month: month of the numeric readout (left out when it is the horizon).
        tab: figure tab.
        zoom: whether the y axes are zoomed to the data.
        uncertainty: key of the parameter table; left out when it is the one ``base``
            ships with (``base.uncertainty``, ``none`` when it names none) or None.
        fixed_seed: one seed for every replicate (left out when not).
    """
    items: list[tuple[str, str]] = [("scenario", base.name)]
    if list(percents) != percents_from_logic(base.params.logic):
        items.append(("mix", ",".join(str(int(p)) for p in percents)))
    specs = _specs()
    changed = differences(base, percents, values)
    for name, value in changed.items():
        items.append((name, _number(value, specs[name][1].integer)))
    steps = changed.get("steps", base.steps)
    if month is not None and int(month) != int(steps):
        items.append(("month", str(int(month))))
    if tab != "time" and tab in TABS:
        items.append(("tab", tab))
    if zoom:
        items.append(("zoom", "1"))
    if isinstance(uncertainty, str) and uncertainty and uncertainty != (
            base.uncertainty or NO_TABLE):
        items.append(("uncertainty", uncertainty))
    if fixed_seed:
        items.append(("fixed_seed", "1"))
    return urlencode(items, safe=",")


def _shown(text: str, limit: int = 30) -> str:
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


def _clamped(raw: str, spec: ControlSpec, notices: list[str], lang: str = "en"
             ) -> float | int | None:
    """A link's value for ``spec``: parsed, clamped into the range; None if not a number."""
    _ = translator(lang, "policy")
    try:
        return parse_number(raw, spec)
    except FieldError:
        pass
    text = raw.strip().replace("_", "").replace(" ", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text[:40]):
        notices.append(_("{name}={value} in the link is not a number; kept the scenario's "
                         "value").format(name=spec.name, value=_shown(raw)))
        return None
    number = float(text)  # digits only (checked above); too large gives inf, clamped below
    value = min(max(number, spec.low), spec.high)
    if spec.integer:
        value = float(round(value))
    if spec.low <= number <= spec.high:
        text = _("{name}={value} in the link is not a whole number; set to {new}")
    else:
        text = _("{name}={value} in the link is outside {low} to {high}; set to {new}")
    notices.append(text.format(name=spec.name, value=_shown(raw), low=f"{spec.low:g}",
                               high=f"{spec.high:g}", new=f"{value:g}"))
    return int(value) if spec.integer else value


def decode_query(search: Any, lang: str = "en", tables: Sequence[str] = _OFFERED
                 ) -> tuple[ViewState, list[str]]:
    """Read a link's query string (with or without ``?``) into a :class:`ViewState`.

    Never raises for what a link says: each problem becomes a notice (one line each, in
    ``lang``) and the field is clamped or left to the scenario.

    Args:
        search: the page address's query.
        lang: language of the notices.
        tables: keys of the parameter tables the server offers (``uncertainty=``).

    Returns:
        ``(state, notices)``.
    """
    _ = translator(lang, "policy")
    state = ViewState()
    notices: list[str] = []
    if not isinstance(search, str) or not search.strip("?"):
        return state, notices
    if len(search) > MAX_QUERY:
        return state, [_("the link's settings are longer than {n} characters; ignored "
                         "them").format(n=MAX_QUERY)]
    try:
        pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True,
                          max_num_fields=_MAX_FIELDS, strict_parsing=False)
    except ValueError:
        return state, [_("the link has more than {n} settings; ignored them").format(
            n=_MAX_FIELDS)]
    specs = _specs()
    unknown: list[str] = []
    for key, raw in pairs:
        if key == "scenario":
            if raw in list_scenarios():
                state.scenario = raw
            else:
                notices.append(_("scenario {value} in the link is not one of the list; "
                                 "showing the default scenario").format(value=_shown(raw)))
        elif key == "mix":
            parts = raw.split(",")
            try:
                values = [float(p) for p in parts] if len(parts) == 3 else None
            except ValueError:
                values = None
            if values is None or not all(math.isfinite(v) for v in values):
                notices.append(_("mix={value} in the link is not three percents (like "
                                 "mix=20,30,50); kept the scenario's mix").format(
                    value=_shown(raw)))
                continue
            percents = normalise_mix(values, None)
            if [round(v) for v in values] != percents:
                notices.append(_("mix={value} in the link does not sum to 100 %; set to "
                                 "{new}").format(value=_shown(raw),
                                                 new=",".join(map(str, percents))))
            state.percents = percents
        elif key == "month":
            month_spec = ControlSpec("month", "month", "number", 0, _MONTH_MAX, 1, 0, True,
                                     "steps", "", "run")
            value = _clamped(raw, month_spec, notices, lang)
            if value is not None:
                state.month = int(value)
        elif key == "tab":
            if raw in TABS:
                state.tab = raw
            else:
                notices.append(_("tab={value} in the link is not one of {allowed}; showing "
                                 "the first").format(value=_shown(raw),
                                                     allowed=", ".join(TABS)))
        elif key == "zoom":
            state.zoom = raw in ("1", "true", "yes", "on")
        elif key == "fixed_seed":
            state.fixed_seed = raw in ("1", "true", "yes", "on")
        elif key == "uncertainty":
            if raw in tables:
                state.uncertainty = raw
            else:
                state.uncertainty = NO_TABLE
                notices.append(_("uncertainty={value} in the link is not a parameter table "
                                 "this app offers ({allowed}); showing none").format(
                    value=_shown(raw), allowed=", ".join(tables)))
        elif key in APP_QUERY_KEYS:
            continue  # the chrome's (language, view)
        elif key in specs:
            kind, spec = specs[key]
            value = _clamped(raw, spec, notices, lang)
            if value is not None:
                {"lever": state.levers, "param": state.params, "run": state.run}[kind][
                    key] = value
        elif len(unknown) < 5:
            unknown.append(_shown(key) if _KEY.match(key) else _shown(key, 12))
    if unknown:
        text = (_("the link's unknown settings {names} ignored (settings are the controls' "
                  "names, shown when hovering a label)") if len(unknown) > 1 else
                _("the link's unknown setting {names} ignored (settings are the controls' "
                  "names, shown when hovering a label)"))
        notices.append(text.format(names=", ".join(unknown)))
    return state, notices
