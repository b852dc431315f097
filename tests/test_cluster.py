"""Sweeps on a real Dask cluster: a `dask scheduler` and `dask worker`s as separate processes.

The scheduler writes a scheduler file in a temporary folder (the SLURM / dask-mpi route);
workers join it with `--nthreads 1`. The tests show that a sweep equals a serial run, that
a worker added mid-sweep receives runs and that the runs in flight grow with it, and that
the scheduler file, a `distributed.Client` and a cluster-like object are all accepted.
Also here: a model function defined in `__main__` (as in a notebook) runs on the process
pool and on Dask, with the results of a serial run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import cloudpickle
import pandas as pd
import pytest

from governance_sim.cli import main
from governance_sim.sweep import SpecError, read_table, run_sweep
from governance_sim.sweep.dask_executor import DaskExecutor, read_scheduler_file
from governance_sim.sweep.testfunctions import linear

pytestmark = pytest.mark.slow

SPEC = """
[sweep]
name = "cluster"
model = "linear"
replicates = 2
seed = 5
[uncertainties]
x1 = {{ low = 0.0, high = 1.0, levels = {levels} }}
x2 = {{ low = -1.0, high = 1.0, levels = 8 }}
[constants]
noise = 0.5
delay_s = {delay}
[outcomes]
y = {{}}
{extra}
"""
TRACED = "port = {}\nstarted = {}\nended = {}"
KEY = ["run_id", "point_id", "replicate", "seed", "x1", "x2", "y"]


def traced(params: dict, seed: int | None = None) -> dict[str, float]:
    """The linear test function, plus which worker ran it (its port) and when."""
    from distributed import get_worker

    started = time.time()
    y = linear(params, seed=seed)["y"]
    try:
        port = float(get_worker().address.rsplit(":", 1)[1])
    except ValueError:  # not on a Dask worker
        port = 0.0
    return {"y": y, "port": port, "started": started, "ended": time.time()}


def in_task(params: dict, seed: int | None = None) -> dict[str, float]:
    """The linear test function, plus a number naming the Dask task it ran in."""
    import zlib

    from distributed import get_worker

    key = str(get_worker().get_current_task())
    return {"y": linear(params, seed=seed)["y"], "task": float(zlib.crc32(key.encode()))}


def _dask(*args: str, log: Path) -> subprocess.Popen:
    """Start `dask <args>` in a process group of its own (so the test can end all of it)."""
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _end(processes: list[subprocess.Popen]) -> None:
    """End each process group: SIGTERM, and SIGKILL for what is left after 3 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for process in processes:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        if all(process.poll() is not None for process in processes):
            return


