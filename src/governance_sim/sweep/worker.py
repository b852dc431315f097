"""The worker side of a sweep: evaluate a chunk of runs, set up a worker process.

:func:`evaluate_chunk` is module-level so it pickles by reference to pool and Dask workers.
:func:`warm_worker` starts a local worker process: one BLAS thread, the model imported, and
(on Linux) death with its parent, so killing the sweep, even with ``kill -9``, leaves no
worker behind.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.models import ModelFn, call_model, extract_outcomes
from governance_sim.sweep.spec import OutcomeSpec

__all__ = ["THREAD_VARIABLES", "die_with_parent", "evaluate_chunk", "warm_worker"]

#: Thread pools of numeric libraries that a worker process limits to one thread.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_PR_SET_PDEATHSIG = 1


def evaluate_chunk(model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
                   chunk: list[Task]) -> list[dict[str, Any]]:
    """Run every task of a chunk; a run that raises is returned as failed, not raised.

    Returns:
        One dict per task: ``run_id``, ``status`` (``ok``/``failed``), ``error`` (None or
        ``"ExceptionType: message"``), ``outcomes`` (name -> float; empty when failed) and
        ``elapsed_s``.
    """
    results = []
    for task in chunk:
        start = time.perf_counter()
        try:
            value = call_model(model, dict(task.params), task.seed)
            found = extract_outcomes(value, outcomes)
            status, error = "ok", None
        except Exception as exc:  # noqa: BLE001 - a failing run is data, not a crash
            found = {}
            status = "failed"
            where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            place = f" [{os.path.basename(where.filename)}:{where.lineno}]" if where else ""
            error = f"{type(exc).__name__}: {exc}{place}"
        results.append({"run_id": task.run_id, "status": status, "error": error,
                        "outcomes": found, "elapsed_s": time.perf_counter() - start})
    return results


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (``PR_SET_PDEATHSIG``).

    A pool worker's parent is the forkserver (or the sweep itself under ``spawn``/``fork``);
    the forkserver exits when the sweep dies, so the workers follow. Elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: nothing to do
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def warm_worker() -> None:
    """Start a pool worker: one BLAS/OpenMP thread, the model imported, death with its parent.

    Without the limit each worker's OpenBLAS starts a thread per core; two workers on two
    cores then fight over them and every run got 2.6x slower (measured with
    benchmarks/sweep_speedup.py). Dask's nanny sets the same variables for its workers.
    """
    die_with_parent()
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")  # for libraries loaded later in this process
    from threadpoolctl import threadpool_limits

    import governance_sim.simulation  # noqa: F401  (the model core, without Mesa)

    threadpool_limits(limits=1)  # for the libraries already loaded
