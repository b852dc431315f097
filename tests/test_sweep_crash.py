"""Sweeps survive runs that kill their worker, and leave no process behind when killed.

The model is ``testfunctions.linear`` with ``crash_above``: runs whose ``y`` exceeds it kill
their own process (here with SIGSEGV, as a segfault would). Every check of "no process
left" lists the process group the sweep was started in (its own session).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from governance_sim.sweep import read_table

SPEC = """
[sweep]
model = "linear"
[uncertainties]
x1 = { low = 0.0, high = 29.0, levels = 30 }
[constants]
crash_above = 27.5
crash_signal = 11
delay_s = %s
[outcomes]
y = {}
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="process groups are listed through /proc")


def group_members(pgid: int) -> list[int]:
    """Pids of live (non-zombie) processes in process group ``pgid``, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def wait_until_empty(pgid: int, seconds: float = 20.0) -> list[int]:
    deadline = time.monotonic() + seconds
    left = group_members(pgid)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = group_members(pgid)
    return left


def start(tmp_path: Path, delay: float) -> tuple[subprocess.Popen, Path]:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC % delay)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "governance_sim.cli", "sweep", str(spec), "--out",
               str(out), "--workers", "2", "--flush-seconds", "0", "--no-progress"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return process, out


def wait_for_parts(process: subprocess.Popen, out: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(list((out / "runs").glob("part-*.parquet"))) >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the sweep ended or stalled before it could be killed")


def test_crashing_runs_are_recorded_failed_and_the_sweep_finishes(tmp_path: Path) -> None:
    process, out = start(tmp_path, 0.0)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "2 of 30 runs failed" in stderr
    for run_id in (28, 29):
        assert f"run {run_id}: WorkerDied: run {run_id} killed by signal SIGSEGV (11)" in stderr
    table = read_table(out)
    assert len(table) == 30
    assert table.loc[table["status"] == "ok", "run_id"].tolist() == list(range(28))
    assert wait_until_empty(process.pid) == []
    assert not (out / ".lock").exists()


def test_kill_9_of_the_main_process_leaves_no_process_behind(tmp_path: Path) -> None:
    process, out = start(tmp_path, 0.05)
    try:
        wait_for_parts(process, out, 2)
        lock = json.loads((out / ".lock").read_text())
        assert lock["pid"] == process.pid and lock["host"]
        assert len(group_members(process.pid)) >= 3  # the sweep, the forkserver, workers
        os.kill(process.pid, signal.SIGKILL)  # the main process only, not its group
        process.communicate(timeout=30)
        left = wait_until_empty(process.pid)
    finally:
        if group_members(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert left == [], f"processes left behind: {left}"
    assert (out / ".lock").exists()  # stale: the next run takes it over
    done = subprocess.run([sys.executable, "-m", "governance_sim.cli", "sweep",
                           str(tmp_path / "spec.toml"), "--out", str(out), "--workers", "2",
                           "--no-progress"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"taking over the lock of process {process.pid}" in done.stderr
    table = read_table(out)
    assert len(table) == 30 and (table["status"] == "failed").sum() == 2


def test_sigterm_says_what_was_saved_and_leaves_no_process(tmp_path: Path) -> None:
    process, out = start(tmp_path, 0.05)
    try:
        wait_for_parts(process, out, 2)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        left = wait_until_empty(process.pid)
    finally:
        if group_members(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 143
    recorded = len(read_table(out))
    assert f"stopped by SIGTERM: {recorded} of 30 runs are recorded in {out}" in stderr
    assert "run the same command to resume" in stderr and "Traceback" not in stderr
    assert left == [], f"processes left behind: {left}"
    assert not (out / ".lock").exists()


def test_a_serial_sweep_killed_by_its_model_finishes_on_the_next_run(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("crash_signal = 11", "crash_signal = 6").replace(
        "delay_s = %s", "delay_s = 0.0"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "governance_sim.cli", "sweep", str(spec), "--out",
               str(out), "--workers", "1", "--flush-seconds", "0", "--no-progress"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.returncode == -signal.SIGABRT  # the model took the whole process down
    assert json.loads((out / ".running").read_text())  # the runs it was running
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert second.returncode == 1, second.stderr
    assert "were in flight when the last sweep here died" in second.stderr
    assert "run 28: WorkerDied: run 28 killed by signal SIGABRT (6)" in second.stderr
    table = read_table(out)
    assert len(table) == 30
    assert table.loc[table["status"] == "failed", "run_id"].tolist() == [28, 29]
    assert not (out / ".running").exists()
