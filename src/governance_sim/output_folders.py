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
temporary, which :func:`clean_temporaries` removes at the next run in that folder. A
temporary is named ``.<name>.<random>.<pid>`` + :data:`TEMPORARY_SUFFIX` (the process
that made it is recorded in its name): only names of that form are removed, and only
when that process is gone, so no file of a user's, whatever its name, is ever removed.

Commands that write one file rather than a folder (``validate --out FILE``) call
:func:`claim_file` first and :func:`record_file` after: an existing file is replaced only
when a record beside it (``.<name>.governance-sim``) says governance-sim wrote it and its
content is still what governance-sim wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from governance_sim.results import TEMPORARY_SUFFIX, OutputError, atomic_write

__all__ = ["MARKER", "TEMPORARY_SUFFIX", "claim_file", "claim_folder", "clean_temporaries",
           "is_marked", "record_file"]

#: File that marks a folder as written by governance-sim.
MARKER = ".governance-sim"

_MARKER_TEXT = ("This folder was written by governance-sim. The tool may replace the files "
                "it wrote here;\nit refuses to write into folders without this file that "
                "hold anything else.\n")

#: Temporaries of :func:`atomic_write`: ``.<name>.<random>.<pid>`` + TEMPORARY_SUFFIX.
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{6,12}\.(?P<pid>[0-9]{1,10})"
                        + re.escape(TEMPORARY_SUFFIX) + "$")
#: The record beside a single file written by governance-sim: ``.<name>`` + this.
_FILE_RECORD = ".governance-sim"
_MAX_SHOWN = 3


def _is_marker_temporary(name: str) -> bool:
    """Whether ``name`` is the temporary of a marker being written (:func:`atomic_write`).

    Seen when two processes claim one new folder at the same moment: the second finds the
    first one's marker not yet renamed into place. Not a user's file: it is ignored when
    judging the folder (and not deleted here).
    """
    return name.startswith(f".{MARKER}.") and _TEMPORARY.match(name) is not None


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
        try:  # another process claiming this folder right now: its marker, or the
            # marker's temporary, may appear after the check above
            found = sorted(entry.name for entry in os.scandir(target)
                           if entry.name != MARKER and not _is_marker_temporary(entry.name))
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


def _alive(pid: int) -> bool:
    """True when process ``pid`` exists (then its temporaries may still be being written)."""
    if pid == os.getpid():
        return False  # this process is not writing while it cleans
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists (another user's) or cannot tell: keep the file
    return True


def clean_temporaries(folder: str | os.PathLike[str], *, recursive: bool = True) -> list[Path]:
    """Remove temporaries a killed write left in a marked folder (and its subfolders).

    Only files named as :func:`governance_sim.results.atomic_write` names its temporaries
    (``.<name>.<random>.<pid>`` + :data:`TEMPORARY_SUFFIX`) whose process is gone are
    removed; a user's file, hidden or not, never has that form.

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
            elif ((found := _TEMPORARY.match(entry.name))
                  and not _alive(int(found.group("pid")))
                  and entry.is_file(follow_symlinks=False)):
                try:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                except OSError:
                    pass
    return removed


def _record_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{_FILE_RECORD}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ours(path: Path) -> bool:
    """True when the record beside ``path`` says governance-sim wrote it as it is now."""
    try:
        record = json.loads(_record_path(path).read_text(encoding="utf-8"))
        return isinstance(record, dict) and record.get("sha256") == _sha256(path)
    except (OSError, ValueError, RecursionError):
        return False


def claim_file(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """Check, before any work, that ``path`` may be written: new, or governance-sim's own.

    A file that does not exist may be written (its folder is created). An existing file is
    replaced only when governance-sim wrote it (:func:`record_file`) and nobody changed it
    since; any other file, folder or unusable name is refused without writing anything.

    Returns:
        ``path`` as a Path.

    Raises:
        OutputError: naming the path and what to do instead.
    """
    if path is None or not str(path).strip():
        raise OutputError(f"{option} is empty; give the name of a new file")
    target = Path(path)
    try:
        exists = target.exists()
        is_dir = target.is_dir()
    except (OSError, ValueError) as error:
        raise OutputError(f"cannot use {option} {str(path)[:80]}: "
                          f"{getattr(error, 'strerror', None) or error}") from None
    if is_dir:
        raise OutputError(f"{option} {target}: a folder; give a file name, e.g. "
                          f"{target / 'report.html'}")
    if exists and not _ours(target):
        raise OutputError(f"{option} {target}: the file exists and governance-sim did not "
                          "write it (or it was changed since); nothing was written. Give a "
                          "new file name, or remove the file first")
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{option} {target}: cannot write there (creating {folder}: "
                          f"{error.strerror or error})") from None
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{option} {target}: cannot write to {folder}")
    return target


def record_file(path: str | os.PathLike[str]) -> Path:
    """Record beside ``path`` that governance-sim wrote it as it is now (its SHA-256).

    Returns:
        The record's path (``.<name>.governance-sim`` in the same folder).
    """
    target = Path(path)
    record = _record_path(target)
    text = json.dumps({"written_by": "governance-sim", "file": target.name,
                       "sha256": _sha256(target)}) + "\n"
    atomic_write(record, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return record
