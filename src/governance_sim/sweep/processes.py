"""Whether a process is alive: shared by the sweep's lock (store) and its workers' watchdog.

Kept in a module of its own, importing nothing heavy, so that worker processes can use it
without loading pandas.
"""

from __future__ import annotations

import os

__all__ = ["process_alive"]


def process_alive(pid: int) -> bool:
    """True if a process with ``pid`` exists (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
