"""Named scenarios: TOML files of parameters over the defaults, events and sources.

A scenario file has a ``[scenario]`` table (``name``, ``description``, ``question``,
``steps``, ``sources``; optional ``label``, the plain name reports show, and ``baseline``,
the scenario its effect is measured against), a ``[params]`` table of parameters over the
defaults, and ``[[events]]`` entries. :func:`load_scenario` finds a file by name in the
scenarios folder or by path, validates it through :class:`governance_sim.Params` and reports
any mistake with the file and the field.

The scenario's own ``label``, ``description`` and ``question`` are English. Translations are
data in the same file, one table per language of the interface other than English
(:data:`TRANSLATION_LANGUAGES`, from :data:`governance_sim.i18n.LANGUAGES`)::

    [scenario.translations.nb]
    label = "Klassisk byråkrati"
    description = "..."
    question = "..."

Each key is optional text (:data:`TEXT_KEYS`); an unknown language or key, a value that is
not text or an empty text is a :class:`ScenarioError` naming what is allowed.

``[scenario] uncertainty = "calibrated"`` ships the scenario with a parameter table (a
built-in one, or ``"none"``; never a path): unless the user chooses another table, each
replicate of ``run``, ``compare`` and :func:`governance_sim.run_many` draws its model
parameters from it (:func:`governance_sim.ensemble.scenario_table`).
:meth:`Scenario.text` gives the texts in a language, falling back to English field by field;
:attr:`Scenario.translations` holds what the file gives, as an immutable mapping.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance_sim.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, check_language
from governance_sim.params import FieldInfo, ParameterError, Params, UserInputError
from governance_sim.uncertainty import BUILTIN_TABLES

__all__ = ["Scenario", "ScenarioError", "ScenarioText", "Translations", "TEXT_KEYS", "NO_TABLE",
           "TRANSLATION_LANGUAGES", "scenario_dir", "list_scenarios", "load_scenario",
           "read_toml", "scenario_from_dict", "check_numbers", "late_events",
           "late_events_message"]

_SCENARIO_KEYS = {"name", "description", "question", "steps", "sources", "replicates",
                  "label", "baseline", "translations", "uncertainty"}
#: What ``[scenario] uncertainty`` may name: a parameter table shipped with the package, or
#: ``"none"`` (seed variation only). Never a path: a scenario file reads no other file.
NO_TABLE = "none"
#: The texts of a scenario a translation may give, in the order they are shown.
TEXT_KEYS: tuple[str, ...] = ("label", "description", "question")
#: Languages a scenario file may translate into: the interface's, except English (the
#: language of the file's own texts).
TRANSLATION_LANGUAGES: tuple[str, ...] = tuple(c for c in LANGUAGES if c != DEFAULT_LANGUAGE)
_TOP_KEYS = {"scenario", "params", "events"}


class ScenarioError(UserInputError, ValueError):
    """A scenario could not be found or read; the message says which and why."""


@dataclass(frozen=True)
class ScenarioText:
    """What a scenario is called and is about, in one language.

    In :attr:`Scenario.translations` an empty field means "not translated"; from
    :meth:`Scenario.text` every field is filled (the English text where there is no
    translation).
    """

    label: str = ""
    description: str = ""
    question: str = ""

    def given(self) -> dict[str, str]:
        """The non-empty fields, as ``{key: text}`` (for the manifest)."""
        return {key: getattr(self, key) for key in TEXT_KEYS if getattr(self, key)}


class Translations(Mapping[str, ScenarioText]):
    """An immutable, hashable and picklable mapping ``language code -> ScenarioText``."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, ScenarioText] | None = None) -> None:
        self._items: tuple[tuple[str, ScenarioText], ...] = tuple(sorted((items or {}).items()))

    def __getitem__(self, lang: str) -> ScenarioText:
        for code, text in self._items:
            if code == lang:
                return text
        raise KeyError(lang)

    def __iter__(self) -> Iterator[str]:
        return (code for code, _text in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __repr__(self) -> str:
        return f"Translations({dict(self._items)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Translations, (dict(self._items),))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its parameters and what it is about.

    ``label``, ``description`` and ``question`` are the file's English texts;
    ``translations`` maps a language code (one of :data:`TRANSLATION_LANGUAGES`) to the
    texts the file gives in that language (see :meth:`text`). ``uncertainty`` names the
    parameter table the scenario ships with (a built-in table such as ``"calibrated"``, or
    :data:`NO_TABLE`; empty when the file says nothing): ``run``, ``compare`` and
    :func:`governance_sim.run_many` draw each replicate's parameters from it unless told
    otherwise.
    """

    name: str
    params: Params
    description: str = ""
    question: str = ""
    steps: int = 120
    sources: tuple[str, ...] = ()
    path: Path | None = None
    label: str = ""
    baseline: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    translations: Translations = field(default_factory=Translations)
    uncertainty: str = ""

    def text(self, lang: str = DEFAULT_LANGUAGE) -> ScenarioText:
        """The scenario's label, description and question in ``lang``.

        Each field is the translation the file gives for ``lang``, else the English text;
        the label falls back to the English ``label``, else the scenario's ``name``.

        Args:
            lang: a language of the interface (``"en"``, ``"nb"``; a region suffix such as
                ``nb_NO`` is ignored).

        Raises:
            LanguageError: ``lang`` is not a language of the interface.
        """
        english = ScenarioText(self.label or self.name, self.description, self.question)
        given = self.translations.get(check_language(lang))
        if given is None:
            return english
        return ScenarioText(*(getattr(given, key) or getattr(english, key)
                              for key in TEXT_KEYS))


def scenario_dir() -> Path:
    """The folder of shipped scenarios.

    ``GOVERNANCE_SIM_SCENARIOS`` if set; else the copy installed inside the package; else the
    repository's top-level ``scenarios/`` folder (editable installs).
    """
    override = os.environ.get("GOVERNANCE_SIM_SCENARIOS")
    if override:
        return Path(override)
    packaged = Path(__file__).parent / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "scenarios"


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios, sorted."""
    folder = scenario_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def _resolve(name_or_path: str | os.PathLike[str]) -> Path:
    text = str(name_or_path)
    if not text.strip() or "\0" in text:
        raise ScenarioError(f"scenario name {text!r}: give a name from 'governance-sim list' "
                            "or the path of a .toml file")
    shown = text if len(text) <= 80 else text[:77] + "..."
    candidate = Path(text)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        if not _is_file(candidate):
            raise ScenarioError(f"scenario file not found: {shown}")
        return candidate
    path = scenario_dir() / f"{text}.toml"
    if _is_file(path):
        return path
    text = shown
    names = list_scenarios()
    close = difflib.get_close_matches(text, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise ScenarioError(
        f"unknown scenario {text!r}{hint} Available: {', '.join(names) or '(none)'}"
    )


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for names the system refuses (too long, not encodable)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def check_numbers(values: dict[str, Any], origin: str) -> None:
    """Refuse text or true/false for a numeric parameter (never coerce what a file says).

    Raises:
        ScenarioError: naming the parameter, its unit and what was given.
    """
    fields = {info.name: info for info in FieldInfo.of_params()}
    for key, value in values.items():
        info = fields.get(key)
        if info is None or info.kind not in ("int", "float"):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{origin}: params.{key} must be a number ({info.unit}), got "
                                f"{_shown(value)}")


def _shown(text: object) -> str:
    """``repr(text)`` in at most 40 characters (also for a value too deep or big to print)."""
    try:
        shown = repr(text)
    except (ValueError, RecursionError):
        shown = f"<{type(text).__name__}>"
    return shown if len(shown) <= 40 else shown[:37] + "..."


def late_events(params: Params, steps: int) -> list[str]:
    """Events that a run of ``steps`` months never reaches, each described in one phrase.

    An event at month ``step`` fires when the run reaches it; with ``step > steps`` it never
    does. The run is still valid (a longer run would reach it), so callers warn, once.

    Args:
        params: the run's parameters.
        steps: the months the run will have.

    Returns:
        e.g. ``["trust_shock at month 50"]``; empty when every event is reached.
    """
    return [f"{event.kind} at month {event.step}" for event in params.events
            if event.step > steps]


def late_events_message(name: str, params: Params, steps: int) -> str | None:
    """The warning for :func:`late_events` (None when there is none to give)."""
    late = late_events(params, steps)
    if not late:
        return None
    return (f"{name}: {'; '.join(late)} never fires: the run has {steps} months (give more "
            "steps, or move the event)")


def _baseline_names(path: Path | None) -> list[str]:
    """The names ``scenario.baseline`` may give: shipped scenarios and files beside ``path``."""
    names = set(list_scenarios())
    if path is not None:
        try:
            names.update(p.stem for p in path.parent.glob("*.toml"))
        except OSError:
            pass
    return sorted(names)


def _translations(meta: Mapping[str, Any], origin: str) -> Translations:
    """Validate ``[scenario.translations.<lang>]`` tables into :class:`Translations`."""
    table = meta.get("translations", {})
    allowed = ", ".join(f"{c} ({LANGUAGE_NAMES[c]})" for c in TRANSLATION_LANGUAGES)
    keys = ", ".join(TEXT_KEYS)
    if not isinstance(table, dict):
        raise ScenarioError(f"{origin}: scenario.translations must be a table of languages "
                            f"([scenario.translations.nb] with {keys}), got "
                            f"{type(table).__name__}")
    out: dict[str, ScenarioText] = {}
    for code, texts in table.items():
        if code not in TRANSLATION_LANGUAGES:
            why = (" (English is the scenario's own label, description and question)"
                   if code == DEFAULT_LANGUAGE else "")
            raise ScenarioError(f"{origin}: unknown language scenario.translations."
                                f"{_shown(code)[1:-1]}{why}; allowed: {allowed}")
        where = f"scenario.translations.{code}"
        if not isinstance(texts, dict):
            raise ScenarioError(f"{origin}: {where} must be a table with {keys} (each "
                                f"optional text), got {type(texts).__name__}")
        for key, value in texts.items():
            if key not in TEXT_KEYS:
                raise ScenarioError(f"{origin}: unknown key {where}.{_shown(key)[1:-1]}; "
                                    f"allowed: {keys}")
            if not isinstance(value, str):
                raise ScenarioError(f"{origin}: {where}.{key} must be text, got "
                                    f"{type(value).__name__}")
            if not value.strip():
                raise ScenarioError(f"{origin}: {where}.{key} is empty; give the text or "
                                    "leave the key out to show the English text")
        out[code] = ScenarioText(**{key: texts[key].strip() for key in texts})
    return Translations(out)


def scenario_from_dict(data: dict[str, Any], *, origin: str = "scenario",
                       path: Path | None = None) -> Scenario:
    """Validate a scenario given as a mapping (as read from TOML)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: a scenario must be a table, got {type(data).__name__}")
    if not data:
        raise ScenarioError(f"{origin}: the scenario is empty; give a [scenario] table (name, "
                            "description, steps), [params] over the defaults and [[events]] "
                            "(see the files in 'governance-sim list')")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScenarioError(f"{origin}: unknown table {sorted(unknown)[0]!r}; allowed: "
                            f"{', '.join(sorted(_TOP_KEYS))}")
    meta = data.get("scenario", {})
    if not isinstance(meta, dict):
        raise ScenarioError(f"{origin}: [scenario] must be a table")
    unknown = set(meta) - _SCENARIO_KEYS
    if unknown:
        raise ScenarioError(f"{origin}: unknown key scenario.{sorted(unknown)[0]}; allowed: "
                            f"{', '.join(sorted(_SCENARIO_KEYS))}")
    values = data.get("params", {})
    if not isinstance(values, dict):
        raise ScenarioError(f"{origin}: params must be a table ([params] with one key per "
                            f"parameter), got {type(values).__name__}")
    if "events" in values:  # it would be replaced by the [[events]] tables: never drop it
        raise ScenarioError(f"{origin}: params.events: events are not parameters; write each "
                            "as an [[events]] table after [params] (kind, step, ...), not as "
                            "events = [...] under [params]")
    misplaced = sorted(set(values) & (_SCENARIO_KEYS - set(Params.model_fields)))
    if misplaced:
        raise ScenarioError(f"{origin}: params.{misplaced[0]}: not a parameter; it belongs "
                            f"in the [scenario] table ({misplaced[0]} = ...)")
    events = data.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ScenarioError(f"{origin}: events must be tables ([[events]] with kind, step, "
                            "...)")
    values = dict(values)
    check_numbers(values, origin)
    values["events"] = list(events)
    try:
        params = Params.from_dict(values)
    except ParameterError as error:
        raise ScenarioError(f"{origin}: {error}") from None
    steps = meta.get("steps", 120)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 100_000:
        raise ScenarioError(f"{origin}: scenario.steps must be an integer 1-100000, "
                            f"got {steps!r}")
    sources = meta.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ScenarioError(f"{origin}: scenario.sources must be text or a list of text, "
                            f"got {type(sources).__name__}")
    for key in ("name", "description", "question", "label", "baseline", "uncertainty"):
        if key in meta and not isinstance(meta[key], str):
            raise ScenarioError(f"{origin}: scenario.{key} must be text, got "
                                f"{type(meta[key]).__name__}")
    baseline = str(meta.get("baseline", ""))
    if "baseline" in meta:
        allowed = _baseline_names(path)
        if baseline not in allowed:
            close = difflib.get_close_matches(baseline, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ";"
            raise ScenarioError(f"{origin}: scenario.baseline {_shown(baseline)} is not a "
                                f"scenario{hint} allowed: {', '.join(allowed) or '(none)'} "
                                "(a shipped scenario, or a .toml file beside this one)")
    uncertainty = str(meta.get("uncertainty", ""))
    tables = (*BUILTIN_TABLES, NO_TABLE)
    if "uncertainty" in meta and uncertainty not in tables:
        raise ScenarioError(f"{origin}: scenario.uncertainty {_shown(uncertainty)} is not a "
                            f"parameter table shipped with governance-sim; allowed: "
                            f"{', '.join(tables)} (a table of your own is given on the "
                            "command line: --uncertainty FILE)")
    translations = _translations(meta, origin)
    return Scenario(
        name=str(meta.get("name", path.stem if path else "scenario")),
        params=params,
        description=str(meta.get("description", "")),
        question=str(meta.get("question", "")),
        steps=steps,
        sources=tuple(str(s) for s in sources),
        path=path,
        raw=data,
        label=str(meta.get("label", "")),
        baseline=baseline,
        uncertainty=uncertainty,
        translations=translations,
    )


def read_toml(path: Path, error: type[UserInputError]) -> dict[str, Any]:
    """Read a TOML file, reporting a malformed or unreadable file as ``error``.

    The message names the file and, for malformed TOML, the line and column.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML: {problem}") from None
    except RecursionError:
        raise error(f"{path}: not valid TOML for governance-sim: arrays or tables nested too "
                    "deeply") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot read: {problem}") from None


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario by name (from :func:`scenario_dir`) or by file path.

    Raises:
        ScenarioError: unknown name (the closest is suggested), malformed TOML (with line
            and column), or invalid parameters (naming the field and what is allowed).
    """
    path = _resolve(name_or_path)
    data = read_toml(path, ScenarioError)
    return scenario_from_dict(data, origin=str(path), path=path)
