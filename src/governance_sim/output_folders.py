"""Output folders: governance-sim writes only into folders it made, never over a user's files.

Every command that writes a folder (``run``, ``compare``, ``report``, ``sweep``,
``sensitivity``) first calls :func:`claim_folder`:

* a folder that does not exist is created and marked with :data:`MARKER`;
* an existing empty folder is marked and used;
* an existing folder with the marker was made by governance-sim and is used again (its
  files may be replaced: they are the tool's own);
* any other existing folder is refused before anything is written: it holds files
  governance-sim did not write.

Results are written through temporary files renamed into place
(:func:`governance_sim.results.atomic_write`); a process killed mid-write leaves such a
temporary, which :func:`clean_temporaries` removes at the next run in that folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from governance_sim.results import OutputError, atomic_write

__all__ = ["MARKER", "claim_folder", "clean_temporaries", "is_marked"]

#: File that marks a folder as written by governance-sim.
MARKER = ".governance-sim"

_MARKER_TEXT = ("This folder was written by governance-sim. The tool may replace the files "
                "it wrote here;\nit refuses to write into folders without this file that "
                "hold anything else.\n")

#: Temporaries of :func:`atomic_write` (``.<name>.<8 random characters>``) and of the
#: writability probe.
_TEMPORARY = re.compile(r"^\.(?:.+\.(?:json|parquet|csv|html|js|png|svg|toml)|write-test-)"
                        r"\.?[a-z0-9_]{6,12}$")
_MAX_SHOWN = 3


def is_marked(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` carries governance-sim's marker."""
    return (Path(folder) / MARKER).is_file()


def claim_folder(folder: str | os.PathLike[str] | None, *, option: str = "--out") -> Path:
    """Make ``folder`` an output folder of governance-sim, or refuse without writing.

    Args:
        folder: the folder given by the user.
        option: how the user named it, for messages.

    Returns:
        The folder, existing and marked.

    Raises:
        OutputError: the name is empty, is a file, the folder holds files governance-sim
            did not write, or it cannot be created.
    """
    if folder is None or not str(folder).strip():
        raise OutputError(f"{option} is empty; give the name of a new or empty folder")
    target = Path(folder)
    try:
        target.stat()
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as error:
        raise OutputError(f"cannot use {option} {str(folder)[:80]}: "
                          f"{getattr(error, 'strerror', None) or error}") from None
    if target.exists() and not target.is_dir():
        raise OutputError(f"cannot write results to {target}: it is a file, not a folder; "
                          f"give a new or empty folder with {option}")
    if target.is_dir() and not is_marked(target):
        try:
            found = sorted(entry.name for entry in os.scandir(target))
        except OSError as error:
            raise OutputError(f"cannot read {target}: {error.strerror or error}") from None
        if found:
            shown = ", ".join(found[:_MAX_SHOWN]) + (", ..." if len(found) > _MAX_SHOWN else "")
            raise OutputError(f"{target} already holds files governance-sim did not write "
                              f"({shown}); nothing was written. Give a new or empty folder "
                              f"with {option}")
    if not is_marked(target):
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"cannot create {target}: {error.strerror or error}; give a "
                              f"writable folder with {option}") from None
        atomic_write(target / MARKER,
                     lambda tmp: Path(tmp).write_text(_MARKER_TEXT, encoding="utf-8"))
    return target


def clean_temporaries(folder: str | os.PathLike[str], *, recursive: bool = True) -> list[Path]:
    """Remove temporaries a killed write left in a marked folder (and its subfolders).

    Returns:
        The files removed. Nothing is removed from a folder without the marker.
    """
    root = Path(folder)
    if not is_marked(root):
        return []
    removed = []
    folders = [root]
    while folders:
        current = folders.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    folders.append(Path(entry.path))
            elif _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                except OSError:
                    pass
    return removed
