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


def run_alone(context: Any, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
              task: Task) -> tuple[dict[str, Any] | None, str]:
    """Run one task in a new process of ``context`` (a multiprocessing context).

    Returns:
        ``(result, "")`` when the process sent its result, else ``(None, how it died)``.
    """
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_alone_main,
                              args=(writer, model, outcomes, task, os.getpid()),
                              daemon=True, name=f"governance-sim run {task.run_id}")
    process.start()
    writer.close()
    result = None
    try:
        result = reader.recv()
    except (EOFError, OSError):
        pass
    finally:
        reader.close()
        process.join()
    return result, ("" if result is not None else describe_exit(process.exitcode))


def isolate(context: Any, model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
            tasks: Iterable[Task]) -> Iterator[list[dict[str, Any]]]:
    """Run each task alone (up to :data:`ATTEMPTS` times); yield one-result lists.

    A task whose process dies every time is yielded as failed, its error naming the run and
    how the process ended.
    """
    for task in tasks:
        start = time.perf_counter()
        deaths = []
        result = None
        for _ in range(ATTEMPTS):
            result, death = run_alone(context, model, outcomes, task)
            if result is not None:
                break
            deaths.append(death)
        if result is None:
            result = {"run_id": task.run_id, "status": "failed",
                      "error": f"WorkerDied: run {task.run_id} {deaths[-1]} "
                               f"(tried {ATTEMPTS} times, each in a fresh process)",
                      "outcomes": {}, "elapsed_s": time.perf_counter() - start}
        yield [result]
