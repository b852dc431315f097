"""The work behind ``run`` and ``compare``: scenarios on paired seeds, results to files.

Replicate ``r`` of *every* scenario runs on seed ``seed + r`` (common random numbers): the
model draws each random process from its own named stream (:mod:`governance_sim.rng`), so
processes the scenarios share get the same draws and differences between scenarios come
from their logics and events, not from the dice.

Results go to one folder: ``timeseries.parquet`` and ``timeseries.csv`` (long format, all
replicates: ``scenario``, ``replicate``, ``seed``, ``step`` and the metrics),
``report.html`` (``report.nb.html`` in bokmål), optional ``figures/``, and
``manifest.json``. Every file is written to a
temporary name and renamed into place; ``manifest.json`` is removed first and written last,
so a folder without it is incomplete and a folder with it is whole.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import time
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from governance_sim.ensemble import MAX_SEED, apply_settings, replicate_seeds, run_batch
from governance_sim.output_folders import claim_folder, clean_temporaries
from governance_sim.params import (
    LEVER_NAMES,
    LEVER_RANGES,
    MECHANISM_NAMES,
    FieldInfo,
    ParameterError,
)
from governance_sim.provenance import code_revision
from governance_sim.results import OutputError, atomic_write, versions
from governance_sim.scenarios import Scenario
from governance_sim.uncertainty import ParameterTable, bands_label

__all__ = [
    "MANIFEST",
    "MAX_SEED",
    "replicate_seeds",
    "parse_settings",
    "apply_settings",
    "scenario_info",
    "check_writable",
    "run_batch",
    "write_outputs",
    "report_name",
    "previous_results",
    "all_versions",
    "new_manifest",
    "timer",
]

#: Name of the manifest; its presence marks a complete results folder.
MANIFEST = "manifest.json"


def _parse_value(text: str, item: str) -> Any:
    """A ``--set`` value as TOML would read it (number, boolean, string, inline table).

    Raises:
        ParameterError: the value spans lines (a second assignment would be dropped) or is
            nested too deeply to read.
    """
    if any(char in text for char in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ParameterError(f"--set {_cut(item)!r}: one NAME=VALUE per --set, on one line "
                             "(repeat --set for each parameter)")
    try:
        document = tomllib.loads(f"value = {text}")
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise ParameterError(f"--set {_cut(item)!r}: the value is nested too deeply; give a "
                             "number, true/false or a name") from None
    if set(document) != {"value"}:  # never drop a second assignment silently
        raise ParameterError(f"--set {_cut(item)!r}: one NAME=VALUE per --set (repeat --set "
                             "for each parameter)")
    return document["value"]


def _unknown(kind: str, name: str, allowed: Sequence[str]) -> str:
    """``unknown KIND; did you mean X? allowed: ...`` (the hint when a name is close)."""
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"; did you mean {close[0]}?" if close else ";"
    return f"unknown {kind}{hint} allowed: {', '.join(allowed)}"


def parse_settings(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``--set NAME=VALUE`` items (levers and mechanisms one at a time).

    ``levers.NAME=VALUE`` sets one lever; ``mechanisms.NAME=false`` switches a mechanism off
    (``true`` on).

    Raises:
        ParameterError: malformed item, unknown parameter or lever, or a value out of its
            range (the message names the field and the allowed range).
    """
    fields = {info.name: info for info in FieldInfo.of_params()}
    settings: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--set {item!r}: expected NAME=VALUE, e.g. "
                                 "--set initial_trust=0.3 or --set levers.sanctions=0.5")
        value = _parse_value(raw.strip(), item)
        if name.startswith("levers."):
            lever = name.removeprefix("levers.")
            if lever not in LEVER_NAMES:
                raise ParameterError(f"--set {_cut(name)}: "
                                     + _unknown("lever", lever, LEVER_NAMES))
            lo, hi = LEVER_RANGES[lever]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(f"--set {name}={_cut(raw)}: not a number; levers take a "
                                     f"number from {lo:g} to {hi:g}")
            if not _number_in(value, lo, hi):
                raise ParameterError(f"--set {name}={_cut(raw)}: out of range; allowed "
                                     f"{lo:g} to {hi:g}")
            settings.setdefault("levers", {})[lever] = float(value)
            continue
        if name.startswith("mechanisms."):
            mechanism = name.removeprefix("mechanisms.")
            if mechanism not in MECHANISM_NAMES:
                raise ParameterError(f"--set {_cut(name)}: "
                                     + _unknown("mechanism", mechanism, MECHANISM_NAMES))
            if not isinstance(value, bool):
                raise ParameterError(f"--set {name}={_cut(raw)}: a mechanism is switched "
                                     "with true or false")
            settings.setdefault("mechanisms", {})[mechanism] = value
            continue
        if name not in fields:
            raise ParameterError(f"--set {_cut(name)}: "
                                 + _unknown("parameter", name, list(fields)))
        if name in ("events", "levers", "mechanisms"):
            raise ParameterError(f"--set {name}: set events in a scenario file, levers and "
                                 "mechanisms one at a time (--set levers.NAME=VALUE, "
                                 "--set mechanisms.NAME=false)")
        info = fields[name]
        numeric = info.low is not None or info.high is not None
        if numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ParameterError(f"--set {name}={_cut(raw)}: not a number; {name} takes a "
                                 f"number ({info.unit})")
        if info.low is not None or info.high is not None:
            lo = -math.inf if info.low is None else info.low
            hi = math.inf if info.high is None else info.high
            if not _number_in(value, lo, hi):
                raise ParameterError(f"--set {name}={_cut(raw)}: out of range; allowed {lo:g} to "
                                     f"{hi:g} ({info.unit})")
        settings[name] = value
    return settings


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _number_in(value: Any, lo: float, hi: float) -> bool:
    """True for a finite number in [lo, hi]; an integer of any size is compared exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return lo <= value <= hi


def _file_sha256(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scenario_info(scenario: Scenario, settings: dict[str, Any] | None = None,
                  steps: int | None = None) -> dict[str, Any]:
    """A plain, JSON-friendly description of a scenario for the manifest and the report.

    ``label``, ``description`` and ``question`` are the scenario's English texts;
    ``translations`` maps a language code to the texts the scenario file gives in it
    (``{"nb": {"label": ..., "description": ..., "question": ...}}``, only those given).
    """
    over = dict(scenario.raw.get("params", {}))
    for name, value in (settings or {}).items():
        over[name] = ({**over.get(name, {}), **value} if name in ("levers", "mechanisms")
                      else value)
    params = scenario.params.to_dict()
    return {
        "name": scenario.name,
        "label": scenario.label or scenario.name,
        "uncertainty": scenario.uncertainty or "none",  # the table the scenario ships with
        "baseline": scenario.baseline or None,
        "description": scenario.description,
        "question": scenario.question,
        "translations": {lang: text.given() for lang, text in scenario.translations.items()},
        "steps": int(scenario.steps if steps is None else steps),
        "sources": list(scenario.sources),
        "path": str(scenario.path) if scenario.path else None,
        "file_sha256": _file_sha256(scenario.path),
        "params_over_defaults": over,
        "events": [dict(event) for event in scenario.raw.get("events", [])]
        or params["events"],
        "params": params,
    }


def check_writable(folder: str | os.PathLike[str]) -> Path:
    """Claim ``folder`` for results before any work, and clean a killed write's temporaries.

    A new or empty folder is created and marked; a folder governance-sim made is reused;
    any other folder is refused (see :mod:`governance_sim.output_folders`).

    Raises:
        OutputError: the name is empty or a file, the folder holds files governance-sim did
            not write, or it cannot be created or written.
    """
    target = claim_folder(folder)
    clean_temporaries(target)
    return target


def all_versions() -> dict[str, str]:
    """Versions recorded in the manifest: the model's and those of the output libraries."""
    from importlib.metadata import PackageNotFoundError, version

    out = versions()
    for package in ("plotly", "pyarrow", "kaleido"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def _write_parquet(frame: pd.DataFrame, manifest: dict[str, Any], path: Path) -> None:
    def write(temporary: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        metadata = dict(table.schema.metadata or {})
        metadata[b"governance_sim.manifest"] = json.dumps(manifest).encode()
        pq.write_table(table.replace_schema_metadata(metadata), temporary)

    atomic_write(path, write)


def _describe_file(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def report_name(lang: str) -> str:
    """The report's file name in ``lang``: ``report.html`` in English, else ``report.nb.html``.

    Reports in different languages live side by side in one folder; none replaces another.
    """
    return "report.html" if lang == "en" else f"report.{lang}.html"


def previous_results(folder: Path) -> str | None:
    """One phrase naming the results ``folder`` holds (from its manifest), or None."""
    try:
        old = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(old, dict):
        return None
    names = [str(info.get("name")) for info in old.get("scenarios") or ()
             if isinstance(info, dict)]
    what = f"{old.get('kind', 'results')} of {', '.join(names) or 'unknown scenarios'}"
    created = old.get("created")
    return _cut(f"{what}{f', made {created}' if isinstance(created, str) else ''}", 160)


def write_outputs(folder: Path, frame: pd.DataFrame, manifest: dict[str, Any], *,
                  report: bool = True, images: bool = False,
                  echo: Callable[[str], None] = print,
                  lang: str | None = None) -> dict[str, Any]:
    """Write the results folder; return the manifest as written.

    Order: remove an old ``manifest.json`` (so the folder reads as incomplete while it is
    rewritten), write the time series, the report and the images, each atomically, then
    write the manifest with each file's size and SHA-256. Rebuilding from the folder's own
    results (``manifest`` has ``files``: ``report``) keeps the reports in other languages
    listed; new results remove the reports of the old ones.

    Args:
        folder: output folder (see :func:`check_writable`).
        frame: the long time-series frame from :func:`run_batch`.
        manifest: command, seeds, scenarios, versions (completed here with ``files``).
        report: write the report (:func:`report_name`: ``report.html`` in English,
            ``report.nb.html`` in bokmål).
        images: also write ``figures/*.png`` and ``*.svg`` (needs Chromium; a one-line
            message through ``echo`` where it cannot).
        echo: where to print the images message.
        lang: the report's language (default: ``manifest["lang"]``, else English).
    """
    lang = lang or str(manifest.get("lang") or "en")
    page_name = report_name(lang)
    rebuild = isinstance(manifest.get("files"), dict)  # `report`: the folder's own results
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    earlier = _reports_listed(manifest_path, page_name if report else "")
    try:
        manifest_path.unlink(missing_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write {manifest_path}: {error.strerror or error}") from None
    files: list[Path] = []
    payload = {k: v for k, v in manifest.items() if k != "files"}
    _write_parquet(frame, payload, folder / "timeseries.parquet")
    files.append(folder / "timeseries.parquet")
    atomic_write(folder / "timeseries.csv", lambda tmp: frame.to_csv(tmp, index=False))
    files.append(folder / "timeseries.csv")
    if report or images:
        from governance_sim.viz.report import (
            ImagesUnavailable,
            build_report,
            export_images,
        )

        page, figures = build_report(frame, manifest["scenarios"], command=manifest["command"],
                                     manifest=payload, lang=lang)
        if report:
            atomic_write(folder / page_name,
                         lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
            files.append(folder / page_name)
        if images:
            try:
                files.extend(export_images(figures, folder / "figures"))
            except ImagesUnavailable as reason:
                echo(str(reason))
    for kept in earlier:  # another report: of these same results (kept), or stale (removed)
        if rebuild:
            files.append(kept)
        else:
            kept.unlink(missing_ok=True)
    done = dict(payload)
    done["files"] = {str(p.relative_to(folder)): _describe_file(p) for p in files}
    atomic_write(manifest_path, lambda tmp: Path(tmp).write_text(
        json.dumps(done, indent=2, sort_keys=False, default=str), encoding="utf-8"))
    _shareable([*files, manifest_path])
    return done


def _reports_listed(manifest_path: Path, but: str) -> list[Path]:
    """The reports (other than ``but``) the manifest at ``manifest_path`` lists and exist."""
    try:
        listed = json.loads(manifest_path.read_text(encoding="utf-8")).get("files") or {}
    except (OSError, ValueError, AttributeError, RecursionError):
        return []
    return [manifest_path.parent / name for name in sorted(listed)
            if isinstance(name, str) and name != but
            and re.fullmatch(r"report(\.[a-z]{2,3})?\.html", name)
            and (manifest_path.parent / name).is_file()]


def _shareable(paths: Sequence[Path]) -> None:
    """Give written files the usual permissions (temporary files are created 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in paths:
        try:
            path.chmod(0o666 & ~umask)
        except OSError:
            pass


def new_manifest(kind: str, command: str, infos: list[dict[str, Any]], seeds: list[int],
                 seed: int, settings: dict[str, Any], wall_time: float, *,
                 uncertainty: ParameterTable | None = None, fixed_seed: bool = False,
                 fixed: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The manifest of a ``run`` or ``compare`` (without ``files``, added when written).

    ``bands`` says in plain words what the spread across replicates shows (seed variation,
    parameter uncertainty or both; the report prints it under every banded figure);
    ``uncertainty`` records the parameter table (path, SHA-256, rows, parameters, and per
    scenario the table's parameters it fixes itself), or None.

    Besides what was run (command, seeds, scenarios, settings) it records what ran it:
    library versions, ``code`` (package version and git commit with a ``dirty`` flag, see
    :func:`governance_sim.provenance.code_revision`) and ``backend`` (``native`` or
    ``numpy``).
    """
    columns = {"scenario": "scenario name", "replicate": "0-based replicate",
               "seed": "the run's seed", "step": "month, 0 = initial state"}
    seeding = "replicate r of every scenario uses seed + r (common random numbers)"
    table = None
    if uncertainty is not None:
        table = {**uncertainty.describe(), "fixed_by_scenario": dict(fixed or {})}
        seeding = (("every replicate runs on seed; replicate r draws its parameters with "
                    "seed + r, the same draw for every scenario") if fixed_seed else
                   (seeding + "; replicate r draws its parameters with seed + r, the same "
                    "draw for every scenario"))
        for name in uncertainty.names:
            columns[name] = f"the value the run used (drawn from {uncertainty.name})"
    return {
        "kind": kind,
        "command": command,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": seed,
        "replicates": len(seeds),
        "seeds": seeds,
        "seeding": seeding,
        "bands": bands_label(len(seeds), uncertainty, fixed_seed=fixed_seed),
        "uncertainty": table,
        "steps": {info["name"]: info["steps"] for info in infos},
        "settings": settings,
        "scenarios": infos,
        "columns": columns,
        "versions": all_versions(),
        "code": code_revision(),
        "backend": _backend(),
        "wall_time_seconds": round(wall_time, 3),
    }


def _backend() -> str:
    """The step backend the runs used: ``native`` (compiled C kernels) or ``numpy``.

    The runs chose it the same way (``GOVERNANCE_SIM_BACKEND``, default ``auto``).
    """
    from governance_sim import native

    try:
        return native.backend()
    except native.BackendError as error:  # the runs would have failed first; say why
        return f"unavailable: {error}"


def timer() -> float:
    """Monotonic clock, for the manifest's wall time."""
    return time.perf_counter()
