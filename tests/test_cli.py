"""The command line: list/show/run/compare/report, files written, paired seeds, bad input."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.metrics import METRICS

SMALL = ["--set", "n_citizens=600", "--set", "n_units=12", "--no-progress"]


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_line_error(err: str) -> str:
    """The one error line (``note:`` lines, e.g. what a rerun replaces, aside)."""
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


def _scenario_file(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\nsteps = 10\n'
                    'sources = ["test"]\n' + body, encoding="utf-8")
    return path


def test_version_and_help(capsys):
    code, out, _ = _run(["--version"], capsys)
    assert code == 0 and out.strip() == f"governance-sim {gs.__version__}"
    for command in ("list", "show", "run", "compare", "report"):
        code, out, _ = _run([command, "--help"], capsys)
        assert code == 0 and "Usage" in out


def test_list_and_show(capsys):
    code, out, _ = _run(["list"], capsys)
    assert code == 0
    for name in gs.list_scenarios():
        assert name in out
    code, out, _ = _run(["show", "wigan_deal"], capsys)
    assert code == 0
    assert "budget_change" in out and "King's Fund" in out and "levers at the start" in out
    code, out, _ = _run(["show", "npm", "--json"], capsys)
    assert code == 0 and json.loads(out)["params"]["logic"] == "npm"


def test_run_writes_long_timeseries_manifest_and_report(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = _run(["run", "co_creation", "--steps", "4", "--replicates", "3",
                            "--seed", "7", "--out", str(out), "--uncertainty", "none",
                            *SMALL], capsys)
    assert code == 0, stdout
    assert {p.name for p in out.iterdir()} == {"timeseries.parquet", "timeseries.csv",
                                               "report.html", "manifest.json",
                                               ".governance-sim"}
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert list(frame.columns[:4]) == ["scenario", "replicate", "seed", "step"]
    assert set(frame.columns[4:]) == {m.name for m in METRICS}
    assert len(frame) == 3 * 5
    assert sorted(frame["seed"].unique()) == [7, 8, 9]
    csv = pd.read_csv(out / "timeseries.csv")
    pd.testing.assert_frame_equal(csv, frame, check_dtype=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [7, 8, 9] and manifest["replicates"] == 3
    assert manifest["command"].startswith("governance-sim run co_creation --steps 4 --seed 7")
    assert manifest["scenarios"][0]["params"]["n_citizens"] == 600
    assert manifest["versions"]["governance-sim"]
    for name, info in manifest["files"].items():
        assert (out / name).stat().st_size == info["bytes"]
    # replicate r is the single run with seed + r
    single = gs.run(gs.load_scenario("co_creation").params.replace(n_citizens=600, n_units=12),
                    steps=4, seed=8).timeseries
    replicate1 = frame[frame["replicate"] == 1].set_index("step")[single.columns]
    pd.testing.assert_frame_equal(replicate1, single, check_names=False)


def test_manifest_command_reproduces_the_results(tmp_path, capsys):
    first = tmp_path / "first"
    code, _, _ = _run(["compare", "npm", "co_creation", "--steps", "3", "--replicates", "2",
                       "--out", str(first), *SMALL], capsys)
    assert code == 0
    command = json.loads((first / "manifest.json").read_text())["command"]
    argv = shlex.split(command)[1:]
    assert "--no-progress" not in argv  # the command is about results, not display
    second = tmp_path / "second"
    argv[argv.index("--out") + 1] = str(second)
    code, _, _ = _run(argv + ["--no-progress"], capsys)
    assert code == 0
    pd.testing.assert_frame_equal(pd.read_parquet(first / "timeseries.parquet"),
                                  pd.read_parquet(second / "timeseries.parquet"))


def test_compare_uses_common_random_numbers(tmp_path, capsys):
    """Two scenarios that differ only by a lever change at month 6 share every draw before."""
    base = _scenario_file(tmp_path, "plain", '[params]\nlogic = "co_creation"\n')
    changed = _scenario_file(tmp_path, "later", '[params]\nlogic = "co_creation"\n'
                             '[[events]]\nkind = "set_levers"\nstep = 6\n'
                             'levers = { facilitation_targeting = 1.0, arnstein_rung = 8 }\n')
    out = tmp_path / "cmp"
    code, _, _ = _run(["compare", str(base), str(changed), "npm", "--steps", "10",
                       "--replicates", "3", "--out", str(out), *SMALL], capsys)
    assert code == 0
    frame = pd.read_parquet(out / "timeseries.parquet")
    metrics = [m.name for m in METRICS]
    seeds = frame.groupby("scenario")["seed"].apply(lambda s: sorted(s.unique()))
    assert all(s == [1, 2, 3] for s in seeds)
    for replicate in range(3):
        rows = frame[frame["replicate"] == replicate]
        plain = rows[rows["scenario"] == "plain"].set_index("step")[metrics]
        later = rows[rows["scenario"] == "later"].set_index("step")[metrics]
        pd.testing.assert_frame_equal(plain.loc[:5], later.loc[:5])  # identical up to t
        assert not plain.loc[6:].equals(later.loc[6:])  # the lever then matters
        npm = rows[rows["scenario"] == "npm"].set_index("step")
        # a different logic still draws the same population: identical initial trust
        assert npm.loc[0, "trust_mean"] == plain.loc[0, "trust_mean"]
    initial = frame[frame["step"] == 0].groupby("replicate")["trust_mean"].first()
    assert initial.nunique() == 3  # ... while replicates differ


def test_wigan_deal_and_counterfactual_share_everything_before_the_deal(tmp_path, capsys):
    out = tmp_path / "wigan"
    code, _, _ = _run(["compare", "wigan_deal", "wigan_without_deal", "--steps", "26",
                       "--replicates", "1", "--no-report", "--out", str(out), *SMALL], capsys)
    assert code == 0
    frame = pd.read_parquet(out / "timeseries.parquet").set_index(["scenario", "step"])
    metrics = [m.name for m in METRICS]
    deal, without = frame.loc["wigan_deal", metrics], frame.loc["wigan_without_deal", metrics]
    pd.testing.assert_frame_equal(deal.loc[:23], without.loc[:23])
    assert not deal.loc[24:].equals(without.loc[24:])


def test_report_command_rebuilds_the_report(tmp_path, capsys):
    out = tmp_path / "r"
    code, _, _ = _run(["run", "npm", "--steps", "2", "--replicates", "1", "--no-report",
                       "--out", str(out), *SMALL], capsys)
    assert code == 0 and not (out / "report.html").exists()
    code, _, _ = _run(["report", str(out)], capsys)
    assert code == 0 and (out / "report.html").stat().st_size > 1_000_000
    assert "report.html" in json.loads((out / "manifest.json").read_text())["files"]


def test_report_content(tmp_path, capsys):
    out = tmp_path / "c"
    code, _, _ = _run(["compare", "wigan_deal", "co_creation", "--steps", "3", "--replicates",
                       "2", "--out", str(out), *SMALL], capsys)
    assert code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs

    library = get_plotlyjs()
    assert page.count(library) == 1  # plotly.js embedded once, not per figure
    rest = page.replace(library, "")
    assert rest.count("Plotly.newPlot") == 7  # six figures + paired differences
    assert "http://" not in rest and "https://" not in rest  # nothing fetched
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "The King&#x27;s Fund" in page  # sources are shown (escaped)
    assert "two-sided compact" in page  # description


# --- bad input ---------------------------------------------------------------------------


def test_unknown_scenario_suggests_the_closest(tmp_path, capsys):
    code, _, err = _run(["run", "co_creaton", "--out", str(tmp_path / "x"), *SMALL], capsys)
    assert code == 2
    assert "did you mean 'co_creation'" in _one_line_error(err)
    assert not (tmp_path / "x").exists()


def test_malformed_toml_names_file_and_line(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text('[scenario]\nname = "broken"\n[params\nlogic = "npm"\n')
    code, _, err = _run(["run", str(path), "--out", str(tmp_path / "x"), *SMALL], capsys)
    assert code == 2
    line = _one_line_error(err)
    assert str(path) in line and "line 3" in line


def test_value_out_of_range_names_field_and_range(tmp_path, capsys):
    path = _scenario_file(tmp_path, "bad", "[params]\ninitial_trust = 1.5\n")
    code, _, err = _run(["run", str(path), "--out", str(tmp_path / "x"), *SMALL], capsys)
    assert code == 2
    line = _one_line_error(err)
    assert "initial_trust" in line and "allowed range 0 to 1" in line
    code, _, err = _run(["run", "npm", "--set", "initial_trust=1.5", "--out",
                         str(tmp_path / "x"), "--no-progress"], capsys)
    assert code == 2
    assert "initial_trust=1.5: out of range; allowed 0 to 1" in _one_line_error(err)
    code, _, err = _run(["run", "npm", "--set", "levers.sanctions=2", "--out",
                         str(tmp_path / "x"), "--no-progress"], capsys)
    assert code == 2 and "allowed 0 to 1" in _one_line_error(err)
    code, _, err = _run(["run", "npm", "--set", "no_such_thing=1", "--out",
                         str(tmp_path / "x"), "--no-progress"], capsys)
    assert code == 2 and "unknown parameter" in _one_line_error(err)
    assert not (tmp_path / "x").exists()


def test_unwritable_output_fails_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    for target in (blocker, blocker / "below"):
        code, _, err = _run(["run", "npm", "--out", str(target), *SMALL], capsys)
        assert code == 2
        assert str(target) in _one_line_error(err)
    assert blocker.read_text() == "not a folder"


def test_compare_needs_two_distinct_scenarios(tmp_path, capsys):
    code, _, err = _run(["compare", "npm", "--out", str(tmp_path / "x"), *SMALL], capsys)
    assert code == 2 and "at least two" in _one_line_error(err)
    code, _, err = _run(["compare", "npm", "npm", "--out", str(tmp_path / "x"), *SMALL], capsys)
    assert code == 2 and "twice" in _one_line_error(err)


def test_failed_rewrite_leaves_no_complete_looking_folder(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert main(["run", "npm", "--steps", "2", "--replicates", "1", "--out", str(out),
                 *SMALL]) == 0
    assert (out / "manifest.json").exists()
    import governance_sim.cli.batch as batch

    real = batch.atomic_write

    def disk_full_on_report(path, write):
        if Path(path).name != "report.html":
            return real(path, write)

        def failing(temporary):
            Path(temporary).write_text("<html>HALF-WRITTEN-MARKER")
            raise OSError(28, "No space left on device")

        return real(path, failing)

    monkeypatch.setattr(batch, "atomic_write", disk_full_on_report)
    capsys.readouterr()
    code, _, err = _run(["run", "npm", "--steps", "3", "--replicates", "1", "--out",
                         str(out), *SMALL], capsys)
    assert code == 2
    assert "No space left on device" in _one_line_error(err)
    assert not (out / "manifest.json").exists()  # the folder no longer claims completeness
    # no temporary files (the marker says governance-sim made the folder)
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".governance-sim"]
    # the old report is intact
    assert "HALF-WRITTEN-MARKER" not in (out / "report.html").read_text()


def test_images_flag_without_browser_is_one_clear_line(tmp_path, capsys, monkeypatch):
    import governance_sim.viz.report as report

    monkeypatch.setattr(report, "find_browser", lambda: None)
    out = tmp_path / "img"
    code, _, err = _run(["run", "npm", "--steps", "2", "--replicates", "1", "--images",
                         "--out", str(out), *SMALL], capsys)
    assert code == 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == ["static images skipped: no Chrome/Chromium found for kaleido (install "
                     "Debian's 'chromium' or set BROWSER_PATH)"]
    assert (out / "report.html").exists() and not (out / "figures").exists()


def _console_script() -> str:
    beside = Path(sys.executable).with_name("governance-sim")
    return str(beside) if beside.exists() else (shutil.which("governance-sim") or "")


@pytest.mark.skipif(not _console_script(), reason="console script not installed")
def test_console_script_in_a_real_process(tmp_path):
    out = tmp_path / "proc"
    done = subprocess.run(
        [_console_script(), "compare", "bureaucracy", "npm", "--steps", "3", "--replicates",
         "2", "--out", str(out), *SMALL], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").exists() and (out / "manifest.json").exists()
    bad = subprocess.run([_console_script(), "show", "wigan"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2
    assert "did you mean 'wigan_deal'" in _one_line_error(bad.stderr)


# --- what ran it: backend, package version and git commit in the manifests ---------------

def test_run_manifest_records_backend_and_code(tmp_path, capsys, monkeypatch):
    from governance_sim import native

    out = tmp_path / "run"
    code, _, _ = _run(["run", "npm", "--steps", "2", "--replicates", "1", "--out", str(out),
                       *SMALL], capsys)
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"] == native.backend() and manifest["backend"] in ("native",
                                                                              "numpy")
    assert manifest["code"]["version"] == gs.__version__
    assert {"commit", "dirty", "note"} <= set(manifest["code"])
    monkeypatch.setenv("GOVERNANCE_SIM_BACKEND", "numpy")
    numpy_out = tmp_path / "numpy"
    assert _run(["run", "npm", "--steps", "2", "--replicates", "1", "--out", str(numpy_out),
                 *SMALL], capsys)[0] == 0
    assert json.loads((numpy_out / "manifest.json").read_text())["backend"] == "numpy"


def _git_checkout(root: Path) -> Path:
    """A git repository holding src/governance_sim (one file), committed."""
    package = root / "src" / "governance_sim"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    return package


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_code_revision_reads_the_checkout_commit_and_dirty_flag(tmp_path):
    from governance_sim.provenance import code_revision

    package = _git_checkout(tmp_path / "repo")
    head = subprocess.run(["git", "-C", str(package), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()
    clean = code_revision(package)
    assert clean["commit"] == head and clean["dirty"] is False
    (package / "__init__.py").write_text("x = 1\n")
    dirty = code_revision(package)
    assert dirty["commit"] == head and dirty["dirty"] is True and "uncommitted" in dirty["note"]
    # a package copied into some other repository is not that repository's code
    other = tmp_path / "other"
    inside = other / "lib" / "governance_sim"
    inside.mkdir(parents=True)
    subprocess.run(["git", "-C", str(other), "init", "-q"], check=True)
    assert code_revision(inside)["commit"] is None


def test_code_revision_never_fails_without_git(tmp_path, monkeypatch):
    from governance_sim.provenance import code_revision

    plain = tmp_path / "plain" / "governance_sim"
    plain.mkdir(parents=True)
    found = code_revision(plain)  # not a checkout
    assert found["commit"] is None and found["dirty"] is None and found["version"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no git on the path
    missing = code_revision(plain)
    assert missing["commit"] is None and "git is not installed" in missing["note"]


# --- sensitivity: a folder that is not a sweep, factorial shares, the index page ----------

LINEAR_GRID = """
[sweep]
name = "linear grid"
question = "Which coefficient matters?"
model = "linear"
seed = 3
replicates = 2

