"""Start the participatory classroom from the app (issue 23: "or picks it in the app").

``governance-sim classroom --participatory`` is one way in; this is the other: the app's
classroom has a *Phones* panel whose button starts the same classroom server
(:mod:`governance_sim.participatory.server`) in the app's own process, in the background,
and shows the students' address, the join code and the teacher's link.

Safety, as on the command line:

- The teacher's link carries the teacher's key. The app shows it only when the app itself
  serves this machine alone (a loopback host, the default of ``governance-sim app``): an app
  served on a network (``--host 0.0.0.0``) would show the key to anyone who opens it, so
  there the panel refuses and names the command to use instead.
- The classroom serves this machine only unless the teacher ticks *let phones on this
  network join*, the panel's ``--lan``; then the page says so, as the command's warning does.
- One classroom per app process: pressing the button again shows the one that runs. It
  stops with the app (Ctrl+C).

No Dash here: :func:`launch` is a plain function the callback calls (testable without a
browser).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from governance_sim.params import UserInputError

__all__ = ["Launched", "launch", "running", "stop_running", "SERVED_HOST_KEY", "DEFAULT_PORT"]

#: Where ``governance-sim app`` records the host it serves on (``app.server.config``).
SERVED_HOST_KEY = "GOVERNANCE_SIM_SERVED_HOST"
#: The classroom's port unless the teacher picks another (as ``classroom --port``).
DEFAULT_PORT = 8060


@dataclass(frozen=True)
class Launched:
    """A participatory classroom the app started.

    Attributes:
        student_urls: the addresses students open.
        join_code: the code they type (also in the QR code on the teacher's page).
        teacher_url: the teacher's page, with the teacher's key (this screen only).
        lan: whether phones on the network can reach it.
        port: the port it serves on.
    """

    student_urls: tuple[str, ...]
    join_code: str
    teacher_url: str
    lan: bool
    port: int


_LOCK = threading.Lock()
_STARTED: list[tuple[Launched, object]] = []  # at most one: (what the page shows, Running)


def running() -> Launched | None:
    """The classroom this process started, if any."""
    with _LOCK:
        return _STARTED[0][0] if _STARTED else None


def stop_running() -> None:
    """Stop the classroom this process started, if any (tests; the app stops with it)."""
    with _LOCK:
        while _STARTED:
            _shown, handle = _STARTED.pop()
            handle.stop()  # type: ignore[attr-defined]


def launch(served_host: str | None, *, lan: bool, port: int, lang: str = "en",
           max_students: int = 60, logic: str = "bureaucracy", seed: int = 1) -> Launched:
    """Start the participatory classroom in the background, or return the one running.

    Args:
        served_host: the host the app serves on (None: not known, e.g. an app made in a
            test or a notebook without ``governance-sim app``: refused, since the key could
            be shown to others).
        lan: let phones on the classroom network join (binds every interface).
        port: the classroom's port, 1024-65535.
        lang: the teacher's page's language.

    Raises:
        UserInputError: the app is served beyond this machine, the port is not allowed or
            taken; one line naming what was wrong and what to do.
    """
    from governance_sim.serving import check_port, is_loopback

    if served_host is None or not is_loopback(served_host):
        where = "on a network" if served_host else "by something other than governance-sim app"
        raise UserInputError(
            f"the app is served {where}, so it cannot show the teacher's key safely: start "
            "the classroom in a terminal instead, with governance-sim classroom "
            "--participatory --lan")
    if isinstance(port, bool) or not isinstance(port, int) or not 1024 <= port <= 65535:
        raise UserInputError(f"port {port!r}: allowed a whole number from 1024 to 65535")
    with _LOCK:
        if _STARTED:
            return _STARTED[0][0]
        from governance_sim.participatory.cli import student_addresses
        from governance_sim.participatory.server import start
        from governance_sim.participatory.session import Session, Settings

        bind = "0.0.0.0" if lan else "127.0.0.1"
        check_port(bind, port)
        session = Session(Settings(max_students=max_students, logic=logic), seed=seed)
        urls = tuple(student_addresses(bind, port, lan))
        try:
            handle = start(session, bind, port, lang=lang, join_urls=urls)
        except OSError as error:
            raise UserInputError(f"cannot serve the classroom on port {port}: "
                                 f"{error.strerror or error}; choose another port") from None
        shown = Launched(student_urls=urls, join_code=session.join_code,
                         teacher_url=f"http://127.0.0.1:{port}/teacher?key="
                                     f"{session.teacher_token}&lang={lang}",
                         lan=lan, port=port)
        _STARTED.append((shown, handle))
        return shown
