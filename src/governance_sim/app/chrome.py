"""The app's chrome: header, mode switch, language switch, and the page's language.

The language is part of the page's address: ``?lang=nb`` (bokmål) or ``?lang=en``; without
it, the app's default (``governance-sim app --lang nb``, :func:`create_app`'s ``lang``). The
view shown first is ``?mode=classroom`` or ``?mode=policy``. Both are read when the page is
built (:func:`page_request`); the language switch (EN / NB in the header) reloads the page
with ``lang`` changed and ``mode`` set to the view on screen, keeping every other query
field, so a link to a view in Norwegian stays Norwegian.

For the other parts of the page: the layout gets ``lang`` as an argument and every callback
reads it from the store ``dcc.Store(id="lang")`` (``State("lang", "data")``); texts go
through :func:`governance_sim.i18n.translator`. Query fields of the chrome are
:data:`APP_QUERY_KEYS`: a part that keeps its own state in the address must leave them as
they are (and not report them as unknown).

Reading the address: Dash fetches the layout with a request of its own, so the page's
address comes from that request's ``Referer`` (sent by browsers for same-origin requests);
when it is missing, the app's default language and the policy view are shown. A link is data:
only ``lang`` and ``mode`` are read here, compared with fixed lists, never evaluated.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dash import dcc, html

from governance_sim.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    LanguageError,
    check_language,
    translator,
)

__all__ = ["APP_QUERY_KEYS", "MODES", "PageRequest", "page_request", "header", "CONFIG_KEY",
           "LANGUAGE_SWITCH_JS"]

I18N_DOMAIN = "app"

#: Query fields the chrome owns.
APP_QUERY_KEYS: tuple[str, ...] = ("lang", "mode")
#: Views of the app (``mode`` field).
MODES: tuple[str, ...] = ("policy", "classroom")
#: Key of the app's default language in the Flask config (set by ``create_app``).
CONFIG_KEY = "GOVERNANCE_SIM_LANG"


class PageRequest:
    """What the page's address asks for.

    Attributes:
        lang: language of the page (one of :data:`governance_sim.i18n.LANGUAGES`).
        mode: view shown first (one of :data:`MODES`).
        notice: a line for the user when the address asked for something unknown, else "".
    """

    def __init__(self, lang: str, mode: str, notice: str = "") -> None:
        self.lang, self.mode, self.notice = lang, mode, notice


def page_request(url: str | None, default_lang: str = DEFAULT_LANGUAGE) -> PageRequest:
    """Read ``lang`` and ``mode`` from a page address; unknown values fall back with a notice.

    Args:
        url: the page's address (or None when not known).
        default_lang: the app's default language.
    """
    query: dict[str, str] = {}
    if url:
        try:
            query = dict(parse_qsl(urlsplit(url).query[:4096], keep_blank_values=True))
        except ValueError:
            query = {}
    lang, notes = default_lang, []
    _ = translator(default_lang, I18N_DOMAIN)
    if "lang" in query:
        try:
            lang = check_language(query["lang"])
        except LanguageError:
            notes.append(_("The link asks for language “{lang}”; this app speaks {allowed}.")
                         .format(lang=query["lang"][:20],
                                 allowed=", ".join(f"{c} ({LANGUAGE_NAMES[c]})"
                                                   for c in LANGUAGES)))
    mode = query.get("mode", "policy")
    if mode not in MODES:
        notes.append(translator(lang, I18N_DOMAIN)(
            "The link asks for view “{mode}”; showing the policy view.").format(mode=mode[:20]))
        mode = "policy"
    return PageRequest(lang, mode, " ".join(notes))


def current_request(default_lang: str = DEFAULT_LANGUAGE) -> PageRequest:
    """:func:`page_request` for the page whose layout Flask is serving now."""
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover - Flask comes with Dash
        return page_request(None, default_lang)
    if not has_request_context():
        return page_request(None, default_lang)
    try:
        from flask import current_app

        default_lang = current_app.config.get(CONFIG_KEY, default_lang)
    except RuntimeError:  # pragma: no cover - no app context
        pass
    return page_request(request.referrer, default_lang)


def header(lang: str, mode: str, notice: str = "") -> list[Any]:
    """The header (title, view switch, language switch) and the ``lang`` store."""
    _ = translator(lang, I18N_DOMAIN)
    return [
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="lang-switch-done"),
        html.Header([
            html.H1("governance-sim"),
            html.Span(_("trust, participation and public value under bureaucracy, NPM and "
                        "co-creation"), className="tagline"),
            dcc.RadioItems(id="mode", value=mode, inline=True, className="mode",
                           options=[{"label": _("Policy view"), "value": "policy"},
                                    {"label": _("Classroom"), "value": "classroom"}]),
            html.Div([
                html.Span(_("Language") + ":", className="lang-label"),
                dcc.RadioItems(
                    id="lang-switch", value=lang, inline=True, className="lang-switch",
                    options=[{"label": html.Span(code.upper(), title=LANGUAGE_NAMES[code]),
                              "value": code} for code in LANGUAGES]),
            ], className="lang-box"),
        ], className="header"),
        html.Div(notice, className="link-notice", role="status") if notice else None,
    ]


#: Clientside callback of the language switch: reload with ``lang`` (and the current view).
LANGUAGE_SWITCH_JS = """
function(chosen, mode, current) {
    if (!chosen || chosen === current) { return window.dash_clientside.no_update; }
    const query = new URLSearchParams(window.location.search);
    query.set('lang', chosen);
    if (mode) { query.set('mode', mode); }
    window.location.search = query.toString();
    return window.dash_clientside.no_update;
}
"""


def register(app: Any) -> None:
    """Add the language switch's clientside callback to ``app``."""
    from dash import Input, Output, State

    app.clientside_callback(  # the document's language, for screen readers and hyphenation
        "function(lang) { if (lang) { document.documentElement.lang = lang; }"
        " return window.dash_clientside.no_update; }",
        Output("lang", "id"), Input("lang", "data"))
    app.clientside_callback(LANGUAGE_SWITCH_JS, Output("lang-switch-done", "data"),
                            Input("lang-switch", "value"), State("mode", "value"),
                            State("lang", "data"), prevent_initial_call=True)
