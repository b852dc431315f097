"""discover with parameter uncertainty (issue 21): the drawn parameters as factors, or
integrated over; which levers matter whatever the world is, and which only in some."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from governance_sim.cli import main
from governance_sim.discovery import (
    DiscoveryError,
    discover,
    drawn_columns,
    lever_worlds,
    per_world,
)
from governance_sim.sweep.store import SweepStore


def _fake_sweep(folder: Path, rng: np.random.Generator) -> Path:
    """A sweep folder as the runner writes it: 80 points x 10 draws of a table.

    The outcome ``ok`` needs lever ``a`` above 0.5 in every world, and lever ``b`` above 0.5
    only in the five worlds whose drawn ``trust_anchoring`` is above 0.05. Lever ``c`` does
    nothing.
    """
    points = pd.DataFrame({"a": rng.uniform(0, 1, 80), "b": rng.uniform(0, 1, 80),
                           "c": rng.uniform(0, 1, 80)})
    points.index.name = "point_id"
    anchoring = rng.permutation(np.linspace(0.01, 0.09, 10))
    rows = []
    for point_id, point in points.iterrows():
        for draw in range(10):
            value = float(point.a > 0.5 and (point.b > 0.5 or anchoring[draw] < 0.05))
            rows.append({"run_id": point_id * 10 + draw, "point_id": point_id,
                         "replicate": draw, "seed": 7, "a": point.a, "b": point.b,
                         "c": point.c, "ok": value, "draw": float(draw),
                         "drawn_trust_anchoring": anchoring[draw], "status": "ok",
                         "error": None, "elapsed_s": 0.0})
    columns = list(rows[0])
    manifest = {"kind": "governance_sim.sweep", "name": "worlds", "n_runs": len(rows),
                "fingerprint": "worlds-test",
                "parameters": [{"name": n, "section": "levers", "low": 0.0, "high": 1.0}
                               for n in "abc"],
                "outcomes": [{"name": "ok", "metric": "ok"},
                             {"name": "draw", "metric": "drawn:draw"},
                             {"name": "drawn_trust_anchoring",
                              "metric": "drawn:trust_anchoring"}],
                "columns": columns, "design": {"kind": "latin_hypercube"}}
    store = SweepStore(folder)
    store.open(manifest, points.reset_index())
    store.append(rows, columns)
    store.close()
    return folder


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fake_sweep(tmp_path_factory.mktemp("worlds") / "sweep", np.random.default_rng(3))


def test_drawn_columns_are_the_tables_parameters_not_the_draw_index(worlds: Path) -> None:
    manifest = json.loads((worlds / "manifest.json").read_text())
    assert drawn_columns(manifest) == ["drawn_trust_anchoring"]


def test_drawn_parameters_as_factors_and_integrated_over(worlds: Path) -> None:
    plain = discover(worlds, "ok > 0.5", resamples=0)
    assert [f.name for f in plain.result.factors] == ["a", "b", "c"]
    across = discover(worlds, "ok > 0.5", drawn="factors", resamples=0)
    assert "drawn_trust_anchoring" in [f.name for f in across.result.factors]
    robust = discover(worlds, "ok > 0.5", drawn="integrate", robust=0.95, resamples=0)
    assert robust.n_points == 80 and robust.n_runs == 800
    assert [f.name for f in robust.result.factors] == ["a", "b", "c"]
    # a point counts when it succeeds in every world: a > 0.5 and b > 0.5
    first = pd.read_parquet(worlds / "runs").groupby("point_id")[["a", "b"]].first()
    assert robust.n_interest == int(((first["a"] > 0.5) & (first["b"] > 0.5)).sum())
    assert set(robust.result.boxes[robust.chosen].restricted) >= {"a", "b"}
    by_world = per_world(worlds, "ok > 0.5", ["a", "b", "c"])
    assert list(by_world["world"]) == list(range(10)) and (by_world["n_runs"] == 80).all()
    verdicts = lever_worlds(across, robust, by_world, ["a", "b", "c"]).set_index("lever")
    assert verdicts.loc["a", "verdict"] == "whatever the world"
    assert verdicts.loc["a", "share_of_worlds"] == 1.0
    assert verdicts.loc["b", "verdict"] == "only in some worlds"
    assert verdicts.loc["b", "share_of_worlds"] == 0.5  # the five high-anchoring worlds
    assert verdicts.loc["c", "share_of_worlds"] <= 0.1
    with pytest.raises(DiscoveryError, match="allowed: ignore, factors, integrate"):
        discover(worlds, "ok > 0.5", drawn="sideways")


def test_cli_discover_reports_both_by_default(worlds: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "found"
    assert main(["discover", str(worlds), "--where", "ok > 0.5", "--out", str(out),
                 "--resamples", "0", "--robust", "0.95"]) == 0
    printed = capsys.readouterr().out
    assert "Across worlds" in printed and "Whatever the world is" in printed
    assert "lever a: whatever the world" in printed
    assert "lever b: only in some worlds (restricted in 50% of the worlds)" in printed
    for name in ("box.csv", "levers.csv", "levers.md", "integrated/box.csv",
                 "integrated/discovery.json", "integrated/discovery.html"):
        assert (out / name).is_file(), name
    inner = json.loads((out / "integrated" / "discovery.json").read_text())
    assert inner["drawn"] == "integrate" and inner["robust"] == 0.95
    assert json.loads((out / "discovery.json").read_text())["drawn"] == "factors"
    # again into the same folder: it replaces its own files
    assert main(["discover", str(worlds), "--where", "ok > 0.5", "--out", str(out),
                 "--resamples", "0", "--drawn", "integrate"]) == 0
    assert main(["discover", str(worlds), "--where", "ok > 0.5", "--drawn", "up"]) == 2


def test_a_sweep_without_draws_refuses_drawn_modes(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "tiny.toml"
    spec.write_text("""
