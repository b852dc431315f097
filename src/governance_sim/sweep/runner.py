"""Run a sweep: design -> runs on an executor -> part files on disk, resumable.

:func:`run_sweep` builds the design, skips every run already recorded in the output folder,
sends the rest in chunks to the chosen executor and appends finished runs to the Parquet
dataset at least every ``flush_seconds``. Killed at any moment and started again with the
same spec and folder, it runs only the missing runs and ends with the same table (every
column but ``elapsed_s``) as a sweep that was never interrupted.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance_sim.results import OutputError
from governance_sim.sweep.design import Design, Task, build_design, tasks
from governance_sim.sweep.executors import (
    DEFAULT_START_METHOD,
    FORKSERVER_PRELOAD,
    Executor,
    PoolExecutor,
    SerialExecutor,
    make_executor,
)
from governance_sim.sweep.isolation import isolate
from governance_sim.sweep.limits import check_size
from governance_sim.sweep.models import ModelFn, ModelRunner, check_points, resolve_model
from governance_sim.sweep.spec import SpecError, SweepSpec, load_spec, with_settings
from governance_sim.sweep.store import (
    STATUS_FAILED,
    STATUS_OK,
    SweepStore,
    read_table,
)
from governance_sim.sweep.timeseries import series_rows, write_series

__all__ = ["SweepAborted", "SweepReport", "build_manifest", "run_sweep"]


class SweepAborted(RuntimeError):
    """The executor itself broke (a worker process died, the cluster went away).

    Runs finished before are on disk; running the same command again resumes.
    """


def _guarded(results: Any, executor: Executor) -> Any:
    """Re-raise a broken executor as :class:`SweepAborted` (runs that raise are data)."""
    from governance_sim.params import UserInputError

    try:
        yield from results
    except (UserInputError, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - any executor failure ends the sweep
        raise SweepAborted(f"{executor.label} failed: {type(error).__name__}: {error}; the "
                           "runs finished so far are recorded, run the same command again "
                           "to resume") from error


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did.

    Attributes:
        out: the sweep folder.
        total: runs in the design (points x replicates).
        skipped: runs already recorded before this call (a resume).
        ran: runs executed by this call.
        failures: ``(run_id, error)`` of every failed run in the table.
        elapsed_s: wall time of this call.
        executor: description of where the runs executed.
    """

    out: Path
    total: int
    skipped: int
    ran: int
    failures: list[tuple[int, str]] = field(default_factory=list)
    elapsed_s: float = 0.0
    executor: str = "serial"

    @property
    def ok(self) -> bool:
        """True when every run of the design is recorded and none failed."""
        return not self.failures


def _sweep_command(spec: SweepSpec, out: str | os.PathLike[str] | None,
                   allow_code: bool) -> str | None:
    """The command line that runs this sweep again, or None if it was not read from a file."""
    import shlex

    if out is None or not Path(spec.source).is_file():
        return None
    return shlex.join(["governance-sim", "sweep", spec.source, "--out", str(out)]
                      + list(spec.command_options)
                      + (["--allow-code"] if allow_code else []))


