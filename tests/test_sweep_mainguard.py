"""A plain script (no main guard) asking for worker processes stops at once, in one line.

Worker processes started with spawn/forkserver import the main script again; a script that
runs a sweep from its unguarded top level once got 4/4 runs ``WorkerDied`` and 15
tracebacks, or a sweep that never ended. Real scripts, run in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

BODY = """
import governance_sim as gs

def model(params, seed=None):
    return {{"y": params["x1"] * 2}}

{indent}table = gs.sweep(model=model, uncertainties={{"x1": [0.1, 0.2, 0.3, 0.4]}},
{indent}                 outcomes={{"y": {{"metric": "y", "stat": "value"}}}}, progress=False,
{indent}                 {options})
{indent}print("STATUS", sorted(set(table["status"])), len(table))
"""


def run_script(tmp_path: Path, options: str, guarded: bool) -> tuple[subprocess.CompletedProcess,
                                                                      float]:
    text = BODY.format(indent="    " if guarded else "", options=options)
    if guarded:
        text = text.replace("\n    table = gs.sweep", '\nif __name__ == "__main__":\n    table '
                            '= gs.sweep', 1)
    script = tmp_path / "plain_script.py"
    script.write_text(textwrap.dedent(text))
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    return done, time.monotonic() - started


@pytest.mark.parametrize("options", ["workers=2", "workers=2, start_method='spawn'",
                                     "scheduler='local', workers=2"],
                         ids=["forkserver pool", "spawn pool", "dask local"])
def test_an_unguarded_script_stops_at_once_with_one_line(tmp_path: Path, options: str) -> None:
    done, seconds = run_script(tmp_path, options, guarded=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert 'if __name__ == "__main__":' in lines[0] and "plain_script.py, line 7" in lines[0]
    assert "STATUS" not in done.stdout
    assert seconds < 60


def test_a_guarded_script_runs_on_workers(tmp_path: Path) -> None:
    done, _ = run_script(tmp_path, "workers=2", guarded=True)
    assert done.returncode == 0, done.stderr
    assert "STATUS ['ok'] 4" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("options", ["workers=1", "workers=2, start_method='fork'"])
def test_an_unguarded_script_runs_where_nothing_is_reimported(tmp_path: Path,
                                                               options: str) -> None:
    done, _ = run_script(tmp_path, options, guarded=False)
    assert done.returncode == 0, done.stderr
    assert "STATUS ['ok'] 4" in done.stdout


def test_guard_forms(tmp_path: Path) -> None:
    from governance_sim.sweep.mainguard import _guarded

    script = tmp_path / "s.py"
    script.write_text("import x\n"
                      "if '__main__' == __name__:\n"
                      "    go()\n"
                      "else:\n"
                      "    go()\n"
                      "if __name__ == '__mp_main__':\n"
                      "    go()\n"
                      "go()\n")
    assert not _guarded(script, 1)
    assert _guarded(script, 3)
    assert not _guarded(script, 5)  # the else branch runs in every worker
    assert not _guarded(script, 7)
    assert not _guarded(script, 8)
