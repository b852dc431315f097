"""Property-based tests (hypothesis) of everything a user can hand the tool: scenario and
spec files, command-line arguments and the app's callback payloads. Whatever is generated:
no traceback, nothing written when the input is refused, and the same input gives the same
answer."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance_sim.cli import main
from governance_sim.params import UserInputError

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

SAFE_TAIL = ["--steps", "1", "--replicates", "1", "--set", "n_citizens=40", "--set",
             "n_units=2", "--no-progress"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=30), st.sampled_from(["npm", "co_creation", "x" * 300]))
#: Integers a file or a command line may hold: within 64 bits, and far beyond (a float
#: cannot hold 10**400: float() of it raises OverflowError).
integers = st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(-10**400, 10**400),
                     st.sampled_from([2**64, -2**64, 10**309, 10**400, -10**400]))
toml_scalars = st.one_of(st.booleans(), integers,
                         st.floats(allow_nan=False), st.text(max_size=20),
                         st.sampled_from(["npm", "bureaucracy", "co_creation", "trust_shock",
                                          "switch_logic", "linear", "governance_sim",
                                          "subprocess:Popen", "final", "mean"]))
values = st.recursive(toml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["low", "high", "levels", "values", "metric", "stat",
                                     "kind", "step", "x", "logic"]), inner, max_size=4)),
    max_leaves=8)

SCENARIO_KEYS = ["name", "description", "question", "steps", "sources", "replicates", "junk"]
PARAM_KEYS = ["logic", "n_citizens", "n_units", "initial_trust", "budget", "levers", "bogus",
              "events", "mechanisms", "lever_table", "steps"]
scenario_documents = st.fixed_dictionaries({}, optional={
    "scenario": st.one_of(st.dictionaries(st.sampled_from(SCENARIO_KEYS), values, max_size=4),
                          values),
    "params": st.one_of(st.dictionaries(st.sampled_from(PARAM_KEYS), values, max_size=4),
                        values),
    "events": st.lists(st.dictionaries(st.sampled_from(["kind", "step", "size", "logic",
                                                        "factor", "levers", "members", "x"]),
                                       values, max_size=4),
                       max_size=3),
    "other": values,
})

SPEC_SECTIONS = {
    "sweep": ["name", "model", "scenario", "steps", "replicates", "seed", "bad"],
    "design": ["kind", "samples", "second_order", "levels", "seed"],
    "levers": ["logic", "levers.facilitation_investment", "x1"],
    "uncertainties": ["initial_trust", "x1", "x2", "n_citizens"],
    "constants": ["n_citizens", "n_units", "x3", "crash_above"],
    "outcomes": ["y", "trust"],
}
spec_documents = st.fixed_dictionaries({}, optional={
    section: st.one_of(st.dictionaries(st.sampled_from(keys), values, max_size=4), values)
    for section, keys in SPEC_SECTIONS.items()
})


def write_toml(folder: Path, name: str, document: dict[str, Any]) -> Path | None:
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):
        return None  # not expressible as TOML (e.g. a top-level scalar table)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@SETTINGS
@given(document=scenario_documents)
def test_generated_scenario_files(document: dict[str, Any]) -> None:
    import governance_sim as gs

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_toml(folder, "generated.toml", document)
        if path is None:
            return
        answers = []
        for _ in range(2):
            try:
                scenario = gs.load_scenario(path)
                answers.append(("ok", scenario.params.to_dict() == scenario.params.to_dict()))
            except UserInputError as error:
                answers.append(("refused", str(error)))
        assert answers[0] == answers[1]
        if answers[0][0] == "ok":  # nothing the file says is dropped without a word
            params = document.get("params", {})
            assert document and "events" not in params, document
            assert set(params) <= set(gs.Params.model_fields), document
        before = files_under(folder)
        code, _, err = call(["run", str(path), "--out", str(folder / "out"), *SAFE_TAIL])
        assert "Traceback" not in err and code in (0, 2), err
        if answers[0][0] == "refused":
            assert code == 2 and len(err.strip().splitlines()) == 1
            assert files_under(folder) == before


@SETTINGS
@given(document=spec_documents)
def test_generated_spec_files(document: dict[str, Any]) -> None:
    from governance_sim.sweep import build_design, load_spec, resolve_model

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_toml(folder, "spec.toml", document)
        if path is None:
            return
        answers = []
        for _ in range(2):
            try:
                spec = load_spec(path)
                resolve_model(spec)
                answers.append(("ok", len(build_design(spec).points)))
            except UserInputError as error:
                answers.append(("refused", str(error)))
        assert answers[0] == answers[1]
        if answers[0][0] == "refused":
            before = files_under(folder)
            code, _, err = call(["sweep", str(path), "--out", str(folder / "o"),
                                 "--workers", "1", "--no-progress"])
            assert code == 2 and "Traceback" not in err
            assert len(err.strip().splitlines()) == 1, err
            assert files_under(folder) == before


TOKENS = st.sampled_from([
    "npm", "co_creation", "nope", "x" * 300, "--steps", "0", "-5", "2", "abc", "--seed",
    str(2**63), str(2**64), "--replicates", "--set", "n_citizens=abc", "initial_trust=2",
    "levers.nope=1", "=", "--images", "--no-report", "--out", "", "/", "--json",
    "--bogus", "\0", "é", "1e309", "--report",
    f"n_citizens={10**400}", f"levers.sanctions={10**400}", f"initial_trust=-{2**64}",
    "initial_trust=0.5\nfoo = 1", "inital_trust=0.3", "logic={npm = true}",
    "initial_trust=" + "[" * 5000 + "]" * 5000,
])


@SETTINGS
@given(command=st.sampled_from(["run", "show", "compare", "report", "list"]),
       tokens=st.lists(TOKENS, max_size=6))
def test_generated_command_lines(command: str, tokens: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        argv = [command, *[t.replace("/", str(folder / "o")) if t == "/" else t
                           for t in tokens]]
        if command in ("run", "compare"):
            argv += ["--out", str(folder / "out"), *SAFE_TAIL]
        elif command == "report":
            argv.insert(1, str(folder / "nothing"))
        first = call(argv)
        code, _, err = first
        assert code in (0, 1, 2) and "Traceback" not in err, (argv, err)
        if code == 2:
            assert files_under(folder) == set(), argv
            assert call(argv) == first  # same input, same answer


numbers = st.one_of(integers, st.floats(), st.booleans())
levers = st.dictionaries(st.sampled_from(["sanctions", "arena_reach", "nope"]), numbers,
                         max_size=2)
mixes = st.dictionaries(st.sampled_from(["npm", "co_creation", "bureaucracy"]), numbers,
                        min_size=1, max_size=3)
event_dicts = st.fixed_dictionaries(
    {"kind": st.sampled_from(["trust_shock", "set_levers", "switch_logic", "citizens_panel",
                              "budget_change"]), "step": numbers},
    optional={"size": numbers, "levers": levers, "logic": mixes, "members": numbers,
              "factor": numbers, "duration": numbers})
python_changes = st.fixed_dictionaries({}, optional={
    "n_citizens": numbers, "initial_trust": numbers, "n_units": numbers,
    "professionals_per_unit": numbers, "levers": levers, "logic": mixes,
    "lever_table": st.dictionaries(st.sampled_from(["npm", "co_creation"]), levers,
                                   max_size=2),
    "events": st.lists(event_dicts, max_size=2)})


@SETTINGS
@given(changes=python_changes)
def test_generated_python_parameters(changes: dict[str, Any]) -> None:
    """Params, and the checks before run_many, answer any numbers with a ParameterError."""
    import governance_sim as gs

    try:
        params = gs.Params(**changes)
    except UserInputError as error:  # each mistake named; a 400-digit number not echoed
        assert not re.search(r"\d{80}", str(error)), str(error)[:300]
        return
    for name, value in changes.get("logic", {}).items():  # true is not a weight of 1.0
        assert not isinstance(value, bool), (name, value)
    assert params.n_units * params.professionals_per_unit <= 5_000_000


@SETTINGS
@given(content=st.one_of(st.text(max_size=200), st.binary(max_size=200)),
       name=st.sampled_from(["thesis.html", "notes.txt", "v.html", "validation.html"]))
def test_validate_never_overwrites_a_users_file(content: str | bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        before = target.read_bytes()
        code, _, err = call(["validate", "--pattern", "1", "--seeds", "1", "--n-citizens",
                             "200", "--n-units", "10", "--out", str(target)])
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert target.read_bytes() == before
        assert files_under(Path(tmp)) == {name}


set_items = st.builds(
    lambda name, value, tail: f"{name}={value}{tail}",
    st.sampled_from(["n_citizens", "initial_trust", "levers.sanctions", "logic",
                     "mechanisms.contagion", "inital_trust", "levers.nope", "budget"]),
    st.one_of(integers.map(str), st.floats().map(repr), st.sampled_from(
        ["true", "npm", "{npm = true}", "{npm = 1}", "[1, 2]", "'x'", "1e309"])),
    st.sampled_from(["", "", "\nfoo = 1", "\rn_units = 5", " # note"]))


@SETTINGS
@given(item=set_items)
def test_generated_set_items(item: str) -> None:
    """One --set: a clear answer whatever the value; a second line is never dropped."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        code, _, err = call(["run", "npm", "--set", item, "--out", str(folder / "o"),
                             *SAFE_TAIL, "--uncertainty", "none"])
        assert code in (0, 2) and "Traceback" not in err, (item, err)
        if "\n" in item or "\r" in item:
            assert code == 2 and "one NAME=VALUE" in err, (item, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and files_under(folder) == set(), err


def scenario_payload(app: Any, name: Any) -> dict[str, Any]:
    output = next(o for o in app.callback_map
                  if "scenario-info.children" in o and "ternary.figure" in o)
    return {
        "output": output,
        "outputs": [{"id": "mix-bureaucracy", "property": "value"},
                    {"id": "mix-npm", "property": "value"},
                    {"id": "mix-co_creation", "property": "value"}, [], [],
                    {"id": {"name": "steps", "type": "run"}, "property": "value"},
                    {"id": "scenario-info", "property": "children"},
                    {"id": "ternary", "property": "figure"}],
        "inputs": [{"id": "scenario", "property": "value", "value": name},
                   {"id": "mix-bureaucracy", "property": "value", "value": 30},
                   {"id": "mix-npm", "property": "value", "value": 30},
                   {"id": "mix-co_creation", "property": "value", "value": 40},
                   {"id": "ternary", "property": "clickData", "value": None}],
        "changedPropIds": ["scenario.value"],
        "state": [],
    }


_APP: list[Any] = []


def the_app() -> Any:
    if not _APP:
        from governance_sim.app import create_app

        app = create_app()
        _APP.extend([app, app.server.test_client()])
    return _APP


json_values = st.recursive(scalars.filter(lambda v: v == v and v not in (float("inf"),
                                                                        float("-inf"))),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=8), inner,
                                                                   max_size=3)),
                           max_leaves=6)


@SETTINGS
@given(name=json_values,
       field=st.sampled_from(["none", "output", "outputs", "inputs", "state",
                              "changedPropIds", "value0", "mix", "ternary"]),
       junk=json_values)
def test_generated_app_payloads(name: Any, field: str, junk: Any) -> None:
    app, http = the_app()
    payload = scenario_payload(app, name)
    if field in ("output", "outputs", "inputs", "state", "changedPropIds"):
        payload[field] = junk
    elif field == "mix":
        payload["inputs"][1]["value"] = junk
    elif field == "ternary":
        payload["inputs"][4]["value"] = junk
    elif field == "value0":
        payload["inputs"][0] = junk
    answers = []
    for _ in range(2):
        response = http.post("/_dash-update-component", json=payload)
        answers.append((response.status_code, response.get_data(as_text=True)))
    status, body = answers[0]
    assert status in (200, 204, 400), (status, body[:300])
    if status == 400:
        assert len(body) < 400 and "error" in body
    if isinstance(name, str) and ("/" in name or name.endswith(".toml")):
        assert status != 200 or "unknown scenario" in body
    assert answers[0] == answers[1]
