"""Issue 22, "data lost / results silently wrong" and "tracebacks": each reproducer of the
issue for the command line, scenario files and the Python API, as a test.

Every bad input gets one clear message (exit 2 on the command line, a UserInputError in
Python) naming what was wrong and what is allowed, before anything is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.params import ParameterError, Params, UserInputError

BIG = 10**400  # about 400 digits: float(BIG) raises OverflowError
DEEP = 100_000  # levels of nesting
SMALL = ["--steps", "2", "--replicates", "1", "--set", "n_citizens=200", "--set",
         "n_units=10", "--no-progress", "--uncertainty", "none"]


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("error: ")
    return lines[0]


def deep_list(levels: int = DEEP) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def scenario_file(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# --- scenario files ------------------------------------------------------------------------
def test_events_under_params_are_refused_not_dropped(tmp_path: Path, capsys) -> None:
    path = scenario_file(tmp_path, '[scenario]\nname = "s"\nsteps = 24\n[params]\n'
                         'n_citizens = 2000\nevents = [{kind = "trust_shock", step = 3, '
                         'size = 0.5, duration = 6}]\n')
    with pytest.raises(UserInputError, match=r"params\.events.*\[\[events\]\]"):
        gs.load_scenario(path)
    assert main(["run", str(path), *SMALL, "--out", str(tmp_path / "o")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "params.events" in line and "[[events]]" in line and not (tmp_path / "o").exists()


@pytest.mark.parametrize("body", ["", "\n\n", "# only a comment\n"])
def test_an_empty_scenario_file_is_refused(tmp_path: Path, capsys, body: str) -> None:
    path = scenario_file(tmp_path, body)
    with pytest.raises(UserInputError, match="empty"):
        gs.load_scenario(path)
    assert main(["show", str(path)]) == 2
    assert "empty" in one_error_line(capsys.readouterr().err)


def test_a_baseline_must_name_a_scenario(tmp_path: Path, capsys) -> None:
    path = scenario_file(tmp_path, '[scenario]\nname = "b"\nbaseline = "/etc/passwd"\n')
    assert main(["show", str(path)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "scenario.baseline" in line and "allowed:" in line and "bureaucracy" in line
    # a shipped scenario, or a file beside this one, is fine
    scenario_file(tmp_path, '[scenario]\nname = "b"\nbaseline = "bureaucracy"\n', "b.toml")
    assert gs.load_scenario(tmp_path / "b.toml").baseline == "bureaucracy"
    scenario_file(tmp_path, '[scenario]\nname = "c"\nbaseline = "b"\n', "c.toml")
    assert gs.load_scenario(tmp_path / "c.toml").baseline == "b"


@pytest.mark.parametrize("mix", ["{npm = true}", "{npm = true, co_creation = false}",
                                 "{npm = 0.5, co_creation = true}"])
def test_true_is_not_a_mix_weight(tmp_path: Path, capsys, mix: str) -> None:
    path = scenario_file(tmp_path, f'[scenario]\nname = "m"\n[params]\nlogic = {mix}\n')
    assert main(["show", str(path)]) == 2
    assert "not a number" in one_error_line(capsys.readouterr().err)
    with pytest.raises(ParameterError, match="not a number"):
        Params(logic={"npm": True})


def test_an_event_after_the_last_month_is_warned_once(tmp_path: Path, capsys) -> None:
    path = scenario_file(tmp_path, '[scenario]\nname = "late"\nsteps = 5\n[params]\n'
                         'n_citizens = 200\nn_units = 10\n[[events]]\nkind = "trust_shock"\n'
                         'step = 50\nsize = 0.5\n')
    with pytest.warns(UserWarning, match=r"trust_shock at month 50 never fires.* 5 months"):
        gs.run(path, seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gs.run_many(path, replicates=3, progress=False, uncertainty="none")
    assert len([w for w in caught if "never fires" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reached: no warning
        gs.run(str(path), seed=1, steps=60)
    capsys.readouterr()
    assert main(["run", str(path), *SMALL, "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert err.count("never fires") == 1 and "late: trust_shock at month 50" in err


# --- --set ---------------------------------------------------------------------------------
@pytest.mark.parametrize("item", ["initial_trust=0.5\nfoo = 1", "initial_trust=0.5\rx=1",
                                  "initial_trust=0.5\nn_citizens = 5"])
def test_one_assignment_per_set(tmp_path: Path, capsys, item: str) -> None:
    assert main(["run", "npm", *SMALL, "--set", item, "--out", str(tmp_path / "o")]) == 2
    assert "one NAME=VALUE per --set" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_a_misspelt_name_gets_a_suggestion(tmp_path: Path, capsys) -> None:
    for item, hint in (("inital_trust=0.3", "did you mean initial_trust?"),
                       ("levers.sanction=0.3", "did you mean sanctions?"),
                       ("mechanisms.contagon=false", "did you mean contagion?")):
        assert main(["run", "npm", "--set", item, "--out", str(tmp_path / "o")]) == 2
        assert hint in one_error_line(capsys.readouterr().err)


# --- integers beyond 64 bits, deep nesting -------------------------------------------------
@pytest.mark.parametrize("item", [f"n_citizens={BIG}", f"initial_trust={BIG}",
                                  f"levers.sanctions={BIG}", f"levers.sanctions=-{BIG}",
                                  f"initial_trust={'[' * DEEP}{']' * DEEP}",
                                  f"levers.sanctions={{a = {'[' * DEEP}{']' * DEEP}}}"])
def test_huge_or_deep_set_values_are_one_line(tmp_path: Path, capsys, item: str) -> None:
    assert main(["run", "npm", *SMALL, "--set", item, "--out", str(tmp_path / "o")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert len(line) < 400 and not (tmp_path / "o").exists()


@pytest.mark.parametrize("body", [
    f"[params]\nlevers = {{sanctions = {BIG}}}\n",
    f"[params]\nlogic = {{npm = {BIG}}}\n",
    f"[params]\nlogic = {{npm = -{BIG}, co_creation = 1.0}}\n",
    f"[params]\nlever_table = {{npm = {{sanctions = {BIG}}}}}\n",
    f"[params]\nn_citizens = {BIG}\n",
    f"[params]\ninitial_trust = {BIG}\n",
    f"[[events]]\nkind = \"set_levers\"\nstep = 1\nlevers = {{sanctions = {BIG}}}\n",
    f"[[events]]\nkind = \"switch_logic\"\nstep = 1\nlogic = {{npm = {BIG}}}\n",
    f"[[events]]\nkind = \"trust_shock\"\nstep = {BIG}\nsize = 0.1\n",
    f"[[events]]\nkind = \"trust_shock\"\nstep = 1\nsize = {BIG}\n",
    f"[[events]]\nkind = \"citizens_panel\"\nstep = 1\nmembers = {BIG}\n",
])
def test_huge_integers_in_scenario_files_are_one_line(tmp_path: Path, capsys,
                                                       body: str) -> None:
    path = scenario_file(tmp_path, '[scenario]\nname = "big"\n' + body)
    with pytest.raises(UserInputError):
        gs.load_scenario(path)
    assert main(["run", str(path), *SMALL, "--out", str(tmp_path / "o")]) == 2
    assert len(one_error_line(capsys.readouterr().err)) < 600


@pytest.mark.parametrize("changes", [
    {"levers": {"sanctions": BIG}}, {"levers": {"sanctions": -BIG}},
    {"logic": {"npm": BIG}}, {"logic": {"npm": 1, "co_creation": -BIG}},
    {"lever_table": {"npm": {"sanctions": BIG}}},
    {"events": [{"kind": "set_levers", "step": 1, "levers": {"sanctions": BIG}}]},
    {"events": [{"kind": "switch_logic", "step": 1, "logic": {"npm": BIG}}]},
    {"n_citizens": BIG}, {"initial_trust": -BIG}, {"budget": BIG},
    {"levers": {"sanctions": deep_list()}}, {"logic": deep_list()},
    {"events": [{"kind": "trust_shock", "step": 1, "size": deep_list()}]},
])
def test_huge_or_deep_values_in_python_are_a_parameter_error(changes: dict) -> None:
    with pytest.raises(ParameterError) as caught:
        Params(**changes)
    assert len(str(caught.value)) < 1000
    with pytest.raises(UserInputError):
        gs.run(changes, steps=1, seed=1)


def test_huge_numbers_in_run_many_and_compare_are_refused_at_once() -> None:
    for call in (lambda: gs.run_many("npm", replicates=BIG, progress=False),
                 lambda: gs.run_many("npm", steps=BIG, progress=False),
                 lambda: gs.compare(["npm", "bureaucracy"], replicates=BIG, progress=False),
                 lambda: gs.run_many("npm", settings={"n_citizens": BIG}, progress=False)):
        with pytest.raises(UserInputError):
            call()


# --- memory --------------------------------------------------------------------------------
def test_a_billion_replicates_is_refused_before_any_run_with_the_estimate() -> None:
    started = time.perf_counter()
    for call in (lambda: gs.run_many("npm", replicates=10**9, progress=False),
                 lambda: gs.compare(["npm", "bureaucracy"], replicates=10**9,
                                    progress=False)):
        with pytest.raises(UserInputError, match=r"would need about [\d.]+ TB of memory"):
            call()
    assert time.perf_counter() - started < 10


def test_the_command_line_refuses_a_batch_larger_than_memory(tmp_path: Path, capsys) -> None:
    from governance_sim import ensemble

    # 10 000 replicates x 100 000 months: about 700 TB of results
    assert main(["compare", "npm", "bureaucracy", "--replicates", "10000", "--steps",
                 "100000", "--no-progress", "--uncertainty", "none",
                 "--out", str(tmp_path / "o")]) == 2
    assert "of memory" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()
    scenario = ensemble.resolve_scenario("npm")
    assert ensemble.check_memory([scenario], 5, 120) < 50_000_000


def test_professionals_are_capped_like_citizens() -> None:
    with pytest.raises(ParameterError, match=r"20,000,000 professionals.*GB of memory"):
        Params(n_citizens=100_000, n_units=100_000, professionals_per_unit=200)
    Params(n_citizens=100_000, n_units=10_000, professionals_per_unit=200)  # 2 000 000


# --- small things --------------------------------------------------------------------------
def test_describe_names_the_kind_of_every_field() -> None:
    table = Params.describe()
    assert not table["kind"].str.contains("Undefined").any()
    kinds = dict(zip(table["name"], table["kind"], strict=True))
    assert kinds["levers"] == kinds["mechanisms"] == kinds["lever_table"] == "dict"


def test_a_reader_that_stops_reading_is_not_a_failure() -> None:
    """``governance-sim list | head -3`` exited 1 with nothing said."""
    script = "import sys; from governance_sim.cli import main; sys.exit(main(['list']))"
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    reader.stdout.close()  # the reader is gone before anything is written
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 0, err
    assert "Traceback" not in err


# --- what is replaced ----------------------------------------------------------------------
def test_a_run_into_the_demos_folder_says_what_it_replaces(tmp_path: Path, capsys) -> None:
    out = tmp_path / "compare"
    assert main(["compare", "bureaucracy", "npm", "co_creation", *SMALL, "--out",
                 str(out)]) == 0
    capsys.readouterr()
    assert main(["run", "npm", *SMALL, "--out", str(out)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines()
             if line.startswith("note: replacing")]
    assert len(notes) == 1
    assert "compare of bureaucracy, npm, co_creation" in notes[0] and str(out) in notes[0]


def test_a_report_in_bokmal_is_written_beside_the_english_one(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert main(["run", "npm", *SMALL, "--out", str(out)]) == 0
    english = (out / "report.html").read_text(encoding="utf-8")
    assert main(["report", str(out), "--lang", "nb"]) == 0
    assert (out / "report.html").read_text(encoding="utf-8") == english
    assert '<html lang="nb">' in (out / "report.nb.html").read_text(encoding="utf-8")
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert {"report.html", "report.nb.html"} <= set(files)
    for name in ("report.html", "report.nb.html"):
        assert files[name]["bytes"] == os.path.getsize(out / name)
    # new results replace both reports: no stale report of the old results is left
    assert main(["run", "bureaucracy", *SMALL, "--out", str(out)]) == 0
    assert not (out / "report.nb.html").exists()
    assert set(json.loads((out / "manifest.json").read_text())["files"]) == {
        "timeseries.parquet", "timeseries.csv", "report.html"}


def test_a_deeply_nested_manifest_is_one_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "r"
    assert main(["run", "npm", *SMALL, "--out", str(out)]) == 0
    (out / "manifest.json").write_text("[" * DEEP + "]" * DEEP)
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    assert "nested too deeply" in one_error_line(capsys.readouterr().err)
