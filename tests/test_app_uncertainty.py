"""Parameter uncertainty in the app (issue 14), without a browser.

``governance-sim app --uncertainty TABLE``: tables are checked before serving (a bad one is
one line, exit 2) and offered by key; the browser chooses among the offered keys only. A key
the server does not offer, in a link or in a callback request, runs without a table and says
so; it is never read as a path.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

import governance_sim as gs
from governance_sim.app import controls, urlstate
from governance_sim.app.controls import (
    FIXED_SEED,
    NO_TABLE,
    FieldError,
    TableChoices,
    lever_specs,
    parameter_specs,
    percents_from_logic,
)
from governance_sim.app.form import read_form
from governance_sim.cli import main
from governance_sim.uncertainty import UncertaintyError

SESSION = "0123456789abcdef0123456789abcdef"
RANGES = "parameter,low,high\ntrust_anchoring,0.02,0.1\nparticipation_time_cost,0.3,0.9\n"


@pytest.fixture()
def ranges_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_ranges.csv"
    path.write_text(RANGES)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the command ------------------------------------------------------------------------------
@pytest.mark.parametrize("content, name, expected", [
    (None, "missing.csv", "parameter table not found"),
    ("parameter,low,high\nn_citizens,10,20\n", "design.csv", "design choice"),
    ("parameter,low,high\ntrust_anchoring,0.5,0.1\n", "backwards.csv", "must be below high"),
    ("x", "table.txt", "a parameter table is a .csv"),
])
def test_a_bad_table_is_one_line_and_exit_2(tmp_path, capsys, content, name, expected
                                            ) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    code = main(["app", "--uncertainty", str(path), "--port", str(_free_port())])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and expected in err[0], err


def test_the_command_offers_the_tables_it_was_given(ranges_file, capsys, monkeypatch
                                                    ) -> None:
    served = {}
    monkeypatch.setattr("dash.Dash.run", lambda app, **options: served.update(
        tables=app.server.config["GOVERNANCE_SIM_TABLES"], **options))
    code = main(["app", "--uncertainty", str(ranges_file), "--uncertainty", "calibrated",
                 "--port", str(_free_port())])
    out = capsys.readouterr().out
    assert code == 0, out
    assert served["tables"].keys == (NO_TABLE, "calibrated", "my_ranges")
    assert f"parameter tables offered: none, calibrated, my_ranges ({ranges_file})" in out


def test_the_app_offers_its_tables_in_the_dropdown(ranges_file) -> None:
    from governance_sim.app import create_app

    app = create_app(uncertainty=[ranges_file])
    with app.server.test_request_context("/"):
        page = str(app.layout())
    assert "'value': 'my_ranges'" in page and "'value': 'calibrated'" in page
    assert str(ranges_file) not in page  # the browser sees keys, never the server's paths
    assert "uncertainty-fixed-seed" in page
    plain = create_app()
    with plain.server.test_request_context("/"):
        assert "my_ranges" not in str(plain.layout())


# --- offered tables, keys only ----------------------------------------------------------------
def test_keys_are_unique_and_a_table_is_offered_once(tmp_path, ranges_file) -> None:
    clash = tmp_path / "calibrated.csv"
    clash.write_text(RANGES)
    none = tmp_path / "none.toml"
    none.write_text('[ranges]\ntrust_anchoring = { low = 0.02, high = 0.1 }\n')
    choices = TableChoices.offer([ranges_file, clash, none, ranges_file, "calibrated"])
    assert choices.keys == (NO_TABLE, "calibrated", "my_ranges", "calibrated_2", "none_2")
    assert choices.table(NO_TABLE) is None
    assert choices.table("calibrated_2").path == str(clash)
    labels = {o["value"]: o["label"] for o in choices.options()}
    assert labels["calibrated"] == "calibrated: 22 plausible parameter sets"
    assert labels["my_ranges"] == "my_ranges: ranges of 2 parameters"
    assert "none" in controls.TableChoices.default().keys


@pytest.mark.parametrize("key", ["/etc/passwd", "../data/parameter_uncertainty.csv",
                                 "my_ranges.csv", "CALIBRATED", "", None, 3, ["calibrated"]])
def test_a_key_that_is_not_offered_is_refused_naming_the_offered(key) -> None:
    with pytest.raises(FieldError, match="not offered here; choose one of none, calibrated"):
        TableChoices.default().table(key)


def _form(scenario: gs.Scenario, **uncertainty):
    values = scenario.params.to_dict()
    params = {s.name: (values[s.name] if s.kind == "slider" else f"{values[s.name]:g}")
              for s in parameter_specs()}
    levers = controls.levers_for(scenario.params.logic, scenario.params.levers)
    return read_form(scenario, percents_from_logic(scenario.params.logic),
                     {s.name: levers[s.name] for s in lever_specs()}, params,
                     {"steps": "6", "replicates": "2", "seed": "1"}, **uncertainty)


def test_the_form_follows_an_offered_key_and_refuses_another() -> None:
    base = gs.load_scenario("co_creation")
    chosen = _form(base, uncertainty="calibrated", fixed_seed=[FIXED_SEED])
    assert chosen.ok and chosen.table.name == "calibrated" and chosen.fixed_seed
    assert chosen.refused_table == ""
    refused = _form(base, uncertainty="/etc/passwd", fixed_seed=[FIXED_SEED])
    assert refused.ok and refused.table is None and not refused.fixed_seed
    assert refused.refused_table == "'/etc/passwd'"
    plain = _form(base, fixed_seed=[FIXED_SEED])  # one seed without a table: nothing to vary
    assert plain.table is None and not plain.fixed_seed and plain.refused_table == ""


# --- the address ------------------------------------------------------------------------------
def test_the_address_carries_the_table_when_it_is_not_the_scenarios() -> None:
    base = gs.load_scenario("co_creation")
    assert base.uncertainty == "calibrated"  # what every shipped scenario ships with
    percents = percents_from_logic(base.params.logic)
    # the scenario's own table is the default, like every other control's scenario value
    query = urlstate.encode_state(base, percents, {}, uncertainty="calibrated",
                                  fixed_seed=True)
    assert query == "scenario=co_creation&fixed_seed=1"
    state, notices = urlstate.decode_query("?" + query)
    assert (state.uncertainty, state.fixed_seed, notices) == (None, True, [])
    assert urlstate.encode_state(base, percents, {}) == "scenario=co_creation"
    # choosing none is written, so a link keeps it
    query = urlstate.encode_state(base, percents, {}, uncertainty=NO_TABLE)
    assert query == "scenario=co_creation&uncertainty=none"
    assert urlstate.decode_query("?" + query) == (
        urlstate.ViewState(scenario="co_creation", uncertainty=NO_TABLE), [])
    # a scenario that ships with no table: none is its default, calibrated is written
    plain = gs.Scenario(name="co_creation", params=base.params, steps=base.steps)
    assert urlstate.encode_state(plain, percents, {}, uncertainty=NO_TABLE) == \
        "scenario=co_creation"
    assert urlstate.encode_state(plain, percents, {}, uncertainty="calibrated") == \
        "scenario=co_creation&uncertainty=calibrated"


def test_a_scenario_starts_from_the_table_it_ships_with_when_offered() -> None:
    offered = TableChoices.default()
    assert offered.for_scenario("calibrated") == ("calibrated", "")
    assert offered.for_scenario(NO_TABLE) == (NO_TABLE, "")
    assert offered.for_scenario("") == (NO_TABLE, "")  # the file says nothing
    assert offered.for_scenario("future_table") == (NO_TABLE, "future_table")
    only_none = TableChoices(((NO_TABLE, None),))
    assert only_none.for_scenario("calibrated") == (NO_TABLE, "calibrated")


@pytest.mark.parametrize("raw", ["/etc/passwd", "../secret.csv", "my_ranges", "x" * 500])
def test_an_unknown_table_in_the_address_is_refused_with_a_notice(raw) -> None:
    state, notices = urlstate.decode_query(f"?scenario=npm&uncertainty={raw}&fixed_seed=1")
    assert state.uncertainty == NO_TABLE and state.scenario == "npm"
    assert len(notices) == 1 and "not a parameter table this app offers (none, calibrated)" \
        in notices[0] and "x" * 100 not in notices[0]
    offered = urlstate.decode_query("?uncertainty=my_ranges",
                                    tables=(NO_TABLE, "calibrated", "my_ranges"))
    assert offered == (urlstate.ViewState(uncertainty="my_ranges"), [])
    nb = urlstate.decode_query(f"?uncertainty={raw[:20]}", "nb")[1]
    assert "er ikke en parametertabell denne appen tilbyr" in nb[0]


# --- a callback request naming a table --------------------------------------------------------
def _compute_payload(app, table: object) -> dict:
    """A request of the policy view's main callback for co_creation (6 months, 600 citizens)."""
    output = next(o for o in app.callback_map if "policy-message.children" in o)
    base = gs.load_scenario("co_creation")
    values = {**base.params.to_dict(), "n_citizens": 600, "n_units": 12}
    levers = controls.levers_for(base.params.logic, base.params.levers)
    run = {"steps": "6", "replicates": "2", "seed": "1"}

    def many(kind: str, named: dict) -> list[dict]:
        return [{"id": {"name": n, "type": kind}, "property": "value", "value": v}
                for n, v in named.items()]

    def outs(kind: str, names) -> list[dict]:
        return [{"id": {"name": n, "type": kind}, "property": "children"} for n in names]

    params = {s.name: f"{values[s.name]:g}" if isinstance(values[s.name], float)
              else str(values[s.name]) for s in parameter_specs()}
    lever_values = {s.name: levers[s.name] for s in lever_specs()}
    percents = percents_from_logic(base.params.logic)
    return {
        "output": output,
        "outputs": [outs("param-msg", params), outs("lever-msg", lever_values),
                    outs("run-msg", run),
                    *[{"id": i, "property": p} for i, p in (
                        ("policy-message", "children"), ("policy-drawn", "data"),
                        ("policy-poll", "disabled"), ("policy-status", "children"),
                        ("graph-time", "figure"), ("graph-equity", "figure"),
                        ("graph-pv-profile", "figure"), ("graph-pv-components", "figure"))]],
        "inputs": [{"id": "scenario", "property": "value", "value": "co_creation"},
                   *[{"id": f"mix-{n}", "property": "value", "value": v}
                     for n, v in zip(("bureaucracy", "npm", "co_creation"), percents,
                                     strict=True)],
                   many("lever", lever_values), many("param", params), many("run", run),
                   {"id": "uncertainty", "property": "value", "value": table},
                   {"id": "uncertainty-fixed-seed", "property": "value", "value": []}],
        "changedPropIds": ["uncertainty.value"],
        "state": [{"id": "session-id", "property": "data", "value": SESSION},
                  {"id": "policy-tab", "property": "value", "value": "time"},
                  {"id": "readout-month", "property": "value", "value": 6},
                  {"id": "policy-zoom", "property": "value", "value": []},
                  {"id": "lang", "property": "data", "value": "en"}],
    }


