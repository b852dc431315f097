"""Export the app's current settings as a scenario file, and its figures as offline HTML.

The scenario file is the same TOML the command line reads (``governance-sim run FILE.toml``):
a ``[scenario]`` table, ``[params]`` holding every parameter that differs from the defaults,
and the base scenario's ``[[events]]``. Loading it back with
:func:`governance_sim.load_scenario` gives exactly the parameters the app ran (floats are
written with their shortest exact representation). The parameter table the app drew from is
written as ``[scenario] uncertainty`` when it is a built-in one (``calibrated``) or none, so
``governance-sim run`` draws as the app did; a table the app was given as a file is not
written (a scenario file never names a path): the file's header gives the command with
``--uncertainty`` and the table's file name instead (:func:`table_fields`).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import pandas as pd
import tomli_w

from governance_sim.params import Params
from governance_sim.scenarios import NO_TABLE, Scenario, scenario_from_dict
from governance_sim.uncertainty import BUILTIN_TABLES, ParameterTable, load_table

__all__ = ["export_name", "scenario_document", "scenario_toml", "custom_scenario",
           "table_fields", "rerun_command", "report_html", "series_csv", "csv_header"]

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def export_name(base: Scenario) -> str:
    """File-safe name of an exported variant of ``base``: ``<base>_custom``."""
    stem = _SAFE.sub("_", base.name).strip("_") or "scenario"
    return f"{stem}_custom"


def _over_defaults(params: Params) -> dict[str, Any]:
    """Parameters that differ from the defaults (``logic`` always; events apart)."""
    defaults = Params().to_dict()
    data = params.to_dict()
    out: dict[str, Any] = {"logic": data["logic"]}
    for name, value in data.items():
        if name in ("logic", "events"):
            continue
        if name == "levers":
            if value:
                out["levers"] = dict(value)
            continue
        if value != defaults[name]:
            out[name] = value
    return out


def table_fields(table: ParameterTable | None) -> dict[str, str]:
    """How the table the app drew from goes into the exported file (:func:`scenario_toml`).

    Args:
        table: the table chosen in the app (None: none, seed variation only).

    Returns:
        ``{"uncertainty": name}`` for a built-in table or ``{"uncertainty": "none"}``
        (written into ``[scenario]``); for a table read from a file on the server,
        ``{"rerun_table": file name}`` (said in the rerun command, never written as a path).
    """
    if table is None:
        return {"uncertainty": NO_TABLE}
    if table.name in BUILTIN_TABLES:
        return {"uncertainty": table.name}
    return {"rerun_table": table.name}


def rerun_command(file_name: str, rerun_table: str | None = None) -> str:
    """The command that runs an exported file: ``governance-sim run FILE``.

    Args:
        file_name: the exported file's name.
        rerun_table: the file name of a table the app was given (added as
            ``--uncertainty NAME``).
    """
    words = ["governance-sim", "run", file_name]
    if rerun_table:
        words += ["--uncertainty", rerun_table]
    return shlex.join(words)


def scenario_document(base: Scenario, params: Params, steps: int, *,
                      name: str | None = None, uncertainty: str | None = None
                      ) -> dict[str, Any]:
    """The scenario file as a mapping: ``scenario``, ``params`` and ``events`` tables.

    Args:
        base: the scenario the settings started from (its description and sources are
            carried over and the change is stated).
        params: the parameters to save (validated).
        steps: the horizon in months.
        name: scenario name (default: :func:`export_name`).
        uncertainty: the built-in table (``calibrated``) or ``"none"`` to write as
            ``[scenario] uncertainty``; None leaves it out. When the saved parameters set
            every parameter of the table (nothing would be drawn, and ``run`` would refuse
            it) ``"none"`` is written.

    Raises:
        ValueError: ``uncertainty`` is neither a built-in table nor ``"none"`` (a path is
            never written into a scenario).
    """
    if uncertainty is not None and uncertainty != NO_TABLE and uncertainty not in BUILTIN_TABLES:
        raise ValueError(f"uncertainty {uncertainty!r}: a scenario file names a built-in "
                         f"table ({', '.join(BUILTIN_TABLES)}) or {NO_TABLE}")
    over = _over_defaults(params)
    changed = [key for key in over if key not in base.raw.get("params", {})
               or base.raw["params"][key] != over[key]]
    note = (f"Settings exported from the governance-sim app, starting from scenario "
            f"'{base.name}'" + (f"; changed: {', '.join(changed)}." if changed else "."))
    sources = [*base.sources, f"governance-sim app export based on scenario '{base.name}'"]
    document: dict[str, Any] = {
        "scenario": {
            "name": name or export_name(base),
            "description": f"{note} {base.description}".strip(),
            "question": base.question,
            "steps": int(steps),
            "sources": sources,
        },
        "params": over,
    }
    if uncertainty is not None:
        if uncertainty != NO_TABLE and set(load_table(uncertainty).names) <= set(over):
            uncertainty = NO_TABLE
        document["scenario"]["uncertainty"] = uncertainty
    events = params.to_dict()["events"]
    if events:
        document["events"] = events
    return document


def scenario_toml(base: Scenario, params: Params, steps: int, *,
                  name: str | None = None, uncertainty: str | None = None,
                  rerun_table: str | None = None) -> str:
    """The scenario file as TOML text (see :func:`scenario_document`).

    Args:
        base: the scenario the settings started from.
        params: the parameters to save (validated).
        steps: the horizon in months.
        name: scenario name (default: :func:`export_name`).
        uncertainty: ``[scenario] uncertainty`` (see :func:`scenario_document`).
        rerun_table: the file name of a table the app was given; the header's command
            says ``--uncertainty`` with it (see :func:`table_fields`).
    """
    document = scenario_document(base, params, steps, name=name, uncertainty=uncertainty)
    if rerun_table:
        rerun_table = _CONTROL.sub("?", rerun_table)  # a comment stays one line
    command = rerun_command(f"{document['scenario']['name']}.toml", rerun_table)
    header = f"# Exported by `governance-sim app`. Run it with:\n#   {command}\n"
    if rerun_table:
        header += (f"# ({rerun_table}: the parameter table the app was given; a scenario "
                   "file names only the built-in tables)\n")
    return header + tomli_w.dumps(document)


def custom_scenario(base: Scenario, params: Params, steps: int, *,
                    label: str | None = None) -> Scenario:
    """A :class:`Scenario` for the current settings (as the exported file would load)."""
    document = scenario_document(base, params, steps)
    if label:
        document["scenario"]["name"] = label
    return scenario_from_dict(document, origin="app settings")


def report_html(frame: pd.DataFrame, base: Scenario, custom: Scenario, *,
                seed: int, replicates: int, steps: int, baseline_label: str,
                table: ParameterTable | None = None, fixed_seed: bool = False,
                bands: str | None = None) -> str:
    """An offline HTML report (Plotly embedded) of the baseline and the current settings.

    Args:
        frame: long frame with the scenarios ``baseline_label`` and ``custom.name``.
        base: the baseline scenario.
        custom: the current settings as a scenario (see :func:`custom_scenario`).
        seed: seed of replicate 0; replicate r uses seed + r.
        replicates: number of replicates in ``frame``.
        steps: months simulated.
        baseline_label: the name the baseline has in ``frame``.
        table: the parameter table the replicates drew from (None: none).
        fixed_seed: every replicate ran on ``seed`` (only the draws differed).
        bands: what the bands show (:func:`governance_sim.uncertainty.bands_label`); the
            report says it under every banded figure.
    """
    from governance_sim.cli.batch import all_versions, replicate_seeds, scenario_info
    from governance_sim.viz.report import build_report

    base_info = scenario_info(base, steps=steps)
    base_info["name"] = baseline_label
    infos = [base_info, scenario_info(custom, steps=steps)]
    file_name = f"{export_name(base)}.toml"
    words = ["governance-sim", "compare", base.name, file_name, "--steps", str(steps),
             "--seed", str(seed), "--replicates", str(replicates)]
    if table is not None:
        # a built-in table by its name; a file by its name (the path stays on the server)
        words += ["--uncertainty", table.name]
        if fixed_seed:
            words.append("--fixed-seed")
    else:  # said, or compare would draw from the table the scenarios ship with
        words += ["--uncertainty", NO_TABLE]
    command = shlex.join(words)
    draws = replicate_seeds(seed, replicates)
    manifest: dict[str, object] = {
        "seeds": [seed] * replicates if table is not None and fixed_seed else draws,
        "replicates": replicates, "versions": all_versions()}
    if table is not None:
        manifest["uncertainty"] = {**table.describe(), "path": table.name,
                                   "draw_seeds": draws}
    if bands:
        manifest["bands"] = bands
    page, _figures = build_report(
        frame, infos, command=command + f"   # {file_name}: 'Export scenario' in the app",
        manifest=manifest, title=f"governance-sim app: {custom.name} vs {baseline_label}")
    return page


#: Leading columns of :func:`series_csv` with their headers (units in brackets).
_ID_COLUMNS = {"scenario": "scenario", "replicate": "replicate", "seed": "seed",
               "step": "month [step]"}


def csv_header(column: str) -> str:
    """A column's CSV header: its name and unit, e.g. ``trust_mean [0-1]``.

    Metrics take their unit from :data:`governance_sim.metrics.METRICS` (``-`` is written
    as ``index, no unit``); other columns keep their name.
    """
    from governance_sim.metrics import METRICS

    if column in _ID_COLUMNS:
        return _ID_COLUMNS[column]
    units = {metric.name: metric.unit for metric in METRICS}
    if column not in units:
        return column
    unit = units[column]
    if unit == "-":
        unit = "index, no unit"
    elif unit == "budget units":
        unit = "budget units per citizen per month"
    return f"{column} [{unit}]"


def series_csv(frame: pd.DataFrame, *, bands: str | None = None) -> str:
    """The drawn series as CSV text: one row per scenario, replicate and month.

    Args:
        frame: the long frame of the policy view (``scenario``, ``replicate``, ``seed``,
            ``step``, one column per metric and, with a parameter table, ``draw_seed`` and
            one column per table parameter holding the value the run used).
        bands: what the band across replicates shows
            (:func:`governance_sim.uncertainty.bands_label`); written as a last column
            ``bands`` (the same text in every row, like the units in the header: a CSV
            reader needs no comment syntax).

    Returns:
        CSV with a header row whose metric columns carry their unit
        (:func:`csv_header`); floats written with full precision.
    """
    first = [c for c in _ID_COLUMNS if c in frame.columns]
    columns = first + [c for c in frame.columns if c not in _ID_COLUMNS and c != "bands"]
    out = frame[columns].rename(columns={c: csv_header(c) for c in columns})
    if bands:
        out = out.assign(bands=bands)
    return out.to_csv(index=False, float_format="%.10g", lineterminator="\n")
