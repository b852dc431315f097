"""A sweep on Dask (a LocalCluster, by --scheduler local and by address) equals serial."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from governance_sim.cli import main
from governance_sim.sweep import read_manifest, read_table, run_sweep

SPEC = """
[sweep]
name = "dask_small"
steps = 24
replicates = 2
seed = 17
[levers]
logic = ["bureaucracy", "co_creation"]
[uncertainties]
initial_trust = [0.3, 0.5, 0.7]
[constants]
n_citizens = 300
n_units = 10
[outcomes]
trust = { metric = "trust_mean" }
gap = { metric = "participation_gap", stat = "mean", window = [12, 24] }
"""


def test_dask_local_cluster_gives_the_serial_table(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "dask"), "--scheduler", "local",
                 "--no-progress"])
    assert code == 0
    serial = read_table(tmp_path / "serial").drop(columns="elapsed_s")
    dask = read_table(tmp_path / "dask").drop(columns="elapsed_s")
    assert len(serial) == 12 and (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(serial, dask)
    assert read_manifest(tmp_path / "dask")["replicate_seeds"] == \
        read_manifest(tmp_path / "serial")["replicate_seeds"]


def test_dask_scheduler_address_and_cluster_object(tmp_path: Path) -> None:
    from distributed import LocalCluster

    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace('initial_trust = [0.3, 0.5, 0.7]', 'initial_trust = [0.4]'))
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        report = run_sweep(spec, tmp_path / "dask", scheduler=cluster.scheduler_address,
                           progress=False)
        assert report.ok and report.ran == 4
        assert report.executor.startswith("Dask scheduler tcp://")
        # the cluster object itself (as a dask-jobqueue SLURMCluster would be passed)
        report = run_sweep(spec, tmp_path / "object", scheduler=cluster, progress=False)
        assert report.ok and report.executor.startswith("Dask LocalCluster tcp://")
        assert cluster.status.name == "running"  # left running for its owner
    run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    serial = read_table(tmp_path / "serial").drop(columns="elapsed_s")
    for name in ("dask", "object"):
        pd.testing.assert_frame_equal(serial, read_table(tmp_path / name).drop(columns="elapsed_s"))


def test_unreachable_scheduler_is_a_user_error(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                 "tcp://127.0.0.1:1", "--no-progress"])
    assert code == 2


CRASH_SPEC = """
[sweep]
model = "linear"
[uncertainties]
x1 = { low = 0.0, high = 7.0, levels = 8 }
[constants]
crash_above = 6.5
[outcomes]
y = {}
"""


def test_a_run_that_kills_its_dask_worker_is_recorded_failed(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(CRASH_SPEC)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler", "local",
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "run 7: WorkerDied: run 7 killed its Dask worker" in err
    table = read_table(tmp_path / "o")
    assert table.loc[table["status"] == "ok", "y"].tolist() == [float(i) for i in range(7)]
    assert table.loc[table["status"] == "failed", "run_id"].tolist() == [7]


def test_a_dask_sweep_without_workers_stops_after_the_stated_timeout(tmp_path: Path,
                                                                     capsys) -> None:
    import time

    from distributed import LocalCluster

    spec = tmp_path / "spec.toml"
    spec.write_text(CRASH_SPEC.replace("crash_above = 6.5", "delay_s = 0.0"))
    with LocalCluster(n_workers=0, dashboard_address=None) as cluster:
        started = time.monotonic()
        code = main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler",
                     cluster.scheduler_address, "--worker-timeout", "2", "--no-progress"])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1 and "no Dask worker for 2 s (--worker-timeout)" in err
    assert "Traceback" not in err and elapsed < 30


def test_the_progress_bar_is_tqdm_auto(tmp_path: Path, monkeypatch) -> None:
    """tqdm.auto: a widget in a notebook, text in a terminal (it picks; the sweep uses it)."""
    import tqdm.auto

    made: list[dict] = []

    class Recorder(tqdm.auto.tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    spec = tmp_path / "spec.toml"
    spec.write_text(CRASH_SPEC.replace("crash_above = 6.5", "delay_s = 0.0"))
    assert run_sweep(spec, tmp_path / "o", workers=1, progress=True).ok
    assert len(made) == 1 and made[0]["total"] == 8 and made[0]["disable"] is False
