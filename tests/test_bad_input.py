"""Every bad input of issue 13 point 6 gets one line and exit 2 (command line) or a
UserInputError (Python), before anything is written; and ``sensitivity`` refuses an
incomplete sweep unless told ``--partial``."""

from __future__ import annotations

from pathlib import Path

import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.params import UserInputError

DEEP = "x = " + "[" * 3000 + "]" * 3000 + "\n"
SCENARIO_FILES = {
    "deep": DEEP,
    "params_number": '[scenario]\nname = "a"\n[params]\n' + "x = 1\n" + "\nparams = 5\n",
    "params_scalar": 'params = 5\n[scenario]\nname = "a"\n',
    "sources_number": '[scenario]\nname = "a"\nsources = 5\n[params]\nlogic = "npm"\n',
    "params_array": '[scenario]\nname = "a"\n[[params]]\nlogic = "npm"\n',
    "events_table": '[scenario]\nname = "a"\n[events]\nkind = "trust_shock"\n',
    "name_number": '[scenario]\nname = 5\n[params]\nlogic = "npm"\n',
    # issue 22: each of these used to be accepted (and ignored, dropped or a traceback)
    "empty": "",
    "events_under_params": '[scenario]\nname = "a"\n[params]\nevents = [{kind = '
                           '"trust_shock", step = 3, size = 0.5}]\n',
    "baseline_path": '[scenario]\nname = "a"\nbaseline = "/etc/passwd"\n',
    "mix_true": '[scenario]\nname = "a"\n[params]\nlogic = {npm = true}\n',
    "huge_lever": '[scenario]\nname = "a"\n[params]\nlevers = {sanctions = ' + "9" * 400
                  + "}\n",
    "huge_mix": '[scenario]\nname = "a"\n[params]\nlogic = {npm = ' + "9" * 400 + "}\n",
    "huge_event_lever": '[scenario]\nname = "a"\n[[events]]\nkind = "set_levers"\nstep = 1\n'
                        "levers = {sanctions = " + "9" * 400 + "}\n",
    "deeper": "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
}


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("name", sorted(SCENARIO_FILES))
def test_bad_scenario_files_are_one_line(tmp_path: Path, capsys, name: str) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(SCENARIO_FILES[name])
    out = tmp_path / "out"
    assert main(["run", str(path), "--steps", "1", "--out", str(out), "--no-progress"]) == 2
    assert str(path.name) in one_error_line(capsys.readouterr().err)
    assert not out.exists()
    with pytest.raises(UserInputError):
        gs.load_scenario(path)


