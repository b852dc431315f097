"""Whether a process is alive, and when it started: for the sweep's lock and its workers.

Kept in a module of its own, importing nothing heavy, so that worker processes can use it
without loading pandas.
"""

from __future__ import annotations

import os

__all__ = ["process_alive", "process_started"]


def process_alive(pid: int) -> bool:
    """True if a process with ``pid`` exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_started(pid: int) -> float | None:
    """When process ``pid`` started, in a unit fixed for this boot; None if unknown.

    Two processes that had the same pid one after the other have different values, so a
    recorded ``(pid, started)`` names one process, never a later one that reused the pid.
    Linux: clock ticks since boot (``/proc/PID/stat``, field 22); elsewhere psutil's
    creation time in seconds.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            text = stream.read().decode("ascii", "replace")
        # the command name (field 2) may hold spaces and parentheses: split after it
        return float(text.rpartition(")")[2].split()[19])
    except (OSError, IndexError, ValueError):
        pass
    try:
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:  # noqa: BLE001 - no psutil, no such process, no permission
        return None
