"""README.md works as written: every code block is extracted and checked or run (issue 15).

Blocks tagged ``bash``/``sh``/``console`` hold one command a line (``#`` starts a comment);
``python`` blocks are programs. Untagged blocks are not allowed (tag text as ``text``), so a
command cannot hide from this test. How each kind of line is checked:

* ``make TARGET``: ``make -n TARGET`` (a dry run: the target exists and its recipe expands).
  The real ``make demo`` and ``make test`` are what the CI runs (``.ci/run``), and ``make
  demo`` on a fresh clone is measured by hand (the README gives the time).
* ``.venv/bin/governance-sim CMD ...``: parsed by the command line itself (``make_context``:
  an unknown subcommand or option, or a bad value, fails), then the arguments are checked:
  scenario names exist, files read exist in the repository or are written by an earlier
  line (``--out``), ``--set`` values are valid parameters, ``--without`` names mechanisms,
  ``--outcome``/``--heatmap`` name outcomes and parameters of the sweep the line analyses.
  The slow test then runs, as written, every such line except those listed in
  :data:`PARSE_ONLY_COMMANDS` and :data:`PARSE_ONLY_ARGUMENTS` (with the reason), in a
  sandbox: a temporary folder with links to the repository's files and its own ``out/``.
* ``.venv/bin/python -m pytest ARGS``: the files exist and the markers are declared; the
  slow test runs ``pytest --collect-only ARGS``, which must select tests.
* ``.venv/bin/python SCRIPT ARGS`` and ``.venv/bin/python -m MODULE ARGS``: the script or
  module exists and declares (argparse) every option the line uses; the slow test runs its
  ``--help``. They are not run: they rewrite the repository's documents or run for hours.
* ``python`` blocks run for real in the sandbox, each in its own process.

Any other line fails the test: a new kind of command in the README needs a check here. Every
repository path the README names in backticks or links must exist (``out/`` excepted).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CLI = ".venv/bin/governance-sim"
PYTHON = ".venv/bin/python"
SHELL_TAGS = {"bash", "sh", "console"}
TAGS = SHELL_TAGS | {"python", "text", "toml", "ini", "json"}

#: governance-sim lines the slow test does not run, by subcommand or by an argument, with
#: the reason (the fast test still parses and checks them).
PARSE_ONLY_COMMANDS = {
    "app": "starts a web server that runs until it is stopped",
    "sweep": "a sweep: minutes of simulation on every core",
    "sensitivity": "analyses a sweep, which is not run",
    "discover": "analyses a sweep, which is not run",
    "validate": "12 patterns x 5 seeds: minutes",
}
PARSE_ONLY_ARGUMENTS = {
    "--images": "two scenarios at 20 000 citizens and static images through Chromium",
    "experiments/field_calibration/targets.toml": "the field calibration: 4 waves x 64 "
                                                  "samples x 3 seeds",
}


@dataclass(frozen=True)
class Block:
    """One fenced code block of the README."""

    tag: str
    text: str
    line: int  # line number of the opening fence


@dataclass(frozen=True)
class Command:
    """One command line of a shell block."""

    argv: tuple[str, ...]
    text: str
    line: int


def blocks(text: str | None = None) -> list[Block]:
    """The fenced code blocks of ``text`` (default: README.md), in order."""
    text = README.read_text(encoding="utf-8") if text is None else text
    found, tag, start, body = [], None, 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        fence = re.match(r"^```\s*([\w-]*)\s*$", line)
        if fence and tag is None:
            tag, start, body = fence.group(1), number, []
        elif line.strip() == "```" and tag is not None:
            found.append(Block(tag, "\n".join(body) + "\n", start))
            tag = None
        elif tag is not None:
            body.append(line)
    assert tag is None, f"README.md: the code block opened at line {start} is not closed"
    return found


def commands(block: Block) -> Iterator[Command]:
    """The commands of a shell block (comments dropped, ``\\`` continuations joined)."""
    pending, first = "", 0
    for offset, raw in enumerate(block.text.splitlines(), start=1):
        line = raw[2:] if block.tag == "console" and raw.startswith("$ ") else raw
        if block.tag == "console" and not raw.startswith("$ ") and not pending:
            continue  # console output
        if not pending:
            first = block.line + offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = pending + line
        pending = ""
        argv = shlex.split(full, comments=True)
        if argv:
            yield Command(tuple(argv), full.strip(), first)


def all_commands() -> list[Command]:
    return [c for b in blocks() if b.tag in SHELL_TAGS for c in commands(b)]


# --- checks ------------------------------------------------------------------------------


class Produced:
    """Folders and files that earlier README lines write (their ``--out``)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.sweeps: dict[str, str] = {}  # results folder -> spec path

    def add(self, path: str) -> None:
        self.paths.append(path.rstrip("/"))

    def has(self, path: str) -> bool:
        path = path.rstrip("/")
        return any(path == p or path.startswith(p + "/") for p in self.paths)


