"""The results of a sweep on disk: a Parquet dataset written as runs finish, and a manifest.

Layout of a sweep folder::

    OUT/manifest.json        spec, its fingerprint, root and replicate seeds, design,
                             parameters, outcomes, versions
    OUT/design.parquet       the design points (raw sample and applied values)
    OUT/runs/part-000001.parquet, part-000002.parquet, ...
                             finished runs: inputs, outcomes, status, error

Each part file is written under a hidden temporary name in ``runs/`` and renamed into
place, so a sweep killed at any moment leaves only whole part files (and perhaps a stale
temporary, removed on the next start). A run recorded twice (a failed run retried) counts
by its latest record. ``pandas.read_parquet(OUT / "runs")`` also reads the dataset; use
:func:`read_table` to get one row per run.

This module imports nothing of the model, so analysis code can use it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from governance_sim.output_folders import claim_folder, clean_temporaries
from governance_sim.params import UserInputError
from governance_sim.results import OutputError, atomic_write
from governance_sim.sweep.lock import FolderLock

__all__ = ["FINGERPRINT_KEY", "ResultsError", "SweepStore", "part_fingerprint", "read_manifest",
           "read_table", "STATUS_OK",
           "STATUS_FAILED", "META_COLUMNS"]

STATUS_OK = "ok"
STATUS_FAILED = "failed"

#: Columns every results table has besides parameters and outcomes.
META_COLUMNS: tuple[str, ...] = ("run_id", "point_id", "replicate", "seed", "status", "error",
                                 "elapsed_s")

_PART = re.compile(r"^part-(\d{6,})\.parquet$")

#: Key of a part file's Parquet metadata that holds the fingerprint of its sweep's spec.
FINGERPRINT_KEY = "governance_sim.fingerprint"


class ResultsError(UserInputError, ValueError):
    """A sweep folder is missing, incomplete or belongs to another spec."""


def read_manifest(out: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``OUT/manifest.json``.

    Raises:
        ResultsError: the folder holds no sweep manifest or it is not valid JSON.
    """
    path = Path(out) / "manifest.json"
    try:
        found = path.is_file()
    except (OSError, ValueError):  # a name the system refuses (too long, NUL)
        found = False
    if not found:
        shown = str(out) if len(str(out)) <= 80 else str(out)[:77] + "..."
        raise ResultsError(f"{shown}: not a sweep results folder (no manifest.json)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ResultsError(f"{path}: cannot read the manifest: {error}") from None


def _parts(out: Path) -> list[Path]:
    folder = out / "runs"
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _PART.match(p.name))]
    return [p for _, p in sorted(found)]


