"""The page: a policy view and a classroom view, built from the control specs.

Only layout here (components and their ids); behaviour is in the callback modules. The
layout is a function, so every page load gets a fresh session id.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from dash import dcc, html

from governance_sim.app.chrome import current_request, header
from governance_sim.app.classroom_layout import classroom_view
from governance_sim.app.controls import (
    CONTEXT_CONTROLS,
    FIXED_SEED,
    MAIN_LEVERS,
    MAIN_NUMBERS,
    MAIN_PARAMETERS,
    NO_TABLE,
    RUN_CONTROLS,
    ControlSpec,
    TableChoices,
    format_value,
    lever_specs,
    parameter_specs,
    plain_label,
    range_text,
)
from governance_sim.i18n import mark, translator
from governance_sim.params import LOGIC_NAMES, UserInputError
from governance_sim.scenarios import list_scenarios, load_scenario

I18N_DOMAIN = "policy"

__all__ = ["page", "DEFAULT_SCENARIO", "GROUP_TITLES", "TABLES_CONFIG_KEY", "offered_tables",
           "uncertainty_controls"]

DEFAULT_SCENARIO = "co_creation"

#: Key of the offered parameter tables (:class:`TableChoices`) in the Flask config (set by
#: :func:`governance_sim.app.create_app`).
TABLES_CONFIG_KEY = "GOVERNANCE_SIM_TABLES"

#: Headings of the parameter groups of :meth:`Params.describe`.
GROUP_TITLES = {
    "population": mark("Population and network"),
    "initial": mark("Initial state"),
    "participation": mark("Participation"),
    "contribution": mark("Contributions (public-goods game)"),
    "trust": mark("Trust"),
    "social_capital": mark("Social capital and efficacy"),
    "motivation": mark("Professionals' motivation"),
    "service": mark("Service and budget"),
    "leadership": mark("Leaders and politicians"),
    "public_value": mark("Public-value weights"),
}

_LOGIC_SHORT = {"bureaucracy": mark("Bureaucracy"), "npm": mark("NPM"),
                "co_creation": mark("Co-creation")}


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _label(spec: ControlSpec, lang: str = "en") -> html.Div:
    """Plain label and allowed range; the technical name, unit and source in the hover title."""
    return html.Div([
        html.Span(plain_label(spec, lang), className="control-label"),
        html.Span(f" ({range_text(spec, lang)})", className="control-range"),
    ], title=spec.help, className="control-head")


def _slider_marks(spec: ControlSpec, lang: str = "en") -> dict[float, str]:
    """Marks at both ends of a slider, in plain numbers as ``lang`` writes them."""
    return {spec.low: format_value(spec.low, spec.integer, lang),
            spec.high: format_value(spec.high, spec.integer, lang)}


def slider_control(kind: str, spec: ControlSpec, value: float | None = None,
                   lang: str = "en") -> html.Div:
    """A slider with a number box, its plain label, range, hover title and message line."""
    value = spec.default if value is None else value
    return html.Div([
        _label(spec, lang),
        dcc.Slider(id={"type": kind, "name": spec.name}, min=spec.low, max=spec.high,
                   step=spec.step, value=value, marks=_slider_marks(spec, lang),
                   allow_direct_input=True, updatemode="mouseup",
                   className="control-slider"),
        html.Div(id={"type": f"{kind}-msg", "name": spec.name}, className="field-message"),
    ], className="control", id=f"control-{kind}-{spec.name}", title=spec.help)


def number_control(kind: str, spec: ControlSpec, value: Any = None,
                   lang: str = "en") -> html.Div:
    """A text box read as a number (never evaluated), with label and message line."""
    value = spec.default if value is None else value
    return html.Div([
        _label(spec, lang),
        dcc.Input(id={"type": kind, "name": spec.name}, type="text", value=_fmt(value),
                  debounce=True, className="number-input",
                  spellCheck=False, autoComplete="off"),
        html.Div(id={"type": f"{kind}-msg", "name": spec.name}, className="field-message"),
    ], className="control number-control", id=f"control-{kind}-{spec.name}", title=spec.help)


def offered_tables() -> TableChoices:
    """The tables the app serving this request offers (none and calibrated outside one)."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask comes with Dash
        return TableChoices.default()
    if has_app_context():
        choices = current_app.config.get(TABLES_CONFIG_KEY)
        if isinstance(choices, TableChoices):
            return choices
    return TableChoices.default()


