"""Runs that kill their worker: each suspect run alone in a fresh process, retried once.

When a worker process dies (a segfault, the out-of-memory killer, ``os._exit`` in a model),
every run in flight on the pool is a suspect. :func:`isolate` runs each suspect alone in a
new process, so a death is pinned on the run that caused it: a run that dies twice is
returned as failed with its exit signal or code; the others come back as usual.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Iterator
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.mainguard import check_main_guard
from governance_sim.sweep.models import ModelFn
from governance_sim.sweep.spec import OutcomeSpec
from governance_sim.sweep.worker import evaluate_chunk, warm_worker

__all__ = ["ATTEMPTS", "describe_exit", "isolate", "run_alone"]

#: How often a run that kills its process is tried in all (the first try and one retry).
ATTEMPTS = 2


def describe_exit(code: int | None) -> str:
    """How a process ended, from its exit code: ``killed by signal SIGSEGV (11)``."""
    if code is None:
        return "did not end"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {name} ({-code})"
    return f"exited with code {code}"


def _alone_main(connection: Any, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
                task: Task, sweep_pid: int) -> None:
    """Body of a one-run process: evaluate the task and send its result back."""
    warm_worker(sweep_pid)
    connection.send(evaluate_chunk(model, outcomes, [task])[0])
    connection.close()


class _Alone:
    """One task running in its own process, with the pipe its result comes back on."""

    def __init__(self, context: Any, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
                 task: Task) -> None:
        self.task = task
        self.reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(target=_alone_main,
                                       args=(writer, model, outcomes, task, os.getpid()),
                                       daemon=True, name=f"governance-sim run {task.run_id}")
        self.process.start()
        writer.close()

    def finish(self) -> tuple[dict[str, Any] | None, str]:
        """Collect the result (the pipe is readable or closed): ``(result, how it died)``."""
        result = None
        try:
            result = self.reader.recv()
        except (EOFError, OSError):
            pass
        finally:
            self.reader.close()
            self.process.join()
        return result, ("" if result is not None else describe_exit(self.process.exitcode))


def run_alone(context: Any, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
              task: Task) -> tuple[dict[str, Any] | None, str]:
    """Run one task in a new process of ``context`` (a multiprocessing context).

    Returns:
        ``(result, "")`` when the process sent its result, else ``(None, how it died)``.
    """
    return _Alone(context, model, outcomes, task).finish()


def isolate(context: Any, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            tasks: Iterable[Task], parallel: int = 1) -> Iterator[list[dict[str, Any]]]:
    """Run each task alone in its own process (up to :data:`ATTEMPTS` times each).

    Args:
        context: a multiprocessing context.
        model, outcomes: what to run and read off.
        tasks: the runs.
        parallel: how many such processes at once (each still holds one run, so a death
            is pinned on its run).

    Yields:
        One-result lists, as runs finish. A run whose process died every time is yielded
        as failed, its error naming the run and how the process ended.
    """
    from multiprocessing.connection import wait

    check_main_guard("running a run alone in a new process", context.get_start_method())
    queue = list(tasks)
    queue.reverse()
    running: dict[Any, _Alone] = {}
    deaths: dict[int, list[str]] = {}
    started: dict[int, float] = {}
    try:
        while queue or running:
            while queue and len(running) < max(1, parallel):
                task = queue.pop()
                started.setdefault(task.run_id, time.perf_counter())
                alone = _Alone(context, model, outcomes, task)
                running[alone.reader] = alone
            for reader in wait(list(running)):
                alone = running.pop(reader)
                result, death = alone.finish()
                task = alone.task
                if result is None:
                    deaths.setdefault(task.run_id, []).append(death)
                    if len(deaths[task.run_id]) < ATTEMPTS:
                        queue.append(task)  # once more, in a fresh process
                        continue
                    result = {"run_id": task.run_id, "status": "failed",
                              "error": f"WorkerDied: run {task.run_id} {death} (tried "
                                       f"{ATTEMPTS} times, each in a fresh process)",
                              "outcomes": {},
                              "elapsed_s": time.perf_counter() - started[task.run_id]}
                yield [result]
    finally:
        for alone in running.values():  # stopped early: end what still runs
            alone.process.kill()
            alone.process.join()
