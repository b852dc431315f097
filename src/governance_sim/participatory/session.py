"""The state machine of one participatory session: joining, rounds, timeouts, teacher actions.

Phases: ``lobby`` (students join; the teacher sets the class up) -> ``open`` (round *r*
takes answers until the teacher presses *next* or its timer ends; then the model plays
the round's months and round *r + 1* opens) -> ``debrief`` (the game is over; the debrief
and the export are shown). Joining stays possible in every phase but the debrief: a late
joiner takes a free seat (a freed one first) and can answer the round that is open.

Students are known by a random token (kept in a cookie by the phone), never by name: an
optional nickname lives only in this process's memory, to be shown on the projector, and
is never written anywhere. Every change raises :attr:`Session.version`; pages wait for a
version newer than the one they have (:meth:`Session.wait`). All methods are thread safe.
The clock is injectable, so the tests drive timeouts without waiting.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from governance_sim.participatory.bridge import Decision, ModelBridge
from governance_sim.participatory.roles import (
    DEFAULT_SHARES,
    LOGICS,
    ChoiceError,
    RoleKind,
    clean_choices,
    plan_roles,
)

__all__ = ["Session", "SessionError", "Student", "Seat", "Settings", "JOIN_ALPHABET"]

#: Letters of the join code: no 0/O, 1/I/L (read off a projector).
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_CLASS = 200  # the largest max_students a teacher may set


class SessionError(ValueError):
    """A request the session refuses; the message says why (shown to whoever sent it)."""


@dataclass
class Settings:
    """What the teacher sets.

    Attributes:
        max_students: most students at once (1-200; default 60).
        months_per_round: months (model steps) per round: 1 (a month) or 3 (a quarter).
        round_seconds: a round's timer in seconds (0: only the teacher's *next*).
        shares: share of the class per role.
        logic: the logic at the start (set in the lobby only).
    """

    max_students: int = 60
    months_per_round: int = 1
    round_seconds: float = 0.0
    shares: dict[RoleKind, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    logic: str = "bureaucracy"


@dataclass
class Seat:
    """A role in the model that a student can hold: one agent's row (or one unit's leader)."""

    role_id: str
    kind: RoleKind
    index: int
    holder: str | None = None  # the student's token


@dataclass
class Student:
    """A connected student (a token, never a name)."""

    token: str
    role_id: str
    nickname: str = ""  # memory only, never exported or logged
    lang: str = "en"
    last_seen: float = 0.0


class Session:
    """One class's game.

    Args:
        settings: the teacher's settings (defaults if None).
        seed: the model's seed.
        n_citizens: citizens in the model.
        clock: seconds, monotonic (``time.monotonic`` unless a test gives its own).
    """

    def __init__(self, settings: Settings | None = None, *, seed: int = 1,
                 n_citizens: int = 2000, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or Settings()
        self.seed = seed
        self.n_citizens = n_citizens
        self.clock = clock
        self.join_code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(5))
        self.teacher_token = secrets.token_urlsafe(24)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = 1  # any change (the projector waits on it)
        self.stage = 1  # a change phones must see: a round, the phase, a seat freed
        self.log: deque[tuple[float, str]] = deque(maxlen=300)
        self._reset_game()

    def _reset_game(self) -> None:
        self.bridge = ModelBridge(self.settings.logic, n_citizens=self.n_citizens,
                                  seed=self.seed)
        self.phase = "lobby"
        self.round = 0
        self.deadline: float | None = None
        self.seats: list[Seat] = []
        self.students: dict[str, Student] = {}
        self.answers: dict[str, dict[str, Any]] = {}  # role id -> choices, this round
        self.decisions: list[Decision] = []
        self.round_logic: list[str] = []  # the logic in force in each round played

    # -- bookkeeping ------------------------------------------------------------------------
    def note(self, text: str) -> None:
        """Add a line to the teacher's log (no personal data: role ids only)."""
        with self.lock:
            self.log.append((self.clock(), text[:300]))
            self._bump()

    def _bump(self, stage: bool = False) -> None:
        self.version += 1
        if stage:
            self.stage += 1
        self.changed.notify_all()

    def wait(self, since: int, timeout: float, counter: str = "version") -> int:
        """Block until a counter is above ``since`` or ``timeout`` seconds pass.

        Args:
            since: the counter's value the caller has.
            timeout: seconds to wait at most.
            counter: ``"version"`` (any change) or ``"stage"`` (a change phones see).

        Returns:
            The counter then.
        """
        end = time.monotonic() + max(0.0, timeout)
        with self.changed:
            if since > getattr(self, counter):  # a page from before a restart: answer now
                return getattr(self, counter)
            while getattr(self, counter) <= since:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
            return getattr(self, counter)

    def is_teacher(self, token: str | None) -> bool:
        """Whether ``token`` is the teacher's (constant-time comparison)."""
        return bool(token) and secrets.compare_digest(str(token), self.teacher_token)

    # -- students ---------------------------------------------------------------------------
    def join(self, code: str, nickname: str = "", lang: str = "en") -> Student:
        """A new student with a seat.

        Raises:
            SessionError: a wrong join code, the class is full, or the game is over.
        """
        with self.lock:
            if not secrets.compare_digest(code.strip().upper(), self.join_code):
                raise SessionError("wrong join code")
            if self.phase == "debrief":
                raise SessionError("the game is over")
            if len(self.students) >= self.settings.max_students:
                raise SessionError(f"the class is full ({self.settings.max_students} "
                                   "students)")
            seat = self._free_seat()
            token = secrets.token_urlsafe(18)
            student = Student(token, seat.role_id, nickname.strip()[:24],
                              lang if lang in ("en", "nb") else "en", self.clock())
            seat.holder = token
            self.students[token] = student
            self.note(f"{seat.role_id} joined" + (f" in round {self.round}"
                                                  if self.phase == "open" else ""))
            return student

    def _free_seat(self) -> Seat:
        for seat in self.seats:  # a freed seat first: its agent has a history
            if seat.holder is None:
                return seat
        kind = self._next_kind()
        k = sum(1 for s in self.seats if s.kind is kind)
        seat = Seat(f"{kind.value}-{k + 1}", kind, self.bridge.seat_index(kind, k))
        self.seats.append(seat)
        return seat

    def _next_kind(self) -> RoleKind:
        """The role most below the teacher's shares for one more seat (within capacity)."""
        plan = plan_roles(len(self.seats) + 1, self.settings.shares, self.bridge.capacity)
        held = {kind: sum(1 for s in self.seats if s.kind is kind) for kind in RoleKind}
        wanted = {kind: plan.count(kind) for kind in RoleKind}
        open_kinds = [k for k in RoleKind if held[k] < self.bridge.capacity[k]]
        return max(open_kinds, key=lambda k: (wanted[k] - held[k], k is RoleKind.CITIZEN))

    def student(self, token: str | None) -> Student | None:
        """The student with this token (None for an unknown or freed token)."""
        with self.lock:
            found = self.students.get(token or "")
            if found is not None:
                found.last_seen = self.clock()
            return found

    def seat_of(self, student: Student) -> Seat:
        """The seat a student holds."""
        return next(s for s in self.seats if s.role_id == student.role_id)

    def answer(self, student: Student, round_no: Any, choices: Any) -> dict[str, Any]:
        """Record a student's answer for the open round (a later answer replaces it).

        Returns:
            The choices as applied (clamped).

        Raises:
            SessionError: no round is open, the answer is for another round, or the choices
                do not fit the role (:class:`ChoiceError`'s message).
        """
        with self.lock:
            if self.phase != "open":
                raise SessionError("no round is open")
            if isinstance(round_no, bool) or round_no != self.round:
                raise SessionError(f"round {str(round_no)[:12]} is not open (round "
                                   f"{self.round} is)")
            seat = self.seat_of(student)
            try:
                clean = clean_choices(seat.kind, choices)
            except ChoiceError as error:
                raise SessionError(str(error)) from None
            self.answers[seat.role_id] = clean
            self._bump()
            return clean

    # -- teacher ----------------------------------------------------------------------------
    def configure(self, **changes: Any) -> None:
        """Change settings (from the teacher); checked, one clear message when wrong.

        Raises:
            SessionError: an unknown setting, a value out of range, or ``logic`` after the
                lobby.
        """
        with self.lock:
            s = self.settings
            for name, value in changes.items():
                if name == "max_students":
                    value = _int_in(name, value, max(1, len(self.students)), MAX_CLASS)
                elif name == "months_per_round":
                    if value not in (1, 3) or isinstance(value, bool):
                        raise SessionError("months_per_round: must be 1 (a month) or 3 "
                                           "(a quarter)")
                elif name == "round_seconds":
                    value = float(_int_in(name, value, 0, 600))
                elif name == "shares":
                    value = _shares(value)
                elif name == "logic":
                    if value not in LOGICS:
                        raise SessionError(f"logic: must be one of {', '.join(LOGICS)}")
                    if self.phase != "lobby" or self.round:
                        raise SessionError("logic: the starting logic is set in the lobby; "
                                           "the politicians switch it in the game")
                else:
                    raise SessionError(f"unknown setting {str(name)[:30]!r}; allowed: "
                                       "max_students, months_per_round, round_seconds, "
                                       "shares, logic")
                setattr(s, name, value)
                if name == "logic":
                    self.bridge = ModelBridge(value, n_citizens=self.n_citizens,
                                              seed=self.seed)
                    self._reseat()
            self.note("settings: " + ", ".join(sorted(changes)))
            self._bump(stage=True)

    def _reseat(self) -> None:
        for seat in self.seats:
            seat.index = self.bridge.seat_index(seat.kind,
                                                int(seat.role_id.rsplit("-", 1)[1]) - 1)

    def start(self) -> None:
        """Open round 1 (from the lobby)."""
        with self.lock:
            if self.phase != "lobby":
                raise SessionError(f"start: the game has started (phase {self.phase})")
            self._open_round()

    def _open_round(self) -> None:
        self.phase = "open"
        self.round += 1
        self.answers = {}
        self.deadline = (self.clock() + self.settings.round_seconds
                         if self.settings.round_seconds > 0 else None)
        self.note(f"round {self.round} open ({self.bridge.logic})")
        self._bump(stage=True)

    def next_round(self) -> None:
        """Close the open round: play its months with the answers, then open the next."""
        with self.lock:
            if self.phase != "open":
                raise SessionError(f"next: no round is open (phase {self.phase})")
            self._play()
            self._open_round()

    def _play(self) -> None:
        held = {s.role_id: (s.kind, s.index, self.answers.get(s.role_id))
                for s in self.seats}
        answered = sum(1 for _, _, c in held.values() if c is not None)
        self.round_logic.append(self.bridge.logic)
        decisions = self.bridge.play_round(self.round, self.settings.months_per_round, held)
        self.decisions.extend(decisions)
        self.note(f"round {self.round} played: {answered} of {len(held)} seats answered, "
                  f"month {self.bridge.month}")

    def end(self) -> None:
        """End the game and show the debrief.

        The open round is played if anyone answered it; otherwise it is dropped (*next*
        after the last round opens one that nobody plays).
        """
        with self.lock:
            if self.phase == "debrief":
                raise SessionError("end: the game is already over")
            if self.phase == "open" and self.answers:
                self._play()
            self.phase = "debrief"
            self.deadline = None
            self.note("debrief")
            self._bump(stage=True)

    def free(self, role_id: Any) -> None:
        """Free a seat: its student is signed out, and the next joiner takes it over."""
        with self.lock:
            seat = next((s for s in self.seats if s.role_id == role_id), None)
            if seat is None:
                raise SessionError(f"free: no seat {str(role_id)[:30]!r}")
            if seat.holder is not None:
                self.students.pop(seat.holder, None)
                seat.holder = None
            self.answers.pop(seat.role_id, None)
            self.note(f"{seat.role_id} freed")
            self._bump(stage=True)

    def new_game(self) -> None:
        """Start over with the same settings, join code and teacher token (all signed out)."""
        with self.lock:
            self._reset_game()
            self.note("new game")
            self._bump(stage=True)

    def tick(self) -> bool:
        """Close the round if its timer has run out; returns whether it did."""
        with self.lock:
            if self.phase == "open" and self.deadline is not None and \
                    self.clock() >= self.deadline:
                self.note(f"round {self.round}: time is up")
                self.next_round()
                return True
            return False

    def seconds_left(self) -> float | None:
        """Seconds until the round's timer ends (None without a timer)."""
        with self.lock:
            if self.deadline is None:
                return None
            return max(0.0, self.deadline - self.clock())


def _int_in(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise SessionError(f"{name}: must be a whole number from {low} to {high}")
    if not low <= value <= high or int(value) != value:
        raise SessionError(f"{name}: must be a whole number from {low} to {high}")
    return int(value)


def _shares(value: Any) -> dict[RoleKind, float]:
    allowed = ", ".join(kind.value for kind in RoleKind)
    if not isinstance(value, dict) or not value:
        raise SessionError(f"shares: must be an object of role -> share ({allowed})")
    out = dict.fromkeys(RoleKind, 0.0)
    for key, share in value.items():
        if key not in {kind.value for kind in RoleKind}:
            raise SessionError(f"shares: unknown role {str(key)[:30]!r}; allowed: {allowed}")
        if isinstance(share, bool) or not isinstance(share, int | float) or \
                not 0 <= share <= 1:
            raise SessionError(f"shares: {key} must be a number from 0 to 1")
        out[RoleKind(key)] = float(share)
    if sum(out.values()) <= 0:
        raise SessionError("shares: at least one role needs a share above 0")
    return out
