"""``governance-sim classroom --participatory``: check the options, print the addresses, serve.

Loopback by default: only this laptop can open the pages. ``--lan`` serves every network
interface (``0.0.0.0``) and ``--host ADDRESS`` one address; both print the students'
address and a warning. The teacher's address (with the teacher's key) is printed only in
this terminal, on the teacher's screen.
"""

from __future__ import annotations

from collections.abc import Callable

from governance_sim.params import UserInputError
from governance_sim.participatory.roles import LOGICS

__all__ = ["run_classroom", "student_addresses"]


def student_addresses(host: str, port: int, lan: bool) -> list[str]:
    """The addresses students open: loopback, the given host, or every LAN address."""
    from governance_sim.participatory.server import lan_addresses
    from governance_sim.serving import is_loopback

    if lan or host in ("0.0.0.0", "::"):
        found = lan_addresses()
        return [f"http://{a}:{port}/" for a in found] or [f"http://127.0.0.1:{port}/"]
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{'127.0.0.1' if is_loopback(host) else shown}:{port}/"]


def run_classroom(*, host: str, port: int, lan: bool, lang: str, max_students: int,
                  logic: str, seed: int, months_per_round: int, round_seconds: int,
                  echo: Callable[..., None]) -> None:
    """Check the options, print the addresses, and serve until Ctrl+C.

    Raises:
        UserInputError: a bad option (one line naming it and what is allowed).
    """
    from governance_sim.i18n import check_language
    from governance_sim.serving import check_port, is_loopback

    lang = check_language(lang)
    if logic not in LOGICS:
        raise UserInputError(f"--logic {logic}: allowed {', '.join(LOGICS)}")
    if months_per_round not in (1, 3):
        raise UserInputError(f"--months-per-round {months_per_round}: allowed 1 (a month) "
                             "or 3 (a quarter)")
    if lan and host not in ("127.0.0.1", "0.0.0.0"):
        raise UserInputError("give --lan or --host ADDRESS, not both")
    bind = "0.0.0.0" if lan else host
    check_port(bind, port)
    from governance_sim.participatory.server import serve
    from governance_sim.participatory.session import Session, Settings

    session = Session(Settings(max_students=max_students, months_per_round=months_per_round,
                               round_seconds=float(round_seconds), logic=logic), seed=seed)
    urls = student_addresses(bind, port, lan)
    local = "127.0.0.1" if is_loopback(bind) or bind in ("0.0.0.0", "::") else (
        f"[{bind}]" if ":" in bind else bind)
    echo("governance-sim participatory classroom (Ctrl+C to stop)")
    echo(f"  students open: {'  '.join(urls)}  with the join code {session.join_code}")
    echo(f"  teacher (this screen only, keep it private): "
         f"http://{local}:{port}/teacher?key={session.teacher_token}&lang={lang}")
    if is_loopback(bind):
        echo("  serving this machine only; use --lan to let phones on the classroom network "
             "join")
    else:
        echo(f"  warning: serving on {bind}: anyone on this network who can reach port {port} "
             "can open the student page (they still need the join code)", err=True)
    serve(session, bind, port, lang=lang, join_urls=urls, echo=echo)
