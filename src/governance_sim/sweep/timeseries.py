"""Recorded time series of a sweep: a tidy long table beside the runs.

A spec's ``[timeseries]`` names metrics recorded every ``every`` months. Each finished run's
values go, as rows ``run_id, month, variable, value``, into part files of
``OUT/timeseries/`` (written under a temporary name and renamed, like the runs' parts, and
always *before* the runs' part that records the same runs as done). So a sweep killed at any
moment and resumed has the series of every recorded run: a run whose series part was
written but whose runs part was not is run again, and :func:`read_timeseries` keeps the
latest record of each ``(run_id, month, variable)`` and only runs recorded as done.

This module imports nothing of the model.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from governance_sim.results import atomic_write
from governance_sim.sweep.spec import OutcomeSpec
from governance_sim.sweep.store import STATUS_OK, read_table

__all__ = ["SERIES_COLUMNS", "TIMESERIES_FOLDER", "read_timeseries", "series_rows",
           "write_series"]

#: Folder of the recorded series inside a sweep folder.
TIMESERIES_FOLDER = "timeseries"

#: Columns of the long table.
SERIES_COLUMNS: tuple[str, ...] = ("run_id", "month", "variable", "value")

_PART = re.compile(r"^part-(\d{6,})\.parquet$")


def series_rows(run_id: int, outcomes: dict[str, Any],
                series: tuple[OutcomeSpec, ...]) -> list[dict[str, Any]]:
    """The long rows of one run: one per recorded metric and month.

    Args:
        run_id: the run.
        outcomes: what the worker returned (a series outcome holds its values at months
            0, every, 2 every, ...).
        series: the spec's recorded series (``SweepSpec.timeseries``).
    """
    rows = []
    for outcome in series:
        values = outcomes.get(outcome.name)
        if not values:
            continue
        rows.extend({"run_id": int(run_id), "month": i * outcome.every,
                     "variable": outcome.metric, "value": float(v)}
                    for i, v in enumerate(values))
    return rows


def _parts(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if _PART.match(p.name)]
    return sorted(found, key=lambda p: int(_PART.match(p.name).group(1)))  # type: ignore


def write_series(out: str | os.PathLike[str], rows: list[dict[str, Any]]) -> Path | None:
    """Write rows as the next part file of ``OUT/timeseries`` (temporary name, renamed)."""
    if not rows:
        return None
    folder = Path(out) / TIMESERIES_FOLDER
    folder.mkdir(exist_ok=True)
    parts = _parts(folder)
    seq = int(_PART.match(parts[-1].name).group(1)) + 1 if parts else 1  # type: ignore
    frame = pd.DataFrame(rows, columns=list(SERIES_COLUMNS)).astype(
        {"run_id": "int64", "month": "int64", "value": "float64"})
    target = folder / f"part-{seq:06d}.parquet"
    return atomic_write(target, lambda tmp: frame.to_parquet(tmp, index=False))


def read_timeseries(out: str | os.PathLike[str]) -> pd.DataFrame:
    """The recorded series of a sweep folder as one long table.

    Returns:
        Columns ``run_id`` (int64), ``month`` (int64), ``variable`` (text), ``value``
        (float64), sorted by run, variable and month; only runs recorded as done, each
        ``(run_id, month, variable)`` once (its latest record). Empty when the sweep
        records no series.
    """
    parts = _parts(Path(out) / TIMESERIES_FOLDER)
    if not parts:
        return pd.DataFrame({"run_id": pd.Series(dtype="int64"),
                             "month": pd.Series(dtype="int64"),
                             "variable": pd.Series(dtype=object),
                             "value": pd.Series(dtype="float64")})
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    frame = frame.drop_duplicates(subset=["run_id", "month", "variable"], keep="last")
    done = read_table(out, columns=["run_id", "status"])
    ok = set(done.loc[done["status"] == STATUS_OK, "run_id"].astype(int))
    frame = frame[frame["run_id"].isin(ok)]
    return frame.sort_values(["run_id", "variable", "month"], kind="stable").reset_index(
        drop=True)
