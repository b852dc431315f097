"""Per-browser-session state kept on the server, keyed by a session id.

Every page load gets a fresh random id (stored in a ``dcc.Store`` in the page); callbacks
look their state up here by that id. Nothing is shared between browser sessions: two
people moving sliders at the same time each have their own runs, jobs and classroom.
The store is bounded (least recently used sessions are dropped first, idle ones expire), so
an app left running for a class does not grow without limit.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["SessionStore", "Session", "SESSION_ID_PATTERN"]

#: What a session id looks like (``uuid4().hex``); anything else is refused.
SESSION_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class Session:
    """The server-side state of one browser session.

    Attributes:
        id: the session id.
        lock: held while a callback changes this session's state.
        items: named parts of the state (``"policy"``, ``"classroom"``), created on first use.
        last_used: monotonic time of the last access.
    """

    def __init__(self, session_id: str) -> None:
        self.id = session_id
        self.lock = threading.RLock()
        self.items: dict[str, Any] = {}
        self.last_used = time.monotonic()

    def get(self, key: str, factory: Callable[[], Any]) -> Any:
        """The part ``key`` of the state, made with ``factory()`` on first use."""
        with self.lock:
            if key not in self.items:
                self.items[key] = factory()
            return self.items[key]

    def close(self) -> None:
        """Stop background work of every part that has a ``close()``."""
        for item in list(self.items.values()):
            closer = getattr(item, "close", None)
            if callable(closer):
                closer()


class SessionStore:
    """Sessions by id, at most ``max_sessions`` of them, each expiring after ``idle_seconds``.

    Args:
        max_sessions: the least recently used session is dropped beyond this number.
        idle_seconds: a session unused for this long is dropped.
    """

    def __init__(self, max_sessions: int = 64, idle_seconds: float = 4 * 3600.0) -> None:
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: Any) -> Session:
        """The session of ``session_id``, created if new.

        Raises:
            ValueError: the id is not a 32-digit lowercase hex string.
        """
        if not isinstance(session_id, str) or not SESSION_ID_PATTERN.match(session_id):
            raise ValueError("invalid session id; reload the page")
        dropped: list[Session] = []
        with self._lock:
            now = time.monotonic()
            session = self._sessions.get(session_id)
            if session is None:
                session = Session(session_id)
                self._sessions[session_id] = session
            self._sessions.move_to_end(session_id)
            session.last_used = now
            for key, other in list(self._sessions.items()):
                if other is not session and now - other.last_used > self.idle_seconds:
                    dropped.append(self._sessions.pop(key))
            while len(self._sessions) > self.max_sessions:
                dropped.append(self._sessions.popitem(last=False)[1])
        for old in dropped:
            old.close()
        return session