def uncertainty_controls(choices: TableChoices, lang: str = "en",
                         scenario: str = DEFAULT_SCENARIO) -> html.Div:
    """The parameter-uncertainty controls: the table (by key) and "one seed for every replicate".

    Component ids: ``uncertainty`` (a dropdown of ``choices``' keys, starting at the table
    ``scenario`` ships with when it is offered, else none) and ``uncertainty-fixed-seed``
    (a checklist whose value holds ``"fixed"`` when checked).
    """
    _ = translator(lang, "policy")
    try:
        start = choices.for_scenario(load_scenario(scenario).uncertainty)[0]
    except UserInputError:
        start = NO_TABLE
    return html.Div([
        html.Div([
            html.Span(_("Parameter uncertainty"), className="control-label"),
        ], className="uncertainty-head",
            title=_("Each replicate draws the model's uncertain parameters from this table "
                    "(the same draw for your settings and the baseline); what the scenario "
                    "sets, and what you change, is not drawn.")),
        dcc.Dropdown(id="uncertainty", options=choices.options(lang), value=start,
                     clearable=False, searchable=False),
        dcc.Checklist(id="uncertainty-fixed-seed", value=[], className="fixed-seed",
                      options=[{"label": " " + _("one seed for every replicate (parameter "
                                               "uncertainty alone)"), "value": FIXED_SEED}]),
    ], className="control uncertainty-control", id="control-uncertainty")


@functools.lru_cache(maxsize=4)
def _scenario_options(lang: str = "en") -> list[dict[str, str]]:
    """The scenario list: each scenario's label in ``lang`` (its file's), the name as value."""
    options = []
    for name in list_scenarios():
        try:
            label = load_scenario(name).text(lang).label
        except UserInputError:  # a broken shipped file must not take the page down
            label = name.replace("_", " ")
        options.append({"label": label, "value": name})
    return options


#: Marks of the logic-mix sliders (percent).
MIX_MARKS = {0: "0 %", 50: "50 %", 100: "100 %"}


def _mix_controls(lang: str) -> html.Div:
    _ = translator(lang, "policy")
    sliders = []
    for name in LOGIC_NAMES:
        sliders.append(html.Div([
            html.Span(_(_LOGIC_SHORT[name]), className="mix-name"),
            dcc.Slider(id=f"mix-{name}", min=0, max=100, step=1, value=0, marks=MIX_MARKS,
                       allow_direct_input=True, updatemode="mouseup",
                       tooltip={"placement": "top", "template": "{value} %"},
                       className="control-slider mix-slider"),
        ], className="mix-row", title=f"logic weight of {name}, percent"))
    return html.Div([
        html.H3(_("Logic mix")),
        html.P(_("How much of each way of governing, in percent; moving one rescales the "
                 "others so the three sum to 100 %. Click a dot in the triangle to pick a "
                 "mix. Moving the mix resets the levers to that mix's profile."),
               className="hint"),
        *sliders,
        html.Div(id="mix-sum", className="mix-sum"),
        dcc.Graph(id="ternary", config={"displayModeBar": False}, className="ternary"),
    ], className="panel")


def _policy_sidebar(lang: str = "en", choices: TableChoices | None = None) -> html.Div:
    _ = translator(lang, "policy")
    params = {s.name: s for s in parameter_specs()}
    levers = {s.name: s for s in lever_specs()}
    shown = set(MAIN_LEVERS) | set(CONTEXT_CONTROLS) | {"budget"}

    def control(kind: str, spec: ControlSpec) -> html.Div:
        return (slider_control(kind, spec, lang=lang) if spec.kind == "slider"
                else number_control(kind, spec, lang=lang))

    assumptions = [control("param", params[name]) for name in (*MAIN_PARAMETERS, *MAIN_NUMBERS)
                   if name not in shown]
    groups: dict[str, list[ControlSpec]] = {}
    for spec in params.values():
        if spec.name not in MAIN_PARAMETERS and spec.name not in MAIN_NUMBERS:
            groups.setdefault(spec.group, []).append(spec)
    more = [html.Details([
        html.Summary(_(GROUP_TITLES.get(group, group))),
        *[number_control("param", spec, lang=lang) for spec in specs],
    ], className="param-group") for group, specs in groups.items()]
    other_levers = [slider_control("lever", spec, lang=lang) for name, spec in levers.items()
                    if name not in MAIN_LEVERS]
    return html.Div([
        html.Div([
            html.H3(_("Scenario")),
            dcc.Dropdown(id="scenario", options=_scenario_options(lang), value=DEFAULT_SCENARIO,
                         clearable=False, searchable=False),
            html.Div(id="scenario-info", className="scenario-info"),
        ], className="panel"),
        _mix_controls(lang),
        html.Div([
            html.H3(_("Your levers")),
            html.P(_("Each starts at the mix's profile; a lever moved away from it overrides "
                     "the logic. Hover a label for the model's name, unit and source."),
                   className="hint"),
            *[slider_control("lever", levers[name], lang=lang) for name in MAIN_LEVERS],
            slider_control("param", params["budget"], lang=lang),
        ], className="panel", id="main-levers"),
        html.Div([
            html.H3(_("The municipality")),
            *[control("param", params[name]) for name in CONTEXT_CONTROLS],
        ], className="panel"),
        html.Div([
            html.H3(_("Run")),
            *[number_control("run", spec, lang=lang) for spec in RUN_CONTROLS],
            uncertainty_controls(choices or TableChoices.default(), lang),
        ], className="panel"),
        html.Details([
            html.Summary(_("Advanced: {levers} more levers and {assumptions} model "
                           "assumptions").format(
                levers=len(other_levers),
                assumptions=len(params) - len(shown & set(params)))),
            html.P(_("For modellers: the model's other levers and assumptions, each with its "
                     "source in the hover title."), className="hint"),
            html.H4(_("Other levers")),
            *other_levers,
            html.H4(_("Main assumptions")),
            *assumptions,
            html.H4(_("All assumptions by group")),
            *more,
        ], className="panel advanced", id="advanced"),
    ], className="sidebar", id="policy-sidebar")