def test_a_callback_naming_a_table_that_is_not_offered_runs_without_one(tmp_path) -> None:
    from governance_sim.app import create_app

    secret = tmp_path / "secret.csv"
    secret.write_text("parameter,low,high\ntrust_anchoring,0.02,0.1\n")
    app = create_app()
    http = app.server.test_client()
    sessions = app.server.config["GOVERNANCE_SIM_SESSIONS"]
    for table in (str(secret), "secret", {"path": str(secret)}):
        response = http.post("/_dash-update-component", json=_compute_payload(app, table))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        answer = json.loads(response.get_data(as_text=True))["response"]
        message = answer["policy-message"]["children"]
        assert "is not offered here (choose one of none, calibrated); running without one" \
            in message
        runs = sessions.get(SESSION).get("policy", None)
        assert runs.context["table"] is None and "draw_seed" not in runs.frame.columns
    good = http.post("/_dash-update-component", json=_compute_payload(app, "calibrated"))
    answer = json.loads(good.get_data(as_text=True))["response"]
    assert answer["policy-message"]["children"] == ""
    runs = sessions.get(SESSION).get("policy", None)
    assert runs.context["table"].name == "calibrated"
    assert runs.wait(120)
    assert runs.bands() == ("seed variation and parameter uncertainty (2 replicates, each its "
                            "own seed and parameter draw)")


