"""What the browser may send: scenario names from the app's list, well-formed callback calls.

The app runs on a server that others may reach (``--host``), so nothing the browser sends
is trusted:

* :func:`shipped_scenario` loads a scenario only by a name from the app's own list (never a
  path: the app must not read, or say anything about, other files on the server);
* :func:`install` refuses a request whose body is larger than ``max_request_bytes``
  (:data:`MAX_REQUEST_BYTES` unless the app says otherwise) with ``413`` before reading it,
  checks each callback request before Dash reads it and answers a malformed one with
  ``400`` and a message naming the field, instead of a server error: a body that is not
  JSON or is nested deeper than :data:`MAX_DEPTH` levels, a missing or extra entry, and a
  number no control can hold (an integer beyond the range of a float, e.g. 310 digits);
* :class:`TruncatingFilter` keeps user input out of the logs beyond
  :data:`MAX_LOGGED` characters (a message, and an exception's text, are cut).
"""

from __future__ import annotations

import io
import logging
import sys
import traceback
from typing import Any

from governance_sim.params import ParameterError, UserInputError
from governance_sim.scenarios import Scenario, list_scenarios, load_scenario

__all__ = ["MAX_DEPTH", "MAX_LOGGED", "MAX_REQUEST_BYTES", "TruncatingFilter", "install",
           "payload_problem", "shipped_scenario", "value_problem"]

#: The most characters of a log message (and of an exception's text) that are logged.
MAX_LOGGED = 200
#: The largest request body the app reads, in bytes (the page's largest callback request,
#: every parameter and lever of the policy view, is about 30 KB).
MAX_REQUEST_BYTES = 1_000_000
#: The deepest nesting of lists and objects a callback request may have (the page's own go
#: about 6 levels deep).
MAX_DEPTH = 64
#: The largest number any control takes: the largest float (an integer beyond it, e.g. one
#: of 310 digits, cannot become a float).
_LARGEST = sys.float_info.max

_UPDATE = "_dash-update-component"
_SLOTS = ("inputs", "state")
_PAYLOAD_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError,
                   OverflowError, UserInputError)


