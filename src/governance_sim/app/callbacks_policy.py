"""Callbacks of the policy view: load a scenario, keep the mix at 100 %, run, draw, export.

Flow: choosing a scenario or moving the mix sets the controls (:func:`_load_or_mix`); any
change of a control runs replicate 0 and draws the active figure tab in the same request
(:func:`_compute`, state in the session's :class:`PolicyRuns`), while the other replicates
run in the background; the page polls the job (:func:`_poll`) and draws again with the
replicate bands when they are in, or when another tab is chosen (:func:`_render`).
"""

from __future__ import annotations

import time
from typing import Any

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from governance_sim.app import export
from governance_sim.app.controls import (
    levers_for,
    logic_from_percents,
    normalise_mix,
    parameter_specs,
    percents_from_logic,
)
from governance_sim.app.form import read_form
from governance_sim.app.guard import shipped_scenario
from governance_sim.app.policy import SETTINGS_LABEL, PolicyRuns
from governance_sim.app.sessions import SessionStore
from governance_sim.params import LOGIC_NAMES, UserInputError
from governance_sim.scenarios import Scenario
from governance_sim.viz.app_figures import grey_baseline, short_titles, ternary_figure
from governance_sim.viz.figures import (
    KEY_METRICS,
    equity_figure,
    public_value_figure,
    public_value_profile_figure,
    timeseries_figure,
)
from governance_sim.viz.report import event_marks

__all__ = ["register", "baseline_label", "figures_for_tab"]

_MIX_IDS = [f"mix-{name}" for name in LOGIC_NAMES]
_SHOW = {"display": "block"}
_HIDE = {"display": "none"}


def baseline_label(base: Scenario) -> str:
    """Name of the baseline in the figures."""
    return f"baseline: {base.name}"


def _runs(store: SessionStore, session_id: Any) -> PolicyRuns:
    return store.get(session_id).get("policy", PolicyRuns)


def _events(runs: PolicyRuns) -> dict[str, list[tuple[int, str]]] | None:
    context = runs.context
    if not context:
        return None
    base: Scenario = context["base"]
    params = context["params"]
    infos = [{"name": context["baseline_label"], "events": base.params.to_dict()["events"]},
             {"name": SETTINGS_LABEL, "events": params.to_dict()["events"]}]
    return dict(event_marks(infos)) or None


def figures_for_tab(runs: PolicyRuns, tab: str) -> tuple[list[go.Figure], str]:
    """The figures of one tab for the session's current frame (baseline in grey).

    Returns:
        The figures and the stamp of the frame they show (:meth:`PolicyRuns.snapshot`).
    """
    frame, stamp = runs.snapshot()
    label = str(runs.context.get("baseline_label", ""))
    events = _events(runs)
    if tab == "equity":
        figures = [equity_figure(frame, events=events)]
    elif tab == "pv":
        figures = [public_value_profile_figure(frame), public_value_figure(frame, events=events)]
    else:
        figures = [timeseries_figure(frame, KEY_METRICS, events=events,
                                     title="Your settings against the baseline, same seeds",
                                     height=520)]
    request, replicates = (int(part) for part in stamp.split(":"))
    for fig in figures:
        grey_baseline(fig, label, dash="dash" if tab == "time" else None)
        short_titles(fig)
        fig.update_layout(meta={"request": request, "replicates": replicates})
    return figures, stamp


_FIGURE_OUTPUTS = (Output("graph-time", "figure"), Output("graph-equity", "figure"),
                   Output("graph-pv-profile", "figure"), Output("graph-pv-components", "figure"))
_NO_FIGURES = (no_update,) * 4


def _tab_outputs(runs: PolicyRuns, tab: str) -> tuple[tuple[Any, ...], str]:
    """The four figure outputs (the active tab's figures, no update for the others), stamp."""
    figures, stamp = figures_for_tab(runs, tab)
    if tab == "equity":
        return (no_update, figures[0], no_update, no_update), stamp
    if tab == "pv":
        return (no_update, no_update, figures[0], figures[1]), stamp
    return (figures[0], no_update, no_update, no_update), stamp


def _describe(base: Scenario) -> list[Any]:
    parts = [html.P(base.description)]
    if base.question:
        parts.append(html.P([html.B("Question. "), base.question]))
    if base.params.events:
        parts.append(html.P([html.B("Events: "), "; ".join(
            f"month {e.step}: {e.kind.replace('_', ' ')}" for e in base.params.events)]))
    return parts