class RealCluster:
    """A `dask scheduler` and its workers, each an OS process, on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "sched.json"
        self.log = folder / "dask.log"
        self.processes: list[subprocess.Popen] = []
        self.processes.append(_dask("scheduler", "--scheduler-file", str(self.file),
                                    "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                    log=self.log))
        deadline = time.monotonic() + 60
        while True:
            try:
                self.address = read_scheduler_file(self.file)
                break
            except SpecError:
                if time.monotonic() > deadline or self.processes[0].poll() is not None:
                    raise RuntimeError("the dask scheduler did not start:\n"
                                       + self.log.read_text()) from None
                time.sleep(0.2)

    def add_worker(self, nthreads: int = 1) -> subprocess.Popen:
        worker = _dask("worker", "--scheduler-file", str(self.file), "--nthreads",
                       str(nthreads), "--no-dashboard", "--host", "127.0.0.1",
                       "--no-nanny", log=self.log)
        self.processes.append(worker)
        return worker

    def wait_for_workers(self, n: int, client: object) -> None:
        try:
            client.wait_for_workers(n, timeout=90)  # type: ignore[attr-defined]
        except TimeoutError:
            raise RuntimeError(f"{n} dask workers did not connect:\n"
                               + self.log.read_text()) from None

    def close(self) -> None:
        _end(self.processes)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCluster]:
    from distributed import Client

    real = RealCluster(tmp_path_factory.mktemp("cluster"))
    try:
        real.add_worker()
        real.add_worker()
        with Client(real.address, set_as_default=False) as client:
            real.wait_for_workers(2, client)
        yield real
    finally:
        real.close()


def _spec(folder: Path, name: str, *, levels: int, delay: float, extra: str = "") -> Path:
    path = folder / name
    path.write_text(SPEC.format(levels=levels, delay=delay, extra=extra))
    return path


def _serial(folder: Path, levels: int) -> pd.DataFrame:
    spec = _spec(folder, "serial.toml", levels=levels, delay=0.0)
    run_sweep(spec, folder / "serial", model=linear, workers=1, progress=False)
    return read_table(folder / "serial")[KEY]


def _most_at_once(table: pd.DataFrame) -> int:
    """The most runs that were running at the same moment."""
    events = sorted([(t, 1) for t in table["started"]] + [(t, -1) for t in table["ended"]])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def test_a_worker_that_joins_mid_sweep_receives_runs(cluster: RealCluster,
                                                     tmp_path: Path) -> None:
    from distributed import Client

    spec = _spec(tmp_path, "spec.toml", levels=10, delay=0.25, extra=TRACED)
    this_module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(this_module)  # workers cannot import the tests
    joined: dict[str, object] = {}

    def add_third_worker() -> None:
        # once the sweep has runs in flight, a worker with 8 threads joins: with the window
        # fixed at connect (2 threads) at most 8 runs could ever be in flight
        with Client(cluster.address, set_as_default=False) as watcher:
            before = set(watcher.scheduler_info()["workers"])
            deadline = time.monotonic() + 60
            while not any(watcher.processing().values()) and time.monotonic() < deadline:
                time.sleep(0.1)
            joined["at"] = time.time()
            cluster.add_worker(nthreads=8)
            cluster.wait_for_workers(3, watcher)
            joined["address"] = (set(watcher.scheduler_info()["workers"]) - before).pop()

    helper = threading.Thread(target=add_third_worker)
    helper.start()
    try:
        report = run_sweep(spec, tmp_path / "dask", model=traced, scheduler=str(cluster.file),
                           progress=False)
    finally:
        helper.join()
        cloudpickle.unregister_pickle_by_value(this_module)
    assert report.ok and report.ran == 160
    assert report.executor.startswith("Dask scheduler tcp://127.0.0.1:")
    table = read_table(tmp_path / "dask")
    third = float(str(joined["address"]).rsplit(":", 1)[1])
    by_worker = table["port"].value_counts()
    assert len(by_worker) == 3 and (table["port"] > 0).all()
    assert by_worker.get(third, 0) >= 10, by_worker  # the new worker took a share
    assert table.loc[table["port"] == third, "started"].min() > joined["at"]
    # with 10 threads the runs in flight grew past the 8 a fixed window would allow
    assert _most_at_once(table) >= 9, _most_at_once(table)
    pd.testing.assert_frame_equal(table[KEY], _serial(tmp_path, 10))


def test_scheduler_file_on_the_command_line(cluster: RealCluster, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path, "spec.toml", levels=3, delay=0.0)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "dask"), "--scheduler",
                 str(cluster.file), "--no-progress"])
    assert code == 0
    assert f"on Dask scheduler {cluster.address} (from {cluster.file})" in capsys.readouterr().out
    pd.testing.assert_frame_equal(read_table(tmp_path / "dask")[KEY], _serial(tmp_path, 3))


def test_a_client_or_a_cluster_object_from_python(cluster: RealCluster,
                                                  tmp_path: Path) -> None:
    from distributed import Client

    spec = _spec(tmp_path, "spec.toml", levels=3, delay=0.0)
    serial = _serial(tmp_path, 3)
    with Client(cluster.address, set_as_default=False) as client:
        report = run_sweep(spec, tmp_path / "client", scheduler=client, progress=False)
        assert report.ok and report.executor == f"Dask client of {cluster.address}"
        assert client.status == "running"  # a Client passed in is the caller's to close
    pd.testing.assert_frame_equal(read_table(tmp_path / "client")[KEY], serial)
    # anything with a scheduler_address (dask-jobqueue, Kubernetes, Coiled clusters)
    like = SimpleNamespace(scheduler_address=cluster.address)
    report = run_sweep(spec, tmp_path / "like", scheduler=like, progress=False)
    assert report.ok and report.executor == f"Dask SimpleNamespace {cluster.address}"
    pd.testing.assert_frame_equal(read_table(tmp_path / "like")[KEY], serial)


def test_quick_runs_are_joined_into_fewer_tasks(cluster: RealCluster, tmp_path: Path) -> None:
    """A model of microseconds: after the first results, chunks go several to a task."""
    spec = _spec(tmp_path, "spec.toml", levels=25, delay=0.0, extra="task = {}")
    this_module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(this_module)
    try:
        report = run_sweep(spec, tmp_path / "dask", model=in_task, scheduler=str(cluster.file),
                           progress=False)
    finally:
        cloudpickle.unregister_pickle_by_value(this_module)
    assert report.ok and report.ran == 400
    table = read_table(tmp_path / "dask")
    assert table["task"].nunique() < 100, table["task"].nunique()  # 400 chunks of one run
    pd.testing.assert_frame_equal(table[KEY], _serial(tmp_path, 25))


def test_when_the_last_worker_leaves_the_sweep_stops_and_resumes_later(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A cluster of its own: its only worker is killed mid-sweep, then a new one joins."""
    from distributed import Client

    spec = _spec(tmp_path, "spec.toml", levels=4, delay=0.1)  # 64 runs of 0.1 s
    own = RealCluster(tmp_path)
    try:
        worker = own.add_worker()
        with Client(own.address, set_as_default=False) as client:
            own.wait_for_workers(1, client)

            def kill_when_running() -> None:  # once the first runs are on disk
                deadline = time.monotonic() + 60
                while (not list((tmp_path / "o" / "runs").glob("part-*.parquet"))
                       and time.monotonic() < deadline):
                    time.sleep(0.05)
                os.killpg(worker.pid, signal.SIGKILL)

            killer = threading.Thread(target=kill_when_running)
            killer.start()
            started = time.monotonic()
            command = ["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                       str(own.file), "--worker-timeout", "2", "--flush-seconds", "0",
                       "--no-progress"]
            code = main(command)
            killer.join()
            err = capsys.readouterr().err
            assert code == 1 and "no Dask worker for 2 s (--worker-timeout)" in err, err
            assert "Traceback" not in err and time.monotonic() - started < 60
            done = len(read_table(tmp_path / "o"))
            assert 0 < done < 64  # the runs finished before are kept
            own.add_worker()
            own.wait_for_workers(1, client)
            assert main(command) == 0
        assert f"64 runs ({64 - done} run, {done} already recorded)" in capsys.readouterr().out
        pd.testing.assert_frame_equal(read_table(tmp_path / "o")[KEY], _serial(tmp_path, 4))
    finally:
        own.close()


