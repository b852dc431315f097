"""The messages between phones, the teacher's page and the server, and the rate limiter.

Every message is a small JSON object sent with ``POST`` (see docs/participatory.md,
"Protocol"). :func:`decode` turns a request body into a dict or raises
:class:`ProtocolError` with one line saying what was wrong; :func:`join_message`,
:func:`answer_message` and :func:`teacher_message` check each message's fields. Nothing here
touches the session: the server refuses a bad message with status 400 and a note in the
teacher's log.

Messages (``->`` request, ``<-`` answer):

* ``POST /api/join`` -> ``{"code": "K7QX2", "nickname": "Ada" (optional), "lang": "en"|"nb"}``
  <- the student's view; sets the cookie ``gs_student``.
* ``GET /api/me?since=V`` <- the student's view once the session's version is above ``V``
  (long poll, at most :data:`LONG_POLL_SECONDS`).
* ``POST /api/answer`` -> ``{"round": 3, "choices": {...the role's fields...}}``.
* ``POST /api/teacher`` -> ``{"action": "start"|"next"|"end"|"new_game"}``,
  ``{"action": "free", "role_id": "citizen-3"}`` or
  ``{"action": "settings", "settings": {...}}`` (teacher's cookie ``gs_teacher`` only).
* ``GET /api/teacher?since=V`` <- the whole session for the projector (long poll).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ProtocolError", "decode", "join_message", "answer_message", "teacher_message",
           "RateLimiter", "MAX_BODY", "LONG_POLL_SECONDS", "TEACHER_ACTIONS"]

#: Largest request body accepted, bytes.
MAX_BODY = 4096
#: Longest a page's poll waits for a change, seconds.
LONG_POLL_SECONDS = 20.0
TEACHER_ACTIONS = ("start", "next", "end", "new_game", "free", "settings")


class ProtocolError(ValueError):
    """A malformed or unknown message; the message says what was wrong."""


def decode(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object.

    Raises:
        ProtocolError: too large, not UTF-8 JSON, or not an object.
    """
    if len(body) > MAX_BODY:
        raise ProtocolError(f"message too large ({len(body)} bytes; at most {MAX_BODY})")
    try:
        value = json.loads(body.decode("utf-8"),
                           parse_constant=_no_constant)  # NaN, Infinity refused
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ProtocolError("not a JSON message") from None
    if not isinstance(value, dict):
        raise ProtocolError("a message must be a JSON object")
    return value


def _no_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not allowed in a message")


def _only(message: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = [str(key)[:30] for key in message if key not in allowed]
    if unknown:
        raise ProtocolError(f"{what}: unknown field {unknown[0]!r}; allowed: "
                            + ", ".join(allowed))


def _text(message: dict[str, Any], name: str, limit: int, default: str | None = None) -> str:
    value = message.get(name, default)
    if not isinstance(value, str):
        raise ProtocolError(f"{name}: must be text" + ("" if default is not None else
                                                       " (required)"))
    if len(value) > limit:
        raise ProtocolError(f"{name}: at most {limit} characters")
    return value


@dataclass(frozen=True)
class Join:
    """A phone asking to join."""

    code: str
    nickname: str
    lang: str


def join_message(message: dict[str, Any]) -> Join:
    """Check a join message."""
    _only(message, ("code", "nickname", "lang"), "join")
    lang = _text(message, "lang", 2, "en")
    if lang not in ("en", "nb"):
        raise ProtocolError("lang: must be en or nb")
    nickname = _text(message, "nickname", 24, "")
    if any(ord(ch) < 32 for ch in nickname):
        raise ProtocolError("nickname: no control characters")
    return Join(_text(message, "code", 12), nickname, lang)


@dataclass(frozen=True)
class Answer:
    """A student's answer for a round (choices are checked against the role later)."""

    round: int
    choices: dict[str, Any]


def answer_message(message: dict[str, Any]) -> Answer:
    """Check an answer message's shape."""
    _only(message, ("round", "choices"), "answer")
    round_no = message.get("round")
    if isinstance(round_no, bool) or not isinstance(round_no, int):
        raise ProtocolError("round: must be a whole number (required)")
    choices = message.get("choices")
    if not isinstance(choices, dict):
        raise ProtocolError("choices: must be an object (required)")
    return Answer(round_no, choices)


@dataclass(frozen=True)
class TeacherAction:
    """A teacher's control."""

    action: str
    role_id: str | None = None
    settings: dict[str, Any] | None = None


def teacher_message(message: dict[str, Any]) -> TeacherAction:
    """Check a teacher's message."""
    _only(message, ("action", "role_id", "settings"), "teacher")
    action = _text(message, "action", 20)
    if action not in TEACHER_ACTIONS:
        raise ProtocolError(f"action: unknown {action[:20]!r}; allowed: "
                            + ", ".join(TEACHER_ACTIONS))
    if action == "free":
        return TeacherAction(action, role_id=_text(message, "role_id", 40))
    if action == "settings":
        settings = message.get("settings")
        if not isinstance(settings, dict):
            raise ProtocolError("settings: must be an object (required)")
        return TeacherAction(action, settings=settings)
    return TeacherAction(action)


class RateLimiter:
    """Token buckets per key: ``rate`` requests a second, bursts of ``burst``.

    Args:
        rate: tokens added per second.
        burst: the bucket's size.
        clock: seconds, monotonic.
        max_keys: keys kept (the oldest are forgotten beyond it).
    """

    def __init__(self, rate: float, burst: float,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 4096) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def tokens(self, key: str) -> float:
        """Tokens in ``key``'s bucket now (nothing taken)."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (self.burst, now))
            return min(self.burst, tokens + (now - then) * self.rate)

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens from ``key``'s bucket; False (and nothing taken) if too few."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            allowed = tokens >= cost
            self._buckets[key] = (tokens - cost if allowed else tokens, now)
            if len(self._buckets) > self.max_keys:
                del self._buckets[next(iter(self._buckets))]
            return allowed