def cut(text: str, limit: int = MAX_LOGGED) -> str:
    """``text`` cut to ``limit`` characters (marked with an ellipsis when cut)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def shipped_scenario(name: Any) -> Scenario:
    """The scenario called ``name`` from the app's list (``governance-sim list``).

    Raises:
        UserInputError: ``name`` is not one of the listed names (paths are refused).
    """
    names = list_scenarios()
    if not isinstance(name, str) or name not in names:
        shown = cut(repr(name), 60)
        raise UserInputError(f"unknown scenario {shown}; choose one of the list "
                             f"({', '.join(names)})")
    return load_scenario(name)


def _dependency_problem(item: Any, where: str) -> str | None:
    """Problem of one input/state entry: ``{id, property, value}`` or a list of them."""
    if isinstance(item, list):
        for index, inner in enumerate(item):
            problem = _dependency_problem(inner, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if not isinstance(item, dict):
        return f"{where}: must be an object with 'id' and 'property'"
    if not isinstance(item.get("id"), str | dict) or not isinstance(item.get("property"), str):
        return f"{where}: needs 'id' (text or object) and 'property' (text)"
    return None


def value_problem(body: Any, limit: int = MAX_DEPTH) -> str | None:
    """What no callback can take in a parsed JSON body, or None.

    Walks the body without recursion (so any depth is safe) and names the first place that
    is nested deeper than ``limit`` levels or holds an integer beyond the range of a float
    (about 1.8e308: 310 digits or more), which every control would fail to read. A place
    inside an input or state entry is named by its component, e.g.
    ``inputs[2] (mix-npm.value)``.
    """
    pending: list[tuple[Any, str, int]] = [(body, "body", 1)]
    while pending:
        item, where, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return f"{cut(where, 80)}: nested deeper than {limit} levels"
            if isinstance(item, dict):
                if isinstance(item.get("property"), str) and isinstance(item.get("id"),
                                                                        str | dict):
                    where = f"{where} ({_id_text(item['id'])}.{item['property']})"
                children = [(value, f"{where}: {key}" if depth > 1 else str(key))
                            for key, value in item.items()]
            else:
                children = [(value, f"{where}[{index}]") for index, value in enumerate(item)]
            pending.extend((value, place, depth + 1) for value, place in children)
        elif (isinstance(item, int) and not isinstance(item, bool)
              and abs(item) > _LARGEST):
            return (f"{cut(where, 100)}: a number of {len(str(abs(item)))} digits is beyond "
                    f"any control's range (at most about {_LARGEST:.3g})")
    return None


def _id_text(ident: Any) -> str:
    """A component id as Dash writes it (an object id as sorted JSON), cut for a message."""
    import json

    text = ident if isinstance(ident, str) else json.dumps(ident, sort_keys=True,
                                                           separators=(",", ":"))
    return cut(text, 60)


def payload_problem(body: Any, callbacks: dict[str, Any]) -> str | None:
    """What is wrong with a callback request's JSON body, or None if it is well formed.

    Args:
        body: the parsed JSON body.
        callbacks: the app's ``callback_map`` (output id -> callback with its inputs).
    """
    problem = value_problem(body)
    if problem:
        return problem
    if not isinstance(body, dict):
        return "body: must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "output: not an output of this app"
    if not isinstance(body.get("outputs"), dict | list):
        return "outputs: must be an object or a list"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds: must be a list of text"
    expected = callbacks[output]
    for slot in _SLOTS:
        items = body.get(slot, [])
        if not isinstance(items, list):
            return f"{slot}: must be a list"
        wanted = len(expected.get(slot, []))
        if len(items) != wanted:
            return f"{slot}: this callback takes {wanted} entries, got {len(items)}"
        problem = _dependency_problem(items, slot)
        if problem:
            return problem
    return None


def install(app: Any, max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
    """Guard the app's requests, its callback endpoint and its logs (see the module docstring).

    Args:
        app: the :class:`dash.Dash` app, its callbacks registered.
        max_request_bytes: the largest request body read, in bytes; a larger one gets 413
            before any of it is read (by its ``Content-Length``, or, sent in chunks, as soon
            as more than this has arrived).

    Raises:
        ParameterError: ``max_request_bytes`` is not a positive integer.
    """
    import flask
    from dash.exceptions import CallbackException, PreventUpdate

    if (not isinstance(max_request_bytes, int) or isinstance(max_request_bytes, bool)
            or max_request_bytes < 1):
        raise ParameterError("max_request_bytes: must be a positive whole number of bytes, got "
                         f"{cut(repr(max_request_bytes), 40)}")
    malformed = (*_PAYLOAD_ERRORS, CallbackException)
    server = app.server
    endpoint = app.config.routes_pathname_prefix + _UPDATE
    original = server.view_functions[endpoint]
    log = logging.getLogger("governance_sim.app")
    # werkzeug stops a body sent in chunks (no Content-Length) once it passes the limit
    server.config["MAX_CONTENT_LENGTH"] = max_request_bytes

    def reject(message: str, status: int = 400) -> Any:
        log.warning("refused a request: %s", message)
        return flask.jsonify({"error": cut(message)}), status

    def too_large(_error: Any = None) -> Any:
        return reject(f"request body larger than the app takes ({max_request_bytes:,} bytes)",
                      413)

    @server.before_request
    def refuse_large_bodies() -> Any:
        length = flask.request.content_length
        if length is not None and length > max_request_bytes:
            return too_large()
        environ = flask.request.environ
        if length is None and environ.get("wsgi.input_terminated"):  # sent in chunks
            # werkzeug would silently cut such a body at the limit: read one byte more,
            # refuse if it came, else hand the body on as read
            data = environ["wsgi.input"].read(max_request_bytes + 1)
            if len(data) > max_request_bytes:
                return too_large()
            environ["wsgi.input"] = io.BytesIO(data)
        return None

    server.register_error_handler(413, too_large)

    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            body = flask.request.get_json(silent=True)
        except RecursionError:  # nested beyond Python's stack: json gives up
            return reject(f"malformed callback request: body: nested deeper than {MAX_DEPTH} "
                          "levels")
        problem = payload_problem(body, app.callback_map)
        if problem:
            return reject(f"malformed callback request: {problem}")
        try:
            return original(*args, **kwargs)
        except malformed as error:
            if isinstance(error, PreventUpdate):
                raise  # Dash answers 204: nothing to update
            return reject(f"malformed callback request for {cut(body['output'], 80)}: "
                          f"{type(error).__name__}: {error}")

    server.view_functions[endpoint] = guarded
    _truncate_records_of(("werkzeug", "flask", "dash", "governance_sim.app",
                          server.logger.name))


def _truncate_records_of(prefixes: tuple[str, ...]) -> None:
    """Cut every log record of these loggers and their children (see TruncatingFilter).

    A filter on a logger does not see its children's records, so the cut happens where
    records are made: the log-record factory is wrapped once per process.
    """
    global _PREFIXES
    _PREFIXES = tuple(sorted(set(_PREFIXES) | set(prefixes)))
    current = logging.getLogRecordFactory()
    if getattr(current, "governance_sim_truncating", False):
        return
    truncating = TruncatingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        name = record.name
        if any(name == p or name.startswith(p + ".") for p in _PREFIXES):
            truncating.filter(record)
        return record

    factory.governance_sim_truncating = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_PREFIXES: tuple[str, ...] = ()


class TruncatingFilter(logging.Filter):
    """Cuts a record's message, and its exception's text, to :data:`MAX_LOGGED` characters.

    The traceback's frames (file, line, code) are kept; only the message and the exception
    value, where user input can appear, are cut.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        record.msg = cut(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = "".join(traceback.format_tb(error.__traceback__))
            record.exc_text = (f"Traceback (most recent call last):\n{frames}"
                               f"{type(error).__name__}: {cut(str(error))}")
            record.exc_info = None
        return True