def _exists(path: str, produced: Produced) -> bool:
    return (ROOT / path).exists() or produced.has(path)


def _looks_like_path(value: object) -> bool:
    text = str(value)
    return isinstance(value, Path) or "/" in text or text.endswith((".toml", ".csv", ".py"))


def check_cli(command: Command, produced: Produced) -> None:
    """Parse a governance-sim line with the command line's own parser, then its arguments."""
    import typer

    import governance_sim as gs
    from governance_sim.cli import app

    where = f"README.md line {command.line}: {command.text}"
    args = list(command.argv[1:])
    group = typer.main.get_command(app)
    assert args and args[0] in group.commands, (
        f"{where}\n  unknown subcommand; allowed: {', '.join(sorted(group.commands))}")
    name, sub = args[0], group.commands[args[0]]
    parent = group.context_class(group, info_name="governance-sim")
    try:
        context = sub.make_context(name, args[1:], parent=parent)
    except Exception as error:  # the parser's usage errors (no such option, bad value...)
        shown = error.format_message() if hasattr(error, "format_message") else str(error)
        raise AssertionError(f"{where}\n  {type(error).__name__}: {shown}") from None
    params = context.params
    out = params.get("out")
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if key in ("out", "settings", "heatmap", "outcome", "without", "scheduler"):
                continue
            if isinstance(item, str | Path) and _looks_like_path(item):
                assert _exists(str(item), produced), (
                    f"{where}\n  {key}: {item} does not exist in the repository and no "
                    "earlier line writes it")
            elif key in ("scenario", "scenarios"):
                assert item in gs.list_scenarios(), (
                    f"{where}\n  unknown scenario {item!r}; allowed: "
                    f"{', '.join(gs.list_scenarios())}")
    if params.get("settings"):
        _check_settings(params, where)
    if name == "validate" and params.get("without"):
        gs.Params(mechanisms={m: False for m in params["without"]})
    if name == "sensitivity":
        _check_sensitivity(params, produced, where)
    if name == "sweep":
        from governance_sim.sweep import load_spec

        load_spec(ROOT / str(params["spec"]))
        produced.sweeps[str(out).rstrip("/")] = str(params["spec"])
    if out:
        produced.add(str(out))
    elif name == "sensitivity":
        produced.add(f"{params['results']}/sensitivity")


def _check_settings(params: dict, where: str) -> None:
    import governance_sim as gs
    from governance_sim.cli.batch import parse_settings

    names = params.get("scenarios") or [params.get("scenario")]
    try:
        settings = parse_settings(params["settings"])
        for name in names:
            base = gs.load_scenario(ROOT / name if _looks_like_path(name) else name)
            changes = dict(settings)
            for table in ("levers", "mechanisms"):
                if table in changes:
                    changes[table] = {**getattr(base.params, table), **changes[table]}
            base.params.replace(**changes)
    except gs.ParameterError as error:
        raise AssertionError(f"{where}\n  --set: {error}") from None


def _check_sensitivity(params: dict, produced: Produced, where: str) -> None:
    from governance_sim.sweep import load_spec

    results = str(params["results"]).rstrip("/")
    assert results in produced.sweeps, f"{where}\n  no earlier line sweeps into {results}"
    spec = load_spec(ROOT / produced.sweeps[results])
    outcomes = [o.name for o in spec.outcomes]
    for outcome in params.get("outcome") or []:
        assert outcome in outcomes, f"{where}\n  unknown outcome {outcome!r}; {outcomes}"
    if params.get("heatmap"):
        for name in params["heatmap"].split(","):
            assert name.strip() in spec.names, f"{where}\n  {name!r} is not varied: {spec.names}"


