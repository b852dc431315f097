"""Safe by default (issue 13): spec files run no code, ``--out`` never destroys a user's
files, the app reads only its own scenarios and answers malformed requests with 4xx."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from governance_sim.cli import main
from governance_sim.output_folders import MARKER

POPEN_SPEC = """
[sweep]
model = "subprocess:Popen"
[uncertainties]
zz = [1]
[constants]
sh = 1
"-c" = 1
"touch SENTINEL" = 1
[outcomes]
y = {}
"""

HELPER_SPEC = """
[sweep]
model = "helper_model:run"
[uncertainties]
x1 = [1.0, 2.0]
[outcomes]
y = {}
"""

HELPER = """
from pathlib import Path
Path(__file__).with_name("imported.txt").write_text("helper_model was imported")

def run(params):
    return {"y": params["x1"]}
"""

LINEAR_SPEC = """
[sweep]
model = "linear"
[uncertainties]
x1 = [1.0, 2.0, 3.0]
x2 = [0.0, 1.0]
[outcomes]
y = {}
"""


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("error: ")
    return lines[0]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (names included) with its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def user_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(f"the user's own {name}\n".encode() + bytes(range(256)))
    return folder


# --- spec files are data -----------------------------------------------------------------------
def test_popen_spec_is_refused_and_nothing_runs(tmp_path: Path, capsys) -> None:
    sentinel = tmp_path / "ran.txt"
    spec = tmp_path / "evil.toml"
    spec.write_text(POPEN_SPEC.replace("SENTINEL", str(sentinel)))
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2
    assert "'subprocess:Popen' is a module path" in line and "--allow-code" in line
    assert "linear" in line  # names what is allowed
    time.sleep(0.5)
    assert not sentinel.exists() and not out.exists()
    # what the refusal prevents: with --allow-code the file's "model" runs a shell command
    main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress",
          "--allow-code"])
    deadline = time.monotonic() + 10
    while not sentinel.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sentinel.exists()


def test_a_module_beside_the_spec_is_not_imported(tmp_path: Path) -> None:
    (tmp_path / "helper_model.py").write_text(HELPER)
    (tmp_path / "spec.toml").write_text(HELPER_SPEC)
    command = [sys.executable, "-m", "governance_sim.cli", "sweep", "spec.toml", "--out", "o",
               "--workers", "1", "--no-progress"]
    refused = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert "may not run code" in one_error_line(refused.stderr)
    assert not (tmp_path / "imported.txt").exists() and not (tmp_path / "o").exists()
    # the explicit flag, whose help says it runs code, lets a trusted spec do it
    allowed = subprocess.run([*command, "--allow-code"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "imported.txt").exists()


def test_allow_code_help_says_it_runs_code(capsys) -> None:
    assert main(["sweep", "--help"]) == 0
    assert "RUNS CODE" in capsys.readouterr().out


def test_registered_models_run_and_python_callables_need_no_flag(tmp_path: Path) -> None:
    from governance_sim.sweep import read_table, run_sweep
    from governance_sim.sweep.testfunctions import linear

    spec = tmp_path / "spec.toml"
    spec.write_text(LINEAR_SPEC)
    assert run_sweep(spec, tmp_path / "a", workers=1, progress=False).ok
    spec.write_text(LINEAR_SPEC.replace('"linear"', '"not_registered"'))
    with pytest.raises(Exception, match="unknown model 'not_registered'"):
        run_sweep(spec, tmp_path / "b", workers=1, progress=False)
    assert not (tmp_path / "b").exists()
    # the Python API takes any callable, as before
    assert run_sweep(spec, tmp_path / "c", model=linear, workers=1, progress=False).ok
    assert read_table(tmp_path / "c")["y"].tolist() == read_table(tmp_path / "a")["y"].tolist()


# --- --out never destroys --------------------------------------------------------------------
@pytest.mark.parametrize("command", [["run", "co_creation"], ["compare", "npm", "co_creation"]])
def test_run_and_compare_leave_a_users_folder_byte_identical(tmp_path: Path, capsys,
                                                             command: list[str]) -> None:
    folder = user_folder(tmp_path, "manifest.json", "report.html", "timeseries.csv")
    before = snapshot(folder)
    code = main([*command, "--steps", "2", "--replicates", "1", "--out", str(folder),
                 "--no-progress"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and "governance-sim did not write" in line and "nothing was written" in line
    assert snapshot(folder) == before


def test_report_refuses_a_folder_it_did_not_write(tmp_path: Path, capsys) -> None:
    folder = user_folder(tmp_path, "manifest.json", "timeseries.parquet")
    before = snapshot(folder)
    assert main(["report", str(folder)]) == 2
    one_error_line(capsys.readouterr().err)
    assert snapshot(folder) == before


def test_empty_out_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["run", "npm", "--steps", "2", "--out", "", "--no-progress"]) == 2
    assert "--out is empty" in one_error_line(capsys.readouterr().err)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_sweep_refusing_a_foreign_folder_leaves_nothing_behind(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(LINEAR_SPEC)
    folder = user_folder(tmp_path, "notes.txt")
    before = snapshot(folder)
    code = main(["sweep", str(spec), "--out", str(folder), "--workers", "1", "--no-progress"])
    assert code == 2 and "did not write" in one_error_line(capsys.readouterr().err)
    assert snapshot(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]  # no runs/, lock, marker


def test_sensitivity_keeps_a_users_plotly_file(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(LINEAR_SPEC)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--workers", "1",
                 "--no-progress"]) == 0
    folder = user_folder(tmp_path, "plotly.min.js")
    before = snapshot(folder)
    capsys.readouterr()
    assert main(["sensitivity", str(tmp_path / "s"), "--out", str(folder)]) == 2
    one_error_line(capsys.readouterr().err)
    assert snapshot(folder) == before
    # its own folder is reused: a second analysis replaces the first one's files
    assert main(["sensitivity", str(tmp_path / "s")]) == 0
    assert main(["sensitivity", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "sensitivity" / MARKER).is_file()


def test_temporaries_of_a_killed_write_are_cleaned_at_the_next_run(tmp_path: Path) -> None:
    from governance_sim.output_folders import TEMPORARY_SUFFIX, claim_folder, clean_temporaries

    gone = _dead_pid()
    folder = claim_folder(tmp_path / "o")
    (folder / f".timeseries.csv.a1b2c3d4.{gone}{TEMPORARY_SUFFIX}").write_text("half")
    (folder / "figures").mkdir()
    (folder / "figures" / f".trust.png.zz99yy88.{gone}{TEMPORARY_SUFFIX}").write_text("half")
    (folder / ".gitignore").write_text("*\n")
    removed = clean_temporaries(claim_folder(folder))
    assert len(removed) == 2
    assert sorted(p.name for p in folder.iterdir()) == sorted([MARKER, ".gitignore", "figures"])
    # a folder without the marker is never cleaned
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / f".data.csv.a1b2c3d4.{gone}{TEMPORARY_SUFFIX}").write_text("theirs")
    assert clean_temporaries(foreign) == []
    assert (foreign / f".data.csv.a1b2c3d4.{gone}{TEMPORARY_SUFFIX}").exists()


def _dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


USER_HIDDEN_FILES = (".summary.csv.backup", "my_analysis/.figure.html.final_v2",
                     ".timeseries.csv.a1b2c3d4", "notes/.report.html.draft1",
                     ".timeseries.csv.a1b2c3d4.1.governance-sim-tmp.keep",
                     ".write-test-abcdef")


def test_hidden_user_files_in_a_marked_folder_survive_run_and_compare(tmp_path: Path,
                                                                      capsys) -> None:
    """Issue 22: only temporaries the tool made (their form, a process gone) are removed."""
    folder = tmp_path / "results"
    args = ["--steps", "2", "--replicates", "1", "--set", "n_citizens=200",
            "--set", "n_units=10", "--no-progress", "--no-report", "--uncertainty", "none",
            "--out", str(folder)]
    assert main(["run", "bureaucracy", *args]) == 0
    for name in USER_HIDDEN_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("mine")
    assert main(["compare", "bureaucracy", "npm", *args]) == 0
    assert main(["run", "bureaucracy", *args]) == 0
    for name in USER_HIDDEN_FILES:
        assert (folder / name).read_text() == "mine", name


def test_a_temporary_of_a_live_process_is_kept(tmp_path: Path) -> None:
    from governance_sim.output_folders import TEMPORARY_SUFFIX, claim_folder, clean_temporaries

    folder = claim_folder(tmp_path / "o")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as writer:
        try:
            busy = folder / f".timeseries.csv.a1b2c3d4.{writer.pid}{TEMPORARY_SUFFIX}"
            busy.write_text("being written")
            assert clean_temporaries(folder) == [] and busy.exists()
        finally:
            writer.kill()
    writer.wait()
    assert clean_temporaries(folder) == [busy]


# --- the app ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    from governance_sim.app import create_app

    app = create_app()
    return app, app.server.test_client()


def scenario_payload(app, name: object) -> dict:
    output = next(o for o in app.callback_map if "scenario-info.children" in o
                  and "ternary.figure" in o)
    return {
        "output": output,
        "outputs": [{"id": "mix-bureaucracy", "property": "value"},
                    {"id": "mix-npm", "property": "value"},
                    {"id": "mix-co_creation", "property": "value"}, [], [],
                    [{"id": {"name": "steps", "type": "run"}, "property": "value"}],
                    {"id": "scenario-info", "property": "children"},
                    {"id": "ternary", "property": "figure"},
                    {"id": "scenario", "property": "value"},
                    {"id": "url-notice", "property": "children"},
                    {"id": "readout-month", "property": "value"},
                    {"id": "policy-tab", "property": "value"},
                    {"id": "policy-zoom", "property": "value"},
                    {"id": "uncertainty", "property": "value"},
                    {"id": "uncertainty-fixed-seed", "property": "value"}],
        "inputs": [{"id": "scenario", "property": "value", "value": name},
                   {"id": "mix-bureaucracy", "property": "value", "value": 0},
                   {"id": "mix-npm", "property": "value", "value": 0},
                   {"id": "mix-co_creation", "property": "value", "value": 100},
                   {"id": "ternary", "property": "clickData", "value": None},
                   {"id": "url", "property": "search", "value": ""}],
        "changedPropIds": ["scenario.value"],
        "state": [{"id": "lang", "property": "data", "value": "en"}],
    }


def test_app_refuses_a_path_as_scenario(client, tmp_path: Path) -> None:
    app, http = client
    readable = tmp_path / "secret.toml"
    readable.write_text('[scenario]\nname = "secret"\ndescription = "TOP SECRET TEXT"\n'
                        '[params]\nlogic = "npm"\n')
    for name in (str(readable), "/etc/shadow", "/etc/passwd", "../scenarios/npm",
                 "npm.toml", {"path": "/etc/passwd"}, "x" * 5000):
        response = http.post("/_dash-update-component", json=scenario_payload(app, name))
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "unknown scenario" in text and "choose one of the list" in text
        assert "TOP SECRET" not in text and "TOML" not in text and "x" * 100 not in text
    good = http.post("/_dash-update-component", json=scenario_payload(app, "npm"))
    assert good.status_code == 200 and "unknown scenario" not in good.get_data(as_text=True)


@pytest.mark.parametrize("mutate, field", [
    (lambda p: "not an object", "body"),
    (lambda p: {**p, "output": "nope.value"}, "output"),
    (lambda p: {**p, "inputs": "x"}, "inputs"),
    (lambda p: {**p, "inputs": p["inputs"][:2]}, "inputs"),
    (lambda p: {**p, "inputs": [5, *p["inputs"][1:]]}, "inputs[0]"),
    (lambda p: {**p, "state": {}}, "state"),
    (lambda p: {**p, "changedPropIds": [1]}, "changedPropIds"),
    (lambda p: {**p, "outputs": p["outputs"][:2]}, "malformed callback request"),
])
def test_malformed_callback_payloads_get_400_naming_the_field(client, mutate, field) -> None:
    app, http = client
    response = http.post("/_dash-update-component", json=mutate(scenario_payload(app, "npm")))
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert field in message and len(message) <= 200


def test_logs_hold_no_user_input_beyond_200_characters(client, caplog) -> None:
    app, http = client
    huge = "Z" * 500_000  # long, and below the 1 MB a request may be (test_app_limits.py)
    # the guard's logger directly: whatever level or handlers earlier tests left on it
    guard_log = logging.getLogger("governance_sim.app")
    was_disabled, guard_log.disabled = guard_log.disabled, False  # a dictConfig may disable it
    guard_log.addHandler(caplog.handler)
    with caplog.at_level(logging.INFO, logger="governance_sim.app"), caplog.at_level(
            logging.INFO):
        payload = scenario_payload(app, "npm")
        payload["output"] = huge
        assert http.post("/_dash-update-component", json=payload).status_code == 400
        payload = scenario_payload(app, "npm")
        payload["outputs"] = [huge]
        assert http.post("/_dash-update-component", json=payload).status_code == 400
    guard_log.removeHandler(caplog.handler)
    guard_log.disabled = was_disabled
    assert caplog.records
    for record in caplog.records:
        assert "Z" * 201 not in record.getMessage()
        assert "Z" * 201 not in (record.exc_text or "")


def test_truncating_filter_cuts_messages_and_exception_text() -> None:
    from governance_sim.app.guard import TruncatingFilter

    try:
        raise ValueError("bad value " + "Q" * 10_000)
    except ValueError:
        record = logging.LogRecord("werkzeug", logging.ERROR, __file__, 1, "got %s",
                                   ("Q" * 10_000,), sys.exc_info())
    assert TruncatingFilter().filter(record)
    assert len(record.getMessage()) <= 200
    assert "Q" * 201 not in record.exc_text and "ValueError: bad value" in record.exc_text


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org"])
def test_debug_only_on_loopback(host: str, capsys) -> None:
    assert main(["app", "--debug", "--host", host, "--port", "1"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--debug" in line and "127.0.0.1" in line


def test_loopback_hosts() -> None:
    from governance_sim.cli.app_commands import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "127.0.0.5", "[::1]"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.1", "host.example"]))


def test_installed_packages_register_models_through_entry_points(monkeypatch) -> None:
    from importlib.metadata import EntryPoint

    from governance_sim.sweep import registry, spec_from_dict
    from governance_sim.sweep.models import resolve_model
    from governance_sim.sweep.testfunctions import ishigami

    points = [EntryPoint("their_model", "governance_sim.sweep.testfunctions:ishigami",
                         registry.ENTRY_POINT_GROUP),
              EntryPoint("linear", "subprocess:Popen", registry.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry, "entry_points",
                        lambda group: [p for p in points if p.group == group])
    assert registry.registered_models()["their_model"].endswith(":ishigami")
    assert registry.registered_models()["linear"].endswith(":linear")  # own names win
    raw = {"sweep": {"model": "their_model"}, "uncertainties": {"x1": [0.0]},
           "outcomes": {"y": {}}}
    assert resolve_model(spec_from_dict(raw)) is ishigami


def test_child_loggers_of_the_server_are_cut_too(client, caplog) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug.child").warning("request %s", "W" * 100_000)
        logging.getLogger("dash._callback").error("value " + "W" * 100_000)
    assert len(caplog.records) == 2
    assert all(len(r.getMessage()) <= 200 for r in caplog.records)


def _claim(folder: Path, start, results) -> None:  # noqa: ANN001 - multiprocessing types
    from governance_sim.output_folders import claim_folder
    from governance_sim.results import OutputError

    start.wait()
    try:
        claim_folder(folder)
        results.put("ok")
    except OutputError as error:
        results.put(str(error))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_processes_claiming_one_new_folder_together_all_get_it(tmp_path: Path) -> None:
    """Issue 22: four processes claiming one new --out at the same moment; one of them
    found another's marker not yet renamed into place and refused the folder as holding
    files governance-sim did not write (9 of 200 rounds). The lock of a sweep, not the
    claim, decides who writes."""
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    refused = []
    for i in range(150):  # about 1 in 20 rounds refused before the fix
        folder = tmp_path / f"round{i}" / "out"
        start, results = fork.Barrier(4), fork.Queue()
        processes = [fork.Process(target=_claim, args=(folder, start, results))
                     for _ in range(4)]
        for process in processes:
            process.start()
        refused += [m for m in (results.get(timeout=60) for _ in processes) if m != "ok"]
        for process in processes:
            process.join(timeout=60)
        assert (folder / MARKER).is_file()
    assert not refused, refused[:1]


def test_a_markers_temporary_is_not_a_users_file_but_other_temporaries_are(
        tmp_path: Path) -> None:
    from governance_sim.output_folders import claim_folder
    from governance_sim.results import OutputError

    mine = tmp_path / "claimed"
    mine.mkdir()
    (mine / f".{MARKER}.abc123de.4242.governance-sim-tmp").write_text("half written")
    assert claim_folder(mine) == mine and (mine / MARKER).is_file()
    users = tmp_path / "users"
    users.mkdir()
    (users / ".summary.csv.abc123de.4242.governance-sim-tmp").write_text("a user's file")
    with pytest.raises(OutputError, match="did not write"):
        claim_folder(users)
