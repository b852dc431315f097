"""The sweep folder's lock: one sweep at a time, however many start at the same moment.

The races are real: several processes are released together by a barrier and each tries
to open the same folder; exactly one may win, every time (fresh folder, a stale lock left
by a dead sweep, and the fallback for file systems without ``flock``).
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from governance_sim.output_folders import claim_folder
from governance_sim.params import UserInputError
from governance_sim.sweep import run_sweep, spec_from_dict
from governance_sim.sweep.store import SweepStore

FORK = multiprocessing.get_context("fork")
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning")


def _no_flock(*_: object) -> None:
    raise OSError(errno.ENOLCK, "No locks available")


def _contender(out: Path, start: object, hold: object, results: object,
               flock: bool) -> None:
    if not flock:  # a file system without flock: the fallback
        import fcntl

        fcntl.flock = _no_flock
    store = SweepStore(out, notify=lambda message: None)
    start.wait()  # type: ignore[attr-defined]
    try:
        store.open({"fingerprint": "f"}, pd.DataFrame({"x": [1]}))
        results.put("won")  # type: ignore[attr-defined]
    except UserInputError as error:
        results.put(f"refused: {error}")  # type: ignore[attr-defined]
    hold.wait()  # type: ignore[attr-defined]  # nobody lets go before all have tried
    store.close()


def _dead_pid() -> int:
    process = FORK.Process(target=int)
    process.start()
    process.join()
    return int(process.pid)


def _race(tmp_path: Path, rounds: int, contenders: int, *, stale: bool,
          flock: bool) -> tuple[list[int], list[str]]:
    """Per round: how many contenders won, and the messages of those refused."""
    winners, refusals = [], []
    for i in range(rounds):
        folder = tmp_path / f"s{i}"
        won, refused = _race_once(folder, contenders, "dead pid" if stale else "none", flock)
        winners.append(won)
        refusals += [message.replace(str(folder), "OUT") for message in refused]
        assert not (folder / ".lock").exists()  # the winner released it
    return winners, refusals


@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale lock"])
def test_processes_released_together_exactly_one_takes_the_lock(tmp_path: Path,
                                                                 stale: bool) -> None:
    winners, refusals = _race(tmp_path, 20, 4, stale=stale, flock=True)
    assert winners == [1] * len(winners)
    assert all("lock file OUT/.lock" in message for message in refusals), refusals[:1]


@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale lock"])
def test_without_flock_the_fallback_also_lets_exactly_one_in(tmp_path: Path,
                                                              stale: bool) -> None:
    winners, refusals = _race(tmp_path, 20, 2, stale=stale, flock=False)
    assert winners == [1] * len(winners)
    assert all("lock file OUT/.lock" in message for message in refusals), refusals[:1]


_SPEC = {"sweep": {"name": "race", "model": "linear", "replicates": 2},
         "design": {"kind": "latin_hypercube", "samples": 10},
         "uncertainties": {"x1": {"low": 0, "high": 1}, "x2": {"low": 0, "high": 1}},
         "constants": {"delay_s": 0.01},
         "outcomes": {"y": {"metric": "y", "stat": "value"}}}


def _sweeper(out: Path, start: object, results: object) -> None:
    spec = spec_from_dict(_SPEC)
    start.wait()  # type: ignore[attr-defined]
    try:
        report = run_sweep(spec, out, workers=1, progress=False)
        results.put("ran" if report.ran else "nothing left")  # type: ignore[attr-defined]
    except UserInputError as error:
        results.put(f"refused: {error}")  # type: ignore[attr-defined]


def test_two_sweeps_released_together_never_both_write(tmp_path: Path) -> None:
    outcomes: list[list[str]] = []
    for i in range(8):
        out = claim_folder(tmp_path / f"s{i}")
        start, results = FORK.Barrier(2), FORK.Queue()
        processes = [FORK.Process(target=_sweeper, args=(out, start, results))
                     for _ in range(2)]
        for process in processes:
            process.start()
        got = sorted(results.get(timeout=120) for _ in processes)
        for process in processes:
            process.join(timeout=60)
        outcomes.append(got)
    assert [got.count("ran") for got in outcomes] == [1] * len(outcomes), outcomes
    assert all(got[1].startswith("refused: another sweep") for got in outcomes), outcomes
    table = pd.read_parquet(tmp_path / "s0" / "runs")
    assert len(table) == 20 and table["run_id"].is_unique


def _hold_lock(folder: Path, ready: object, done: object) -> None:
    store = SweepStore(folder, notify=lambda message: None)
    store.open({"fingerprint": "f"}, pd.DataFrame({"x": [1]}))
    ready.set()  # type: ignore[attr-defined]
    done.wait(60)  # type: ignore[attr-defined]
    store.close()


def test_a_live_lock_is_refused_with_the_lock_file_named(tmp_path: Path) -> None:
    out = claim_folder(tmp_path / "o")
    ready, done = FORK.Event(), FORK.Event()
    holder = FORK.Process(target=_hold_lock, args=(out, ready, done))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(UserInputError) as caught:
            SweepStore(out).open({"fingerprint": "f"}, pd.DataFrame({"x": [1]}))
    finally:
        done.set()
        holder.join(60)
    message = str(caught.value)
    assert f"process {holder.pid}" in message and str(out / ".lock") in message
    assert "delete" in message and "\n" not in message
    SweepStore(out).open({"fingerprint": "f"}, pd.DataFrame({"x": [1]}))  # released: free


@pytest.fixture
def other_process():
    """A live process that is not a sweep: the pid a dead sweep's lock names, reused."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