[sweep]
name = "tiny"
model = "linear"
seed = 4
[levers]
x1 = { low = 0.0, high = 1.0, levels = 6 }
x2 = { low = 0.0, high = 1.0, levels = 6 }
[outcomes]
y = { stat = "value" }
""")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--workers", "1",
                 "--no-progress"]) == 0
    assert main(["discover", str(tmp_path / "s"), "--where", "y > 1", "--resamples",
                 "0"]) == 0
    assert "Across worlds" not in capsys.readouterr().out
    assert main(["discover", str(tmp_path / "s"), "--where", "y > 1", "--drawn",
                 "factors"]) == 2
    assert "records no drawn parameters" in capsys.readouterr().err


def test_when_every_point_is_robust_the_cli_says_so_and_still_classifies_levers(
        worlds: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # six of the ten worlds have anchoring above 0.04, at every point: every point has the
    # outcome in 60 % of its runs, so at --robust 0.5 every point is robust
    assert main(["discover", str(worlds), "--where", "drawn_trust_anchoring > 0.04", "--out",
                 str(tmp_path / "f"), "--resamples", "0", "--robust", "0.5"]) == 0
    printed = capsys.readouterr().out
    assert "Whatever the world is" in printed and "nothing to discover" in printed
    assert "lever a:" in printed and (tmp_path / "f" / "levers.md").is_file()
    assert not (tmp_path / "f" / "integrated").exists()
    # an earlier integrated box in the same folder does not stay behind
    assert main(["discover", str(worlds), "--where", "ok > 0.5", "--out", str(tmp_path / "g"),
                 "--resamples", "0"]) == 0
    assert (tmp_path / "g" / "integrated" / "box.csv").is_file()
    assert main(["discover", str(worlds), "--where", "drawn_trust_anchoring > 0.04", "--out",
                 str(tmp_path / "g"), "--resamples", "0", "--robust", "0.5"]) == 0
    assert not (tmp_path / "g" / "integrated" / "box.csv").exists()