def _readout(lang: str) -> html.Div:
    """The numbers at a chosen month: a month slider and a table (filled by a callback)."""
    _ = translator(lang, "policy")
    return html.Div([
        html.Div([
            html.Span(_("Numbers at month"), className="readout-title"),
            html.Div(dcc.Slider(id="readout-month", min=0, max=120, step=1, value=120,
                                marks=None, allow_direct_input=True, updatemode="mouseup",
                                className="readout-slider"), className="readout-slider-box",
                     title=_("month of the numbers below (0: the start); marked in the "
                             "figures by a vertical line")),
        ], className="readout-head"),
        html.Div(id="readout-table", className="readout-table-box"),
    ], className="readout", id="readout")


def _policy_main(lang: str = "en") -> html.Div:
    _ = translator(lang, "policy")
    graph_config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
    return html.Div([
        dcc.Location(id="url", refresh=False),
        html.Div([
            html.Div(id="policy-status", className="status", role="status"),
            html.Progress(id="policy-progress", value="0", max="1", className="progress"),
            html.Span(id="policy-progress-text", className="progress-text"),
            html.Div([
                html.Button(_("Download data (.csv)"), id="export-csv", className="button"),
                html.Button(_("Export scenario (.toml)"), id="export-scenario",
                            className="button"),
                html.Button(_("Export figures (.html)"), id="export-html",
                            className="button"),
            ], className="export-buttons"),
        ], className="status-bar"),
        html.Div([
            html.Span(_("Link to this view:"), className="link-label"),
            html.Div(dcc.Input(id="policy-link", type="text", readOnly=True, value="",
                               className="link-box"),
                     title=_("the address of exactly this view"), className="link-box-wrap"),
            dcc.Clipboard(target_id="policy-link", title=_("copy the link"), id="copy-link",
                          className="copy-link"),
        ], className="link-bar"),
        html.Div(id="url-notice", className="url-notice", role="alert"),
        html.Div(id="policy-message", className="message", role="alert"),
        html.Div(id="export-message", className="export-message"),
        dcc.Download(id="download-scenario"),
        dcc.Download(id="download-html"),
        dcc.Download(id="download-csv"),
        html.Div(id="readout-text", className="readout-text"),
        html.Div([
            dcc.Tabs(id="policy-tab", value="time", className="figure-tabs", children=[
                dcc.Tab(label=_("Trust, participation, public value"), value="time"),
                dcc.Tab(label=_("Equity by resource quintile"), value="equity"),
                dcc.Tab(label=_("Public-value components"), value="pv"),
            ]),
            dcc.Checklist(id="policy-zoom", value=[], className="zoom",
                          options=[{"label": " " + _("zoom the y axes to the data (they will "
                                                   "not start at 0)"), "value": "zoom"}]),
        ], className="tabs-row"),
        html.Div(dcc.Graph(id="graph-time", config=graph_config), id="box-time"),
        html.Div(dcc.Graph(id="graph-equity", config=graph_config), id="box-equity",
                 style={"display": "none"}),
        html.Div([dcc.Graph(id="graph-pv-profile", config=graph_config),
                  dcc.Graph(id="graph-pv-components", config=graph_config)], id="box-pv",
                 style={"display": "none"}),
        _readout(lang),
        dcc.Interval(id="policy-poll", interval=300, disabled=True),
        dcc.Store(id="policy-drawn", data=""),
        dcc.Store(id="policy-redraw", data=""),
        dcc.Store(id="policy-query", data=""),
    ], className="main")


def page() -> html.Div:
    """The whole page, with a fresh session id, in the language its address asks for.

    ``?lang=`` and ``?mode=`` belong to the chrome (:mod:`governance_sim.app.chrome`): the
    layout is built in that language, and callbacks read it from ``dcc.Store(id="lang")``.
    """
    request = current_request()
    return html.Div([
        dcc.Store(id="session-id", data=uuid.uuid4().hex),
        *header(request.lang, request.mode, request.notice),
        html.Div([_policy_sidebar(request.lang, offered_tables()), _policy_main(request.lang)],
                 id="policy-view",
                 className="policy",
                 style={"display": "none"} if request.mode == "classroom" else {}),
        html.Div(classroom_view(request.lang), id="classroom-view",
                 style={} if request.mode == "classroom" else {"display": "none"}),
    ], className="page", lang=request.lang)
