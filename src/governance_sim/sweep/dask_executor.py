"""Runs a sweep's chunks on a Dask cluster: a LocalCluster, or a running one however reached.

Where the cluster is (:func:`connect`): ``"local"`` starts a LocalCluster for the sweep; a
scheduler address (``tcp://host:8786``, ``tls://...``); a scheduler file (the JSON file
``dask scheduler --scheduler-file sched.json`` writes: the route used with SLURM job
scripts and dask-mpi); and from Python a ``distributed.Client`` (used as it is and left
open) or a cluster object (a dask-jobqueue ``SLURMCluster``, a Kubernetes or Coiled
cluster: anything ``Client(cluster)`` accepts, or with a ``scheduler_address``).

Workers may come and go while a sweep runs (an adaptive cluster scales up as it sees work;
batch jobs end): the chunks in flight are sized from the live worker threads, counted
again every second, so a worker that joins is busy within a second or two (the runs are
shipped in small chunks for the same reason, :meth:`DaskExecutor.chunk_for`). Once the
runs are known to be quick, consecutive chunks are joined into tasks of about 0.2 s of
model time, so that Dask's few milliseconds per task do not dominate a fast model.

Two failure modes are handled here rather than left to hang or abort the sweep:

* When a chunk's worker dies until Dask gives up on it (``KilledWorker``; a local cluster
  allows one retry per task), the cluster is drained and each of its runs is sent alone, so
  the death is pinned on the run that causes it (a worker also holds queued runs). A run
  that kills its worker alone is returned as failed with its run id; the sweep goes on.
* When no worker is left for ``worker_timeout`` seconds, the sweep stops with
  :class:`NoWorkers` (finished runs are kept on disk) instead of waiting for ever.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.executors import Executor, chunk_size, register_executor
from governance_sim.sweep.mainguard import check_main_guard
from governance_sim.sweep.models import ModelFn
from governance_sim.sweep.spec import OutcomeSpec, SpecError
from governance_sim.sweep.worker import evaluate_chunk, portable

__all__ = ["DaskExecutor", "NoWorkers", "connect", "read_scheduler_file"]

#: How often a task may kill a worker on a local cluster before Dask gives up on it (one
#: retry, as for the process pool).
_ALLOWED_FAILURES = 1
_POLL_SECONDS = 1.0
#: Seconds between two counts of the live worker threads (a round trip to the scheduler).
_COUNT_SECONDS = 1.0
#: Chunks in flight: at least this many, and this many per live worker thread.
_MIN_IN_FLIGHT = 4
_PER_THREAD = 4
#: Chunks are sized as if the cluster had at least this many threads: one that starts
#: small may grow, and every new worker needs chunks left to take.
_ELASTIC_THREADS = 32
#: Once runs are known to be quick, consecutive chunks go as one task of about this many
#: seconds of model time: a Dask task costs a few milliseconds of scheduling (more on a busy
#: machine), which would otherwise dominate a model that takes microseconds.
_TASK_SECONDS = 0.2
_CONNECT_TIMEOUT = "5s"
#: Seconds to fetch a finished chunk's results (a few small dicts) before looking again:
#: if the worker holding them has left, Dask runs the chunk again elsewhere.
_FETCH_SECONDS = 10.0
_HOST_PORT = re.compile(r"^[\w.\-]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$")

_ALLOWED = ("'local', a scheduler address such as tcp://host:8786, or a scheduler file "
            "(the JSON file 'dask scheduler --scheduler-file FILE' writes); from Python also "
            "a distributed.Client or a cluster object")


class NoWorkers(RuntimeError):
    """The Dask cluster had no worker for longer than the sweep's ``worker_timeout``."""


def read_scheduler_file(path: str | Path) -> str:
    """The scheduler address in a Dask scheduler file.

    Raises:
        SpecError: the file is missing, unreadable, not JSON, or names no address.
    """
    where = f"--scheduler: scheduler file {str(path)!r}"
    file = Path(path)
    if file.is_dir():
        raise SpecError(f"{where} is a folder; give the JSON file 'dask scheduler "
                        "--scheduler-file FILE' writes")
    if not file.is_file():
        raise SpecError(f"{where} not found; start the scheduler with 'dask scheduler "
                        f"--scheduler-file {file.name}' first, or give {_ALLOWED}")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{where} cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise SpecError(f"{where} is not JSON ({error}); expected the file 'dask scheduler "
                        "--scheduler-file' writes") from None
    address = data.get("address") if isinstance(data, dict) else None
    if not isinstance(address, str) or "://" not in address:
        raise SpecError(f"{where} has no scheduler 'address' (such as tcp://host:8786); "
                        "expected the file 'dask scheduler --scheduler-file' writes")
    return address


