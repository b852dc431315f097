"""governance-sim calibrate: implausibility, waves on a known function, CLI, resume, bad files.

The emulators, the screening of the non-implausible space and the posterior on a model with
a known answer are tested in tests/test_calibration_emulated.py.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from governance_sim.calibration import calibrate, config_from_dict, load_config, quick_config
from governance_sim.calibration.config import Target
from governance_sim.calibration.history import (
    Region,
    identifiability,
    summarise_samples,
    target_implausibility,
)
from governance_sim.cli import main
from governance_sim.scenarios import load_scenario
from governance_sim.sweep import SerialExecutor

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "field_calibration" / "example.toml"
FIELD = ROOT / "experiments" / "field_calibration" / "targets.toml"


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


# --- implausibility and region: no model ----------------------------------------------------

def test_implausibility_is_zero_inside_and_scaled_distance_outside() -> None:
    band = Target("y", 0.4, 0.6, scale=0.1)
    mean = np.array([0.5, 0.4, 0.7, 0.2, math.inf, math.nan])
    sd = np.array([0.0, 0.3, 0.1, 0.0, 0.0, 0.0])
    got = target_implausibility(mean, sd, band)
    assert got[:4] == pytest.approx([0.0, 0.0, 0.1 / math.sqrt(0.02), 0.2 / 0.1])
    assert got[4] == math.inf and got[5] == math.inf
    ignored = Target("y", 0.4, 0.6, scale=0.1, missing="ignore")
    assert target_implausibility(mean, sd, ignored)[5] == 0.0


def test_samples_scored_over_seeds_and_targets() -> None:
    table = pd.DataFrame({
        "point_id": [0, 0, 1, 1, 2, 2],
        "status": ["ok", "ok", "ok", "ok", "failed", "failed"],
        "x": [0.1, 0.1, 0.9, 0.9, 0.5, 0.5],
        "a": [0.5, 0.5, 0.5, 0.7, math.nan, math.nan],
        "b": [1.0, 1.0, 3.0, 3.0, math.nan, math.nan],
    })
    targets = [Target("a", 0.4, 0.6, 0.1), Target("b", 0.0, 2.0, 1.0)]
    scored = summarise_samples(table, ["x"], targets, cutoff=1.0)
    assert scored.loc[0, "implausibility"] == 0.0 and scored.loc[0, "inside"]
    sd = np.std([0.5, 0.7], ddof=1)
    assert scored.loc[1, "I:a"] == 0.0  # mean 0.6: on the band's edge
    assert scored.loc[1, "I:b"] == pytest.approx(1.0 / 1.0)
    assert scored.loc[1, "sd:a"] == pytest.approx(sd)
    assert scored.loc[1, "worst"] == "b" and scored.loc[1, "non_implausible"]
    assert scored.loc[2, "implausibility"] == math.inf and not scored.loc[2, "non_implausible"]


def test_identified_needs_narrow_agreeing_intervals_in_every_repeat() -> None:
    prior = Region({"x": (0.0, 10.0), "z": (0.0, 1.0)})
    one = pd.DataFrame({"x": np.linspace(4.0, 5.0, 101), "z": np.linspace(0.0, 1.0, 101)})
    two = pd.DataFrame({"x": np.linspace(4.5, 5.5, 101), "z": np.linspace(0.0, 1.0, 101)})
    table = identifiability(prior, [one, two], identified_below=0.5)
    assert table.loc["x", "share_1"] == pytest.approx(0.09)
    assert table.loc["x", "identified"] and table.loc["x", "overlap"]
    assert not table.loc["z", "identified"]
    apart = pd.DataFrame({"x": np.linspace(8.0, 9.0, 101), "z": one["z"]})
    assert not identifiability(prior, [one, apart], 0.5).loc["x", "identified"]
    assert not identifiability(prior, [one], 0.5).loc["x", "identified"]  # one repeat
    assert not identifiability(prior, [one, one.iloc[:0]], 0.5).loc["x", "identified"]


def band_function(params: dict, seed: int) -> dict[str, float]:
    """y = 10 x + seed noise (in band 4..6 for x in 0.4..0.6); w ignores x and z."""
    noise = np.random.default_rng(seed).normal(0.0, 0.05)
    return {"y": 10.0 * params["initial_trust"] + noise,
            "w": 0.5 + 0.01 * params["initial_efficacy"]}


def _synthetic_config(**settings) -> object:
    raw = {
        "calibration": {"name": "synthetic", "seeds": 2, "seed": 3, "waves": 3,
                        "samples": 40, "candidates": 2048, "draws": 40, "repeats": 2,
                        **settings},
        "parameters": {"initial_trust": [0.0, 1.0], "initial_efficacy": [0.0, 1.0]},
        "targets": {"y": [4.0, 6.0], "w": [0.0, 1.0]},
    }
    return config_from_dict(raw, source="synthetic.toml")


def test_waves_close_in_on_the_known_in_band_region(tmp_path: Path) -> None:
    config = _synthetic_config()
    result = calibrate(config, tmp_path / "out", executor=SerialExecutor(),
                       model=band_function, progress=False)
    assert len(result.waves) == 3
    # y = 10 x: non-implausible (cutoff 3, tolerance 1) x in about 0.1..0.9, then the
    # posterior inside the band 4..6
    assert result.repeats[0].volumes[1] < 0.9
    post = result.posterior
    assert len(post) == 40
    assert post["initial_trust"].between(0.38, 0.62).all()
    assert result.best["implausibility"] == 0.0
    assert 0.4 <= result.best["initial_trust"] <= 0.6
    assert result.accepted and result.check.coverage["y"] >= 0.9
    ident = result.identifiability
    assert ident.loc["initial_trust", "identified"]
    assert not ident.loc["initial_efficacy", "identified"]
    for name in ("calibrated.toml", "posterior.csv", "samples.csv", "provenance.json",
                 "report.md", "emulators.csv", "waves.csv", "coverage.csv", "pairs.html"):
        assert (tmp_path / "out" / name).is_file()
    assert "| initial_efficacy |" in (tmp_path / "out" / "report.md").read_text()
    # a second call finds every wave complete and gives the same posterior
    again = calibrate(config, tmp_path / "out", executor=SerialExecutor(),
                      model=band_function, progress=False)
    assert all(w.ran == 0 for w in again.waves)
    pd.testing.assert_frame_equal(again.posterior, post)


def test_more_waves_continue_a_finished_calibration(tmp_path: Path) -> None:
    one = calibrate(_synthetic_config(waves=1, repeats=1), tmp_path / "out",
                    executor=SerialExecutor(), model=band_function, progress=False)
    two = calibrate(_synthetic_config(waves=2, repeats=1), tmp_path / "out",
                    executor=SerialExecutor(), model=band_function, progress=False)
    assert [w.ran for w in two.waves] == [0, 80]
    pd.testing.assert_frame_equal(two.waves[0].samples, one.waves[0].samples)


def test_cutoff_is_a_falling_schedule_by_default_or_one_number() -> None:
    config = _synthetic_config()
    assert config.cutoff == (3.0, 2.5, 2.0, 1.5) and config.focus == 0.5
    assert [config.cutoff_at(w) for w in range(1, 7)] == [3.0, 2.5, 2.0, 1.5, 1.5, 1.5]
    fixed = _synthetic_config(cutoff=3.0, focus=0.0)
    assert fixed.cutoff == (3.0,) and fixed.cutoff_at(5) == 3.0
    assert fixed.fingerprint() != config.fingerprint()
    assert _synthetic_config(cutoff=[3.0, 3.0]).cutoff_at(9) == 3.0  # may stay level


def test_retired_settings_say_what_replaced_them() -> None:
    with pytest.raises(Exception, match="'pad' is no longer used"):
        _synthetic_config(pad=0.1)


# --- the command line on the real model ----------------------------------------------------

def test_example_end_to_end_and_its_scenario_runs(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cal"
    code = main(["calibrate", str(EXAMPLE), "--out", str(out), "--workers", "2",
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "wave 1: 8 samples x 1 seed" in captured.out
    assert "posterior check: 20 draws at 2000 citizens" in captured.out
    posterior = pd.read_csv(out / "posterior.csv")
    assert {"participation_intercept", "trust_learning_rate", "implausibility"} <= set(
        posterior.columns)
    assert len(posterior) == 20
    assert (posterior["implausibility"] == 0).mean() == posterior["inside"].mean()
    scenario = load_scenario(out / "calibrated.toml")
    best = json.loads((out / "provenance.json").read_text())["best"]
    samples = pd.read_csv(out / "samples.csv")
    assert best["implausibility"] == samples["implausibility"].min()
    assert scenario.params.participation_intercept == best["participation_intercept"]
    assert scenario.params.trust_learning_rate == best["trust_learning_rate"]
    code = main(["run", str(out / "calibrated.toml"), "--steps", "6", "--replicates", "1",
                 "--set", "n_citizens=300", "--set", "n_units=10", "--no-progress",
                 "--out", str(tmp_path / "run")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (tmp_path / "run" / "timeseries.parquet").is_file()
    provenance = (out / "provenance.json").read_text()
    assert "targets_file_content" in provenance and "motivation_npm_effect" in provenance


def test_quick_keeps_targets_and_priors_at_a_small_budget(tmp_path: Path, capsys) -> None:
    full = load_config(FIELD)
    quick = quick_config(full)
    assert quick.targets == full.targets and quick.parameters == full.parameters
    assert (quick.n_citizens, quick.waves, quick.samples, quick.seeds) == (1000, 2, 16, 2)
    assert (quick.draws, quick.check_citizens, quick.repeats) == (40, 2000, 2)
    assert quick.fingerprint() != full.fingerprint()  # a quick folder is never a full one
    out = tmp_path / "quick"
    code = main(["calibrate", str(EXAMPLE), "--out", str(out), "--quick", "--workers", "2",
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["quick"] and provenance["settings"]["n_citizens"] == 1000
    assert "**Quick run**" in (out / "report.md").read_text()


def test_default_field_targets_file_is_valid() -> None:
    config = load_config(FIELD)
    assert config.logics == ("bureaucracy", "npm", "co_creation")
    names = {t.statistic for t in config.targets}
    assert "co_creation.participation_quintile_ratio" not in names
    assert "npm.participation_quintile_ratio" in names
    bands = {t.statistic: (t.low, t.high) for t in config.targets}
    assert bands["bureaucracy.trust_mean_max"] == (0.45, 0.70)
    assert bands["npm.trust_mean_max"] == (0.30, 0.77)


KILL_TARGETS = """
[calibration]
name = "killme"
n_citizens = 1000
steps = 48
logics = ["bureaucracy", "npm"]
shock = false
seeds = 2
seed = 5
waves = 2
samples = 10
cutoff = 1000.0
draws = 4
check_citizens = 1000
repeats = 1

