"""The app server's limits (issue 22): what a request may be, and that nothing a browser (or
anyone else) sends gets a server error.

* a body above the limit (1 MB unless ``create_app(max_request_bytes=...)`` says otherwise)
  gets 413 before the server reads it, so memory stays flat however much is sent;
* a body nested 100 000 levels deep gets 400, not a 500 from Python's recursion limit;
* an integer no float can hold (310 digits and more) in any control gets 400 naming the
  control, not a 500 from ``OverflowError``;
* hypothesis sends every server callback of the app generated values in every input and
  state slot (integers far beyond 64 bits, NaN and infinities, text, deep lists and
  objects): the answer is 200, 204 or a short 400, never a server error.

The requests are built from the page itself (``tests/app_payloads.py``), so a callback added
later is covered without touching this file.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app_payloads import callback_bodies, value_slots, with_value
from governance_sim.app.guard import MAX_DEPTH, MAX_REQUEST_BYTES
from governance_sim.params import ParameterError

UPDATE = "/_dash-update-component"
#: The classroom's models kept small, so the generated requests stay quick.
SMALL_CLASSROOM = {"n_citizens": 300, "n_units": 4}
#: The policy view's form runs small models too (its page opens at 10 000 citizens).
SMALL_FORM = {("param", "n_citizens"): 600, ("param", "n_units"): 6, ("run", "steps"): 12,
              ("run", "replicates"): 1}


@pytest.fixture(scope="module")
def app() -> Any:
    from governance_sim.app import create_app

    logging.getLogger("governance_sim.app").setLevel(logging.ERROR)  # refusals are expected
    return create_app(classroom_population=SMALL_CLASSROOM)


@pytest.fixture(scope="module")
def http(app) -> Any:
    return app.server.test_client()


def _small(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the policy view's population and horizon made small."""
    for slot in ("inputs", "state"):
        for item in body[slot]:
            for entry in item if isinstance(item, list) else [item]:
                ident = entry["id"]
                if isinstance(ident, dict):
                    small = SMALL_FORM.get((ident.get("type"), ident.get("name")))
                    if small is not None:
                        entry["value"] = small
    return body


@pytest.fixture(scope="module")
def bodies(app) -> dict[str, dict[str, Any]]:
    """A well-formed request for every server callback (clientside ones have no function)."""
    found = {output: _small(body) for output, body in callback_bodies(app).items()
             if app.callback_map[output].get("callback") is not None}
    assert len(found) >= 12, sorted(found)  # the policy view's and the classroom's
    return found


def _post(http, body: Any) -> tuple[int, str]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = http.post(UPDATE, data=data, content_type="application/json")
    return response.status_code, response.get_data(as_text=True)


def test_every_callback_answers_its_page_request(http, bodies) -> None:
    """The requests the tests build are the page's own: each is answered (no 400)."""
    for output, body in bodies.items():
        status, text = _post(http, body)
        assert status in (200, 204), (output, status, text[:300])


# --- size ----------------------------------------------------------------------------------
def _serve(flask_app) -> tuple[Any, int]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_port


