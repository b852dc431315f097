"""The ``governance-sim`` command line: a thin layer that parses arguments and delegates.

Conventions for every command: ``--help``; ``--version`` on the top level; exit code 0 on
success, 1 when the job ran but failed (a pattern that does not hold, a sweep with failed
runs), 2 for a user's mistake (bad parameter, unknown name, malformed file, unwritable
path), reported as one line on standard error with no traceback.

Each group of commands lives in its own module with a ``register(app)`` function, listed
in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import importlib
import sys

import typer

from governance_sim.params import UserInputError

__all__ = ["app", "main", "COMMAND_MODULES", "fail"]

#: Modules of this package that add commands (each defines ``register(app)``).
COMMAND_MODULES: tuple[str, ...] = (
    "run_commands",
    "sweep_commands",
    "discover_commands",
    "calibrate_commands",
    "validate_commands",
    "app_commands",
)

app = typer.Typer(
    name="governance-sim",
    help="Agent-based model of trust, participation and public value under bureaucracy, "
    "New Public Management and co-creation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain usage errors: a usage line and one error line, no box
)


def _version(value: bool) -> None:
    if value:
        from governance_sim import __version__

        typer.echo(f"governance-sim {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_version, is_eager=True),
) -> None:
    """Agent-based model of trust, participation and public value."""


def fail(message: str, code: int = 2) -> None:
    """Print one error line to standard error and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


for _name in COMMAND_MODULES:
    importlib.import_module(f"governance_sim.cli.{_name}").register(app)


def _quietened() -> bool:
    """True once the command parser has quietened a standard output whose reader is gone.

    On a broken pipe click (and typer's copy of it) wraps ``sys.stdout`` in a
    ``PacifyFlushWrapper`` and exits 1.
    """
    return type(sys.stdout).__name__ == "PacifyFlushWrapper"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    A reader that stops reading the output (a pipe into ``head``) ends the command with
    exit code 0. Usage errors are reported by the command parser (exit 2); a
    :class:`UserInputError`
    raised by the model (bad parameter, unknown scenario, unwritable path...), or an
    ``OSError`` for a path the system refuses, is printed as one line (exit 2).
    """
    command = typer.main.get_command(app)
    piped = _quietened()
    try:
        command.main(args=argv, prog_name="governance-sim", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        if code == 1 and not piped and _quietened():
            # the reader of our output stopped reading (`governance-sim list | head -3`):
            # click quietened standard output and exits 1; that is no failure of ours
            return 0
        return code if isinstance(code, int) else (0 if code is None else 1)
    except UserInputError as error:
        typer.echo(f"error: {error}", err=True)
        return 2
    except OSError as error:  # a path the system refuses (too long, no permission, ...)
        name = str(error.filename or "")
        shown = name if len(name) <= 80 else name[:77] + "..."
        typer.echo(f"error: cannot use {shown or 'a path'}: {error.strerror or error}",
                   err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
