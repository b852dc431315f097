"""The lock of a sweep folder: one sweep at a time writes to a folder.

``OUT/.lock`` is held with an exclusive ``flock`` on an open descriptor. The kernel gives it
to one process only, however many ask at the same moment, and releases it when that
process ends, however it ends (``kill -9`` included): a lock left by a dead sweep is never
taken for a live one, whatever process now has its pid. The holder unlinks the file before
it lets go; a process that got the lock of a file already unlinked (it opened the old file
just before) sees that the path no longer names what it holds and tries again.

The file records its holder (:func:`holder`: host, pid, the process's start time, the
machine's boot id) for the message a second sweep gets, and for the fallback used where
the file system has no ``flock`` (some network file systems): there the lock is the file's
existence (created complete, atomically, with a hard link), and a lock left behind counts
as stale when its host is this machine and its process is gone, or started at another time
than recorded (the pid was reused), or the machine rebooted since (another boot id). In
that fallback a stale lock taken over by three or more sweeps at the same instant may let
two in; with ``flock`` no such window exists.

This module imports nothing of the model or of pandas.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from governance_sim.params import UserInputError
from governance_sim.results import OutputError
from governance_sim.sweep.processes import process_alive, process_started

__all__ = ["LOCK_NAME", "FolderLock", "LockedError", "boot_id", "holder"]

#: The lock file's name inside a sweep folder.
LOCK_NAME = ".lock"

#: ``flock`` errors that mean "this file system has no such locks" (use the fallback).
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
_ATTEMPTS = 20


class LockedError(UserInputError, ValueError):
    """Another sweep holds the folder's lock (or a lock it cannot judge is there)."""


def boot_id() -> str | None:
    """This machine's boot id (Linux), or None where there is none."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None


def holder() -> dict[str, Any]:
    """Who this process is, as the lock file records it."""
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "started": process_started(os.getpid()), "boot": boot_id()}


def _read(text: str) -> dict[str, Any]:
    """The holder recorded in a lock file's text (``{}`` when unreadable)."""
    try:
        owner = json.loads(text)
    except ValueError:
        return {}
    if isinstance(owner, int) and not isinstance(owner, bool):
        owner = {"pid": owner}  # written by an old version: the pid alone
    if not isinstance(owner, dict):
        return {}
    pid = owner.get("pid")
    return {"pid": pid if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0
            else None,
            **{key: owner[key] if isinstance(owner.get(key), str) else None
               for key in ("host", "boot")},
            "started": owner["started"] if isinstance(owner.get("started"), int | float)
            and not isinstance(owner.get("started"), bool) else None}


def _describe(owner: dict[str, Any]) -> str:
    """``process 123 on host h`` (what is known of a holder)."""
    who = f"process {owner['pid']}" if owner.get("pid") else "a process"
    return who + (f" on host {owner['host']}" if owner.get("host") else "")