def register(app: Dash, store: SessionStore) -> None:
    """Add the policy view's callbacks to ``app``."""

    @app.callback(
        [Output(i, "value") for i in _MIX_IDS],
        Output({"type": "lever", "name": ALL}, "value"),
        Output({"type": "param", "name": ALL}, "value"),
        Output({"type": "run", "name": "steps"}, "value"),
        Output("scenario-info", "children"),
        Output("ternary", "figure"),
        Input("scenario", "value"),
        [Input(i, "value") for i in _MIX_IDS],
        Input("ternary", "clickData"),
    )
    def _load_or_mix(name: str, *rest: Any) -> tuple[Any, ...]:
        percents_in, click = list(rest[:3]), rest[3]
        lever_names = [o["id"]["name"] for o in ctx.outputs_list[3]]
        param_names = [o["id"]["name"] for o in ctx.outputs_list[4]]
        trigger = ctx.triggered_id
        try:
            base = shipped_scenario(name)
        except UserInputError as error:
            return (*([no_update] * 3), [no_update] * len(lever_names),
                    [no_update] * len(param_names), no_update,
                    f"cannot load scenario: {error}", no_update)
        if trigger in _MIX_IDS or trigger == "ternary":
            if trigger == "ternary":
                point = ((click or {}).get("points") or [{}])[0]
                data = [point.get(axis) for axis in ("a", "b", "c")]
                if not all(isinstance(v, int | float) and not isinstance(v, bool)
                           for v in data):
                    return (*([no_update] * 3), [no_update] * len(lever_names),
                            [no_update] * len(param_names), no_update, no_update, no_update)
                percents = normalise_mix([int(v) for v in data], None)
            else:
                percents = normalise_mix(percents_in, _MIX_IDS.index(trigger))
            logic = logic_from_percents(percents, base.params.logic)
            levers = levers_for(logic, base.params.levers)
            return (*percents, [levers[n] for n in lever_names],
                    [no_update] * len(param_names), no_update, no_update,
                    ternary_figure(percents))
        percents = percents_from_logic(base.params.logic)
        levers = levers_for(base.params.logic, base.params.levers)
        values = base.params.to_dict()
        shown = [values[n] if isinstance(values[n], float) and n in _slider_names()
                 else _text(values[n]) for n in param_names]
        return (*percents, [levers[n] for n in lever_names], shown, base.steps,
                _describe(base), ternary_figure(percents))

    @app.callback(
        Output({"type": "param-msg", "name": ALL}, "children"),
        Output({"type": "lever-msg", "name": ALL}, "children"),
        Output({"type": "run-msg", "name": ALL}, "children"),
        Output("policy-message", "children"),
        Output("policy-drawn", "data"),
        Output("policy-poll", "disabled"),
        Output("policy-status", "children"),
        *_FIGURE_OUTPUTS,
        Input("scenario", "value"),
        [Input(i, "value") for i in _MIX_IDS],
        Input({"type": "lever", "name": ALL}, "value"),
        Input({"type": "param", "name": ALL}, "value"),
        Input({"type": "run", "name": ALL}, "value"),
        State("session-id", "data"),
        State("policy-tab", "value"),
    )
    def _compute(name: str, b: Any, n: Any, c: Any, lever_values: list[Any],
                 param_values: list[Any], run_values: list[Any],
                 session_id: str, tab: str) -> tuple[Any, ...]:
        started = time.perf_counter()
        inputs = ctx.inputs_list
        levers = {i["id"]["name"]: v for i, v in zip(inputs[4], lever_values, strict=True)}
        params = {i["id"]["name"]: v for i, v in zip(inputs[5], param_values, strict=True)}
        run = {i["id"]["name"]: v for i, v in zip(inputs[6], run_values, strict=True)}
        outs = ctx.outputs_list

        def messages(kind: str, index: int, found: dict[str, str]) -> list[str]:
            return [found.get(o["id"]["name"], "") for o in outs[index]]

        try:
            base = shipped_scenario(name)
        except UserInputError as error:
            return (messages("param", 0, {}), messages("lever", 1, {}),
                    messages("run", 2, {}), f"cannot load scenario: {error}", no_update,
                    True, no_update, *_NO_FIGURES)
        form = read_form(base, [b, n, c], levers, params, run)
        field_messages = (messages("param", 0, form.messages["param"]),
                          messages("lever", 1, form.messages["lever"]),
                          messages("run", 2, form.messages["run"]))
        session = store.get(session_id)
        session.items["form_ok"] = form.ok
        if not form.ok:
            return (*field_messages, form.general, no_update, True, no_update, *_NO_FIGURES)
        runs = _runs(store, session_id)
        try:
            runs.update(base, form.params, steps=form.steps, seed=form.seed,
                        replicates=form.replicates, baseline_label=baseline_label(base))
        except UserInputError as error:
            return (*field_messages, str(error), no_update, True, no_update, *_NO_FIGURES)
        progress = runs.progress()
        if runs.frame is None or runs.frame_version != progress.version:
            status = (f"{form.params.n_citizens:,} citizens x {form.steps} months: a large run, "
                      "simulating in the background (see the progress bar)")
            return (*field_messages, "", no_update, False, status, *_NO_FIGURES)
        figures, stamp = _tab_outputs(runs, tab)
        seconds = time.perf_counter() - started
        status = (f"{form.params.n_citizens:,} citizens x {form.steps} months: replicate 1 of "
                  f"{form.replicates} drawn in {seconds:.2f} s"
                  + ("; the rest in the background" if form.replicates > 1 else ""))
        return (*field_messages, "", stamp, False, status, *figures)

    @app.callback(
        *[Output(o.component_id, o.component_property, allow_duplicate=True)
          for o in _FIGURE_OUTPUTS],
        Output("box-time", "style"),
        Output("box-equity", "style"),
        Output("box-pv", "style"),
        Output("policy-drawn", "data", allow_duplicate=True),
        Input("policy-redraw", "data"),
        Input("policy-tab", "value"),
        State("session-id", "data"),
        prevent_initial_call=True,
    )
    def _render(_redraw: str, tab: str, session_id: str) -> tuple[Any, ...]:
        """Draw the active tab again: new replicates are in, or another tab was chosen."""
        styles = (_SHOW if tab == "time" else _HIDE, _SHOW if tab == "equity" else _HIDE,
                  _SHOW if tab == "pv" else _HIDE)
        runs = _runs(store, session_id)
        if runs.frame is None:
            return (*_NO_FIGURES, *styles, no_update)
        figures, stamp = _tab_outputs(runs, tab)
        return (*figures, *styles, stamp)

    @app.callback(
        Output("policy-progress", "value"),
        Output("policy-progress", "max"),
        Output("policy-progress-text", "children"),
        Output("policy-redraw", "data"),
        Output("policy-poll", "disabled", allow_duplicate=True),
        Input("policy-poll", "n_intervals"),
        State("session-id", "data"),
        State("policy-drawn", "data"),
        prevent_initial_call=True,
    )
    def _poll(_ticks: int, session_id: str, drawn: str) -> tuple[Any, ...]:
        """Progress of the background replicates; ask for a redraw when a new frame is in."""
        runs = _runs(store, session_id)
        progress = runs.progress()  # before the stamp: finished implies the final frame
        stamp = runs.stamp
        redraw = stamp if stamp and stamp != drawn else no_update
        total = max(progress.total, 1)
        if progress.error:
            return str(total), str(total), progress.error, no_update, True
        if progress.finished:
            replicates = runs.context.get("replicates", 1)
            text = ("one replicate (no band)" if replicates == 1
                    else f"all {replicates} replicates drawn")
            return str(total), str(total), text, redraw, True
        share = progress.done / total
        return (str(progress.done), str(total), f"simulating: {share:.0%}", redraw, False)

    @app.callback(
        Output("download-scenario", "data"),
        Output("export-message", "children"),
        Input("export-scenario", "n_clicks"),
        State("session-id", "data"),
        prevent_initial_call=True,
    )
    def _export_scenario(_clicks: int, session_id: str) -> tuple[Any, ...]:
        session = store.get(session_id)
        runs = _runs(store, session_id)
        if not session.items.get("form_ok") or not runs.context:
            return no_update, "Nothing to export: fix the fields marked in red first."
        context = runs.context
        base: Scenario = context["base"]
        text = export.scenario_toml(base, context["params"], int(context["steps"]))
        filename = f"{export.export_name(base)}.toml"
        return (dcc.send_string(text, filename),
                f"Saved {filename}. Run it with: governance-sim run {filename}")

    @app.callback(
        Output("download-html", "data"),
        Output("export-message", "children", allow_duplicate=True),
        Input("export-html", "n_clicks"),
        State("session-id", "data"),
        prevent_initial_call=True,
    )
    def _export_html(_clicks: int, session_id: str) -> tuple[Any, ...]:
        runs = _runs(store, session_id)
        if runs.frame is None or not runs.context:
            return no_update, "Nothing to export yet."
        context = runs.context
        base: Scenario = context["base"]
        frame = runs.frame
        replicates = int(frame["replicate"].nunique())
        custom = export.custom_scenario(base, context["params"], int(context["steps"]),
                                        label=SETTINGS_LABEL)
        page = export.report_html(frame, base, custom, seed=int(context["seed"]),
                                  replicates=replicates, steps=int(context["steps"]),
                                  baseline_label=str(context["baseline_label"]))
        filename = f"{export.export_name(base)}_report.html"
        note = "" if runs.progress().finished else " (replicates still running: exported so far)"
        return (dcc.send_string(page, filename),
                f"Saved {filename} ({replicates} replicates{note}); it opens offline.")


def _slider_names() -> set[str]:
    return {s.name for s in parameter_specs() if s.kind == "slider"}


def _text(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else str(value)