def test_a_table_that_is_not_valid_is_refused_at_start(tmp_path) -> None:
    from governance_sim.app import create_app

    bad = tmp_path / "bad.csv"
    bad.write_text("parameter,low,high\nbogus,0,1\n")
    with pytest.raises(UncertaintyError, match="unknown parameter 'bogus'"):
        create_app(uncertainty=[bad])


def test_the_html_export_says_what_the_bands_show_and_how_to_rerun() -> None:
    from governance_sim.app import export
    from governance_sim.app.policy import SETTINGS_LABEL, PolicyRuns
    from governance_sim.uncertainty import load_table

    base = gs.Scenario(name="co_creation", params=gs.Params(logic="co_creation",
                                                            n_citizens=500, n_units=10),
                       steps=4)
    settings = base.params.replace(initial_trust=0.3)
    runs = PolicyRuns()
    runs.update(base, settings, steps=4, seed=5, replicates=2, baseline_label="baseline",
                uncertainty=load_table("calibrated"), fixed_seed=True)
    assert runs.wait(120)
    custom = export.custom_scenario(base, settings, 4, label=SETTINGS_LABEL)
    page = export.report_html(runs.frame, base, custom, seed=5, replicates=2, steps=4,
                              baseline_label="baseline", table=runs.context["table"],
                              fixed_seed=True, bands=runs.bands())
    assert "parameter uncertainty (2 draws from calibrated)" in page
    assert "--uncertainty calibrated --fixed-seed" in page


