"""gs.run_many and gs.compare, and run/compare --uncertainty end to end (issue 14 items 1, 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.ensemble import Comparison, independent_seeds, replicate_seeds
from governance_sim.metrics import METRICS
from governance_sim.uncertainty import load_table

TINY = {"n_citizens": 500, "n_units": 10}
STEPS = 24
METRIC_NAMES = [m.name for m in METRICS]


@pytest.fixture(scope="module")
def with_table() -> pd.DataFrame:
    return gs.run_many("co_creation", replicates=3, seed=11, steps=STEPS,
                       uncertainty="calibrated", settings=TINY, progress=False)


def test_run_many_returns_a_tidy_frame():
    frame = gs.run_many("npm", replicates=2, seed=4, steps=6, settings=TINY, progress=False,
                        uncertainty="none")
    assert list(frame.columns[:4]) == ["scenario", "replicate", "seed", "step"]
    assert set(METRIC_NAMES) <= set(frame.columns)
    assert len(frame) == 2 * 7 and set(frame["scenario"]) == {"npm"}
    assert frame.groupby("replicate")["seed"].first().tolist() == [4, 5]
    assert frame.groupby("replicate")["step"].apply(list).tolist() == [list(range(7))] * 2
    assert all(frame[c].dtype == np.int64 for c in ("replicate", "seed", "step"))
    assert all(frame[m].dtype == np.float64 for m in METRIC_NAMES)
    assert frame.attrs["bands"] == "seed variation (2 seeds)"
    alone = gs.run("npm", steps=6, seed=5, **TINY).timeseries.reset_index()
    second = frame[frame["replicate"] == 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(second[alone.columns], alone, check_dtype=False)


def test_run_many_with_a_table_is_reproducible_bit_for_bit(with_table):
    again = gs.run_many("co_creation", replicates=3, seed=11, steps=STEPS,
                        uncertainty="calibrated", settings=TINY, progress=False)
    pd.testing.assert_frame_equal(with_table, again, check_exact=True)
    assert with_table.attrs["bands"].startswith("seed variation and parameter uncertainty")


def test_each_replicate_draws_its_own_parameters(with_table):
    table = load_table("calibrated")
    drawn = with_table.groupby("replicate")[list(table.names)]
    assert (drawn.nunique() == 1).all().all(), "a draw holds for the whole run"
    first = drawn.first()
    assert len({tuple(row) for row in first.to_numpy()}) == 3, "replicates draw differently"
    for replicate, row in first.iterrows():
        assert row.to_dict() == pytest.approx(table.draw(11 + int(replicate)))
    plain = gs.run_many("co_creation", replicates=1, seed=11, steps=STEPS, settings=TINY,
                        progress=False, uncertainty="none")
    assert not np.allclose(plain["trust_mean"],
                           with_table.loc[with_table["replicate"] == 0, "trust_mean"])


def test_a_replicate_reruns_alone_with_its_seed(with_table):
    alone = gs.run_many("co_creation", replicates=1, seed=13, steps=STEPS,
                        uncertainty="calibrated", settings=TINY, progress=False)
    third = with_table[with_table["replicate"] == 2].drop(columns="replicate")
    pd.testing.assert_frame_equal(third.reset_index(drop=True),
                                  alone.drop(columns="replicate"), check_exact=True)


def test_scenario_and_settings_win_over_the_table(tmp_path):
    path = tmp_path / "own.toml"
    path.write_text('[scenario]\nname = "own"\nsteps = 4\n[params]\ntrust_anchoring = 0.05\n'
                    'n_citizens = 300\nn_units = 10\n', encoding="utf-8")
    frame = gs.run_many(path, replicates=3, seed=1, uncertainty="calibrated",
                        settings={"scar_rate": 0.001}, progress=False)
    assert (frame["trust_anchoring"] == 0.05).all() and (frame["scar_rate"] == 0.001).all()
    assert frame.groupby("replicate")["participation_intercept"].first().nunique() == 3
    table = tmp_path / "t.csv"
    table.write_text("trust_anchoring,scar_rate\n0.02,0.002\n", encoding="utf-8")
    with pytest.raises(gs.UserInputError, match="change nothing"):
        gs.run_many(path, replicates=1, uncertainty=table, settings={"scar_rate": 0.001},
                    progress=False)


def test_compare_pairs_replicates_and_draws():
    result = gs.compare(["bureaucracy", "co_creation"], replicates=2, seed=3, steps=6,
                        uncertainty="calibrated", settings=TINY, progress=False)
    assert isinstance(result, Comparison) and result.baseline == "bureaucracy"
    runs = result.runs
    first = runs.groupby(["scenario", "replicate"])[["seed", "trust_anchoring"]].first()
    pd.testing.assert_frame_equal(first.loc["bureaucracy"], first.loc["co_creation"])
    assert set(result.effects["scenario"]) == {"co_creation"}
    assert "trust_anchoring" not in result.effects.columns
    unpaired = gs.compare(["bureaucracy", "co_creation"], replicates=2, seed=3, steps=2,
                          settings=TINY, common_random_numbers=False, progress=False)
    seeds = unpaired.runs.groupby("scenario")["seed"].unique()
    assert set(seeds["bureaucracy"]).isdisjoint(seeds["co_creation"])
    assert list(seeds["bureaucracy"]) == independent_seeds(3, 2, "bureaucracy")


def test_effect_is_scenario_minus_baseline():
    base = gs.load_scenario("bureaucracy")
    low = replace(base, name="low", params=base.params.replace(initial_trust=0.3, **TINY))
    high = replace(base, name="high", params=base.params.replace(initial_trust=0.7, **TINY))
    result = gs.compare([low, high], replicates=3, seed=2, steps=4, progress=False)
    effects = result.effects
    assert result.baseline == "low" and set(effects["scenario"]) == {"high"}
    start = effects[effects["step"] == 0]
    assert (start["trust_mean"] > 0.3).all(), "high - low, not low - high"
    runs = result.runs.set_index(["scenario", "replicate", "step"])["trust_mean"]
    expected = (runs.loc["high"] - runs.loc["low"]).reset_index(drop=True)
    np.testing.assert_array_equal(effects["trust_mean"].to_numpy(), expected.to_numpy())
    summary = result.summary(metrics=["trust_mean"])
    row = summary.iloc[0]
    assert row["step"] == 4 and row["n"] == 3 and row["low"] < row["mean"] < row["high"]
    assert row["mean"] > 0 and row["share_positive"] == 1.0
    reversed_ = gs.compare([low, high], baseline="high", replicates=3, seed=2, steps=4,
                           progress=False)
    assert reversed_.summary(metrics=["trust_mean"]).iloc[0]["mean"] == pytest.approx(
        -row["mean"])


def test_fixed_seed_leaves_parameter_uncertainty_alone():
    frame = gs.run_many("npm", replicates=3, seed=8, steps=3, uncertainty="calibrated",
                        fixed_seed=True, settings=TINY, progress=False)
    assert set(frame["seed"]) == {8}
    assert frame.attrs["bands"] == "parameter uncertainty (3 draws from calibrated)"
    table = load_table("calibrated")
    drawn = frame.groupby("replicate")["scar_rate"].first().tolist()
    assert drawn == [table.draw(8 + r)["scar_rate"] for r in range(3)]
    with pytest.raises(gs.UserInputError, match="needs uncertainty"):
        gs.run_many("npm", replicates=2, fixed_seed=True, progress=False, uncertainty="none")


def test_bad_calls_say_what_is_allowed():
    with pytest.raises(gs.UserInputError, match="at least two"):
        gs.compare(["npm"], progress=False)
    with pytest.raises(gs.UserInputError, match="baseline 'x'.*allowed: npm, bureaucracy"):
        gs.compare(["npm", "bureaucracy"], baseline="x", progress=False)
    with pytest.raises(gs.UserInputError, match="given twice"):
        gs.compare(["npm", "npm"], progress=False)
    with pytest.raises(gs.ParameterError, match="replicates"):
        gs.run_many("npm", replicates=0, progress=False)
    with pytest.raises(gs.UserInputError, match="not found"):
        gs.run_many("npm", uncertainty="nowhere.csv", progress=False)
    with pytest.raises(gs.ParameterError, match="--seed"):
        replicate_seeds(-1, 2)


def test_import_does_not_load_the_ensemble_or_pandas_for_it():
    code = ("import sys, governance_sim as gs; assert 'governance_sim.ensemble' not in "
            "sys.modules; from governance_sim import ensemble; "
            "assert gs.run_many is ensemble.run_many and gs.compare is ensemble.compare")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- the command line ----------------------------------------------------------------------
CLI_TINY = ["--steps", str(STEPS), "--replicates", "3", "--set", "n_citizens=500",
            "--set", "n_units=10", "--no-progress"]


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_cli_compare_with_a_table_labels_its_bands(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", "bureaucracy", "co_creation", *CLI_TINY, "--uncertainty",
                 "calibrated", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    manifest = _manifest(out)
    label = ("seed variation and parameter uncertainty (3 replicates, each its own seed and "
             "parameter draw)")
    assert manifest["bands"] == label and f"bands: {label}" in printed
    table = load_table("calibrated")
    assert manifest["uncertainty"]["sha256"] == table.sha256
    assert manifest["uncertainty"]["rows"] == 22
    assert manifest["uncertainty"]["parameters"] == list(table.names)
    assert "--uncertainty calibrated" in manifest["command"]
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert set(table.names) <= set(frame.columns)
    again = gs.compare(["bureaucracy", "co_creation"], replicates=3, seed=1, steps=STEPS,
                       uncertainty="calibrated", settings=TINY, progress=False).runs
    pd.testing.assert_frame_equal(frame, again[frame.columns], check_exact=True)
    assert label in (out / "report.html").read_text(encoding="utf-8")


def test_cli_fixed_seed_gives_parameter_uncertainty_alone(tmp_path, capsys):
    out = tmp_path / "fixed"
    code = main(["run", "co_creation", *CLI_TINY, "--uncertainty", "calibrated",
                 "--fixed-seed", "--no-report", "--out", str(out), "--seed", "5"])
    assert code == 0
    manifest = _manifest(out)
    assert manifest["bands"] == "parameter uncertainty (3 draws from calibrated)"
    assert manifest["seeds"] == [5, 5, 5]
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert set(frame["seed"]) == {5}
    drawn = frame.groupby("replicate")["trust_anchoring"].first()
    table = load_table("calibrated")  # rows drawn with replacement: 5 and 7 share one here
    assert drawn.tolist() == [table.draw(5 + r)["trust_anchoring"] for r in range(3)]
    assert drawn.nunique() >= 2
    plain = tmp_path / "plain"
    assert main(["run", "co_creation", *CLI_TINY, "--no-report", "--out", str(plain),
                 "--uncertainty", "none"]) == 0
    assert _manifest(plain)["bands"] == "seed variation (3 seeds)"
    assert _manifest(plain)["uncertainty"] is None


@pytest.mark.parametrize(("extra", "expected"), [
    (["--fixed-seed", "--uncertainty", "none"], "needs a parameter table"),
    (["--uncertainty", "nowhere.csv"], "parameter table not found"),
    (["--uncertainty", "calibrate"], "parameter table not found"),
])
def test_cli_bad_uncertainty_is_one_line(tmp_path, capsys, extra, expected):
    code = main(["run", "npm", *CLI_TINY, "--out", str(tmp_path / "o"), *extra])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and expected in lines[0]
    assert not (tmp_path / "o" / "manifest.json").exists()


def test_shipped_scenarios_ship_with_the_calibrated_table(tmp_path):
    """Issue 14: "the default scenarios ship with the calibrated uncertainty"."""
    from governance_sim.ensemble import scenario_table
    from governance_sim.scenarios import list_scenarios, load_scenario

    scenarios = [load_scenario(name) for name in list_scenarios()]
    assert {s.uncertainty for s in scenarios} == {"calibrated"}
    assert scenario_table(scenarios).sha256 == load_table("calibrated").sha256
    assert scenario_table(scenarios, "none") is None
    # the default run draws, the same as asking for the table; "none" does not draw
    default = gs.run_many("npm", replicates=2, seed=4, steps=3, settings=TINY, progress=False)
    asked = gs.run_many("npm", replicates=2, seed=4, steps=3, settings=TINY, progress=False,
                        uncertainty="calibrated")
    pd.testing.assert_frame_equal(default, asked, check_exact=True)
    assert default.attrs["bands"].startswith("seed variation and parameter uncertainty")
    plain = gs.run_many("npm", replicates=2, seed=4, steps=3, settings=TINY, progress=False,
                        uncertainty="none")
    assert "scar_rate" not in plain.columns
    # through the command line, and recorded in the manifest
    out = tmp_path / "default"
    assert main(["run", "npm", *CLI_TINY, "--no-report", "--out", str(out)]) == 0
    manifest = _manifest(out)
    assert manifest["uncertainty"]["name"] == "calibrated"
    assert manifest["scenarios"][0]["uncertainty"] == "calibrated"
    assert "parameter uncertainty" in manifest["bands"]


def test_scenarios_that_ship_with_different_tables_ask_for_a_choice(tmp_path, capsys):
    import dataclasses

    from governance_sim.ensemble import scenario_table
    from governance_sim.scenarios import load_scenario

    npm = load_scenario("npm")
    plain = dataclasses.replace(load_scenario("bureaucracy"), uncertainty="none")
    with pytest.raises(gs.UserInputError, match="different parameter tables.*--uncertainty"):
        scenario_table([npm, plain])
    assert scenario_table([npm, plain], "none") is None
    own = tmp_path / "own.toml"
    own.write_text('[scenario]\nname = "own"\nuncertainty = "none"\n', encoding="utf-8")
    code = main(["compare", "npm", str(own), *CLI_TINY, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "different parameter tables" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
    silent = dataclasses.replace(plain, uncertainty="")  # a file that says nothing follows
    assert scenario_table([npm, silent]).name == "calibrated"
    assert scenario_table([silent]) is None


@pytest.mark.parametrize("value", ["data/parameter_uncertainty.csv", "/etc/passwd", "posterior"])
def test_a_scenario_names_only_a_shipped_table(tmp_path, value):
    """Files are data: a scenario file never makes the tool read another file."""
    from governance_sim.scenarios import ScenarioError, load_scenario

    path = tmp_path / "s.toml"
    path.write_text(f'[scenario]\nname = "s"\nuncertainty = "{value}"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="allowed: calibrated, none"):
        load_scenario(path)