@pytest.mark.parametrize("flock", [True, False], ids=["flock", "fallback"])
def test_a_lock_whose_pid_was_reused_is_taken_over(tmp_path: Path, other_process,
                                                   monkeypatch, flock: bool) -> None:
    from governance_sim.sweep.lock import boot_id

    if not flock:
        import fcntl

        monkeypatch.setattr(fcntl, "flock", _no_flock)
    out = claim_folder(tmp_path / "o")
    # the sweep that wrote this lock had this pid; it died, another process got the pid
    (out / ".lock").write_text(json.dumps({"host": socket.gethostname(),
                                           "pid": other_process.pid, "started": 1.0,
                                           "boot": boot_id()}))
    said: list[str] = []
    store = SweepStore(out, notify=said.append)
    store.open({"fingerprint": "f"}, pd.DataFrame({"x": [1]}))
    assert said and f"taking over the lock of process {other_process.pid}" in said[0]
    owner = json.loads((out / ".lock").read_text())
    assert owner["pid"] == os.getpid() and owner["started"] and owner["host"]
    store.close()
    assert not (out / ".lock").exists()


def test_fallback_refuses_a_lock_whose_process_still_runs(tmp_path: Path, other_process,
                                                          monkeypatch) -> None:
    import fcntl

    from governance_sim.sweep.lock import boot_id
    from governance_sim.sweep.processes import process_started

    monkeypatch.setattr(fcntl, "flock", _no_flock)
    out = claim_folder(tmp_path / "o")
    (out / ".lock").write_text(json.dumps({
        "host": socket.gethostname(), "pid": other_process.pid,
        "started": process_started(other_process.pid), "boot": boot_id()}))
    with pytest.raises(UserInputError, match=f"process {other_process.pid}") as caught:
        SweepStore(out).open({"fingerprint": "f"}, pd.DataFrame({"x": [1]}))
    assert str(out / ".lock") in str(caught.value)
    assert (out / ".lock").exists()


# --- the race as a property (issue 22): any number of contenders, any lock left behind ---
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: What a folder may hold when the contenders arrive.
LOCK_STATES = ("none", "dead pid", "reused pid", "another boot", "unreadable")


def _leave_lock(out: Path, state: str) -> None:
    """Write the lock a dead or foreign sweep left behind (``state`` of :data:`LOCK_STATES`)."""
    from governance_sim.sweep.lock import boot_id

    here = {"host": socket.gethostname(), "boot": boot_id()}
    if state == "dead pid":
        (out / ".lock").write_text(json.dumps({**here, "pid": _dead_pid()}))
    elif state == "reused pid":  # a live process (this test's parent) that is not a sweep
        (out / ".lock").write_text(json.dumps({**here, "pid": os.getppid(), "started": 1.0}))
    elif state == "another boot":  # a live pid, but recorded before the machine rebooted
        (out / ".lock").write_text(json.dumps({**here, "pid": os.getppid(),
                                               "boot": "an-earlier-boot"}))
    elif state == "unreadable":
        (out / ".lock").write_bytes(b"\x00\xff not a lock")


def _race_once(folder: Path, contenders: int, state: str, flock: bool) -> tuple[int, list[str]]:
    out = claim_folder(folder)
    _leave_lock(out, state)
    start, hold, results = FORK.Barrier(contenders), FORK.Barrier(contenders), FORK.Queue()
    processes = [FORK.Process(target=_contender, args=(out, start, hold, results, flock))
                 for _ in range(contenders)]
    for process in processes:
        process.start()
    got = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return got.count("won"), [m for m in got if m != "won"]


@st.composite
def _races(draw: st.DrawFn) -> tuple[int, str, bool]:
    """A race inside what the lock promises (module docstring of ``sweep.lock``): with
    ``flock`` any lock file and up to 6 contenders; in the fallback a stale or unreadable
    lock is taken over by at most two at the same instant."""
    flock = draw(st.booleans())
    state = draw(st.sampled_from(LOCK_STATES))
    most = 6 if flock or state == "none" else 2
    return draw(st.integers(2, most)), state, flock


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(race=_races())
@example(race=(2, "unreadable", False))  # found by this test: a UnicodeDecodeError traceback
@example(race=(6, "reused pid", True))
def test_any_race_lets_exactly_one_in_and_names_the_lock_to_the_others(
        tmp_path_factory: pytest.TempPathFactory, race: tuple[int, str, bool]) -> None:
    contenders, state, flock = race
    folder = tmp_path_factory.mktemp("race") / "out"
    winners, refusals = _race_once(folder, contenders, state, flock)
    assert winners == 1, race
    assert all("lock file" in message and ".lock" in message
               for message in refusals), (race, refusals[:1])
    assert not (folder / ".lock").exists()  # the winner released it