[design]
kind = "full_factorial"

[uncertainties]
x1 = [0.0, 0.5, 1.0]
x2 = [0.0, 0.5, 1.0]

[constants]
c_x1 = 3.0
c_x2 = 1.0

[outcomes]
y = {}
"""


def test_sensitivity_on_a_folder_that_is_not_a_sweep_is_one_line(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert _run(["compare", "npm", "co_creation", "--steps", "2", "--replicates", "1",
                 "--out", str(out), *SMALL], capsys)[0] == 0
    code, _, err = _run(["sensitivity", str(out)], capsys)
    assert code == 2
    line = _one_line_error(err)
    assert "not a sweep results folder" in line and "'governance-sim compare'" in line
    assert not (out / "sensitivity").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = _run(["sensitivity", str(empty)], capsys)
    assert code == 2 and "not a sweep results folder" in _one_line_error(err)


def test_factorial_shares_are_named_and_the_index_links_every_file(tmp_path, capsys):
    spec = tmp_path / "grid.toml"
    spec.write_text(LINEAR_GRID)
    sweep_out = tmp_path / "grid"
    assert _run(["sweep", str(spec), "--out", str(sweep_out), "--workers", "1",
                 "--no-progress"], capsys)[0] == 0
    manifest = json.loads((sweep_out / "manifest.json").read_text())
    assert manifest["command"] == shlex.join(["governance-sim", "sweep", str(spec), "--out",
                                              str(sweep_out)])
    assert manifest["code"]["version"] == gs.__version__
    code, out, _ = _run(["sensitivity", str(sweep_out)], capsys)
    assert code == 0
    folder = sweep_out / "sensitivity"
    table = pd.read_csv(folder / "y_factorial.csv", index_col=0)
    assert "S1" not in table.columns and "main_effect_share" in table.columns
    # y = 3 x1 + x2 on a balanced grid: shares 9/10 and 1/10
    assert table.loc["x1", "main_effect_share"] == pytest.approx(0.9)
    assert "S1" not in out and "main_effect_share" in out
    bars = (folder / "y_factorial_bars.html").read_text()
    assert "variance share (main effect)" in bars and "first order S1" not in bars
    index = (folder / "index.html").read_text()
    written = {p.name for p in folder.iterdir()} - {"index.html", ".governance-sim"}
    assert written, "nothing written"
    for name in written:
        assert f'href="{name}"' in index, name
    assert "Which coefficient matters?" in index and "full_factorial" in index
    assert "main effect" in index and "replicates of each design point" in index


def test_describe_output_refuses_a_file_it_does_not_know():
    from governance_sim.viz.sensitivity_figures import describe_output

    assert "Sobol" in describe_output("trust_end_sobol.csv", ["trust", "trust_end"])
    assert "trust_end" in describe_output("trust_end_heatmap.html", ["trust", "trust_end"])
    with pytest.raises(ValueError, match="not a file of a sensitivity analysis"):
        describe_output("trust_end_other.csv", ["trust_end"])


def test_list_and_show_give_the_scenario_texts_in_a_language(tmp_path, capsys):
    nb = gs.load_scenario("co_creation").text("nb")
    code, out, _ = _run(["list", "--lang", "nb"], capsys)
    assert code == 0 and nb.description.split(". ")[0][:60] in out
    code, out, _ = _run(["show", "co_creation", "--lang", "nb"], capsys)
    assert code == 0 and nb.label in out.splitlines()[0] and nb.question in out
    assert "parameter table: calibrated" in out
    code, out, err = _run(["show", "co_creation", "--lang", "xx"], capsys)
    assert code == 2 and "unknown language 'xx'" in err and "Traceback" not in err


def test_show_gives_the_levers_of_the_scenarios_lever_table(tmp_path, capsys):
    path = _scenario_file(tmp_path, "cells", '[params]\nlogic = "co_creation"\n'
                          '[params.lever_table.co_creation]\ncontrol_intensity = 0.55\n')
    code, out, _ = _run(["show", str(path)], capsys)
    assert code == 0 and "control_intensity=0.55" in out
