"""The worker side of a sweep: evaluate a chunk of runs, set up a worker process.

:func:`evaluate_chunk` is module-level so it pickles by reference to pool and Dask workers.
:func:`warm_worker` starts a local worker process: one BLAS thread, the model imported, and
death with the sweep, so killing the sweep, even with ``kill -9``, leaves no worker
behind.
"""

from __future__ import annotations

import os
import time
import traceback
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.models import ModelFn, call_model, extract_outcomes
from governance_sim.sweep.processes import process_alive
from governance_sim.sweep.spec import OutcomeSpec

__all__ = ["THREAD_VARIABLES", "die_with", "evaluate_chunk", "warm_worker"]

#: Thread pools of numeric libraries that a worker process limits to one thread.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


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


def die_with(pid: int | None) -> None:
    """End this process as soon as process ``pid`` (the sweep) ends, however it ends.

    A daemon thread waits on a Linux pidfd of the sweep (elsewhere it polls every half
    second) and exits the process when the sweep is gone. Pool workers need this: their
    parent is the forkserver, which itself lives as long as any worker does, so nothing
    else would end them after a ``kill -9`` of the sweep.
    """
    if pid is None or pid == os.getpid():
        return
    import threading

    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)  # the sweep is already gone
    except (AttributeError, OSError):
        handle = None

    def watch() -> None:
        if handle is not None:
            import select

            select.select([handle], [], [])
        else:  # pragma: no cover - no pidfd (not Linux, or an old kernel)
            while process_alive(pid):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="governance-sim sweep watchdog", daemon=True).start()


def warm_worker(sweep_pid: int | None = None) -> None:
    """Start a worker: one BLAS/OpenMP thread, the model imported, death with the sweep.

    Args:
        sweep_pid: the sweep's process; the worker ends when it ends (:func:`die_with`).

    Without the limit each worker's OpenBLAS starts a thread per core; two workers on two
    cores then fight over them and every run got 2.6x slower (measured with
    benchmarks/sweep_speedup.py). Dask's nanny sets the same variables for its workers.
    """
    die_with(sweep_pid)
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")  # for libraries loaded later in this process
    from threadpoolctl import threadpool_limits

    import governance_sim.simulation  # noqa: F401  (the model core, without Mesa)

    threadpool_limits(limits=1)  # for the libraries already loaded
