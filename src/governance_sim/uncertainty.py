"""Parameter uncertainty as an input: a table of plausible parameters, one draw per replicate.

A *parameter table* says what is not known about the model's parameters. Two forms:

* **Sets** (CSV): one row per plausible parameter set, one column per :class:`Params` field,
  as ``governance-sim calibrate`` writes ``posterior.csv`` (its bookkeeping columns
  ``wave``, ``point_id``, ``implausibility``, ``worst`` and ``inside`` are ignored). A
  replicate takes one whole row, so parameters that are only plausible together stay
  together. Every row is equally plausible (history matching's non-implausible samples).
* **Ranges** (CSV with columns ``parameter``, ``low``, ``high`` and optionally
  ``distribution``; or TOML ``[ranges] NAME = { low = .., high = .. }``): each parameter is
  drawn independently, uniformly between its bounds (``uniform`` is the only distribution;
  integer fields draw whole numbers).

``calibrated`` names the table shipped with the package: the 22 non-implausible samples of
the field calibration (``data/parameter_uncertainty.csv`` and ``.md``).

Only model parameters may be uncertain: numeric :class:`Params` fields that are not design
choices (population sizes, the budget, logic, levers, mechanisms and events are what a
scenario sets). Each draw depends only on a seed, through its own named stream
(``SeedSequence(seed, spawn_key=(crc32("parameter_uncertainty"),))``), so it never shifts
the model's own random streams and a replicate rerun alone gets the same draw.

Precedence (documented in the README): defaults < the table's draw < the scenario's own
``[params]`` < ``--set`` (or ``settings=`` from Python). A table describes uncertainty about
the model; what a scenario or the user sets explicitly is a choice and wins.

This module imports only :mod:`governance_sim.params` from the package.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import tomllib
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from governance_sim.params import EVIDENCE_GRADES, Params, UserInputError

__all__ = [
    "BUILTIN_TABLES",
    "IGNORED_COLUMNS",
    "MAX_TABLE_BYTES",
    "STREAM",
    "ParameterTable",
    "UncertaintyError",
    "bands_label",
    "builtin_path",
    "load_table",
    "uncertain_fields",
]

#: Named tables shipped with the package: name -> file in ``governance_sim/data``.
BUILTIN_TABLES: dict[str, str] = {"calibrated": "parameter_uncertainty.csv"}

#: Columns of ``governance-sim calibrate``'s ``posterior.csv`` that are not parameters.
IGNORED_COLUMNS: tuple[str, ...] = ("wave", "point_id", "implausibility", "worst", "inside")

#: Largest table file read (tables are data; a larger file is refused, not read).
MAX_TABLE_BYTES = 20_000_000

#: Name of the random stream parameter draws come from (distinct from the model's streams).
STREAM = "parameter_uncertainty"

_NOT_UNCERTAIN_KINDS = ("logic", "levers", "mechanisms", "events")


class UncertaintyError(UserInputError, ValueError):
    """A parameter table is missing, malformed or invalid; the message says where and why."""


def uncertain_fields() -> dict[str, tuple[float, float, bool]]:
    """The fields a table may hold: name -> (low, high, integer).

    Numeric :class:`Params` fields that are not design choices; bounds are the fields' own
    (``-inf``/``inf`` where a field has none).
    """
    out: dict[str, tuple[float, float, bool]] = {}
    for name, info in Params.model_fields.items():
        if info.annotation not in (int, float) or name in _NOT_UNCERTAIN_KINDS:
            continue
        if EVIDENCE_GRADES.get(name) == "design choice":
            continue
        low, high = -math.inf, math.inf
        for meta in info.metadata:
            low = getattr(meta, "ge", low)
            high = getattr(meta, "le", high)
        out[name] = (float(low), float(high), info.annotation is int)
    return out


def _short(text: Any, limit: int = 40) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _check_name(name: str, where: str, allowed: dict[str, tuple[float, float, bool]]) -> None:
    if name in allowed:
        return
    if name in Params.model_fields:
        raise UncertaintyError(
            f"{where}: {name!r} is a design choice or a setting a scenario makes, not an "
            "uncertain model parameter; set it in the scenario or with --set. A table may "
            f"hold: {', '.join(allowed)}")
    close = difflib.get_close_matches(name, list(allowed), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UncertaintyError(f"{where}: unknown parameter {_short(name)!r}{hint}; a table may "
                           f"hold: {', '.join(allowed)}")


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UncertaintyError(f"{where}: {_short(text)!r} is not a number") from None
    if not math.isfinite(value):
        raise UncertaintyError(f"{where}: must be a finite number, got {_short(text)!r}")
    return value


def _check_value(value: float, name: str, where: str,
                 bounds: tuple[float, float, bool]) -> float | int:
    low, high, integer = bounds
    if not low <= value <= high:
        raise UncertaintyError(f"{where}: {name} = {value:g} is outside its allowed range "
                               f"{low:g} to {high:g}")
    if integer:
        if value != int(value):
            raise UncertaintyError(f"{where}: {name} takes whole numbers, got {value:g}")
        return int(value)
    return value


@dataclass(frozen=True)
class ParameterTable:
    """A validated parameter table.

    Attributes:
        name: ``calibrated`` for the built-in table, else the file's name.
        path: the file read.
        sha256: SHA-256 of the file's bytes.
        kind: ``sets`` (rows of whole parameter sets) or ``ranges`` (independent uniform
            ranges).
        names: the parameters, in file order.
        rows: for ``sets`` the parameter sets (``n_rows x len(names)``); for ``ranges`` one
            ``(low, high)`` pair per parameter.
        integer: per parameter, whether it takes whole numbers.
    """

    name: str
    path: str
    sha256: str
    kind: Literal["sets", "ranges"]
    names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    integer: tuple[bool, ...]

    @property
    def n_rows(self) -> int:
        """Rows of the file: parameter sets, or parameters with a range."""
        return len(self.rows)

    def generator(self, seed: int) -> np.random.Generator:
        """The generator of the draw for ``seed`` (its own stream, see the module docs)."""
        sequence = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(STREAM.encode()),))
        return np.random.Generator(np.random.PCG64(sequence))

    def draw(self, seed: int) -> dict[str, float | int]:
        """One parameter set for the replicate with seed ``seed``; the same seed, the same set.

        Returns:
            Parameter name -> value (int for integer fields, else float).
        """
        rng = self.generator(seed)
        if self.kind == "sets":
            values: list[float] = list(self.rows[int(rng.integers(len(self.rows)))])
        else:
            values = []
            for (low, high), integer in zip(self.rows, self.integer, strict=True):
                if integer:
                    values.append(float(rng.integers(math.ceil(low), math.floor(high) + 1)))
                else:
                    values.append(float(rng.uniform(low, high)))
        return {name: (int(v) if integer else float(v))
                for name, v, integer in zip(self.names, values, self.integer, strict=True)}

    def describe(self) -> dict[str, Any]:
        """What the manifest records of the table: name, path, SHA-256, kind, rows, names."""
        return {"name": self.name, "path": self.path, "sha256": self.sha256,
                "kind": self.kind, "rows": self.n_rows, "parameters": list(self.names),
                "stream": STREAM,
                "precedence": "defaults < table draw < scenario [params] < --set"}


def bands_label(replicates: int, table: ParameterTable | None, *,
                fixed_seed: bool = False) -> str:
    """What the bands across replicates show, in plain words (the manifest's ``bands``).

    Args:
        replicates: runs per scenario.
        table: the parameter table, or None (seeds only).
        fixed_seed: every replicate ran on one seed (only the parameter draws differ).
    """
    if table is None:
        return f"seed variation ({replicates} seed{'s' if replicates != 1 else ''})"
    if fixed_seed:
        return (f"parameter uncertainty ({replicates} draw{'s' if replicates != 1 else ''} "
                f"from {table.name})")
    return (f"seed variation and parameter uncertainty ({replicates} replicates, each its own "
            "seed and parameter draw)")


def builtin_path(name: str) -> Path:
    """The file of a built-in table (inside the package, else the repository's ``data/``)."""
    filename = BUILTIN_TABLES[name]
    packaged = resources.files("governance_sim").joinpath(f"data/{filename}")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data" / filename


def load_table(source: str | Path) -> ParameterTable:
    """Read and validate a parameter table: a built-in name or a ``.csv``/``.toml`` path.

    Raises:
        UncertaintyError: unknown name, missing or unreadable file, not a table, an unknown
            or non-uncertain parameter, a value out of the field's range, an empty table,
            ``low >= high``, an unknown distribution (the message names which).
    """
    text_source = str(source)
    if text_source in BUILTIN_TABLES:
        path, name = builtin_path(text_source), text_source
    else:
        if not text_source.strip() or "\0" in text_source:
            raise UncertaintyError(f"parameter table {_short(text_source)!r}: give "
                                   f"{' or '.join(BUILTIN_TABLES)} or the path of a .csv or "
                                   ".toml file")
        path, name = Path(text_source), Path(text_source).name
    shown = _short(path, 80)
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise UncertaintyError(f"parameter table not found: {shown} (give "
                               f"{' or '.join(BUILTIN_TABLES)} or the path of a .csv or "
                               ".toml file)")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".toml"):
        raise UncertaintyError(f"{shown}: a parameter table is a .csv (parameter sets or "
                               "ranges) or a .toml file ([ranges]), got "
                               f"{_short(suffix or 'no extension')!r}")
    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            raise UncertaintyError(f"{shown}: {size:,} bytes; a parameter table may have at "
                                   f"most {MAX_TABLE_BYTES:,}")
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as error:
        raise UncertaintyError(f"{shown}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UncertaintyError(f"{shown}: not a UTF-8 text file") from None
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".toml":
        kind, names, rows = _read_toml(text, shown)
    else:
        kind, names, rows = _read_csv(text, shown)
    allowed = uncertain_fields()
    return ParameterTable(name=name, path=str(path), sha256=digest, kind=kind,
                          names=tuple(names), rows=tuple(rows),
                          integer=tuple(allowed[n][2] for n in names))


def _read_csv(text: str, shown: str) -> tuple[Literal["sets", "ranges"], list[str],
                                              list[tuple[float, ...]]]:
    try:
        records = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as error:
        raise UncertaintyError(f"{shown}: not a valid CSV file: {error}") from None
    if not records:
        raise UncertaintyError(f"{shown}: empty; a parameter table needs a header row and at "
                               "least one row of values")
    header = [cell.strip() for cell in records[0]]
    if "parameter" in header:
        return "ranges", *_ranges_from_csv(header, records[1:], shown)
    return "sets", *_sets_from_csv(header, records[1:], shown)


def _sets_from_csv(header: list[str], records: list[list[str]],
                   shown: str) -> tuple[list[str], list[tuple[float, ...]]]:
    allowed = uncertain_fields()
    seen: set[str] = set()
    columns: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        if name in seen:
            raise UncertaintyError(f"{shown}: column {_short(name)!r} appears twice")
        seen.add(name)
        if name in IGNORED_COLUMNS:
            continue
        _check_name(name, f"{shown}: column {index + 1}", allowed)
        columns.append((index, name))
    if not columns:
        raise UncertaintyError(f"{shown}: no parameter columns; the header names parameters "
                               "(one column each), e.g. initial_trust_sd,trust_anchoring")
    if not records:
        raise UncertaintyError(f"{shown}: no rows of values; a table of parameter sets needs "
                               "at least one row under its header")
    rows = []
    for line, record in enumerate(records, start=2):
        if len(record) != len(header):
            raise UncertaintyError(f"{shown}: row {line} has {len(record)} cells, the header "
                                   f"has {len(header)}")
        values = []
        for index, name in columns:
            where = f"{shown}: row {line}, column {name}"
            values.append(float(_check_value(_number(record[index].strip(), where), name,
                                             where, allowed[name])))
        rows.append(tuple(values))
    return [name for _, name in columns], rows


def _ranges_from_csv(header: list[str], records: list[list[str]],
                     shown: str) -> tuple[list[str], list[tuple[float, ...]]]:
    expected = {"parameter", "low", "high", "distribution"}
    stray = [c for c in header if c not in expected]
    if stray or not {"low", "high"} <= set(header) or len(set(header)) != len(header):
        raise UncertaintyError(f"{shown}: a table of ranges has the columns parameter, low, "
                               "high and optionally distribution (once each), got "
                               f"{_short(', '.join(header), 120)}")
    position = {name: header.index(name) for name in header}
    entries = {}
    for line, record in enumerate(records, start=2):
        if len(record) != len(header):
            raise UncertaintyError(f"{shown}: row {line} has {len(record)} cells, the header "
                                   f"has {len(header)}")
        entry = {name: record[index].strip() for name, index in position.items()}
        name = entry.pop("parameter")
        if name in entries:
            raise UncertaintyError(f"{shown}: row {line}: {_short(name)!r} is given twice")
        entries[name] = entry
    return _check_ranges(entries, shown)


def _read_toml(text: str, shown: str) -> tuple[Literal["ranges"], list[str],
                                               list[tuple[float, ...]]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UncertaintyError(f"{shown}: not valid TOML: {error}") from None
    except RecursionError:
        raise UncertaintyError(f"{shown}: not valid TOML: nested too deeply") from None
    stray = [key for key in data if key != "ranges"]
    if stray or not isinstance(data.get("ranges"), dict):
        raise UncertaintyError(f"{shown}: a TOML parameter table has one table [ranges] with "
                               "NAME = { low = ..., high = ... } entries (parameter sets go "
                               "in a CSV file)")
    entries = {}
    for name, entry in data["ranges"].items():
        if not isinstance(entry, dict):
            raise UncertaintyError(f"{shown}: [ranges] {_short(name)}: give "
                                   "{ low = ..., high = ... }")
        stray_keys = [k for k in entry if k not in ("low", "high", "distribution")]
        if stray_keys:
            raise UncertaintyError(f"{shown}: [ranges] {_short(name)}: unknown key "
                                   f"{_short(stray_keys[0])!r}; allowed: low, high, "
                                   "distribution")
        entries[name] = {k: v if isinstance(v, str) else repr(v) if isinstance(v, bool)
                         else str(v) for k, v in entry.items()}
    return "ranges", *_check_ranges(entries, shown)


def _check_ranges(entries: dict[str, dict[str, str]],
                  shown: str) -> tuple[list[str], list[tuple[float, ...]]]:
    allowed = uncertain_fields()
    if not entries:
        raise UncertaintyError(f"{shown}: no parameters; a table of ranges needs at least one "
                               "parameter with low and high")
    names, rows = [], []
    for name, entry in entries.items():
        where = f"{shown}: {_short(name)}"
        _check_name(name, where, allowed)
        distribution = entry.get("distribution", "") or "uniform"
        if distribution != "uniform":
            raise UncertaintyError(f"{where}: unknown distribution {_short(distribution)!r}; "
                                   "allowed: uniform")
        if "low" not in entry or "high" not in entry:
            raise UncertaintyError(f"{where}: needs both low and high")
        low = _check_value(_number(entry["low"], f"{where} low"), name, f"{where} low",
                           (*allowed[name][:2], False))
        high = _check_value(_number(entry["high"], f"{where} high"), name, f"{where} high",
                            (*allowed[name][:2], False))
        if not low < high:
            raise UncertaintyError(f"{where}: low ({low:g}) must be below high ({high:g}); a "
                                   "fixed value belongs in the scenario or --set")
        if allowed[name][2] and math.floor(high) < math.ceil(low):
            raise UncertaintyError(f"{where}: {name} takes whole numbers and none lies between "
                                   f"{low:g} and {high:g}")
        names.append(name)
        rows.append((float(low), float(high)))
    return names, rows
