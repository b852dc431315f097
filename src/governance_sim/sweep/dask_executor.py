"""Runs a sweep's chunks on a Dask cluster (a LocalCluster or a running scheduler).

Two failure modes are handled here rather than left to hang or abort the sweep:

* When a chunk's worker dies until Dask gives up on it (``KilledWorker``; a local cluster
  allows one retry per task), the cluster is drained and each of its runs is sent alone, so
  the death is pinned on the run that causes it (a worker also holds queued runs). A run
  that kills its worker alone is returned as failed with its run id; the sweep goes on.
* When no worker is left for ``worker_timeout`` seconds, the sweep stops with
  :class:`NoWorkers` (finished runs are kept on disk) instead of waiting for ever.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.executors import Executor
from governance_sim.sweep.models import ModelFn
from governance_sim.sweep.spec import OutcomeSpec, SpecError
from governance_sim.sweep.worker import evaluate_chunk

__all__ = ["DaskExecutor", "NoWorkers"]

#: How often a task may kill a worker on a local cluster before Dask gives up on it (one
#: retry, as for the process pool).
_ALLOWED_FAILURES = 1
_POLL_SECONDS = 1.0


class NoWorkers(RuntimeError):
    """The Dask cluster had no worker for longer than the sweep's ``worker_timeout``."""


class DaskExecutor(Executor):
    """Runs chunks on a Dask cluster.

    Args:
        scheduler: ``"local"`` starts a ``LocalCluster(n_workers=2, threads_per_worker=1)``
            (or ``workers`` workers) for this sweep; any other value is the address of a
            running scheduler (``tcp://host:8786``).
        workers: worker count of a local cluster.
        worker_timeout: seconds to wait with no worker before :class:`NoWorkers`.
    """

    def __init__(self, scheduler: str, workers: int | None = None, *,
                 worker_timeout: float = 60.0) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as error:  # pragma: no cover - dependency declared
            raise SpecError(f"--scheduler needs dask[distributed]: {error}") from None
        self.worker_timeout = float(worker_timeout)
        self._cluster = None
        if scheduler == "local":
            with dask.config.set({"distributed.scheduler.allowed-failures": _ALLOWED_FAILURES}):
                self._cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
            self._client = Client(self._cluster)
            self.label = f"Dask LocalCluster ({workers or 2} workers)"
        else:
            try:
                self._client = Client(scheduler, timeout="5s")
            except (OSError, TimeoutError, ValueError) as error:
                raise SpecError(f"--scheduler: cannot reach the Dask scheduler at "
                                f"{scheduler!r}: {error}") from None
            self.label = f"Dask scheduler {scheduler}"
        threads = sum(w.get("nthreads", 1) for w in self._workers().values())
        self.workers = max(1, threads)

    def _workers(self) -> dict[str, Any]:
        return self._client.scheduler_info().get("workers", {})

    def map(self, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            chunks: Iterable[list[Task]]) -> Iterator[list[dict[str, Any]]]:
        """Yield each chunk's results as the cluster finishes it.

        Raises:
            NoWorkers: no worker for ``worker_timeout`` seconds.
        """
        from distributed import wait
        from distributed.scheduler import KilledWorker

        pending = iter(chunks)
        limit = max(4, 4 * self.workers)
        live: dict[Any, tuple[list[Task], bool]] = {}  # future -> (chunk, runs alone)
        suspects: list[Task] = []  # runs in flight on a worker that died

        def submit(chunk: list[Task], alone: bool) -> None:
            future = self._client.submit(evaluate_chunk, model, outcomes, chunk, pure=False)
            live[future] = (chunk, alone)

        try:
            alone_since: float | None = None
            while True:
                # after a worker died, drain the cluster and run each suspect alone, so a
                # death is pinned on the run that causes it (a worker may hold queued runs)
                while not suspects and len(live) < limit:
                    chunk = next(pending, None)
                    if chunk is None:
                        break
                    submit(chunk, alone=False)
                if suspects and not live:
                    submit([suspects.pop(0)], alone=True)
                if not live:
                    return
                try:
                    done = wait(list(live), timeout=_POLL_SECONDS,
                                return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                if not done:
                    alone_since = self._check_workers(alone_since)
                    continue
                alone_since = None
                for future in done:
                    chunk, alone = live.pop(future)
                    try:
                        result = future.result()
                    except KilledWorker:
                        if not alone:
                            suspects.extend(chunk)
                            continue
                        result = [_died(chunk[0])]
                    finally:
                        future.release()
                    yield result
        finally:
            if live:
                self._client.cancel(list(live))

    def _check_workers(self, alone_since: float | None) -> float | None:
        """Track how long the cluster has had no worker; raise past the timeout."""
        if self._workers():
            return None
        now = time.monotonic()
        if alone_since is None:
            return now
        if now - alone_since > self.worker_timeout:
            raise NoWorkers(f"no Dask worker for {self.worker_timeout:g} s "
                            "(--worker-timeout); start workers and run the same command "
                            "to resume")
        return alone_since

    def close(self, force: bool = False) -> None:
        """Disconnect, and stop a local cluster this executor started."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _died(task: Task) -> dict[str, Any]:
    return {"run_id": task.run_id, "status": "failed",
            "error": f"WorkerDied: run {task.run_id} killed its Dask worker every time it "
                     "was tried (KilledWorker)",
            "outcomes": {}, "elapsed_s": 0.0}
