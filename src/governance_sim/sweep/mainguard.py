"""Worker processes from a script without ``if __name__ == "__main__":`` stop at once.

Worker processes started with ``spawn`` or ``forkserver`` (the default here, and Dask's)
import the main script again before they take any work, as ``__mp_main__``. A script that
starts a sweep from its top level, unguarded, would then start it again in every worker:
each worker fails, the runs come back as ``WorkerDied`` with a traceback per worker, or
the sweep never ends. :func:`check_main_guard` sees this before any process starts: it
finds the statement of the main script that is running now and, when that statement is
not under a main guard, refuses in one line that says what to add.

Nothing is checked where multiprocessing re-imports no script: a notebook, the
interactive prompt, ``python -c``, ``python -m package`` (its ``__main__``), or the
``fork`` start method.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import FrameType

__all__ = ["MainGuardMissing", "check_main_guard"]


class MainGuardMissing(SystemExit):
    """Worker processes were asked for from a script's unguarded top level.

    A ``SystemExit`` carrying the message: uncaught, Python prints that one line and ends
    the script with exit code 1, with no traceback of the package's internals. It is
    raised only while the script's top level runs, where going on would start the sweep
    again in every worker.
    """


def check_main_guard(what: str, start_method: str = "spawn") -> None:
    """Refuse to start worker processes that would run the main script again.

    Args:
        what: what would start processes, for the message (``workers=2``).
        start_method: how they start; ``fork`` re-imports nothing and is not checked.

    Raises:
        MainGuardMissing: the call comes from the main script's top level outside
            ``if __name__ == "__main__":``, or from a worker importing that script.
    """
    if start_method == "fork":
        return
    import multiprocessing

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return  # a notebook, the prompt, python -c: nothing to re-import
    name = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if name == "__main__" or name.endswith(".__main__") or Path(path).stem == "ipython":
        return  # python -m package: multiprocessing re-imports no package's __main__
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise MainGuardMissing(_message(what, path, None))  # a worker re-running it
    frame = _main_frame(vars(main))
    if frame is None:
        return  # called after the script's top level ran (a callback, a thread)
    line = frame.f_lineno
    if line is None or _guarded(Path(path), line):
        return
    raise MainGuardMissing(_message(what, path, line))


def _message(what: str, path: str, line: int | None) -> str:
    where = f"{path}, line {line}" if line else path
    return (f"{what} starts worker processes, and each would run {Path(path).name} again "
            f"from the top: put the code that runs the sweep ({where}) under "
            "'if __name__ == \"__main__\":', or run with workers=1")


def _main_frame(namespace: dict) -> FrameType | None:
    """The frame running the main script's top level, if it is on the stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals is namespace and frame.f_code.co_name == "<module>":
            return frame
        frame = frame.f_back
    return None


def _guarded(path: Path, line: int) -> bool:
    """Whether ``line`` of the script lies in a top-level ``if __name__ == "__main__":``.

    A source that cannot be read or parsed counts as guarded (nothing is known).
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True
    for node in tree.body:
        end = getattr(node, "end_lineno", None) or node.lineno
        if node.lineno <= line <= end:
            return isinstance(node, ast.If) and _is_main_test(node.test) and not any(
                inner.lineno <= line <= (getattr(inner, "end_lineno", None) or inner.lineno)
                for inner in node.orelse)
    return True


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1