def read_table(out: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """One row per recorded run, sorted by ``run_id`` (the latest record of each run).

    Columns: ``run_id, point_id, replicate, seed``, the varied parameters, the outcomes,
    ``status`` (``ok``/``failed``), ``error`` (None when ok) and ``elapsed_s`` (wall time of
    the run; the only column that differs between two executions of the same sweep).
    """
    target = Path(out)
    frames = [_read_part(p, columns) for p in _parts(target)]
    manifest = read_manifest(target) if (target / "manifest.json").is_file() else {}
    order = manifest.get("columns")
    if not frames:
        return pd.DataFrame(columns=columns or order or list(META_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table = table.drop_duplicates("run_id", keep="last").sort_values("run_id")
    table = table.reset_index(drop=True)
    if order and columns is None:
        table = table[[c for c in order if c in table.columns]]
    if "error" in table.columns:
        table["error"] = table["error"].astype(object).where(table["error"].notna(), None)
    return table


def part_fingerprint(path: Path) -> str | None:
    """The spec fingerprint a part file carries (None: unmarked or unreadable)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # noqa: BLE001 - pyarrow raises many kinds for a bad file
        return None
    value = metadata.get(FINGERPRINT_KEY.encode())
    return value.decode("utf-8", "replace") if value is not None else None


def _read_part(path: Path, columns: list[str] | None) -> pd.DataFrame:
    """One part file; a damaged one is named in a :class:`ResultsError`."""
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception as error:  # noqa: BLE001 - pyarrow raises many kinds for a bad file
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise ResultsError(f"{path}: not a readable part file ({reason}); move it out of "
                           "runs/ and run the sweep again to redo its runs") from None


class SweepStore:
    """Writes one sweep's folder; finds what is already done for a resume.

    Args:
        out: the sweep folder (created if missing; an existing folder must be one
            governance-sim made, see :mod:`governance_sim.output_folders`).
        notify: where to say that a stale lock was taken over (default: standard error).
    """

    def __init__(self, out: str | os.PathLike[str],
                 notify: Callable[[str], None] | None = None) -> None:
        self.out = Path(out)
        self.notify = notify or (lambda message: print(message, file=sys.stderr))
        self.runs = self.out / "runs"
        self._lock: FolderLock | None = None
        self._seq = 0
        self._fingerprint: str | None = None

    # --- set-up ------------------------------------------------------------------------
    def open(self, manifest: dict[str, Any], design: pd.DataFrame) -> bool:
        """Take the folder's lock, check or write the manifest and design.

        Returns:
            True when the folder already held this sweep (a resume).

        Raises:
            ResultsError: the folder holds a different sweep.
            LockedError: another live sweep writes to it
                (:class:`~governance_sim.sweep.lock.LockedError`).
            OutputError: the folder cannot be written.
        """
        claim_folder(self.out)
        self._take_lock()
        try:
            self.runs.mkdir(exist_ok=True)
        except OSError as error:
            self.close()
            raise OutputError(f"cannot write {self.out}: {error.strerror or error}") from None
        clean_temporaries(self.out)
        path = self.out / "manifest.json"
        resumed = path.is_file()
        if resumed:
            old = read_manifest(self.out)
            if old.get("fingerprint") != manifest["fingerprint"]:
                self.close()
                raise ResultsError(
                    f"{self.out} holds results of a different spec (fingerprint "
                    f"{str(old.get('fingerprint'))[:12]} vs {manifest['fingerprint'][:12]}); "
                    "give a new --out folder or remove the old one")
        else:
            self._check_orphans(manifest["fingerprint"])
            atomic_write(self.out / "design.parquet",
                         lambda tmp: design.to_parquet(tmp, index=True))
            atomic_write(path, lambda tmp: Path(tmp).write_text(
                json.dumps(manifest, indent=2, sort_keys=True, default=str)))
        parts = _parts(self.out)
        self._seq = int(_PART.match(parts[-1].name).group(1)) if parts else 0  # type: ignore
        self._fingerprint = str(manifest["fingerprint"])
        return resumed

    def _check_orphans(self, fingerprint: str) -> None:
        """Refuse part files without a manifest unless each is marked with this spec.

        Every part file records the fingerprint of the spec whose runs it holds
        (:data:`FINGERPRINT_KEY` in its Parquet metadata); runs left without their
        manifest are taken up only when all their part files carry ``fingerprint``.
        """
        parts = _parts(self.out)
        if not parts:
            return
        strangers = [p for p in parts if part_fingerprint(p) != fingerprint]
        if strangers:
            self.close()
            files = f"{len(parts)} part file" + ("s" if len(parts) != 1 else "")
            which = ("it does not carry" if len(parts) == 1
                     else "none of them carries" if len(strangers) == len(parts)
                     else f"{len(strangers)} of them do not carry")
            raise ResultsError(
                f"{self.out}: runs/ holds {files} but there is no manifest.json, and {which} "
                "this spec's fingerprint, so the runs may be another sweep's; "
                f"nothing was written. Give a new --out folder, or move {self.runs} away to "
                "start this sweep afresh")
        self.notify(f"{self.out}: manifest.json was missing; every part file in runs/ "
                    "carries this spec's fingerprint, so their runs are kept")

    def _take_lock(self) -> None:
        """Take ``OUT/.lock`` (:class:`~governance_sim.sweep.lock.FolderLock`), or refuse."""
        lock = FolderLock(self.out, notify=self.notify)
        lock.acquire()
        self._lock = lock

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- resume and append --------------------------------------------------------------
    def recorded(self) -> pd.DataFrame:
        """``run_id`` and ``status`` of every run recorded so far (latest record each)."""
        if not _parts(self.out):
            return pd.DataFrame({"run_id": pd.Series(dtype="int64"),
                                 "status": pd.Series(dtype=object)})
        return read_table(self.out, columns=["run_id", "status"])

    # --- runs in flight (a sweep that dies mid-run leaves their ids) ---------------------
    @property
    def _journal(self) -> Path:
        return self.out / ".running"

    def write_journal(self, run_ids: set[int]) -> None:
        """Record the runs handed to the executor and not finished yet."""
        atomic_write(self._journal, lambda tmp: Path(tmp).write_text(
            json.dumps(sorted(run_ids))))

    def read_journal(self) -> set[int]:
        """Runs that were in flight when the last sweep in this folder died."""
        try:
            found = json.loads(self._journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        if not isinstance(found, list):
            return set()
        return {int(i) for i in found if isinstance(i, int) and not isinstance(i, bool)}

    def clear_journal(self) -> None:
        """Forget the runs in flight (the sweep ended or stopped in an orderly way)."""
        self._journal.unlink(missing_ok=True)

    def append(self, rows: list[dict[str, Any]], columns: list[str]) -> Path | None:
        """Write finished runs as the next part file (temporary name, then rename)."""
        if not rows:
            return None
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._seq += 1
        table = pa.Table.from_pandas(pd.DataFrame(rows, columns=columns), preserve_index=False)
        if self._fingerprint is not None:  # whose runs these are, for a lost manifest
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   FINGERPRINT_KEY: self._fingerprint})
        target = self.runs / f"part-{self._seq:06d}.parquet"
        return atomic_write(target, lambda tmp: pq.write_table(table, tmp))
