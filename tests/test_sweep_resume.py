"""A sweep killed part-way (SIGKILL of the real process) resumes to the uninterrupted table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from governance_sim.sweep import read_table, run_sweep

SPEC = """
[sweep]
name = "killme"
steps = 60
replicates = 5
seed = 99
[levers]
logic = ["npm", "co_creation"]
[uncertainties]
initial_trust = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
"levers.control_intensity" = [0.2, 0.8]
[constants]
n_citizens = 300
n_units = 10
[outcomes]
trust = { metric = "trust_mean" }
participation = { metric = "participation_rate", stat = "mean", window = [30, 60] }
"""
TOTAL = 2 * 6 * 2 * 5


def sweep_command(spec: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "governance_sim.cli", "sweep", str(spec), "--out", str(out),
            "--workers", "2", "--flush-seconds", "0", "--no-progress"]


def test_killed_sweep_resumes_to_the_same_table(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "killed"
    # the sweep and its worker processes share a new session: kill all of them at once
    process = subprocess.Popen(sweep_command(spec, out), start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if len(list((out / "runs").glob("part-*.parquet"))) >= 2:
                break
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the sweep finished before it was killed"
    partial = read_table(out)
    assert 0 < len(partial) < TOTAL

    done = subprocess.run(sweep_command(spec, out), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{len(partial)} already recorded" in done.stdout
    assert f"({TOTAL - len(partial)} run," in done.stdout

    run_sweep(spec, tmp_path / "whole", workers=1, progress=False)
    resumed = read_table(out).drop(columns="elapsed_s")
    whole = read_table(tmp_path / "whole").drop(columns="elapsed_s")
    assert len(whole) == TOTAL and (whole["status"] == "ok").all()
    pd.testing.assert_frame_equal(resumed, whole)


def test_stale_lock_and_temporary_part_are_cleaned(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text("""
[sweep]
model = "governance_sim.sweep.testfunctions:linear"
[uncertainties]
x1 = [1.0, 2.0, 3.0]
[outcomes]
y = {}
""")
    out = tmp_path / "o"
    (out / "runs").mkdir(parents=True)
    (out / ".governance-sim").write_text("made by an earlier sweep\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (out / ".lock").write_text(dead)
    # a temporary of atomic_write whose process is gone (.<name>.<random>.<pid>.governance-sim-tmp)
    (out / "runs" / f".part-000001.parquet.abc12345.{dead}.governance-sim-tmp").write_bytes(
        b"half a file")
    report = run_sweep(spec, out, workers=1, progress=False)
    assert report.ok and report.ran == 3
    assert not (out / ".lock").exists()
    assert not list((out / "runs").glob(".part-*"))
    assert read_table(out)["y"].tolist() == [1.0, 2.0, 3.0]