# --- the view starts from the scenario's table (scenarios ship with calibrated) ---------------
def _load_payload(app, scenario: str, search: str, changed: str) -> dict:
    """A request of the callback that loads a scenario or a link (``changed``: its trigger)."""
    output = next(o for o in app.callback_map if "scenario-info.children" in o
                  and "ternary.figure" in o)
    return {
        "output": output,
        "outputs": [{"id": f"mix-{n}", "property": "value"}
                    for n in ("bureaucracy", "npm", "co_creation")] + [
            [], [], [{"id": {"name": "steps", "type": "run"}, "property": "value"}],
            *[{"id": i, "property": p} for i, p in (
                ("scenario-info", "children"), ("ternary", "figure"), ("scenario", "value"),
                ("url-notice", "children"), ("readout-month", "value"),
                ("policy-tab", "value"), ("policy-zoom", "value"), ("uncertainty", "value"),
                ("uncertainty-fixed-seed", "value"))]],
        "inputs": [{"id": "scenario", "property": "value", "value": scenario},
                   {"id": "mix-bureaucracy", "property": "value", "value": 0},
                   {"id": "mix-npm", "property": "value", "value": 100},
                   {"id": "mix-co_creation", "property": "value", "value": 0},
                   {"id": "ternary", "property": "clickData", "value": None},
                   {"id": "url", "property": "search", "value": search}],
        "changedPropIds": [changed],
        "state": [{"id": "lang", "property": "data", "value": "en"}],
    }


def _loaded(http, app, scenario: str, search: str, changed: str) -> dict:
    response = http.post("/_dash-update-component",
                         json=_load_payload(app, scenario, search, changed))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.loads(response.get_data(as_text=True))["response"]


def test_choosing_a_scenario_sets_the_table_it_ships_with() -> None:
    from governance_sim.app import create_app

    app = create_app()
    http = app.server.test_client()
    # the user had chosen none (the address says so); picking npm sets npm's table
    answer = _loaded(http, app, "npm", "?scenario=co_creation&uncertainty=none",
                     "scenario.value")
    assert gs.load_scenario("npm").uncertainty == "calibrated"
    assert answer["uncertainty"]["value"] == "calibrated"
    assert answer["url-notice"]["children"] == ""
    assert "uncertainty-fixed-seed" not in answer  # the one-seed box is left as it was
    # moving the mix keeps the table chosen by hand
    mixed = _loaded(http, app, "npm", "", "mix-npm.value")
    assert "uncertainty" not in mixed and "mix-npm" in mixed
    # a page opened without settings starts from the scenario's table, as does the layout
    opened = _loaded(http, app, "co_creation", "", "url.search")
    assert opened["uncertainty"]["value"] == "calibrated"
    with app.server.test_request_context("/"):
        layout = app.layout()
    dropdown = next(c for c in layout._traverse() if getattr(c, "id", None) == "uncertainty")
    assert dropdown.value == "calibrated"