@pytest.mark.parametrize("name", ["x" * 300, "x" * 5000, "a\0b", " "])
def test_unusable_scenario_names_are_one_line(tmp_path: Path, capsys, name: str) -> None:
    assert main(["run", name, "--steps", "1", "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert len(line) < 600 and not (tmp_path / "o").exists()


def test_a_broken_file_in_scenarios_does_not_break_list(tmp_path: Path, capsys,
                                                          monkeypatch) -> None:
    (tmp_path / "good.toml").write_text('[scenario]\nname = "good"\ndescription = "Fine."\n'
                                        '[params]\nlogic = "npm"\n')
    (tmp_path / "broken.toml").write_text("[scenario\n")
    monkeypatch.setenv("GOVERNANCE_SIM_SCENARIOS", str(tmp_path))
    assert main(["list"]) == 1
    captured = capsys.readouterr()
    assert "good" in captured.out and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1 and "broken  cannot be loaded" in captured.err


def test_report_on_a_bad_manifest_is_one_line(tmp_path: Path, capsys) -> None:
    import pandas as pd

    folder = tmp_path / "r"
    folder.mkdir()
    (folder / ".governance-sim").write_text("made by governance-sim\n")
    pd.DataFrame({"scenario": ["a"], "replicate": [0], "seed": [1], "step": [0]}).to_parquet(
        folder / "timeseries.parquet")
    for manifest in ('{"scenarios": 5}', '{"scenarios": [{"x": 1}], "command": "c"}', "[1]",
                     '{"command": 5, "scenarios": []}', "not json"):
        (folder / "manifest.json").write_text(manifest)
        assert main(["report", str(folder)]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert "manifest" in line or "cannot read results" in line


@pytest.mark.parametrize("seed, replicates", [(2**63, 1), (2**64 - 1, 1), (2**63 - 1, 2)])
def test_seeds_beyond_64_bits_are_refused_before_the_run(tmp_path: Path, capsys, seed: int,
                                                         replicates: int) -> None:
    out = tmp_path / "o"
    assert main(["run", "npm", "--seed", str(seed), "--replicates", str(replicates),
                 "--steps", "1", "--out", str(out), "--no-progress"]) == 2
    assert "--seed" in one_error_line(capsys.readouterr().err) and not out.exists()


def test_set_with_text_for_a_number_says_not_a_number(tmp_path: Path, capsys) -> None:
    for item in ("n_citizens=abc", "levers.facilitation_investment=high"):
        assert main(["run", "npm", "--set", item, "--out", str(tmp_path / "o")]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert "not a number" in line and "out of range" not in line


@pytest.mark.parametrize("steps", [10**12, -1, 2.5, True])
def test_run_refuses_absurd_steps_at_once(steps: object) -> None:
    with pytest.raises(UserInputError, match="steps"):
        gs.run("npm", steps=steps, seed=1)


def test_validate_refuses_a_folder_before_running_patterns(tmp_path: Path, capsys) -> None:
    import time

    started = time.perf_counter()
    assert main(["validate", "--out", str(tmp_path)]) == 2
    assert "--out" in one_error_line(capsys.readouterr().err)
    assert time.perf_counter() - started < 5


def test_huge_designs_are_refused_before_sampling(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "lhs.toml"
    spec.write_text('[sweep]\nmodel = "linear"\n[design]\nkind = "latin_hypercube"\n'
                    'samples = 10000000\n[uncertainties]\nx1 = { low = 0, high = 1 }\n'
                    '[outcomes]\ny = {}\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    assert "at most 1,000,000" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_deeply_nested_spec_is_one_line(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "deep.toml"
    spec.write_text('[sweep]\nmodel = "linear"\n[constants]\n' + DEEP)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    assert "nested too deeply" in one_error_line(capsys.readouterr().err)


def test_a_corrupt_part_file_is_named_on_resume(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('[sweep]\nmodel = "linear"\n[uncertainties]\nx1 = [1.0, 2.0]\n'
                    '[outcomes]\ny = {}\n')
    out = tmp_path / "o"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    part.write_bytes(b"PAR1 not really parquet")
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert part.name in line and "move it out" in line


def test_sensitivity_refuses_an_incomplete_sweep_unless_partial(tmp_path: Path,
                                                                capsys) -> None:
    from governance_sim.sweep import run_sweep

    spec = tmp_path / "spec.toml"
    spec.write_text('[sweep]\nmodel = "linear"\n[uncertainties]\n'
                    'x1 = { low = 0.0, high = 9.0, levels = 10 }\nx2 = [0.0, 1.0]\n'
                    '[constants]\nfail_above = 8.5\n[outcomes]\ny = {}\n')
    report = run_sweep(spec, tmp_path / "s", workers=1, progress=False)
    assert len(report.failures) == 3  # (9, 0), (8, 1), (9, 1)
    assert main(["sensitivity", str(tmp_path / "s")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "only 17 of 20 runs are done (3 failed, 0 not run)" in line and "--partial" in line
    assert not (tmp_path / "s" / "sensitivity").exists()
    assert main(["sensitivity", str(tmp_path / "s"), "--partial"]) == 0
    assert "using the 17 of 20 runs that are done" in capsys.readouterr().err


def test_a_lock_from_another_host_is_named_not_taken(tmp_path: Path, capsys) -> None:
    import json

    spec = tmp_path / "spec.toml"
    spec.write_text('[sweep]\nmodel = "linear"\n[uncertainties]\nx1 = [1.0]\n[outcomes]\ny = {}\n')
    out = tmp_path / "o"
    out.mkdir()
    (out / ".governance-sim").write_text("made by governance-sim\n")
    (out / ".lock").write_text(json.dumps({"host": "cluster-node-7", "pid": 4242}))
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "process 4242 on host cluster-node-7" in line and "delete" in line
    assert (out / ".lock").exists() and not (out / "runs").exists()


@pytest.mark.parametrize("value", [True, "5000", "0.3"])
def test_text_or_booleans_for_numbers_are_refused_not_coerced(tmp_path: Path, capsys,
                                                              value: object) -> None:
    with pytest.raises(UserInputError, match="initial_trust must be a number"):
        gs.run("npm", steps=1, seed=1, initial_trust=value)
    with pytest.raises(UserInputError, match="n_citizens must be a number"):
        gs.run({"n_citizens": value}, steps=1, seed=1)
    path = tmp_path / "s.toml"
    literal = "true" if value is True else f'"{value}"'
    path.write_text(f'[scenario]\nname = "s"\n[params]\ninitial_trust = {literal}\n')
    assert main(["show", str(path)]) == 2
    assert "params.initial_trust must be a number" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("argv", [
    ["sweep", "{long}", "--out", "o"], ["sensitivity", "{long}"], ["report", "{long}"],
    ["run", "npm", "--steps", "1", "--out", "{long}/a"], ["show", "{long}.toml"],
    ["validate", "--out", "{long}/v.html", "--pattern", "1"],
])
def test_paths_the_system_refuses_are_one_line(tmp_path: Path, capsys, monkeypatch,
                                               argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    long = "y" * 300
    assert main([a.replace("{long}", long) for a in argv]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert len(line) < 300
    assert list(tmp_path.iterdir()) == []
