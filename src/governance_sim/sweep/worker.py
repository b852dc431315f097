"""The worker side of a sweep: evaluate a chunk of runs, set up a worker process.

:func:`evaluate_chunk` is module-level so it pickles by reference to pool and Dask workers.
:func:`portable` wraps the model so that it travels to other processes with cloudpickle:
a function defined in a notebook or a script (module ``__main__``), which plain pickle
sends by a name the worker cannot look up, arrives by value. :func:`warm_worker` starts a
local worker process: one BLAS thread, the model imported, and death with the sweep, so
killing the sweep, even with ``kill -9``, leaves no worker behind.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

from governance_sim.sweep.design import Task
from governance_sim.sweep.models import ModelFn, call_model, extract_outcomes
from governance_sim.sweep.processes import process_alive
from governance_sim.sweep.spec import OutcomeSpec, SpecError

__all__ = ["THREAD_VARIABLES", "PortableModel", "die_with", "evaluate_chunk", "portable",
           "warm_worker"]

#: Thread pools of numeric libraries that a worker process limits to one thread.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def evaluate_chunk(model: ModelFn, outcomes: tuple[OutcomeSpec, ...],
                   chunk: list[Task]) -> list[dict[str, Any]]:
    """Run every task of a chunk; a run that raises is returned as failed, not raised.

    Whatever a run raises is its failure: ``SystemExit`` (a model calling ``sys.exit``) and
    ``KeyboardInterrupt`` included. Only a stop signal that really arrived while the chunk
    ran (SIGINT: Ctrl-C; SIGTERM) goes on up, so the sweep stops (:func:`_stop_signals`).

    Returns:
        One dict per task: ``run_id``, ``status`` (``ok``/``failed``), ``error`` (None or
        ``"ExceptionType: message [file:line]"``), ``outcomes`` (name -> float; empty when
        failed) and ``elapsed_s``.
    """
    results = []
    with _stop_signals() as arrived:
        for task in chunk:
            start = time.perf_counter()
            try:
                value = call_model(model, dict(task.params), task.seed)
                found = extract_outcomes(value, outcomes)
                status, error = "ok", None
            except BaseException as exc:  # noqa: BLE001 - a failing run is data, not a crash
                if arrived:
                    raise  # the sweep is being stopped, not this run failing
                found = {}
                status = "failed"
                error = _describe(exc)
            results.append({"run_id": task.run_id, "status": status, "error": error,
                            "outcomes": found, "elapsed_s": time.perf_counter() - start})
    return results


def _describe(exc: BaseException) -> str:
    """``"ExceptionType: message [file:line]"`` (where the run raised it)."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" [{os.path.basename(where.filename)}:{where.lineno}]" if where else ""
    text = str(exc)
    if isinstance(exc, SystemExit):
        text = f"{text or None} (the model ended its process with sys.exit)"
    return f"{type(exc).__name__}: {text}{place}" if text else f"{type(exc).__name__}{place}"


#: Signals that stop a sweep: a run interrupted by one of them is not a failed run.
_STOP_SIGNALS = ("SIGINT", "SIGTERM")


@contextlib.contextmanager
def _stop_signals() -> Iterator[list[int]]:
    """Note the stop signals that arrive meanwhile; their handlers still do what they did.

    Yields a list that fills with the signal numbers received. Python runs signal handlers
    in the main thread only: elsewhere (a Dask worker's thread) nothing is installed and
    the list stays empty, since no signal can raise there.
    """
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return
    previous: dict[int, Any] = {}

    def note(signum: int, frame: Any) -> None:
        arrived.append(signum)
        handler = previous[signum]
        if callable(handler):
            handler(signum, frame)  # e.g. default_int_handler: KeyboardInterrupt
        else:  # SIG_DFL: end as the signal would have ended this process
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    for name in _STOP_SIGNALS:
        signum = getattr(signal, name, None)
        handler = signal.getsignal(signum) if signum is not None else None
        if handler is None or handler == signal.SIG_IGN:
            continue  # set outside Python, or ignored: leave it alone
        previous[signum] = handler
        signal.signal(signum, note)
    try:
        yield arrived
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class PortableModel:
    """A model callable serialised with cloudpickle, to send to worker processes.

    Pickling it (plain ``pickle``, as process pools and Dask do) yields the cloudpickle
    bytes; unpickling them in the worker gives back the original callable itself, so the
    worker side never sees this wrapper. cloudpickle sends functions of importable modules
    by reference (the worker imports the module) and functions of ``__main__`` (a notebook,
    a script, ``python -c``) by value, with the globals they use.

    Attributes:
        model: the callable, in this process.
        payload: its cloudpickle bytes.
    """

    def __init__(self, model: ModelFn, payload: bytes) -> None:
        self.model = model
        self.payload = payload

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (_rebuild, (self.payload,))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the model (in this process)."""
        return self.model(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        """The model's signature (whether it takes ``seed=``)."""
        return inspect.signature(self.model)

    def __repr__(self) -> str:
        return f"PortableModel({self.model!r})"


#: Models rebuilt in this (worker) process, by their bytes: a chunk's unpickling is a look-up.
_REBUILT: dict[bytes, ModelFn] = {}


def _rebuild(payload: bytes) -> ModelFn:
    model = _REBUILT.get(payload)
    if model is None:
        import cloudpickle

        model = cloudpickle.loads(payload)
        if len(_REBUILT) >= 8:
            _REBUILT.clear()
        _REBUILT[payload] = model
    return model


def portable(model: ModelFn) -> PortableModel:
    """Wrap ``model`` for other processes (cloudpickle; see :class:`PortableModel`).

    Raises:
        SpecError: cloudpickle cannot serialise the model (it holds a lock, an open file,
            a database connection...); the message says what to do instead.
    """
    if isinstance(model, PortableModel):
        return model
    import cloudpickle

    try:
        payload = cloudpickle.dumps(model)
    except Exception as error:  # noqa: BLE001 - any serialisation failure means the same
        raise SpecError(f"the model {model!r} cannot be sent to worker processes "
                        f"({type(error).__name__}: {error}); create what it holds (locks, "
                        "open files, connections) inside the function, or run serially "
                        "(workers=1)") from None
    return PortableModel(model, payload)


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