def _client(address: str, how: str) -> Any:
    from distributed import Client

    try:
        return Client(address, timeout=_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise SpecError(f"--scheduler: cannot reach the Dask scheduler at {address!r}{how} "
                        f"within {_CONNECT_TIMEOUT}: {error}") from None


def connect(scheduler: Any) -> tuple[Any, bool, str]:
    """Connect to a running Dask cluster.

    Args:
        scheduler: a scheduler address (``tcp://host:8786``, ``tls://...``,
            ``host:port``), the path of a scheduler file, a ``distributed.Client`` or a
            cluster object (``distributed.deploy.Cluster``, or anything with a
            ``scheduler_address``).

    Returns:
        ``(client, owned, label)``: the client, whether this function opened it (and the
        caller must close it), and a description for messages.

    Raises:
        SpecError: ``scheduler`` is none of these, the file is bad, or the scheduler cannot
            be reached.
    """
    from distributed import Client
    from distributed.deploy import Cluster

    if isinstance(scheduler, Client):
        if scheduler.asynchronous:
            raise SpecError("scheduler: an asynchronous Client cannot run a sweep; pass a "
                            "synchronous Client or its cluster")
        if scheduler.status not in ("running", "connecting", "newly-created"):
            raise SpecError(f"scheduler: the Dask Client is {scheduler.status}, not "
                            "connected; pass a connected Client")
        return scheduler, False, f"Dask client of {scheduler.scheduler.address}"
    if isinstance(scheduler, Cluster):
        try:
            client = Client(scheduler, timeout=_CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise SpecError(f"scheduler: cannot connect to the {type(scheduler).__name__}: "
                            f"{error}") from None
        return client, True, (f"Dask {type(scheduler).__name__} "
                              f"{scheduler.scheduler_address}")
    if not isinstance(scheduler, str | Path):
        address = getattr(scheduler, "scheduler_address", None)
        if isinstance(address, str) and address:
            return (_client(address, f" (of the {type(scheduler).__name__})"), True,
                    f"Dask {type(scheduler).__name__} {address}")
        raise SpecError(f"scheduler: got a {type(scheduler).__name__}; allowed: {_ALLOWED}")
    text = str(scheduler).strip()
    if "://" in text or (_HOST_PORT.match(text) and not Path(text).exists()):
        return _client(text, ""), True, f"Dask scheduler {text}"
    if Path(text).exists() or text.endswith(".json"):
        address = read_scheduler_file(text)
        return (_client(address, f" (from the scheduler file {text!r})"), True,
                f"Dask scheduler {address} (from {text})")
    raise SpecError(f"--scheduler: {text!r} is neither an address nor an existing file; "
                    f"allowed: {_ALLOWED}")


class DaskExecutor(Executor):
    """Runs chunks on a Dask cluster and keeps every live worker busy.

    Args:
        scheduler: ``"local"`` starts a ``LocalCluster(n_workers=2, threads_per_worker=1)``
            (or ``workers`` workers) for this sweep and stops it afterwards; anything else
            is a running cluster as :func:`connect` takes it: an address, a scheduler file,
            a ``distributed.Client`` (left open) or a cluster object (left running).
        workers: worker count of a local cluster.
        worker_timeout: seconds to wait with no worker before :class:`NoWorkers`.

    Attributes:
        workers: worker threads at the last count (they may change during a sweep).
    """

    def __init__(self, scheduler: Any, workers: int | None = None, *,
                 worker_timeout: float = 60.0) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as error:  # pragma: no cover - dependency declared
            raise SpecError(f"--scheduler needs dask[distributed]: {error}") from None
        self.worker_timeout = float(worker_timeout)
        self._cluster = None
        if isinstance(scheduler, str) and scheduler.strip() == "local":
            check_main_guard("scheduler='local'",
                             dask.config.get("distributed.worker.multiprocessing-method",
                                             "spawn"))
            with dask.config.set({"distributed.scheduler.allowed-failures": _ALLOWED_FAILURES}):
                self._cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
            self._client = Client(self._cluster, set_as_default=False)
            self._owned = True
            self.label = f"Dask LocalCluster ({workers or 2} workers)"
        else:
            self._client, self._owned, self.label = connect(scheduler)
        self.workers = max(1, self._threads())

    def _threads(self) -> int:
        """Worker threads the scheduler knows now (0: no worker)."""
        return sum(int(n) for n in self._client.nthreads().values())

    def chunk_for(self, n_tasks: int) -> int:
        """Runs per chunk: small enough for workers that join later to get their share."""
        return chunk_size(n_tasks, max(self.workers, _ELASTIC_THREADS))

    def map(self, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            chunks: Iterable[list[Task]]) -> Iterator[list[dict[str, Any]]]:
        """Yield each chunk's results as the cluster finishes it.

        Raises:
            NoWorkers: no worker for ``worker_timeout`` seconds.
        """
        from distributed import wait
        from distributed.scheduler import KilledWorker

        model = portable(model)  # by value when defined in __main__ (a notebook, a script)
        pending = iter(chunks)
        timing = [0.0, 0]  # model seconds and runs finished, for the mean run time

        def take() -> list[Task] | None:
            """The next chunk, joined with the following ones while they are quick."""
            chunk = next(pending, None)
            if chunk is None or not timing[1]:
                return chunk
            runs_per_task = _TASK_SECONDS / max(timing[0] / timing[1], 1e-6)
            while len(chunk) < runs_per_task:
                more = next(pending, None)
                if more is None:
                    break
                chunk = chunk + more
            return chunk

        def timed(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
            timing[0] += sum(float(r.get("elapsed_s") or 0.0) for r in result)
            timing[1] += len(result)
            return result
        live: dict[Any, tuple[list[Task], bool]] = {}  # future -> (chunk, runs alone)
        suspects: list[Task] = []  # runs in flight on a worker that died
        threads = self._threads()
        counted = time.monotonic()

        def submit(chunk: list[Task], alone: bool) -> None:
            future = self._client.submit(evaluate_chunk, model, outcomes, chunk, pure=False)
            live[future] = (chunk, alone)

        try:
            alone_since: float | None = None
            while True:
                if time.monotonic() - counted >= _COUNT_SECONDS:
                    threads, counted = self._threads(), time.monotonic()
                    if threads:
                        self.workers = threads
                limit = max(_MIN_IN_FLIGHT, _PER_THREAD * threads)
                # after a worker died, drain the cluster and run each suspect alone, so a
                # death is pinned on the run that causes it (a worker may hold queued runs)
                while not suspects and len(live) < limit:
                    chunk = take()
                    if chunk is None:
                        break
                    submit(chunk, alone=False)
                if suspects and not live:
                    submit([suspects.pop(0)], alone=True)
                if not live:
                    return
                try:
                    with self._client.as_current():  # not made the default client
                        done = wait(list(live), timeout=_POLL_SECONDS,
                                    return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                came_back = False
                for future in done:
                    chunk, alone = live[future]
                    try:
                        result = timed(future.result(timeout=_FETCH_SECONDS))
                    except TimeoutError:
                        # its worker left before the result was fetched: Dask runs it
                        # again when a worker is there (or the sweep stops, NoWorkers)
                        continue
                    except KilledWorker:
                        result = None if not alone else [_died(chunk[0])]
                        if result is None:
                            suspects.extend(chunk)
                    del live[future]
                    future.release()
                    alone_since, came_back = None, True  # the cluster is working
                    if result is not None:
                        yield result
                if not came_back:
                    threads, counted = self._threads(), time.monotonic()
                    alone_since = self._check_workers(threads, alone_since)
        finally:
            if live:
                self._client.cancel(list(live))

    def _check_workers(self, threads: int, alone_since: float | None) -> float | None:
        """Track how long the cluster has had no worker; raise past the timeout."""
        if threads:
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
        """Disconnect (a Client passed in stays open), and stop a local cluster."""
        if self._owned:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _died(task: Task) -> dict[str, Any]:
    return {"run_id": task.run_id, "status": "failed",
            "error": f"WorkerDied: run {task.run_id} killed its Dask worker every time it "
                     "was tried (KilledWorker)",
            "outcomes": {}, "elapsed_s": 0.0}


register_executor("dask", DaskExecutor)  # make_executor(scheduler=...) finds it here