@pytest.mark.parametrize("search, table, fixed", [
    ("?scenario=npm&uncertainty=none", NO_TABLE, []),          # none chosen: kept
    ("?scenario=npm&fixed_seed=1", "calibrated", [FIXED_SEED]),  # an old link: the scenario's
    ("?scenario=npm&uncertainty=calibrated", "calibrated", []),
])
def test_a_link_sets_its_table_else_the_scenarios(search, table, fixed) -> None:
    from governance_sim.app import create_app

    app = create_app()
    answer = _loaded(app.server.test_client(), app, "co_creation", search, "url.search")
    assert answer["scenario"]["value"] == "npm"
    assert answer["uncertainty"]["value"] == table
    assert answer["uncertainty-fixed-seed"]["value"] == fixed
    assert answer["url-notice"]["children"] == ""


def test_a_scenario_table_the_server_does_not_offer_gives_none_with_a_notice() -> None:
    from governance_sim.app.callbacks_policy import _scenario_table

    only_none = TableChoices(((NO_TABLE, None),))
    npm = gs.load_scenario("npm")
    assert _scenario_table(npm, only_none) == (NO_TABLE, [
        "scenario npm ships with the parameter table 'calibrated', which this app does not "
        "offer (none); showing none"])
    assert _scenario_table(npm, TableChoices.default()) == ("calibrated", [])
    nb = _scenario_table(npm, only_none, "nb")[1][0]
    assert "som denne appen ikke tilbyr" in nb


# --- the exported scenario file carries the table ---------------------------------------------
def test_the_exported_file_ships_with_the_table_the_app_ran(tmp_path, ranges_file) -> None:
    from governance_sim.app import export
    from governance_sim.uncertainty import load_table

    base = gs.load_scenario("co_creation")
    params = base.params.replace(n_citizens=300, n_units=6, initial_trust=0.4)
    fields = export.table_fields(load_table("calibrated"))
    assert fields == {"uncertainty": "calibrated"}
    path = tmp_path / "mine.toml"
    path.write_text(export.scenario_toml(base, params, 3, **fields), encoding="utf-8")
    loaded = gs.load_scenario(path)
    assert loaded.uncertainty == "calibrated" and loaded.params == params
    # governance-sim run draws from it without being told
    assert main(["run", str(path), "--replicates", "2", "--out", str(tmp_path / "out"),
                 "--no-report"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["uncertainty"]["name"] == "calibrated"
    assert "parameter uncertainty" in manifest["bands"]
    # none is written as none: the file runs on seed variation alone
    plain = tmp_path / "plain.toml"
    plain.write_text(export.scenario_toml(base, params, 3, **export.table_fields(None)),
                     encoding="utf-8")
    assert gs.load_scenario(plain).uncertainty == NO_TABLE
    # a table the app was given as a file: no path in the file, the command names it
    given = export.table_fields(load_table(ranges_file))
    assert given == {"rerun_table": "my_ranges.csv"}
    text = export.scenario_toml(base, params, 3, **given)
    assert "uncertainty =" not in text and str(ranges_file.parent) not in text
    assert "#   governance-sim run co_creation_custom.toml --uncertainty my_ranges.csv" in text
    assert gs.load_scenario(tmp_path / "mine.toml").uncertainty == "calibrated"
    with pytest.raises(ValueError, match="a scenario file names a built-in table"):
        export.scenario_document(base, params, 3, uncertainty=str(ranges_file))


def test_settings_that_fix_every_drawn_parameter_export_none() -> None:
    from governance_sim.app import export
    from governance_sim.uncertainty import load_table

    base = gs.load_scenario("co_creation")
    table = load_table("calibrated")
    defaults = gs.Params().to_dict()
    changed = {}
    for name in table.names:  # move each drawn parameter off its default
        value = table.rows[0][table.names.index(name)]
        changed[name] = value if value != defaults[name] else value * 1.01
    params = base.params.replace(**changed)
    document = export.scenario_document(base, params, 3, uncertainty="calibrated")
    assert document["scenario"]["uncertainty"] == NO_TABLE  # `run` would refuse calibrated
