"""How big a sweep may be: runs in the design, worker processes. Checked before any work.

A design of a million runs once spent 90 s and 550 MB (the design table and a task per
run) before the first run was written; :func:`check_size` refuses a design above
``max_runs`` (:data:`DEFAULT_MAX_RUNS`) from the spec alone, before anything is built, and
says how much memory it would take. Worker processes beyond the runs to do, or beyond
:data:`WORKERS_PER_CORE` per core, only take memory: :func:`cap_workers` holds them there
and says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from governance_sim.sweep.spec import SpecError, SweepSpec

__all__ = ["BYTES_PER_RUN", "DEFAULT_MAX_RUNS", "WORKERS_PER_CORE", "cap_workers",
           "check_size", "default_workers"]

#: Most runs a sweep may have unless the caller raises the limit (``--max-runs``,
#: ``max_runs=``): about 110 MB of design and tasks before the first run.
DEFAULT_MAX_RUNS = 200_000

#: Memory a run takes before it runs (its design row, its task, its bookkeeping),
#: measured at 1 000 000 runs of two parameters: 530 MB.
BYTES_PER_RUN = 560

#: Most local worker processes per core: the model is computation, so more processes
#: than cores only share them (a few more keep cores busy while others start or write).
WORKERS_PER_CORE = 4


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def check_size(spec: SweepSpec, max_runs: int | None = None) -> int:
    """Refuse a design above ``max_runs`` runs, before it is built; return its runs.

    Raises:
        SpecError: too many runs; the message gives the count, the memory it would take
            and how to raise the limit.
    """
    limit = DEFAULT_MAX_RUNS if max_runs is None else max_runs
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise SpecError(f"--max-runs must be a whole number of at least 1, got {limit!r}")
    runs = spec.n_runs  # counted from the spec, nothing built
    if runs > limit:
        megabytes = runs * BYTES_PER_RUN / 1e6
        raise SpecError(
            f"{spec.source}: the design has {runs:,} runs (about {megabytes:,.0f} MB before "
            f"the first run), more than the limit of {limit:,}; use fewer samples, levels, "
            f"draws or replicates, or raise the limit with --max-runs {runs} (Python: "
            f"max_runs={runs})")
    return runs


def cap_workers(workers: int | None, runs: int | None,
                notify: Callable[[str], None] | None = None) -> int:
    """Worker processes to start: no more than runs, nor :data:`WORKERS_PER_CORE` per core.

    Args:
        workers: what the caller asked for (None: every core).
        runs: runs to do (None: unknown).
        notify: told in one line when an explicit ``workers`` is lowered.
    """
    cores = default_workers()
    count = workers or cores
    reasons = []
    if count > WORKERS_PER_CORE * cores:
        count = WORKERS_PER_CORE * cores
        reasons.append(f"at most {WORKERS_PER_CORE} per core, and this process may use "
                       f"{cores} core{'s' if cores != 1 else ''}")
    if runs is not None and 0 < runs < count:
        count = runs
        reasons.append(f"the sweep has {runs} run{'s' if runs != 1 else ''} to do")
    if workers is not None and count < workers and notify is not None:
        notify(f"--workers {workers}: starting {count} worker process"
               f"{'es' if count != 1 else ''} ({'; '.join(reasons)})")
    return count