def check_make(command: Command) -> None:
    where = f"README.md line {command.line}: {command.text}"
    assert len(command.argv) >= 2, f"{where}\n  name the make target"
    done = subprocess.run(["make", "-n", *command.argv[1:]], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"{where}\n  make -n: {done.stderr.strip()}"


def _options(args: list[str]) -> list[str]:
    return [a.split("=", 1)[0] for a in args if a.startswith("--")]


def _declared_options(source: Path) -> set[str]:
    """The ``--options`` a script declares with argparse's ``add_argument`` (read, not run)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            found |= {a.value for a in node.args if isinstance(a, ast.Constant)
                      and isinstance(a.value, str) and a.value.startswith("--")}
    return found


def _pytest_markers() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = config["tool"]["pytest"]["ini_options"]["markers"]
    return {line.split(":", 1)[0].strip() for line in declared}


def python_target(command: Command) -> tuple[list[str], list[str]]:
    """``(how to start it, its arguments)`` of a ``.venv/bin/python`` line."""
    args = list(command.argv[1:])
    if args[:1] == ["-m"]:
        return args[:2], args[2:]
    return args[:1], args[1:]


def check_python(command: Command) -> None:
    """A ``.venv/bin/python`` line: pytest paths and markers, or a script and its options."""
    import importlib.util

    where = f"README.md line {command.line}: {command.text}"
    target, rest = python_target(command)
    if target == ["-m", "pytest"]:
        markers = [rest[i + 1] for i, a in enumerate(rest[:-1]) if a == "-m"]
        for marker in markers:
            assert marker in _pytest_markers(), f"{where}\n  unknown marker {marker!r}"
        paths = [a for a in rest if not a.startswith("-") and a not in markers]
        for path in paths:
            assert (ROOT / path.split("::")[0]).exists(), f"{where}\n  no file {path}"
        return
    if target[0] == "-m":
        spec = importlib.util.find_spec(target[1])
        assert spec is not None and spec.origin, f"{where}\n  no module {target[1]}"
        source = Path(spec.origin)
    else:
        assert target and (ROOT / target[0]).is_file(), f"{where}\n  no file {target[:1]}"
        source = ROOT / target[0]
    declared = _declared_options(source)
    for option in _options(rest):
        assert option in declared, (f"{where}\n  {option} is not an option of {source.name}; "
                                    f"it has {sorted(declared)}")


def check_line(command: Command, produced: Produced) -> None:
    program = command.argv[0]
    if program == CLI:
        check_cli(command, produced)
    elif program == "make":
        check_make(command)
    elif program == PYTHON:
        check_python(command)
    else:
        raise AssertionError(
            f"README.md line {command.line}: {command.text}\n  unknown kind of command "
            f"{program!r}: use {CLI}, {PYTHON} or make (or add a check to this test)")


# --- tests -------------------------------------------------------------------------------


def test_every_block_is_tagged_and_there_are_commands_to_check():
    found = blocks()
    untagged = [b.line for b in found if b.tag not in TAGS]
    assert not untagged, f"README.md: code blocks at lines {untagged} need a tag ({TAGS})"
    argv0 = {c.argv[0] for c in all_commands()}
    assert {CLI, PYTHON, "make"} <= argv0
    assert any(b.tag == "python" for b in found)


def test_every_command_line_parses_and_names_what_exists():
    produced = Produced()
    for command in all_commands():
        check_line(command, produced)


def test_every_path_the_readme_names_exists():
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w.-]+/[\w./-]*)`", text))  # repository paths have a /
    named |= set(re.findall(r"\]\(([^)#\s]+)\)", text))  # links and images
    missing = sorted(p for p in named
                     if not p.startswith(("out/", "http", ".venv/")) and p != ".governance-sim"
                     and "*" not in p and not (ROOT / p).exists()
                     and not (ROOT / "src" / "governance_sim" / p).exists())
    assert not missing, f"README.md names paths that are not in the repository: {missing}"


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A folder that looks like the repository (links to its files) with its own out/."""
    for entry in ROOT.iterdir():
        if entry.name not in ("out", ".pytest_cache", ".hypothesis"):
            (tmp_path / entry.name).symlink_to(entry)
    return tmp_path


def test_python_blocks_run_as_written(sandbox: Path):
    for block in (b for b in blocks() if b.tag == "python"):
        done = subprocess.run([sys.executable, "-c", block.text], cwd=sandbox,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (f"README.md python block at line {block.line} "
                                      f"failed:\n{done.stderr[-3000:]}")


def _parse_only(command: Command) -> str | None:
    if command.argv[1] in PARSE_ONLY_COMMANDS:
        return PARSE_ONLY_COMMANDS[command.argv[1]]
    return next((PARSE_ONLY_ARGUMENTS[a] for a in command.argv[2:]
                 if a in PARSE_ONLY_ARGUMENTS), None)


@pytest.mark.slow
def test_governance_sim_lines_run_as_written(sandbox: Path):
    if not (ROOT / CLI).exists():
        pytest.skip(f"{CLI} is not installed (make setup)")
    ran = []
    for command in all_commands():
        if command.argv[0] != CLI or _parse_only(command):
            continue
        done = subprocess.run(command.text, shell=True, cwd=sandbox, capture_output=True,
                              text=True, timeout=900,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        assert done.returncode == 0, (f"README.md line {command.line}: {command.text}\n"
                                      f"exit {done.returncode}\n{done.stderr[-3000:]}")
        ran.append(command.argv[1])
    assert {"list", "show", "compare", "run", "report", "calibrate"} <= set(ran)
    assert (sandbox / "out" / "compare" / "report.html").is_file()


@pytest.mark.slow
def test_python_lines_start_as_written():
    """Each ``.venv/bin/python`` line's program starts: pytest collects what the line
    selects; scripts and modules answer ``--help`` (they are not run: they rewrite the
    repository's documents or run for hours)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for command in (c for c in all_commands() if c.argv[0] == PYTHON):
        where = f"README.md line {command.line}: {command.text}"
        target, rest = python_target(command)
        if target == ["-m", "pytest"]:
            argv = [*target, "--collect-only", "-q", "-p", "no:cacheprovider", *rest]
        else:
            argv = [*target, "--help"]
        done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True,
                              text=True, timeout=600, env=env)
        assert done.returncode == 0, f"{where}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        if target == ["-m", "pytest"]:
            assert re.search(r"^\d+(/\d+)? tests? collected", done.stdout, re.M), (
                f"{where}\n  selects no tests:\n{done.stdout[-1000:]}")


# --- the checks catch what breaks ----------------------------------------------------------


@pytest.mark.parametrize("line, problem", [
    (f"{CLI} compair npm", "unknown subcommand"),
    (f"{CLI} run npm --replicate 3", "No such option"),
    (f"{CLI} run atlantis --out out/a", "unknown scenario"),
    (f"{CLI} run npm --set n_citizens=-5 --out out/a", "--set"),
    (f"{CLI} calibrate experiments/nowhere.toml --out out/c", "does not exist"),
    (f"{CLI} report out/never-written", "does not exist"),
    (f"{PYTHON} experiments/robustness.py --wokers 2", "is not an option"),
    (f"{PYTHON} experiments/not_there.py", "no file"),
    (f"{PYTHON} -m pytest -m paterns", "unknown marker"),
    (f"{PYTHON} -m pytest tests/test_nothing.py", "no file"),
    (f"{PYTHON} -m governance_sim.nodocs", "no module"),
    ("make demoo", "make -n"),
    ("governance-sim list", "unknown kind of command"),
])
def test_a_broken_line_fails(line, problem):
    command = Command(tuple(shlex.split(line)), line, 1)
    with pytest.raises(AssertionError, match=re.escape(problem)):
        check_line(command, Produced())


def test_blocks_and_commands_are_extracted():
    text = ("intro\n```bash\nmake demo   # comment\n\n.venv/bin/governance-sim run npm \\\n"
            "  --out out/x\n```\n```python\nprint(1)\n```\n```console\n$ make test\noutput\n```\n")
    found = blocks(text)
    assert [b.tag for b in found] == ["bash", "python", "console"]
    assert [c.argv for c in commands(found[0])] == [
        ("make", "demo"), (CLI, "run", "npm", "--out", "out/x")]
    assert [c.argv for c in commands(found[2])] == [("make", "test")]
