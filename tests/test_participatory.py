"""The participatory classroom without a browser: roles, the state machine, the protocol.

The server is driven through Werkzeug's test client (cookies kept per client), so rounds,
timeouts, reconnects, late joiners, the teacher's actions, rate limits and malformed
messages are checked without a socket; a hypothesis test throws random messages at every
route and requires a 4xx (never a 500) and a note in the teacher's log.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from governance_sim.cli import main
from governance_sim.model import GovernanceModel
from governance_sim.params import Params
from governance_sim.participatory.export import session_csv, session_report
from governance_sim.participatory.protocol import RateLimiter
from governance_sim.participatory.roles import (
    CHOICES,
    DEFAULT_SHARES,
    ChoiceError,
    RoleKind,
    clean_choices,
    plan_roles,
)
from governance_sim.participatory.server import STUDENT_COOKIE, ParticipatoryApp
from governance_sim.participatory.session import Session, SessionError, Settings
from governance_sim.participatory.texts import TEXTS
from governance_sim.participatory.views import rule_defaults, student_view, teacher_view

N_CITIZENS = 600


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def new_session(**settings) -> tuple[Session, Clock]:
    clock = Clock()
    return Session(Settings(**settings), seed=5, n_citizens=N_CITIZENS, clock=clock), clock


def defaults(session: Session, student) -> dict:
    seat = session.seat_of(student)
    return rule_defaults(session, seat.kind, seat.index)


# -- roles -----------------------------------------------------------------------------------
def test_choices_are_checked_and_clamped():
    assert clean_choices(RoleKind.CITIZEN, {"accept": True, "time": 7}) == \
        {"accept": True, "time": 1.0}
    assert clean_choices(RoleKind.PROFESSIONAL, {"effort": -3})["effort"] == 0.0
    assert clean_choices(RoleKind.POLITICIAN, {"horizon": 1000, "budget": 0.1,
                                               "switch_to": "npm"}) == \
        {"horizon": 120.0, "budget": 0.6, "switch_to": "npm"}
    for kind, bad, words in [
        (RoleKind.CITIZEN, {"accept": 1, "time": 0.5}, "true or false"),
        (RoleKind.CITIZEN, {"accept": True}, "missing choice 'time'"),
        (RoleKind.CITIZEN, {"accept": True, "time": 0.5, "effort": 1}, "unknown choice"),
        (RoleKind.LEADER, {"control": 0.5, "facilitation": "a lot", "in_dip": "hold"},
         "must be a number"),
        (RoleKind.LEADER, {"control": 0.5, "facilitation": 0.5, "in_dip": "panic"},
         "one of hold, fall_back"),
        (RoleKind.PROFESSIONAL, {"effort": float("nan")}, "finite"),
        (RoleKind.PROFESSIONAL, [1], "must be an object"),
    ]:
        with pytest.raises(ChoiceError, match=words):
            clean_choices(kind, bad)


def test_roles_follow_the_shares_and_the_capacities():
    capacity = {RoleKind.CITIZEN: 1000, RoleKind.PROFESSIONAL: 100, RoleKind.LEADER: 3,
                RoleKind.POLITICIAN: 30}
    plan = plan_roles(40, DEFAULT_SHARES, capacity)
    counts = {kind: plan.count(kind) for kind in RoleKind}
    assert counts[RoleKind.LEADER] == 3  # one per unit, no more
    # the other 37 seats follow the other roles' shares, within a seat and a half
    for kind in (RoleKind.CITIZEN, RoleKind.PROFESSIONAL, RoleKind.POLITICIAN):
        assert abs(counts[kind] - 37 * DEFAULT_SHARES[kind] / 0.85) < 1.5, kind
    assert set(plan[:6]) == set(RoleKind)  # the first students fill every role
    assert plan_roles(5, {RoleKind.LEADER: 1.0}, capacity) == \
        [RoleKind.LEADER] * 3 + [RoleKind.CITIZEN] * 2


# -- the state machine -----------------------------------------------------------------------
def test_join_code_seats_and_the_class_limit():
    session, _ = new_session(max_students=3)
    with pytest.raises(SessionError, match="wrong join code"):
        session.join("WRONG")
    students = [session.join(session.join_code.lower()) for _ in range(3)]
    seats = [session.seat_of(s) for s in students]
    assert len({(s.kind, s.index) for s in seats}) == 3
    assert len({s.token for s in students}) == 3 and all(len(s.token) >= 20 for s in students)
    with pytest.raises(SessionError, match="full"):
        session.join(session.join_code)
    session.configure(max_students=4)
    session.join(session.join_code)
    with pytest.raises(SessionError, match="whole number from 4"):
        session.configure(max_students=2)  # not below the students already in


def test_rounds_without_answers_leave_the_model_as_it_runs_alone():
    session, _ = new_session()
    for _ in range(8):
        session.join(session.join_code)
    session.start()
    for _ in range(3):
        session.next_round()
    alone = GovernanceModel(Params(logic="bureaucracy", n_citizens=N_CITIZENS, n_units=20),
                            seed=5, agent_views=False)
    for _ in range(3):
        alone.step()
    mine = session.bridge.model.population.arrays()
    for name, values in alone.population.arrays().items():
        np.testing.assert_array_equal(values, mine[name], err_msg=name)
    assert all(not d.answered for d in session.decisions) and len(session.decisions) == 24


def test_answers_reach_the_agents_rows():
    session, _ = new_session(shares={RoleKind.CITIZEN: 0.5, RoleKind.LEADER: 0.5})
    citizen, leader = session.join(session.join_code), session.join(session.join_code)
    assert session.seat_of(citizen).kind is RoleKind.CITIZEN
    assert session.seat_of(leader).kind is RoleKind.LEADER
    session.start()
    assert session.answer(citizen, 1, {"accept": True, "time": 0.9}) == \
        {"accept": True, "time": 0.9}
    session.answer(leader, 1, {"control": 0.0, "facilitation": 1.0, "in_dip": "hold"})
    session.next_round()
    pop = session.bridge.model.population
    i, u = session.seat_of(citizen).index, session.seat_of(leader).index
    assert pop.citizens.participating[i] and pop.citizens.contribution[i] == 0.9
    # the leader started the month at the chosen style; the model's rule moved it one
    # adjustment step toward the logic's levers
    steps = session.bridge.model.params.leader_adjustment_steps
    target = pop.municipality.base_logic.facilitation_investment
    assert pop.leaders.facilitation[u] == pytest.approx(1.0 + (target - 1.0) / steps)
    others = np.delete(pop.leaders.facilitation, u)
    assert others.max() < 0.2  # the simulated leaders kept their bureaucratic style
    mine = [d for d in session.decisions if d.role_id == session.seat_of(citizen).role_id]
    assert mine[0].answered and mine[0].choices == {"accept": True, "time": 0.9}
    assert "accept" in mine[0].rule  # what the rule did, for the debrief


def test_council_switches_by_majority_at_most_once_a_year():
    session, _ = new_session(shares={RoleKind.POLITICIAN: 1.0})
    council = [session.join(session.join_code) for _ in range(3)]
    session.start()
    vote = {"horizon": 48, "budget": 1.0, "switch_to": "co_creation"}
    session.answer(council[0], 1, vote)
    session.answer(council[1], 1, {**vote, "switch_to": "keep"})
    session.next_round()
    assert session.bridge.logic == "bureaucracy"  # no majority (1 of 2 answers)
    for member in council[:2]:
        session.answer(member, 2, vote)
    session.next_round()
    assert session.bridge.logic == "co_creation"
    events = session.bridge.model.params.events
    assert [(e.kind, e.step, e.logic) for e in events] == [("switch_logic", 2, "co_creation")]
    assert session.bridge.model.population.municipality.last_switch_step == 2
    view = student_view(session, council[0])
    assert [o for o, _ in view["controls"][2]["options"]] == ["keep"]  # none within a year
    for member in council:
        session.answer(member, 3, {**vote, "switch_to": "npm"})
    session.next_round()
    assert session.bridge.logic == "co_creation"  # refused: less than a year since
    for _ in range(10):
        session.next_round()
    assert session.bridge.can_switch()
    for member in council:
        session.answer(member, session.round, {**vote, "switch_to": "npm", "budget": 0.8})
    session.next_round()
    assert session.bridge.logic == "npm"
    assert session.bridge.model.population.municipality.budget_factor == pytest.approx(0.8)


def test_round_timer_plays_the_round():
    session, clock = new_session(round_seconds=30)
    student = session.join(session.join_code)
    session.start()
    assert session.seconds_left() == 30 and not session.tick()
    clock.now += 31
    assert session.tick() and session.round == 2 and session.bridge.month == 1
    with pytest.raises(SessionError, match="round 1 is not open"):
        session.answer(student, 1, defaults(session, student))


def test_late_joiner_freed_seat_and_new_game():
    session, _ = new_session()
    first = session.join(session.join_code)
    session.start()
    session.next_round()
    late = session.join(session.join_code)  # joins in round 2 and may answer it
    session.answer(late, 2, defaults(session, late))
    role = first.role_id
    session.free(role)
    assert session.student(first.token) is None
    again = session.join(session.join_code)
    assert again.role_id == role  # the freed seat (and its agent) goes to the next joiner
    with pytest.raises(SessionError, match="no seat"):
        session.free("citizen-99")
    session.end()
    assert session.phase == "debrief" and len(session.round_logic) == 2
    with pytest.raises(SessionError, match="game is over"):
        session.join(session.join_code)
    code, key = session.join_code, session.teacher_token
    session.new_game()
    assert (session.phase, session.round, session.students) == ("lobby", 0, {})
    assert (session.join_code, session.teacher_token) == (code, key)


def test_settings_are_checked():
    session, _ = new_session()
    for change, words in [({"months_per_round": 2}, "1 .a month. or 3"),
                          ({"round_seconds": -1}, "from 0 to 600"),
                          ({"shares": {"king": 1}}, "unknown role 'king'"),
                          ({"shares": {"citizen": 0}}, "above 0"),
                          ({"logic": "anarchy"}, "one of"), ({"colour": 1}, "unknown setting")]:
        with pytest.raises(SessionError, match=words):
            session.configure(**change)
    session.configure(logic="npm", months_per_round=3)
    assert session.bridge.logic == "npm"
    session.join(session.join_code)
    session.start()
    with pytest.raises(SessionError, match="set in the lobby"):
        session.configure(logic="co_creation")
    session.next_round()
    assert session.bridge.month == 3
    session.configure(months_per_round=1)  # a quarter, then a month
    session.next_round()
    rows = session_csv(session).splitlines()[1:]
    assert [row.split(",")[:3] for row in rows] == [["1", "3", "npm"], ["2", "4", "npm"]]


def test_views_show_only_the_own_person_and_the_debrief():
    session, _ = new_session()
    students = [session.join(session.join_code, nickname=f"Nick{k}") for k in range(6)]
    session.start()
    for student in students:
        session.answer(student, 1, defaults(session, student))
    session.next_round()
    view = student_view(session, students[0], "nb")
    assert view["story"] and "<svg" in view["picture"] and "Tilliten" in view["story"][0]
    text = json.dumps(view)
    assert "Nick1" not in text and "curves" not in view  # never others or the system
    projector = teacher_view(session)
    sample = session.bridge.network.index
    held = [s.index for s in session.seats if s.kind is RoleKind.CITIZEN]
    assert projector["network"].count('r="7"') == np.isin(sample, held).sum() > 0
    session.end()
    projector = teacher_view(session)
    assert projector["debrief"]["choices"] and len(projector["debrief"]["questions"]) == 5
    assert "Nick1" in json.dumps(projector["seats"])  # on the projector, from memory only
    export = session_csv(session) + session_report(session, "nb")
    assert "Nick" not in export and session.teacher_token not in export
    header = session_csv(session).splitlines()[0].split(",")
    assert header[:5] == ["round", "month", "logic", "role_id", "role"]
    assert "<script" not in session_report(session)


def test_texts_match_in_both_languages():
    assert set(TEXTS["en"]) == set(TEXTS["nb"])
    for kind in RoleKind:
        for choice in CHOICES[kind]:
            assert f"c_{choice.name}" in TEXTS["en"]


def test_rate_limiter():
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=3.0, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    clock.now += 1.0
    assert limiter.allow("a") and not limiter.allow("a")


# -- the server ------------------------------------------------------------------------------
def make_app(session: Session | None = None, **options) -> ParticipatoryApp:
    session = session or new_session()[0]
    return ParticipatoryApp(session, join_urls=("http://127.0.0.1:8060/",), long_poll=0.05,
                            **options)


def teacher(app: ParticipatoryApp) -> Client:
    client = Client(app)
    answer = client.get(f"/teacher?key={app.session.teacher_token}")
    assert answer.status_code == 303 and "key" not in answer.headers["Location"]
    return client


def test_teacher_key_guards_the_controls_and_survives_a_reload():
    app = make_app()
    outsider = Client(app)
    assert outsider.get("/teacher").status_code == 403
    assert outsider.get("/teacher?key=guess").status_code == 403
    for path in ("/api/teacher", "/qr.svg", "/export/session.csv", "/export/report.html"):
        assert outsider.get(path).status_code == 403
    assert outsider.post("/api/teacher", json={"action": "start"}).status_code == 403
    client = teacher(app)
    page = client.get("/teacher")
    assert page.status_code == 200 and app.session.teacher_token not in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert client.post("/api/teacher", json={"action": "start"}).json["round"] == 1
    reloaded = client.get("/api/teacher").json  # a reload: the state is the server's
    assert (reloaded["phase"], reloaded["round"]) == ("open", 1)
    assert client.get("/qr.svg").text.startswith("<svg")
    assert app.session.join_code not in outsider.get("/").text


def test_phone_joins_answers_and_gets_its_seat_back():
    app = make_app()
    phone = Client(app)
    assert phone.post("/api/join", json={"code": "NOPE1"}).status_code == 403
    first = phone.post("/api/join", json={"code": app.session.join_code, "lang": "nb"}).json
    assert first["joined"] and first["phase"] == "lobby"
    again = phone.post("/api/join", json={"code": app.session.join_code}).json
    assert again["role_id"] == first["role_id"] and len(app.session.students) == 1
    board = teacher(app)
    board.post("/api/teacher", json={"action": "start"})
    view = phone.get(f"/api/me?since={first['stage']}").json
    assert view["round"] == 1 and view["role_id"] == first["role_id"]
    sent = phone.post("/api/answer", json={"round": 1, "choices": view["defaults"]})
    assert sent.status_code == 200 and sent.json["answered"]
    assert board.get("/api/teacher").json["answered"] == 1
    stale = phone.post("/api/answer", json={"round": 7, "choices": view["defaults"]})
    assert stale.status_code == 409
    board.post("/api/teacher", json={"action": "free", "role_id": first["role_id"]})
    assert phone.get("/api/me").json == {**phone.get("/api/me").json, "joined": False,
                                         "freed": True}


def test_long_poll_returns_when_the_round_changes():
    import threading

    app = make_app()
    app.long_poll = 10.0
    phone = Client(app)
    stage = phone.post("/api/join", json={"code": app.session.join_code}).json["stage"]
    got = {}
    waiter = threading.Thread(target=lambda: got.update(phone.get(f"/api/me?since={stage}")
                                                        .json))
    waiter.start()
    teacher(app).post("/api/teacher", json={"action": "start"})
    waiter.join(5)
    assert not waiter.is_alive() and got["round"] == 1
    # a page from before a restart (a stage ahead of the server's) is answered at once
    started = time.monotonic()
    assert phone.get("/api/me?since=999").json["stage"] < 999
    assert time.monotonic() - started < 5
    for odd in ("\u00b2", "\u0661", "-1", "1e3", "9" * 13):  # superscript, Arabic-Indic digits
        assert phone.get(f"/api/me?since={odd}").status_code == 400
    assert not any("internal error" in line for _, line in app.session.log)


def test_rate_limits_and_wrong_codes():
    app = make_app(rate=0.0, burst=4.0)
    phone = Client(app)
    statuses = [phone.get("/api/me").status_code for _ in range(42)]
    assert statuses == [200] * 40 + [429] * 2  # before joining: ten times the burst
    phone.set_cookie(STUDENT_COOKIE, "a-token")
    statuses = [phone.get("/api/me").status_code for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    app = make_app()
    guesser = Client(app)
    for _ in range(10):
        assert guesser.post("/api/join", json={"code": "AAAAA"}).status_code == 403
    right = guesser.post("/api/join", json={"code": app.session.join_code})
    assert right.status_code == 429  # too many wrong codes from this address


def test_malformed_messages_are_dropped_with_a_note():
    app = make_app()
    phone = Client(app)
    phone.post("/api/join", json={"code": app.session.join_code})
    cases = [
        phone.post("/api/answer", data="{bad", content_type="application/json"),
        phone.post("/api/answer", data=b"\xff\xfe", content_type="application/json"),
        phone.post("/api/answer", data="[1, 2]", content_type="application/json"),
        phone.post("/api/answer", data='{"round": NaN, "choices": {}}',
                   content_type="application/json"),
        phone.post("/api/answer", data="x" * 5000, content_type="application/json"),
        phone.post("/api/answer", data="a=1", content_type="application/x-www-form-urlencoded"),
        phone.post("/api/answer", json={"round": 1, "choices": {}, "extra": 1}),
        phone.post("/api/teacher", json={"action": "next"}),
        phone.get("/api/me?since=-1"),
        phone.get("/api/nothing"),
        phone.put("/api/join"),
    ]
    assert [c.status_code for c in cases] == [400, 400, 400, 400, 413, 415, 400, 403, 400,
                                              404, 405]
    log = "\n".join(line for _, line in app.session.log)
    assert log.count("dropped") == len(cases)
    assert "internal error" not in log


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
_keys = st.sampled_from(["code", "nickname", "lang", "round", "choices", "action", "role_id",
                         "settings", "accept", "time", "effort", "control", "switch_to"])
_messages = st.one_of(
    st.binary(max_size=64),
    _json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(_keys, _json_values, max_size=4).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"round": st.integers(-2, 3), "choices": st.dictionaries(
        _keys, _json_values, max_size=4)}).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from([("POST", "/api/join"), ("POST", "/api/answer"),
                              ("POST", "/api/teacher"), ("GET", "/api/me"),
                              ("GET", "/api/teacher")]),
       body=_messages, as_teacher=st.booleans(), query=st.text(max_size=10))
def test_fuzzed_messages_never_get_a_500(route, body, as_teacher, query):
    app = FUZZ_APP
    client = FUZZ_TEACHER if as_teacher else FUZZ_PHONE
    method, path = route
    answer = client.open(path, method=method, data=body, content_type="application/json",
                         query_string={"since": query} if method == "GET" else None)
    assert answer.status_code < 500
    assert answer.status_code in (200, 303, 400, 403, 404, 405, 409, 413, 415, 429)
    if answer.status_code in (400, 413, 415):
        assert "dropped" in app.session.log[-1][1]
    assert not any("internal error" in line for _, line in app.session.log)


def _fuzz_fixture() -> tuple[ParticipatoryApp, Client, Client]:
    app = make_app(rate=1e9, burst=1e9)
    app.long_poll = 0.0
    phone = Client(app)
    phone.post("/api/join", json={"code": app.session.join_code})
    board = teacher(app)
    board.post("/api/teacher", json={"action": "start"})
    return app, board, phone


FUZZ_APP, FUZZ_TEACHER, FUZZ_PHONE = _fuzz_fixture()


def test_student_cookie_is_http_only():
    app = make_app()
    phone = Client(app)
    answer = phone.post("/api/join", json={"code": app.session.join_code})
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(STUDENT_COOKIE) and "HttpOnly" in cookie


# -- the command line ------------------------------------------------------------------------
def test_classroom_command_refuses_bad_options(capsys):
    for argv, words in [(["classroom"], "add --participatory"),
                        (["classroom", "--participatory", "--months-per-round", "2"],
                         "1 (a month) or 3"),
                        (["classroom", "--participatory", "--logic", "anarchy"], "co_creation"),
                        (["classroom", "--participatory", "--lan", "--host", "10.0.0.1"],
                         "not both")]:
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert words in error and "Traceback" not in error


def test_classroom_command_serves_loopback_unless_asked(capsys, monkeypatch):
    import governance_sim.participatory.server as server_module

    served = []
    monkeypatch.setattr(server_module, "serve", lambda session, host, port, **kw:
                        served.append((host, port, kw["join_urls"], session)))
    monkeypatch.setattr(server_module, "lan_addresses", lambda: ["192.168.1.23"])
    from browser_support import free_port

    port = free_port()
    assert main(["classroom", "--participatory", "--port", str(port)]) == 0
    out = capsys.readouterr()
    host, _, urls, session = served[-1]
    assert host == "127.0.0.1" and list(urls) == [f"http://127.0.0.1:{port}/"]
    assert "this machine only" in out.out and "warning" not in out.err
    assert session.teacher_token in out.out and session.join_code in out.out
    assert main(["classroom", "--participatory", "--lan", "--port", str(port),
                 "--max-students", "30"]) == 0
    out = capsys.readouterr()
    host, _, urls, session = served[-1]
    assert host == "0.0.0.0" and list(urls) == [f"http://192.168.1.23:{port}/"]
    assert "warning: serving on 0.0.0.0" in out.err and "192.168.1.23" in out.out
    assert session.settings.max_students == 30


@pytest.mark.slow
def test_the_served_round_timer_plays_rounds(tmp_path):
    """The real server's timer thread closes a round when its time is up."""
    import os
    import re
    import subprocess
    import sys

    import httpx

    from browser_support import free_port

    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "governance_sim.cli", "classroom", "--participatory",
             "--port", str(port), "--round-seconds", "1"], stdout=out,
            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if "key=" in log.read_text():
                try:
                    httpx.get(base + "/", timeout=5)
                    break
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        key = re.search(r"key=([\w-]+)", log.read_text()).group(1)
        teacher_client = httpx.Client(base_url=base, timeout=30)
        teacher_client.get("/teacher", params={"key": key})
        state = teacher_client.post("/api/teacher", json={"action": "start"}).json()
        assert state["round"] == 1 and 0 < state["seconds_left"] <= 1
        while state["round"] < 3 and time.monotonic() < deadline:
            state = teacher_client.get("/api/teacher",
                                       params={"since": state["version"]}).json()
        assert state["round"] == 3 and state["month"] == 2
        assert "time is up" in "\n".join(state["log"])
    finally:
        process.terminate()
        process.wait(10)
    assert "Traceback" not in log.read_text()
