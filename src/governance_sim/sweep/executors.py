"""Where runs execute, behind one interface: serial, a local process pool, Dask.

An executor takes chunks of tasks and yields each chunk's results as it finishes (in any
order). The worker side is :func:`evaluate_chunk`, a module-level function so it pickles by
reference. The process pool starts its workers once (``forkserver`` context where the
platform has it, else ``spawn``: no state leaks from the parent) and reuses them for every
chunk; at most ``2 x workers`` chunks are in flight, so a stopped sweep leaves little work
queued. A worker that dies takes no sweep down with it: the runs it may have been running
are retried alone (:mod:`governance_sim.sweep.isolation`), and workers die with the sweep
(:func:`governance_sim.sweep.worker.die_with`).
"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.isolation import isolate
from governance_sim.sweep.models import ModelFn
from governance_sim.sweep.spec import OutcomeSpec, SpecError
from governance_sim.sweep.worker import evaluate_chunk, warm_worker

__all__ = ["START_METHODS", "DaskExecutor", "Executor", "PoolExecutor", "SerialExecutor",
           "default_workers", "evaluate_chunk", "make_executor"]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Executor(ABC):
    """Runs chunks of tasks; use as a context manager.

    Attributes:
        workers: how many runs execute at once.
        label: a short description for messages.
    """

    workers: int = 1
    label: str = "serial"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, force: bool = False) -> None:  # noqa: B027 - nothing to release here
        """Release workers and connections (the serial executor holds none).

        Args:
            force: stop workers at once, abandoning runs in flight (the sweep was stopped).
        """

    @abstractmethod
    def map(self, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            chunks: Iterable[list[Task]]) -> Iterator[list[dict[str, Any]]]:
        """Yield the results of each chunk as it finishes."""


class SerialExecutor(Executor):
    """Runs every chunk in this process, one after the other."""

    def map(self, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            chunks: Iterable[list[Task]]) -> Iterator[list[dict[str, Any]]]:
        """Yield the results of each chunk in order."""
        for chunk in chunks:
            yield evaluate_chunk(model, outcomes, chunk)


#: How pool workers may start: ``forkserver`` (a fresh server process imports the model
#: core once and forks each worker from it: no state of this process leaks, and workers do
#: not each pay the ~0.5 s import), ``spawn`` (each worker a fresh interpreter that imports
#: the model core; safe anywhere) or ``fork`` (a copy of this process, instant, but this
#: process has library threads (OpenBLAS, pyarrow's jemalloc), and forking a multi-threaded
#: process can deadlock the child; Python 3.12 warns about it).
START_METHODS: tuple[str, ...] = ("forkserver", "spawn", "fork")


def _default_start_method() -> str:
    import multiprocessing

    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


#: ``forkserver`` where the platform has it (Linux, macOS), else ``spawn`` (Windows).
DEFAULT_START_METHOD: str = _default_start_method()


class PoolExecutor(Executor):
    """A pool of worker processes started once and reused for every chunk.

    Args:
        workers: number of processes (default: every core this process may use).
        start_method: one of :data:`START_METHODS`.
    """

    def __init__(self, workers: int | None = None,
                 start_method: str = DEFAULT_START_METHOD) -> None:
        import multiprocessing

        if start_method not in START_METHODS:
            raise SpecError(f"--start-method: unknown {start_method!r}; allowed: "
                            f"{', '.join(START_METHODS)}")
        context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            context.set_forkserver_preload(["governance_sim.simulation"])
        self._context = context
        self.workers = workers or default_workers()
        self.label = f"{self.workers} local worker processes"
        if start_method != DEFAULT_START_METHOD:
            self.label += f" ({start_method})"
        self._pool = self._start()

    def _start(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=warm_worker, initargs=(os.getpid(),))
        # start every worker now, so their start-up overlaps the caller's own set-up
        for _ in range(self.workers):
            pool.submit(os.getpid)
        return pool

    def map(self, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            chunks: Iterable[list[Task]]) -> Iterator[list[dict[str, Any]]]:
        """Yield each chunk's results as it finishes, keeping the pool busy.

        When a worker process dies, the pool is replaced and every run that was in flight
        runs again alone in a fresh process (:func:`~governance_sim.sweep.isolation.isolate`):
        the run that kills its process twice is yielded as failed, the sweep goes on.
        """
        import pickle
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        try:
            pickle.dumps(model)
        except Exception as error:  # noqa: BLE001 - any pickling failure means the same
            raise SpecError(f"the model {model!r} cannot be sent to worker processes "
                            f"({error}); use a module-level function, or --workers 1") from None
        pending = iter(chunks)
        running: dict[Any, list[Task]] = {}
        try:
            while True:
                while len(running) < 2 * self.workers:
                    chunk = next(pending, None)
                    if chunk is None:
                        break
                    try:
                        future = self._pool.submit(evaluate_chunk, model, outcomes, chunk)
                    except BrokenProcessPool:
                        future = None
                    if future is None:
                        running[self._broken_future()] = chunk
                        break
                    running[future] = chunk
                if not running:
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                suspects: list[Task] = []
                for future in finished:
                    chunk = running.pop(future)
                    try:
                        results = future.result()
                    except BrokenProcessPool:
                        suspects.extend(chunk)
                        continue
                    yield results
                if suspects:
                    for chunk in running.values():
                        suspects.extend(chunk)
                    running.clear()
                    self._replace_pool()
                    yield from isolate(self._context, model, outcomes,
                                       sorted(suspects, key=lambda t: t.run_id))
        finally:
            for future in running:
                future.cancel()

    @staticmethod
    def _broken_future() -> Any:
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future: Future = Future()
        future.set_exception(BrokenProcessPool("the pool broke"))
        return future

    def _replace_pool(self) -> None:
        """Drop a broken pool (killing what is left of it) and start a new one."""
        self._kill_workers()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def _kill_workers(self) -> None:
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, AttributeError, ValueError):
                pass

    def close(self, force: bool = False) -> None:
        """Stop the worker processes (at once with ``force``)."""
        if force:
            self._kill_workers()
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Runs chunks on a Dask cluster.

    Args:
        scheduler: ``"local"`` starts a ``LocalCluster(n_workers=2, threads_per_worker=1)``
            (or ``workers`` workers) for this sweep; any other value is the address of a
            running scheduler (``tcp://host:8786``).
        workers: worker count of a local cluster.
    """

    def __init__(self, scheduler: str, workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:  # pragma: no cover - dependency declared
            raise SpecError(f"--scheduler needs dask[distributed]: {error}") from None
        self._cluster = None
        if scheduler == "local":
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
        info = self._client.scheduler_info()
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        self.workers = max(1, threads)

    def map(self, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            chunks: Iterable[list[Task]]) -> Iterator[list[dict[str, Any]]]:
        """Yield each chunk's results as the cluster finishes it."""
        from distributed import as_completed

        pending = iter(chunks)
        limit = max(4, 4 * self.workers)
        first = [c for _, c in zip(range(limit), pending, strict=False)]
        futures = [self._client.submit(evaluate_chunk, model, outcomes, c, pure=False)
                   for c in first]
        if not futures:
            return
        live = set(futures)
        queue = as_completed(futures)
        try:
            for future in queue:
                live.discard(future)
                result = future.result()
                future.release()
                chunk = next(pending, None)
                if chunk is not None:
                    submitted = self._client.submit(evaluate_chunk, model, outcomes, chunk,
                                                    pure=False)
                    live.add(submitted)
                    queue.add(submitted)
                yield result
        finally:
            if live:
                self._client.cancel(list(live))

    def close(self, force: bool = False) -> None:
        """Disconnect, and stop a local cluster this executor started."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  start_method: str = DEFAULT_START_METHOD) -> Executor:
    """Pick the executor: Dask if ``scheduler``; serial if ``workers == 1``; else a pool."""
    if scheduler:
        return DaskExecutor(scheduler, workers)
    if workers is not None and workers < 1:
        raise SpecError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        return SerialExecutor()
    return PoolExecutor(workers, start_method)


def chunk_size(n_tasks: int, workers: int) -> int:
    """Chunks small enough to balance load and show progress, big enough to amortise."""
    return max(1, min(200, math.ceil(n_tasks / (workers * 64))))
