"""Where runs execute, behind one interface: serial, a local process pool (Dask: next door).

Dask lives in :mod:`governance_sim.sweep.dask_executor`, which adds itself to the registry
of executors here (:func:`register_executor`) when it is imported (the package
``governance_sim.sweep`` imports it), so this module never imports it.

An executor takes chunks of tasks and yields each chunk's results as it finishes (in any
order). The worker side is :func:`evaluate_chunk`, a module-level function so it pickles by
reference; the model goes with cloudpickle (:func:`~governance_sim.sweep.worker.portable`),
so a model function defined in a notebook or a script works in worker processes too. The
process pool starts its workers once (``forkserver`` context where the
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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.isolation import isolate
from governance_sim.sweep.limits import cap_workers, default_workers
from governance_sim.sweep.mainguard import check_main_guard
from governance_sim.sweep.models import ModelFn
from governance_sim.sweep.spec import OutcomeSpec, SpecError
from governance_sim.sweep.worker import evaluate_chunk, portable, warm_worker

__all__ = ["START_METHODS", "Executor", "PoolExecutor", "SerialExecutor",
           "default_workers", "evaluate_chunk", "make_executor", "register_executor"]


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

    def chunk_for(self, n_tasks: int) -> int:
        """Runs per chunk for a sweep of ``n_tasks`` runs on this executor."""
        return chunk_size(n_tasks, self.workers)


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


#: Modules the forkserver imports once, so that every worker (and every run retried alone)
#: forked from it starts at once: the model core and the sweep's worker side.
FORKSERVER_PRELOAD: tuple[str, ...] = ("governance_sim.simulation",
                                       "governance_sim.sweep.isolation")

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
        self.workers = workers or default_workers()
        check_main_guard(f"workers={self.workers}", start_method)
        context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            context.set_forkserver_preload(list(FORKSERVER_PRELOAD))
        self._context = context
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
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        model = portable(model)  # by value when defined in __main__ (a notebook, a script)
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
                                       sorted(suspects, key=lambda t: t.run_id),
                                       parallel=self.workers)
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


#: Executors defined in other modules, by kind, each a factory
#: ``(scheduler, workers, worker_timeout=) -> Executor``: ``"dask"`` for ``scheduler=``.
_REGISTERED: dict[str, Callable[..., Executor]] = {}


def register_executor(kind: str, factory: Callable[..., Executor]) -> None:
    """Make an executor of another module available to :func:`make_executor`.

    Args:
        kind: ``"dask"`` (used when a ``scheduler`` is given).
        factory: called as ``factory(scheduler, workers, worker_timeout=...)``.
    """
    _REGISTERED[kind] = factory


def make_executor(workers: int | None = None, scheduler: Any = None,
                  start_method: str = DEFAULT_START_METHOD,
                  worker_timeout: float = 60.0, *, runs: int | None = None,
                  notify: Callable[[str], None] | None = None) -> Executor:
    """Pick the executor: Dask if ``scheduler``; serial if ``workers == 1``; else a pool.

    Args:
        workers: local processes (1: serial); with ``scheduler="local"`` the cluster's
            workers. Local processes are capped at ``runs`` and at
            :data:`~governance_sim.sweep.limits.WORKERS_PER_CORE` per core
            (:func:`~governance_sim.sweep.limits.cap_workers`).
        scheduler: ``"local"``, a scheduler address, a scheduler file, a
            ``distributed.Client`` or a cluster object (see
            :class:`~governance_sim.sweep.dask_executor.DaskExecutor`); None: no Dask.
        start_method: how local worker processes start (:data:`START_METHODS`).
        worker_timeout: seconds a Dask sweep waits with no worker before it stops.
        runs: runs to do, if known (no more local processes than that).
        notify: told in one line when ``workers`` is lowered.
    """
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise SpecError(f"--workers must be at least 1, got {workers}")
    if scheduler is not None and not (isinstance(scheduler, str) and not scheduler.strip()):
        factory = _REGISTERED.get("dask")
        if factory is None:  # pragma: no cover - the package imports the Dask module
            raise SpecError("--scheduler: no Dask executor is registered (import "
                            "governance_sim.sweep.dask_executor first)")
        if isinstance(scheduler, str) and scheduler.strip() == "local" and workers:
            workers = cap_workers(workers, runs, notify)
        return factory(scheduler, workers, worker_timeout=worker_timeout)
    if workers == 1:
        return SerialExecutor()
    return PoolExecutor(cap_workers(workers, runs, notify), start_method)


def chunk_size(n_tasks: int, workers: int) -> int:
    """Chunks small enough to balance load and show progress, big enough to amortise."""
    return max(1, min(200, math.ceil(n_tasks / (workers * 64))))
