"""The app's *Phones* panel starts the participatory classroom (issue 23: "or picks it in the
app"): only when the app serves this machine alone, on an allowed free port, once per app.
"""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from browser_support import free_port
from governance_sim.app.callbacks_classroom import phones_panel
from governance_sim.app.participatory_launch import launch, running, stop_running
from governance_sim.params import UserInputError

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(autouse=True)
def _none_running():
    stop_running()
    yield
    stop_running()


def _text(children) -> str:  # noqa: ANN001 - Dash components
    out = []

    def walk(node) -> None:  # noqa: ANN001
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif node is not None:
            walk(getattr(node, "children", None))
            href = getattr(node, "href", None)
            if href:
                out.append(f"[{href}]")

    walk(children)
    return " ".join(out)


@pytest.mark.parametrize("host", [None, "0.0.0.0", "192.168.1.20", "::"])
def test_an_app_served_beyond_this_machine_does_not_show_the_teachers_key(host):
    shown = _text(phones_panel(host, False, free_port()))
    assert "cannot show the teacher's key safely" in shown
    assert "governance-sim classroom --participatory --lan" in shown
    assert "key=" not in shown and running() is None


@pytest.mark.parametrize("port", [None, 80, 70000, 8060.5, "8060", True])
def test_a_port_that_is_not_allowed_is_one_line(port):
    with pytest.raises(UserInputError, match="allowed a whole number from 1024 to 65535"):
        launch("127.0.0.1", lan=False, port=port)
    assert running() is None


def test_a_port_in_use_is_one_line_and_nothing_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        shown = _text(phones_panel("127.0.0.1", False, port))
    assert f"port {port}" in shown and "already in use" in shown
    assert running() is None


def test_loopback_app_starts_one_classroom_that_students_can_join():
    port = free_port()
    shown = _text(phones_panel("127.0.0.1", False, float(port)))  # dcc.Input gives floats
    started = running()
    assert started is not None and started.port == port and not started.lan
    assert started.join_code in shown and f"[{started.teacher_url}]" in shown
    assert started.student_urls == (f"http://127.0.0.1:{port}/",)
    assert "Only this computer can open the pages" in shown
    # pressing Start again shows the same classroom, even with other settings
    again = _text(phones_panel("localhost", True, free_port()))
    assert started.join_code in again and running() == started
    # the classroom answers: a student joins with the code, the teacher's key is accepted
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/join", method="POST",
        data=json.dumps({"code": started.join_code}).encode(),
        headers={"Content-Type": "application/json"})
    with _DIRECT.open(request, timeout=30) as answer:
        assert answer.status == 200
        assert "gs_student" in answer.headers.get("Set-Cookie", "")
    no_redirect = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                              _NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as redirect:
        no_redirect.open(started.teacher_url, timeout=30)
    assert redirect.value.code in (302, 303)
    assert "gs_teacher" in redirect.value.headers.get("Set-Cookie", "")


def test_nb_panel_is_in_norwegian():
    shown = _text(phones_panel("127.0.0.1", False, free_port(), "nb"))
    assert "Kode" in shown and "Åpne lærerens side" in shown


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None