[parameters]
participation_intercept = [-7.0, -2.0]

[targets]
"*.participation_monthly" = [0.0, 1.0]
"""


def _calibrate_command(targets: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "governance_sim.cli", "calibrate", str(targets), "--out",
            str(out), "--workers", "2", "--flush-seconds", "0", "--no-progress"]


def test_killed_calibration_resumes_without_rerunning_finished_runs(tmp_path: Path) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(KILL_TARGETS)
    out = tmp_path / "cal"
    runs = out / "wave-01" / "runs"
    process = subprocess.Popen(_calibrate_command(targets, out), start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if len(list(runs.glob("part-*.parquet"))) >= 2:
                break
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the calibration finished before the kill"
    before = len(pd.read_parquet(runs))
    assert 0 < before < 20 and not (out / "wave-01" / "wave.json").exists()

    done = subprocess.run(_calibrate_command(targets, out), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"({20 - before} run, {before} already recorded)" in done.stdout
    for wave in ("wave-01", "wave-02"):
        raw = pd.read_parquet(out / wave / "runs")
        assert len(raw) == 20 and raw["run_id"].is_unique  # no run recorded twice
    assert (out / "calibrated.toml").is_file()
    again = subprocess.run(_calibrate_command(targets, out), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0 and again.stdout.count("already complete") == 2
    assert (out / "wave-02.design.json").is_file()


BAD_FILES = {
    "section": ("[calibrate]\nx = 1\n", "unknown section [calibrate]"),
    "parameter": ("[parameters]\nno_such_thing = [0, 1]\n[targets]\ny = [0, 1]\n",
                  "'no_such_thing': not a numeric parameter"),
    "range": ("[parameters]\ntrust_learning_rate = [0.0, 2.0]\n[targets]\ny = [0, 1]\n",
              "outside the allowed range [0, 1]"),
    "reversed": ("[parameters]\ntrust_learning_rate = [0.5, 0.1]\n[targets]\ny = [0, 1]\n",
                 "low < high"),
    "band": ("[parameters]\ntrust_learning_rate = [0.1, 0.5]\n[targets]\n"
             "\"*.trust_sd\" = [0.3]\n", "a band [low, high]"),
    "logic": ("[calibration]\nlogics = [\"npm\"]\n[parameters]\ntrust_learning_rate = "
              "[0.1, 0.5]\n[targets]\n\"bureaucracy.trust_sd\" = [0.1, 0.3]\n",
              "logic 'bureaucracy' is not run"),
    "statistic": ("[calibration]\nsteps = 36\nlogics = [\"npm\"]\nshock = false\n"
                  "[parameters]\ntrust_learning_rate = [0.1, 0.5]\n[targets]\n"
                  "\"*.trust_sdd\" = [0.1, 0.3]\n", "reports no statistic 'npm.trust_sdd'"),
    "setting": ("[calibration]\nseeds = 0\n[parameters]\ntrust_learning_rate = [0.1, 0.5]\n"
                "[targets]\ny = [0, 1]\n", "[calibration] seeds: an integer"),
    "toml": ("[calibration\n", "not valid TOML"),
    "cutoff": ("[calibration]\ncutoff = [2.0, 3.0]\n[parameters]\ntrust_learning_rate = "
               "[0.1, 0.5]\n[targets]\ny = [0, 1]\n", "list of positive numbers that does "
               "not rise"),
    "focus": ("[calibration]\nfocus = 1.5\n[parameters]\ntrust_learning_rate = [0.1, 0.5]\n"
              "[targets]\ny = [0, 1]\n", "[calibration] focus: a number in [0, 1]"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_targets_file_is_one_line_and_exit_2(case: str, tmp_path: Path, capsys) -> None:
    body, expected = BAD_FILES[case]
    path = tmp_path / "targets.toml"
    path.write_text(body)
    code = main(["calibrate", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    line = _one_line_error(capsys.readouterr().err)
    assert code == 2
    assert expected in line, line
    assert not (tmp_path / "out").exists()


def test_missing_file_and_other_calibration_in_folder(tmp_path: Path, capsys) -> None:
    assert main(["calibrate", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "targets file not found" in _one_line_error(capsys.readouterr().err)
    config = _synthetic_config(waves=1, samples=4)
    calibrate(config, tmp_path / "o", executor=SerialExecutor(), model=band_function,
              progress=False)
    other = _synthetic_config(waves=1, samples=5)
    with pytest.raises(Exception, match="holds another calibration"):
        calibrate(other, tmp_path / "o", executor=SerialExecutor(), model=band_function,
                  progress=False)


def test_calibrated_scenario_keeps_the_base_scenario_and_its_events(tmp_path: Path) -> None:
    raw = {
        "calibration": {"scenario": "wigan_deal", "n_citizens": 400, "steps": 36,
                        "logics": ["npm"], "shock": False, "seeds": 1, "waves": 1,
                        "samples": 3, "draws": 2, "check_citizens": 400, "repeats": 1,
                        "params": {"initial_trust_sd": 0.2}},
        "parameters": {"network_degree": [4, 12]},
        "targets": {"npm": {"participation_monthly": [0.0, 1.0]}},
    }
    config = config_from_dict(raw, source="events.toml")
    assert [t.statistic for t in config.targets] == ["npm.participation_monthly"]
    result = calibrate(config, tmp_path / "out", executor=SerialExecutor(), progress=False)
    scenario = load_scenario(tmp_path / "out" / "calibrated.toml")
    base = load_scenario("wigan_deal")
    assert scenario.params.events == base.params.events
    assert scenario.params.initial_trust_sd == 0.2
    assert scenario.params.network_degree == int(round(result.best["network_degree"]))
    assert scenario.params.n_citizens == base.params.n_citizens != 400  # the base's own