@pytest.mark.parametrize(("content", "message"), [
    (None, "not found; start the scheduler with 'dask scheduler --scheduler-file"),
    ("{not json", "is not JSON"),
    (json.dumps({"type": "Scheduler"}), "has no scheduler 'address'"),
    (json.dumps(["tcp://127.0.0.1:1"]), "has no scheduler 'address'"),
])
def test_a_bad_scheduler_file_is_one_clear_line(tmp_path: Path, content: str | None,
                                                message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sched = tmp_path / "sched.json"
    if content is not None:
        sched.write_text(content)
    spec = _spec(tmp_path, "spec.toml", levels=3, delay=0.0)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler", str(sched),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_scheduler_values_that_are_neither_address_nor_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="is neither an address nor an existing file"):
        DaskExecutor(str(tmp_path / "no-such-thing"))
    with pytest.raises(SpecError, match="got a int; allowed: 'local', a scheduler address"):
        DaskExecutor(42)
    with pytest.raises(SpecError, match="is a folder; give the JSON file"):
        DaskExecutor(str(tmp_path))


MAIN_SCRIPT = """
import sys
import numpy as np
from governance_sim.sweep import read_table, run_sweep

OFFSET = 0.25  # a global of __main__: travels with the function

def model(params, seed=None):
    rng = np.random.default_rng(seed)
    return {"y": 2.0 * params["x1"] - params["x2"] + OFFSET + rng.normal()}

spec, out, scheduler = sys.argv[1:]
run_sweep(spec, out + "/serial", model=model, workers=1, progress=False)
for name, options in [("pool", {"workers": 2}), ("dask", {"scheduler": scheduler})]:
    report = run_sweep(spec, out + "/" + name, model=model, progress=False, **options)
    print(name, report.ok, report.executor)
"""


def test_a_model_defined_in_main_runs_on_every_executor(cluster: RealCluster,
                                                       tmp_path: Path) -> None:
    """As in a notebook: the function lives in __main__ (here `python -c`), not a module.

    Plain pickle sends it by name, which a pool worker (forkserver) cannot look up; the
    executors send it with cloudpickle, by value.
    """
    spec = _spec(tmp_path, "spec.toml", levels=4, delay=0.0)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(MAIN_SCRIPT), str(spec),
                           str(tmp_path), str(cluster.file)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split("\n")
    assert [line.split()[:2] for line in lines if line] == [
        ["pool", "True"], ["dask", "True"]], done.stdout
    serial = read_table(tmp_path / "serial").drop(columns="elapsed_s")
    assert len(serial) == 64 and (serial["status"] == "ok").all()
    for name in ("pool", "dask"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name).drop(columns="elapsed_s"),
                                      serial, obj=name)
