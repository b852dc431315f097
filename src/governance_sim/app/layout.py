"""The page: a policy view and a classroom view, built from the control specs.

Only layout here (components and their ids); behaviour is in the callback modules. The
layout is a function, so every page load gets a fresh session id.
"""

from __future__ import annotations

import uuid
from typing import Any

from dash import dcc, html

from governance_sim.app.chrome import current_request, header
from governance_sim.app.classroom_layout import classroom_view
from governance_sim.app.controls import (
    MAIN_NUMBERS,
    MAIN_PARAMETERS,
    RUN_CONTROLS,
    ControlSpec,
    lever_specs,
    parameter_specs,
)
from governance_sim.params import LOGIC_NAMES
from governance_sim.scenarios import list_scenarios

__all__ = ["page", "DEFAULT_SCENARIO", "GROUP_TITLES"]

DEFAULT_SCENARIO = "co_creation"

#: Headings of the parameter groups of :meth:`Params.describe`.
GROUP_TITLES = {
    "population": "Population and network",
    "initial": "Initial state",
    "participation": "Participation",
    "contribution": "Contributions (public-goods game)",
    "trust": "Trust",
    "social_capital": "Social capital and efficacy",
    "motivation": "Professionals' motivation",
    "service": "Service and budget",
    "leadership": "Leaders and politicians",
    "public_value": "Public-value weights",
}

_LOGIC_SHORT = {"bureaucracy": "Bureaucracy", "npm": "NPM", "co_creation": "Co-creation"}


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _label(spec: ControlSpec) -> html.Div:
    return html.Div([
        html.Span(spec.label, className="control-label"),
        html.Span(f" [{spec.unit}; {spec.low:g}-{spec.high:g}]", className="control-range"),
    ], title=f"{spec.name}. Source: {spec.source}")


def slider_control(kind: str, spec: ControlSpec, value: float | None = None) -> html.Div:
    """A slider with a number box, its label, range, source (tooltip) and message line."""
    value = spec.default if value is None else value
    return html.Div([
        _label(spec),
        dcc.Slider(id={"type": kind, "name": spec.name}, min=spec.low, max=spec.high,
                   step=spec.step, value=value, marks=None, allow_direct_input=True,
                   updatemode="mouseup", className="control-slider"),
        html.Div(id={"type": f"{kind}-msg", "name": spec.name}, className="field-message"),
    ], className="control", id=f"control-{kind}-{spec.name}")


def number_control(kind: str, spec: ControlSpec, value: Any = None) -> html.Div:
    """A text box read as a number (never evaluated), with label and message line."""
    value = spec.default if value is None else value
    return html.Div([
        _label(spec),
        dcc.Input(id={"type": kind, "name": spec.name}, type="text", value=_fmt(value),
                  debounce=True, inputMode="decimal", className="number-input",
                  spellCheck=False, autoComplete="off"),
        html.Div(id={"type": f"{kind}-msg", "name": spec.name}, className="field-message"),
    ], className="control number-control")


def _scenario_options() -> list[dict[str, str]]:
    return [{"label": name.replace("_", " "), "value": name} for name in list_scenarios()]


def _mix_controls() -> html.Div:
    sliders = []
    for name in LOGIC_NAMES:
        sliders.append(html.Div([
            html.Span(_LOGIC_SHORT[name], className="mix-name"),
            dcc.Slider(id=f"mix-{name}", min=0, max=100, step=1, value=0, marks=None,
                       allow_direct_input=True, updatemode="mouseup",
                       className="control-slider"),
        ], className="mix-row"))
    return html.Div([
        html.H3("Logic mix"),
        html.P("Weights in percent; moving one rescales the others so they sum to 100. "
               "Click a dot in the triangle to pick a mix. Moving the mix resets the levers "
               "to that mix's profile.", className="hint"),
        *sliders,
        dcc.Graph(id="ternary", config={"displayModeBar": False}, className="ternary"),
    ], className="panel")


def _policy_sidebar() -> html.Div:
    params = parameter_specs()
    main = [s for s in params if s.name in MAIN_PARAMETERS]
    numbers = [s for s in params if s.name in MAIN_NUMBERS]
    groups: dict[str, list[ControlSpec]] = {}
    for spec in params:
        if spec.name not in MAIN_PARAMETERS and spec.name not in MAIN_NUMBERS:
            groups.setdefault(spec.group, []).append(spec)
    more = [html.Details([
        html.Summary(GROUP_TITLES.get(group, group)),
        *[number_control("param", spec) for spec in specs],
    ], className="param-group") for group, specs in groups.items()]
    return html.Div([
        html.Div([
            html.H3("Scenario"),
            dcc.Dropdown(id="scenario", options=_scenario_options(), value=DEFAULT_SCENARIO,
                         clearable=False, searchable=False),
            html.Div(id="scenario-info", className="scenario-info"),
        ], className="panel"),
        _mix_controls(),
        html.Details([
            html.Summary("Levers of the logic"),
            html.P("Start at the mix's profile (logics.py); a lever moved away from it "
                   "overrides the logic.", className="hint"),
            *[slider_control("lever", spec) for spec in lever_specs()],
        ], open=True, className="panel"),
        html.Div([
            html.H3("Main parameters"),
            *[slider_control("param", spec) for spec in main],
            *[number_control("param", spec) for spec in numbers],
        ], className="panel"),
        html.Div([
            html.H3("Run"),
            *[number_control("run", spec) for spec in RUN_CONTROLS],
        ], className="panel"),
        html.Div([html.H3("All parameters"), *more], className="panel"),
    ], className="sidebar", id="policy-sidebar")


def _policy_main() -> html.Div:
    graph_config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
    return html.Div([
        html.Div([
            html.Div(id="policy-status", className="status"),
            html.Progress(id="policy-progress", value="0", max="1", className="progress"),
            html.Span(id="policy-progress-text", className="progress-text"),
            html.Div([
                html.Button("Export scenario (.toml)", id="export-scenario",
                            className="button"),
                html.Button("Export figures (.html)", id="export-html", className="button"),
            ], className="export-buttons"),
        ], className="status-bar"),
        html.Div(id="policy-message", className="message", role="alert"),
        html.Div(id="export-message", className="export-message"),
        dcc.Download(id="download-scenario"),
        dcc.Download(id="download-html"),
        dcc.Tabs(id="policy-tab", value="time", className="figure-tabs", children=[
            dcc.Tab(label="Trust, participation, public value", value="time"),
            dcc.Tab(label="Equity by resource quintile", value="equity"),
            dcc.Tab(label="Public-value components", value="pv"),
        ]),
        html.Div(dcc.Graph(id="graph-time", config=graph_config), id="box-time"),
        html.Div(dcc.Graph(id="graph-equity", config=graph_config), id="box-equity",
                 style={"display": "none"}),
        html.Div([dcc.Graph(id="graph-pv-profile", config=graph_config),
                  dcc.Graph(id="graph-pv-components", config=graph_config)], id="box-pv",
                 style={"display": "none"}),
        dcc.Interval(id="policy-poll", interval=300, disabled=True),
        dcc.Store(id="policy-drawn", data=""),
        dcc.Store(id="policy-redraw", data=""),
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
        html.Div([_policy_sidebar(), _policy_main()], id="policy-view", className="policy",
                 style={"display": "none"} if request.mode == "classroom" else {}),
        html.Div(classroom_view(request.lang), id="classroom-view",
                 style={} if request.mode == "classroom" else {"display": "none"}),
    ], className="page", lang=request.lang)
