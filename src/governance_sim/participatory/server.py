"""The participatory classroom's HTTP server: a small WSGI app on Werkzeug (Dash ships it).

JSON over plain HTTP with long polls (docs/participatory.md says why): a phone waits on
``GET /api/me?since=S`` until the session's stage passes ``S``, so a new round reaches every
phone as soon as the teacher presses *next*, without a poll storm. Routes:

===========================  ============================================================
``GET /``                    the phone page (``?code=`` fills the join code, from the QR)
``POST /api/join``           join with the code; sets the cookie ``gs_student``
``GET /api/me``              the phone's view (``since=``: long poll)
``POST /api/answer``         the phone's choices for the open round
``GET /teacher?key=K``       sets the teacher's cookie and redirects to ``/teacher``
``GET /teacher``             the projector with the controls (teacher's cookie only)
``GET|POST /api/teacher``    the projector's view (long poll) / a teacher's action
``GET /qr.svg``              the join address as a QR code (teacher's cookie only)
``GET /export/session.csv``  the anonymous CSV; ``/export/report.html`` the offline report
===========================  ============================================================

Every refusal is a 4xx with ``{"error": "..."}``; a malformed or unknown message is also
noted in the teacher's log (role id only). No request gets a 500: an unexpected error is
printed to the server's output, noted, and answered 400.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from governance_sim.participatory.export import session_csv, session_report
from governance_sim.participatory.pages import message_page, phone_page, teacher_page
from governance_sim.participatory.protocol import (
    LONG_POLL_SECONDS,
    MAX_BODY,
    ProtocolError,
    RateLimiter,
    answer_message,
    decode,
    join_message,
    teacher_message,
)
from governance_sim.participatory.session import Session, SessionError
from governance_sim.participatory.views import student_view, teacher_view

__all__ = ["ParticipatoryApp", "Running", "serve", "start", "lan_addresses", "STUDENT_COOKIE",
           "TEACHER_COOKIE"]

STUDENT_COOKIE = "gs_student"
TEACHER_COOKIE = "gs_teacher"
#: Nothing is loaded from outside the laptop: the pages may only talk to their own server.
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")


def _json(data: Any, status: int = 200) -> Response:
    response = Response(json.dumps(data, separators=(",", ":")), status=status,
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _html(text: str, status: int = 200) -> Response:
    response = Response(text, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


class _Refused(Exception):
    """A request refused with a status and a message (and maybe a note in the log)."""

    def __init__(self, status: int, message: str, note: bool = True) -> None:
        super().__init__(message)
        self.status, self.message, self.note = status, message, note


class ParticipatoryApp:
    """The WSGI application around one :class:`Session`.

    Args:
        session: the game.
        lang: language of the teacher's page (``en`` or ``nb``).
        join_urls: the addresses students open (shown on the projector, in the QR code).
        rate: requests a second each phone (or address) may make on average ...
        burst: ... and at once.
        long_poll: longest a long poll waits, seconds.
        clock: for the rate limiters.
    """

    def __init__(self, session: Session, *, lang: str = "en", join_urls: Iterable[str] = (),
                 rate: float = 5.0, burst: float = 30.0, long_poll: float = LONG_POLL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.lang = lang if lang in ("en", "nb") else "en"
        self.join_urls = tuple(join_urls)
        self.long_poll = long_poll
        self.limiter = RateLimiter(rate, burst, clock)
        #: requests without a cookie, per address: a whole class joining at once passes
        self.anonymous = RateLimiter(4.0 * rate, 10.0 * burst, clock)
        self.join_failures = RateLimiter(0.2, 10.0, clock)  # wrong codes: 10, then 1 in 5 s
        self._phone = phone_page()

    # -- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer one request; never with a 500."""
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except _Refused as refused:
            if refused.note:
                self.session.note(f"dropped {request.method} {request.path[:40]} from "
                                  f"{self._who(request)}: {refused.message}")
            response = _json({"error": refused.message}, refused.status)
        except Exception:  # noqa: BLE001 - never a 500: print it, note it, refuse
            traceback.print_exc(file=sys.stderr)
            self.session.note(f"internal error on {request.path[:40]} (see the server's "
                              "output)")
            response = _json({"error": "refused"}, 400)
        return response(environ, start_response)

    def _who(self, request: Request) -> str:
        student = self.session.students.get(request.cookies.get(STUDENT_COOKIE, ""))
        if student is not None:
            return student.role_id
        if self.session.is_teacher(request.cookies.get(TEACHER_COOKIE)):
            return "the teacher's page"
        return "an unknown client"

    def dispatch(self, request: Request) -> Response:
        """Route one request (raises :class:`_Refused` for a refusal)."""
        path, method = request.path, request.method
        if path.startswith("/api/"):
            key = request.cookies.get(STUDENT_COOKIE) or request.cookies.get(TEACHER_COOKIE)
            limiter = self.limiter
            if not key:  # not joined yet: by address (a class may share one, behind a NAT)
                key, limiter = str(request.remote_addr), self.anonymous
            if not limiter.allow(key[:64]):
                raise _Refused(429, "too many requests; wait a moment", note=False)
        routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/"): lambda r: _html(self._phone),
            ("GET", "/favicon.ico"): lambda r: Response(status=204),
            ("GET", "/teacher"): self.teacher_page,
            ("GET", "/qr.svg"): self.qr,
            ("GET", "/api/me"): self.me,
            ("POST", "/api/join"): self.join,
            ("POST", "/api/answer"): self.answer,
            ("GET", "/api/teacher"): self.teacher_state,
            ("POST", "/api/teacher"): self.teacher_action,
            ("GET", "/export/session.csv"): self.export_csv,
            ("GET", "/export/report.html"): self.export_report,
        }
        handler = routes.get((method, path))
        if handler is None:
            if any(p == path for _, p in routes):
                raise _Refused(405, f"{method} is not allowed on {path[:40]}")
            raise _Refused(404, f"no such page: {path[:40]}", note=path.startswith("/api/"))
        return handler(request)

    # -- helpers -------------------------------------------------------------------------------
    def _body(self, request: Request) -> dict[str, Any]:
        if request.mimetype != "application/json":
            raise _Refused(415, "send JSON (Content-Type: application/json)")
        if (request.content_length or 0) > MAX_BODY:
            raise _Refused(413, f"message too large (at most {MAX_BODY} bytes)")
        try:
            return decode(request.stream.read(MAX_BODY + 1))
        except ProtocolError as error:
            raise _Refused(400, str(error)) from None

    def _since(self, request: Request) -> int | None:
        raw = request.args.get("since")
        if raw is None:
            return None
        if not re.fullmatch(r"[0-9]{1,12}", raw):  # ASCII digits only (int() takes others)
            raise _Refused(400, "since: must be a whole number")
        return int(raw)

    def _require_teacher(self, request: Request) -> None:
        if not self.session.is_teacher(request.cookies.get(TEACHER_COOKIE)):
            raise _Refused(403, "teacher only: open the teacher's address the command printed")

    def _lang(self, request: Request, default: str) -> str:
        lang = request.args.get("lang", default)
        return lang if lang in ("en", "nb") else default

    # -- phones -------------------------------------------------------------------------------
    def me(self, request: Request) -> Response:
        """The phone's view (long poll with ``since``)."""
        since = self._since(request)
        if since is not None:
            self.session.wait(since, self.long_poll, "stage")
        token = request.cookies.get(STUDENT_COOKIE)
        with self.session.lock:
            student = self.session.student(token)
            view = student_view(self.session, student, self._lang(request, ""))
        if student is None and token:
            view["freed"] = True
        response = _json(view)
        # when the answer left the server (wall clock, s): the load test splits the time to a
        # phone into the server's part and the network's and client's
        response.headers["X-Sent-At"] = f"{time.time():.6f}"
        return response

    def join(self, request: Request) -> Response:
        """Join with the code (or get one's own seat back when the cookie is still valid)."""
        address = str(request.remote_addr)
        if self.join_failures.tokens(address) < 1:
            raise _Refused(429, "too many wrong codes; wait a moment", note=False)
        try:
            message = join_message(self._body(request))
        except ProtocolError as error:
            raise _Refused(400, str(error)) from None
        with self.session.lock:
            student = self.session.student(request.cookies.get(STUDENT_COOKIE))
            if student is None:
                try:
                    student = self.session.join(message.code, message.nickname, message.lang)
                except SessionError as error:
                    if str(error) == "wrong join code":
                        self.join_failures.allow(address)
                    raise _Refused(403 if "code" in str(error) else 409, str(error),
                                   note="code" not in str(error)) from None
            view = student_view(self.session, student, message.lang)
        response = _json(view)
        response.set_cookie(STUDENT_COOKIE, student.token, max_age=8 * 3600, httponly=True,
                            samesite="Lax")
        return response

    def answer(self, request: Request) -> Response:
        """The phone's choices for the open round."""
        with self.session.lock:
            student = self.session.student(request.cookies.get(STUDENT_COOKIE))
        if student is None:
            raise _Refused(403, "join first (no seat for this phone)")
        try:
            message = answer_message(self._body(request))
        except ProtocolError as error:
            raise _Refused(400, str(error)) from None
        with self.session.lock:
            try:
                self.session.answer(student, message.round, message.choices)
            except SessionError as error:
                raise _Refused(409 if "round" in str(error) else 400, str(error)) from None
            return _json(student_view(self.session, student, self._lang(request, "")))

    # -- teacher ------------------------------------------------------------------------------
    def teacher_page(self, request: Request) -> Response:
        """The teacher's page, or its cookie.

        With ``?key=`` (the teacher's token) the cookie is set and the address redirected
        without the key; otherwise the projector is served to the teacher's cookie only.
        """
        lang = self._lang(request, self.lang)
        key = request.args.get("key")
        if key is not None:
            if not self.session.is_teacher(key):
                raise _Refused(403, "wrong teacher key")
            response = Response(status=303, headers={"Location": f"/teacher?lang={lang}"})
            response.set_cookie(TEACHER_COOKIE, self.session.teacher_token, max_age=12 * 3600,
                                httponly=True, samesite="Strict")
            return response
        if not self.session.is_teacher(request.cookies.get(TEACHER_COOKIE)):
            return _html(message_page("governance-sim", "This page is the teacher's: open the "
                                      "address with ?key= that the command printed."), 403)
        return _html(teacher_page(lang))

    def teacher_state(self, request: Request) -> Response:
        """The projector's view (long poll with ``since``)."""
        self._require_teacher(request)
        since = self._since(request)
        if since is not None:
            self.session.wait(since, self.long_poll)
        with self.session.lock:
            return _json(teacher_view(self.session, self._lang(request, self.lang),
                                      self.join_urls))

    def teacher_action(self, request: Request) -> Response:
        """One of the teacher's controls."""
        self._require_teacher(request)
        try:
            action = teacher_message(self._body(request))
        except ProtocolError as error:
            raise _Refused(400, str(error)) from None
        session = self.session
        try:
            if action.action == "start":
                session.start()
            elif action.action == "next":
                session.next_round()
            elif action.action == "end":
                session.end()
            elif action.action == "new_game":
                session.new_game()
            elif action.action == "free":
                session.free(action.role_id)
            else:
                session.configure(**(action.settings or {}))
        except SessionError as error:
            raise _Refused(409, str(error)) from None
        with session.lock:
            return _json(teacher_view(session, self._lang(request, self.lang),
                                      self.join_urls))

    def qr(self, request: Request) -> Response:
        """The first join address, with the code, as an SVG QR code."""
        self._require_teacher(request)
        import io

        import segno

        url = (self.join_urls[0] if self.join_urls else "/") + f"?code={self.session.join_code}"
        image = io.BytesIO()
        segno.make(url, error="m").save(image, kind="svg", scale=4, border=2, xmldecl=False,
                                        svgns=True)
        response = Response(image.getvalue(), mimetype="image/svg+xml")
        response.headers["Cache-Control"] = "no-store"
        return response

    def export_csv(self, request: Request) -> Response:
        """The anonymous CSV (role ids only)."""
        self._require_teacher(request)
        return Response(session_csv(self.session), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="participatory_session.csv"'})

    def export_report(self, request: Request) -> Response:
        """The offline HTML report."""
        self._require_teacher(request)
        response = _html(session_report(self.session, self._lang(request, self.lang)))
        response.headers["Content-Disposition"] = \
            'attachment; filename="participatory_report.html"'
        return response


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a line per request.

    Sixty phones would flood the terminal, and each line would name a phone's address.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing per request (errors are still printed)."""


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses on its networks (not loopback), best first.

    Asks the operating system which address it would use for a private-network destination
    (a UDP socket that sends nothing), then the host name's addresses.
    """
    found: list[str] = []
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                found.append(udp.getsockname()[0])
        except OSError:
            continue
    try:
        found += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    out = []
    for address in found:
        try:
            if not ipaddress.ip_address(address).is_loopback and address not in out:
                out.append(address)
        except ValueError:
            continue
    return out


class Running:
    """A classroom server started in the background (:func:`start`).

    Attributes:
        session: the game it serves.
        server: the Werkzeug server (``serve_forever`` runs in ``thread``).
        thread: the thread serving requests.
        stop_event: set by :meth:`stop` to end the round timer.
    """

    def __init__(self, session: Session, server: Any, thread: threading.Thread | None,
                 stop_event: threading.Event) -> None:
        self.session, self.server, self.thread, self.stop_event = (
            session, server, thread, stop_event)

    def stop(self) -> None:
        """Stop serving and the round timer."""
        self.stop_event.set()
        if self.thread is not None:
            self.server.shutdown()
        self.server.server_close()


def start(session: Session, host: str, port: int, *, lang: str = "en",
          join_urls: Iterable[str] = (), background: bool = True) -> Running:
    """Bind ``host:port``, start the round timer and (``background``) serve in a thread.

    With ``background`` (the app's launcher) requests are served in a daemon thread; without
    it the caller calls ``server.serve_forever`` (:func:`serve`).

    Raises:
        OSError: the address cannot be bound.
    """
    app = ParticipatoryApp(session, lang=lang, join_urls=join_urls)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    stop = threading.Event()

    def ticker() -> None:
        while not stop.wait(0.5):
            try:
                session.tick()
            except Exception:  # noqa: BLE001 - keep the timer alive; the log says what
                traceback.print_exc(file=sys.stderr)
                session.note("internal error in the round timer (see the server's output)")

    threading.Thread(target=ticker, daemon=True, name="round-timer").start()
    thread = None
    if background:
        thread = threading.Thread(target=server.serve_forever, daemon=True,
                                  name="participatory-classroom")
        thread.start()
    return Running(session, server, thread, stop)


def serve(session: Session, host: str, port: int, *, lang: str = "en",
          join_urls: Iterable[str] = (), echo: Callable[[str], None] = print,
          ready: threading.Event | None = None) -> None:
    """Serve the classroom until interrupted; the round timer is checked twice a second."""
    running = start(session, host, port, lang=lang, join_urls=join_urls, background=False)
    if ready is not None:
        ready.set()
    try:
        running.server.serve_forever()
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        running.stop()