def test_a_body_above_the_limit_gets_413_before_it_is_read(app) -> None:
    """The server answers a 400 MB request at once, having read only its headers."""
    server, port = _serve(app.server)
    try:
        for route in (UPDATE, "/"):
            with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
                connection.sendall(
                    f"POST {route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    f"application/json\r\nContent-Length: {400 * 2**20}\r\n\r\n[1".encode())
                # only 2 of the 400 MB are sent: an answer now proves none of it was awaited
                answer = b""
                while chunk := connection.recv(65536):  # the server closes when done
                    answer += chunk
            text = answer.decode("latin-1")
            assert text.startswith("HTTP/1.1 413"), text[:300]
            assert f"{MAX_REQUEST_BYTES:,} bytes" in text
    finally:
        server.shutdown()


def _chunked(port: int, body: bytes, piece: int = 65_536) -> str:
    """Post ``body`` in chunks (no Content-Length); the server's whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as connection:
        connection.sendall(f"POST {UPDATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                           "application/json\r\nTransfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n".encode())
        try:
            for start in range(0, len(body), piece):
                chunk = body[start:start + piece]
                connection.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            connection.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed before the end
            pass
        answer = b""
        while b"\r\n\r\n" not in answer:  # the head, then as much body as it announces
            answer += connection.recv(65_536)
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        length = int(re.search(r"(?i)content-length: (\d+)", head)[1])
        while len(answer) < len(head) + 4 + length:
            answer += connection.recv(65_536)
    return answer.decode("latin-1")


def test_a_body_sent_in_chunks_is_held_to_the_limit(app, bodies) -> None:
    """Without a Content-Length the server reads one byte past the limit, then refuses."""
    server, port = _serve(app.server)
    try:
        answer = _chunked(port, b" " * (MAX_REQUEST_BYTES + 500_000))
        assert answer.startswith("HTTP/1.1 413"), answer[:300]
        body = json.dumps(bodies["mix-sum.children"]).encode()  # a page request, in chunks
        answer = _chunked(port, body, piece=100)
        assert answer.startswith("HTTP/1.1 200"), answer[:300]
    finally:
        server.shutdown()


def test_the_limit_is_configurable(http) -> None:
    from governance_sim.app import create_app

    small = create_app(max_request_bytes=2_000, classroom_population=SMALL_CLASSROOM)
    client = small.server.test_client()
    answer = client.post(UPDATE, data="x" * 2_001, content_type="application/json")
    assert answer.status_code == 413 and "2,000 bytes" in answer.get_json()["error"]
    assert client.post(UPDATE, data="x" * 2_000,
                       content_type="application/json").status_code == 400  # read, refused
    assert _post(http, "x" * 2_001)[0] == 400  # the default is larger
    for bad in (0, -1, 1.5, "1MB", True):
        with pytest.raises(ParameterError, match="max_request_bytes"):
            create_app(max_request_bytes=bad)


# --- depth ---------------------------------------------------------------------------------
@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 2_000, 100_000])
def test_a_deeply_nested_body_gets_400(http, bodies, levels) -> None:
    deep = "[" * levels + "]" * levels
    status, text = _post(http, deep)
    assert status == 400 and "nested deeper than" in text, text[:300]
    body = next(iter(bodies.values()))  # nested inside a well-formed request
    status, text = _post(http, json.dumps(body)[:-1] + ', "extra": ' + deep + "}")
    assert status == 400 and "nested deeper than" in text, text[:300]


# --- numbers beyond a float ----------------------------------------------------------------
@pytest.mark.parametrize("number", [10**309, -10**400, int("9" * 310)],
                         ids=["10**309", "-10**400", "310 nines"])
def test_an_integer_no_float_holds_gets_400_naming_the_control(http, bodies, number) -> None:
    for output, body in bodies.items():
        for where in value_slots(body):
            status, text = _post(http, with_value(body, where, number))
            assert status == 400, (output, where, status, text[:300])
            error = json.loads(text)["error"]
            assert "beyond any control's range" in error and len(error) <= 200, error
            entry = body[where[0]][where[1]]
            entry = entry if where[2] is None else entry[where[2]]
            assert f".{entry['property']})" in error, error  # names the control


# --- every callback, generated values ------------------------------------------------------
#: Integers at and beyond the edges: 64 bits, the largest float, and far past it.
edge_integers = st.one_of(
    st.sampled_from([2**63, -2**63 - 1, 2**64, 10**308, 10**309, -10**309, 10**400]),
    st.integers(10**308, 10**400), st.integers(-10**400, -10**308))
leaves = st.one_of(st.none(), st.booleans(), st.integers(),
                   st.floats(allow_nan=True, allow_infinity=True),
                   st.text(max_size=20), st.sampled_from(["npm", "1e400", "-0", "nan", ""]))
#: A value of one of four kinds, each drawn a quarter of the time (``st.one_of`` draws the
#: edge integers too rarely to find what they find).
values = st.sampled_from([
    edge_integers,
    leaves,
    st.recursive(st.one_of(leaves, edge_integers), lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
        max_leaves=8),
    st.integers(MAX_DEPTH - 3, 3 * MAX_DEPTH).map(lambda n: json.loads("[" * n + "]" * n)),
]).flatmap(lambda kind: kind)


def _where(bodies: dict[str, dict[str, Any]]) -> Any:
    """A callback and one of its input or state slots."""
    return st.sampled_from(sorted(bodies)).flatmap(
        lambda output: st.tuples(st.just(output),
                                 st.sampled_from(value_slots(bodies[output]))))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_values_in_every_callback_never_get_a_server_error(http, bodies,
                                                                      data) -> None:
    output, where = data.draw(_where(bodies), label="callback and slot")
    value = data.draw(values, label="value")
    status, text = _post(http, with_value(bodies[output], where, value))
    assert status in (200, 204, 400), (output, where, status, text[:300])
    if status == 400:
        assert len(json.loads(text)["error"]) <= 200