class FolderLock:
    """The lock of one sweep folder (``folder/.lock``); use :meth:`acquire` and :meth:`release`.

    Args:
        folder: the sweep folder (must exist).
        notify: told, in one line, when a lock left by a sweep that died is taken over.
    """

    def __init__(self, folder: str | os.PathLike[str],
                 notify: Callable[[str], None] | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.notify = notify or (lambda message: None)
        self._fd: int | None = None
        self._held = False

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._held

    def acquire(self) -> None:
        """Take the lock, or refuse at once.

        Raises:
            LockedError: another sweep holds it (the message names it, the lock file and
                when to delete it).
            OutputError: the folder cannot be written.
        """
        if self._held:
            return
        try:
            for _ in range(_ATTEMPTS):
                if self._try_flock():
                    return
        except OSError as error:
            if error.errno not in _NO_FLOCK:
                raise OutputError(f"cannot lock {self.folder}: "
                                  f"{error.strerror or error}") from None
            self._acquire_by_file()
            return
        raise LockedError(f"{self.folder}: could not take the lock {self.path} in "
                          f"{_ATTEMPTS} tries (other sweeps keep taking it); try again")

    def release(self) -> None:
        """Let go of the lock (unlink the file first, then unlock)."""
        if not self._held:
            return
        self._held = False
        with contextlib.suppress(OSError):
            self.path.unlink()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    # --- flock ---------------------------------------------------------------------------
    def _try_flock(self) -> bool:
        """One try: True when held; False to try again (the file was replaced)."""
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read(_text(fd))
            os.close(fd)
            raise self._held_by(owner) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            now = None
        mine = os.fstat(fd)
        if now is None or (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
            os.close(fd)  # its holder unlinked it after we opened it: the lock is elsewhere
            return False
        previous = _read(_text(fd))
        me = holder()
        if previous.get("host") not in (None, me["host"]):
            os.close(fd)  # a sweep on another machine; its lock may not reach us (NFS)
            raise self._held_by(previous, elsewhere=True)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        self._fd, self._held = fd, True
        if previous.get("pid") and previous["pid"] != me["pid"]:
            self.notify(f"{self.folder}: taking over the lock of {_describe(previous)}, "
                        "which ended without releasing it")
        return True

    def _held_by(self, owner: dict[str, Any], elsewhere: bool = False) -> LockedError:
        if elsewhere:
            return LockedError(
                f"{self.folder} is locked by {_describe(owner)} (lock file {self.path}); "
                "this machine cannot see whether that sweep still runs: if it does not, "
                f"delete {self.path} and run again")
        return LockedError(
            f"another sweep ({_describe(owner)}) is writing to {self.folder} (lock file "
            f"{self.path}); wait for it or use another --out. If no sweep runs there, "
            f"delete {self.path}")

    # --- fallback: the file's existence --------------------------------------------------
    def _acquire_by_file(self) -> None:
        """Create the lock file complete and exclusively; take over a stale one."""
        me = holder()
        for _ in range(_ATTEMPTS):
            if _create_exclusive(self.path, json.dumps(me)):
                self._held = True
                return
            try:
                text = _file_text(self.path)
            except FileNotFoundError:
                continue  # released meanwhile
            except OSError as error:
                raise OutputError(f"cannot read {self.path}: "
                                  f"{error.strerror or error}") from None
            owner = _read(text)
            if owner.get("host") not in (None, me["host"]):
                raise self._held_by(owner, elsewhere=True)
            if owner.get("pid") == me["pid"] and owner.get("started") == me["started"]:
                raise LockedError(f"{self.folder}: this process already holds {self.path}")
            if owner and _alive(owner, me):
                raise self._held_by(owner)
            if _remove_if_unchanged(self.path, text):
                self.notify(f"{self.folder}: taking over the lock of {_describe(owner)}, "
                            "which no longer runs")
        raise LockedError(f"{self.folder}: could not take the lock {self.path} in "
                          f"{_ATTEMPTS} tries (other sweeps keep taking it); try again")


def _file_text(path: Path) -> str:
    """A lock file's content, never a UnicodeDecodeError.

    Bytes that are not UTF-8 read as U+FFFD: an unreadable lock, judged like one whose
    holder is unknown.
    """
    return path.read_bytes().decode("utf-8", "replace")


def _text(fd: int) -> str:
    """The content of an open lock file."""
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return ""


def _alive(owner: dict[str, Any], me: dict[str, Any]) -> bool:
    """Whether a lock's holder on this host still runs (same boot, same process)."""
    pid = owner.get("pid")
    if not pid:
        return False
    if owner.get("boot") and me.get("boot") and owner["boot"] != me["boot"]:
        return False  # the machine rebooted since
    if not process_alive(pid):
        return False
    started = owner.get("started")
    now = process_started(pid)
    return started is None or now is None or abs(now - started) < 1e-6


def _create_exclusive(path: Path, text: str) -> bool:
    """Create ``path`` holding ``text`` if it does not exist (atomically); True if created.

    Written to a temporary name and hard-linked into place, so no reader sees it empty;
    where hard links are not allowed, ``O_CREAT | O_EXCL`` and a write.
    """
    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        try:
            os.link(temporary, path)
            return True
        except FileExistsError:
            return False
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
                raise
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        return True
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _remove_if_unchanged(path: Path, text: str) -> bool:
    """Remove a stale lock file if it still holds ``text``; put back a newer one.

    Renamed aside first (atomic), then compared: a lock that another sweep created in the
    meantime is linked back into place.
    """
    aside = path.with_name(f"{path.name}.stale.{uuid.uuid4().hex[:12]}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    try:
        if _file_text(aside) == text:
            return True
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)  # a fresh lock: not ours to remove
        return False
    finally:
        with contextlib.suppress(OSError):
            aside.unlink()