def build_manifest(spec: SweepSpec, design: Design, model: ModelFn,
                   columns: list[str], *, out: str | os.PathLike[str] | None = None,
                   allow_code: bool = False) -> dict[str, Any]:
    """The manifest of a sweep: spec, fingerprint, seeds, design, columns, versions.

    ``command`` is the command line that runs the sweep again (None for a spec built in
    Python, with ``command_note`` saying so); ``code`` is the package version and git
    commit (:func:`governance_sim.provenance.code_revision`).
    """
    from governance_sim.provenance import code_revision
    from governance_sim.results import versions

    found = versions()
    from importlib.metadata import PackageNotFoundError, version

    for package in ("SALib", "dask", "distributed", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    model_name = spec.model if isinstance(model, ModelRunner) or not spec.builtin else (
        f"{getattr(model, '__module__', '?')}:{getattr(model, '__qualname__', repr(model))}")
    return {
        "kind": "governance_sim.sweep",
        "name": spec.name,
        "description": spec.description,
        "question": spec.question,
        "spec": spec.raw,
        "spec_source": spec.source,
        "fingerprint": spec.fingerprint(
            {"base": model.base, "weights": model.weights, "steps": model.steps}
            if isinstance(model, ModelRunner) else None),
        "base_params": model.base if isinstance(model, ModelRunner) else None,
        "model": model_name,
        "steps": model.steps if isinstance(model, ModelRunner) else spec.steps,
        "root_seed": spec.seed,
        "replicate_seeds": [int(s) for s in design.seeds],
        "design": {
            "kind": spec.design,
            "samples": spec.samples,
            "second_order": spec.second_order,
            "levels": spec.levels,
            "n_points": len(design.points),
            "problem": design.problem,
        },
        "parameters": [
            {"name": d.name, "section": d.section, "low": d.low, "high": d.high,
             "values": list(d.values) if d.values is not None else None,
             "integer": d.integer}
            for d in spec.dimensions
        ],
        "constants": spec.constants,
        "uncertainty": spec.uncertainty_record(),
        "outcomes": [
            {"name": o.name, "metric": o.metric, "stat": o.stat, "window": o.window,
             "threshold": o.threshold, "baseline_window": o.baseline_window,
             "direction": o.direction, "after": o.after,
             "relative_to": o.relative_to}
            for o in spec.outcomes
        ],
        "columns": columns,
        "n_runs": design.n_runs,
        "versions": found,
        "code": code_revision(),
        **_command_entry(_sweep_command(spec, out, allow_code)),
    }


def _command_entry(command: str | None) -> dict[str, str | None]:
    if command is not None:
        return {"command": command}
    return {"command": None, "command_note": "spec built in Python (run_sweep), not read "
            "from a file: no command line runs it again"}


def run_sweep(
    spec: SweepSpec | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    model: ModelFn | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    executor: Executor | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    flush_seconds: float = 2.0,
    chunk: int | None = None,
    start_method: str = DEFAULT_START_METHOD,
    allow_code: bool = False,
    worker_timeout: float = 60.0,
    settings: dict[str, Any] | None = None,
    max_runs: int | None = None,
) -> SweepReport:
    """Run (or resume) a sweep and write its results folder.

    Args:
        spec: a validated spec or the path of a spec file.
        out: the results folder (created; if it holds this sweep already, resumed).
        model: a callable overriding the spec's model (params dict [, seed=] -> mapping of
            outcomes or time series); sent to worker processes with cloudpickle, so a
            function defined in a notebook or script works on every executor.
        workers: local processes; 1 runs serially in this process; default all cores.
        scheduler: run on Dask: ``"local"`` for a LocalCluster, a scheduler address
            (``tcp://host:8786``), a scheduler file (``dask scheduler --scheduler-file``),
            a ``distributed.Client`` (left open) or a cluster object such as a
            dask-jobqueue ``SLURMCluster`` (left running). See docs/cluster.md.
        executor: an executor to use instead of ``workers``/``scheduler`` (not closed).
        progress: show a progress bar (runs done, failed, time left): a widget in a
            notebook, text on standard error in a terminal (``tqdm.auto``).
        retry_failed: run again the runs recorded as failed.
        flush_seconds: write finished runs to a part file at least this often (0: after
            every chunk).
        chunk: runs per chunk sent to a worker (default: from the number of runs).
        start_method: how local worker processes start (``spawn``, ``forkserver``,
            ``fork``; see ``executors.START_METHODS``).
        allow_code: let the spec name an unregistered ``module:function`` model (imports
            and runs that module; see :mod:`governance_sim.sweep.registry`). A ``model``
            callable needs no permission.
        worker_timeout: seconds a Dask sweep waits with no worker before it stops.
        settings: parameters over the spec's ``[constants]`` (as in ``gs.run``).
        max_runs: most runs the design may have (default
            :data:`~governance_sim.sweep.limits.DEFAULT_MAX_RUNS`); a bigger design is
            refused before it is built, with the memory it would take.

    Returns:
        A :class:`SweepReport`; ``report.failures`` lists failed runs.

    Raises:
        SpecError: the spec is invalid, or its design has more than ``max_runs`` runs.
        ResultsError: ``out`` holds another sweep or is in use.
        OutputError: ``out`` cannot be written.
    """
    started = time.perf_counter()
    if not str(out).strip():
        raise OutputError("--out is empty; give the name of a new or empty folder")
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    spec = with_settings(spec, settings)
    check_size(spec, max_runs)  # before the design is built: it may be huge
    design = build_design(spec)
    fn = resolve_model(spec, model, allow_code=allow_code)
    if isinstance(fn, ModelRunner):
        check_points(fn, design.points, spec.source)
    names = spec.names
    outcome_names = [o.name for o in spec.outcomes]
    columns = (["run_id", "point_id", "replicate", "seed"] + names + outcome_names
               + ["status", "error", "elapsed_s"])
    own = executor is None
    active = executor
    store = SweepStore(out)
    finished = False
    try:
        if own:
            # workers start in the background while the folder is prepared
            active = make_executor(workers, scheduler, start_method, worker_timeout,
                                   runs=design.n_runs, notify=store.notify)
        store.open(build_manifest(spec, design, fn, columns, out=out, allow_code=allow_code),
                   design.points.reset_index())
        recorded = store.recorded()
        keep = recorded if not retry_failed else recorded[recorded["status"] == STATUS_OK]
        done = set(keep["run_id"].astype(int))
        todo = [t for t in tasks(design) if t.run_id not in done]
        failed_before = int((keep["status"] == STATUS_FAILED).sum())
        retry_alone = _suspects(store, todo, fn, start_method)
        if retry_alone[0] and own and isinstance(active, SerialExecutor):
            # the model took this process down last time: the rest runs in a worker process
            active = PoolExecutor(1, start_method)
            store.notify(f"{out}: the model ended the last sweep's process; this time the "
                         "runs go to one worker process, so the sweep survives it")
        if todo:
            _execute(spec, active, fn, todo, store, columns, len(done), design.n_runs,
                     failed_before, progress, flush_seconds, chunk, retry_alone)
        finished = True
    finally:
        store.close()
        if own and active is not None:
            active.close(force=not finished)  # stopped: do not wait for runs in flight
    label = active.label if todo else "nothing to run"
    table = read_table(out, columns=["run_id", "status", "error"])
    failures = [(int(r.run_id), str(r.error)) for r in table.itertuples()
                if r.status == STATUS_FAILED]
    return SweepReport(out=Path(out), total=design.n_runs, skipped=len(done), ran=len(todo),
                       failures=failures, elapsed_s=time.perf_counter() - started,
                       executor=label)


def _suspects(store: SweepStore, todo: list[Task], fn: ModelFn,
              start_method: str) -> tuple[list[Task], Any]:
    """Runs to retry alone (in flight when a sweep here died) and the process context.

    A model that cannot be sent to another process (cloudpickle) runs its suspects with
    the others.
    """
    import multiprocessing

    from governance_sim.sweep.worker import portable

    ids = store.read_journal() & {t.run_id for t in todo}
    if not ids:
        return [], None
    store.notify(f"{store.out}: {len(ids)} runs were in flight when the last sweep here "
                 "died; running each alone first (a run that kills its process twice is "
                 "recorded as failed)")
    try:
        portable(fn)
    except SpecError:
        return [], None
    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return [t for t in todo if t.run_id in ids], context


def _execute(spec: SweepSpec, executor: Executor, fn: ModelFn, todo: list, store: SweepStore,
             columns: list[str], skipped: int, total: int, failed_before: int,
             progress: bool, flush_seconds: float, chunk: int | None,
             suspects: tuple[list[Task], Any]) -> None:
    """Run ``todo`` (the ``suspects`` first, each alone) and append the results to disk."""
    from tqdm.auto import tqdm  # a widget in a notebook, text in a terminal

    alone, context = suspects
    alone_ids = {t.run_id for t in alone}
    rest = [t for t in todo if t.run_id not in alone_ids]
    size = chunk or executor.chunk_for(len(rest))
    in_flight = {t.run_id for t in alone}

    def handed_out() -> Iterator[list[Task]]:
        for start in range(0, len(rest), size):
            piece = rest[start:start + size]
            in_flight.update(t.run_id for t in piece)
            store.write_journal(in_flight)  # a sweep that dies leaves these ids
            yield piece

    streams: list[Iterable[list[dict[str, Any]]]] = []
    if alone:
        store.write_journal(in_flight)
        from governance_sim.sweep.worker import portable  # a __main__ model by value

        streams.append(isolate(context, portable(fn), spec.recorded_outcomes, alone,
                               parallel=executor.workers))
    streams.append(_guarded(executor.map(fn, spec.recorded_outcomes, handed_out()), executor))
    by_id = {t.run_id: t for t in todo}
    failed = failed_before
    buffer: list[dict[str, Any]] = []
    series: list[dict[str, Any]] = []  # [timeseries] rows, written before their runs
    last_flush = time.monotonic()
    bar = tqdm(total=total, initial=skipped, unit="run", desc=spec.name, file=sys.stderr,
               disable=not progress, dynamic_ncols=True, smoothing=0.1, mininterval=0.5)
    bar.set_postfix(failed=failed, refresh=False)
    try:
        for results in itertools.chain.from_iterable(streams):
            for result in results:
                task = by_id[result["run_id"]]
                in_flight.discard(task.run_id)
                row: dict[str, Any] = {"run_id": task.run_id, "point_id": task.point_id,
                                       "replicate": task.replicate, "seed": task.seed}
                row.update(task.params)
                for outcome in spec.outcomes:
                    row[outcome.name] = result["outcomes"].get(outcome.name, math.nan)
                row.update(status=result["status"], error=result["error"],
                           elapsed_s=result["elapsed_s"])
                buffer.append(row)
                series += series_rows(task.run_id, result["outcomes"], spec.timeseries)
                failed += result["status"] == STATUS_FAILED
            bar.update(len(results))
            bar.set_postfix(failed=failed, refresh=False)
            if time.monotonic() - last_flush >= flush_seconds:
                write_series(store.out, series)
                store.append(buffer, columns)
                buffer, series = [], []
                last_flush = time.monotonic()
    finally:
        write_series(store.out, series)
        store.append(buffer, columns)
        store.clear_journal()  # this process is alive: whatever was in flight is not to blame
        bar.close()
