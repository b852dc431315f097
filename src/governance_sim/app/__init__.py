"""The interactive app (Plotly Dash): a policy view and a classroom mode.

Start it with ``governance-sim app`` (serves on http://127.0.0.1:8050/ by default) or from
Python::

    from governance_sim.app import create_app
    create_app().run(host="127.0.0.1", port=8050)

Modules: :mod:`~governance_sim.app.controls` (controls generated from the parameter
definitions, input parsing), :mod:`~governance_sim.app.form` (fields to parameters or
messages), :mod:`~governance_sim.app.policy` (runs, background replicates),
:mod:`~governance_sim.app.export` (scenario TOML, offline HTML),
:mod:`~governance_sim.app.classroom`, :mod:`~governance_sim.app.lessons`,
:mod:`~governance_sim.app.roles_text`, :mod:`~governance_sim.app.classroom_layout`,
:mod:`~governance_sim.app.layout`, :mod:`~governance_sim.app.chrome` (header, language
switch: ``?lang=nb`` or ``governance-sim app --lang nb`` for Norwegian bokmål), the callback
modules, :mod:`~governance_sim.app.sessions` (per-browser-session state on the server) and
:mod:`~governance_sim.app.guard` (what the browser may send; logs without user input).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from governance_sim.uncertainty import ParameterTable

__all__ = ["create_app"]

_ASSETS = Path(__file__).parent / "assets"


def create_app(*, max_sessions: int = 64, lang: str = "en",  # noqa: ANN201 - dash.Dash
               classroom_population: dict[str, int] | None = None,
               uncertainty: Sequence[str | Path | ParameterTable] = (),
               max_request_bytes: int | None = None):
    """Build the Dash app: layout, callbacks and a fresh session store.

    Args:
        max_sessions: browser sessions kept on the server at once (least recently used
            dropped first).
        lang: language of a page whose address does not say (``?lang=en`` or ``?lang=nb``
            does; see :mod:`~governance_sim.app.chrome`).
        classroom_population: parameters over every lesson's for the classroom's models
            (e.g. ``{"n_citizens": 1200, "n_units": 12}`` on a slow machine or in tests);
            default: the lessons' own (10 000 citizens).
        uncertainty: parameter tables the policy view offers besides ``none`` and
            ``calibrated`` (paths or loaded tables; the browser chooses among them by key).
        max_request_bytes: the largest request body the server reads (default
            :data:`governance_sim.app.guard.MAX_REQUEST_BYTES`, 1 MB); a larger one gets 413.

    Raises:
        LanguageError: ``lang`` is not one of :data:`governance_sim.i18n.LANGUAGES`.
        UncertaintyError: a table is missing or invalid.
        ParameterError: ``max_request_bytes`` is not a positive whole number.

    Returns:
        The :class:`dash.Dash` app; ``app.run(host=..., port=...)`` serves it.
    """
    from dash import Dash

    from governance_sim.app import callbacks_classroom, callbacks_policy, chrome, guard
    from governance_sim.app.controls import TableChoices
    from governance_sim.app.layout import TABLES_CONFIG_KEY, page
    from governance_sim.app.sessions import SessionStore
    from governance_sim.i18n import check_language

    lang = check_language(lang)
    tables = TableChoices.offer(uncertainty) if uncertainty else TableChoices.default()

    app = Dash(__name__, title="governance-sim", assets_folder=str(_ASSETS),
               serve_locally=True, update_title=None)
    app.layout = page
    store = SessionStore(max_sessions=max_sessions)
    app.server.config["GOVERNANCE_SIM_SESSIONS"] = store
    app.server.config[chrome.CONFIG_KEY] = lang
    app.server.config[TABLES_CONFIG_KEY] = tables
    chrome.register(app)
    callbacks_policy.register(app, store, tables)
    callbacks_classroom.register(app, store, population=classroom_population)
    guard.install(app, guard.MAX_REQUEST_BYTES if max_request_bytes is None
                  else max_request_bytes)
    return app
