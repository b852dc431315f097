"""The policy view's run and figures: run on every change, draw the active tab, poll.

Any change of a control runs replicate 0 and draws the active figure tab in the same request
(``_compute``, state in the session's :class:`~governance_sim.app.policy.PolicyRuns`), while
the other replicates run in the background; the page polls the job (``_poll``, which also
keeps the status line true) and draws again with the replicate bands when they are in, or
when another tab, month or axis mode is chosen (``_render``). What the bands show
(:meth:`PolicyRuns.bands`, in the page's language) is said in the status line and under the
figures.
"""

from __future__ import annotations

import time
from typing import Any

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, no_update

from governance_sim.app.controls import TableChoices
from governance_sim.app.form import read_form
from governance_sim.app.guard import shipped_scenario
from governance_sim.app.policy import SETTINGS_LABEL, PolicyRuns
from governance_sim.app.policy_shared import (
    MIX_IDS,
    bands_words,
    baseline_label,
    baseline_legend,
    page_lang,
    session_runs,
    uncertainty_note,
)
from governance_sim.app.sessions import SessionStore
from governance_sim.i18n import format_number, translator
from governance_sim.params import UserInputError
from governance_sim.scenarios import Scenario
from governance_sim.viz.app_figures import grey_baseline, honest_axes, short_titles
from governance_sim.viz.figures import (
    KEY_METRICS,
    equity_figure,
    public_value_figure,
    public_value_profile_figure,
    timeseries_figure,
)
from governance_sim.viz.report import event_marks

__all__ = ["figures_for_tab", "status_line", "register"]

I18N_DOMAIN = "policy"

_SHOW = {"display": "block"}
_HIDE = {"display": "none"}


def _events(runs: PolicyRuns) -> dict[str, list[tuple[int, str]]] | None:
    context = runs.context
    if not context:
        return None
    base: Scenario = context["base"]
    params = context["params"]
    infos = [{"name": context["baseline_label"], "events": base.params.to_dict()["events"]},
             {"name": SETTINGS_LABEL, "events": params.to_dict()["events"]}]
    return dict(event_marks(infos)) or None


def figures_for_tab(runs: PolicyRuns, tab: str, *, month: int | None = None,
                    zoom: bool = False, lang: str = "en") -> tuple[list[go.Figure], str]:
    """The figures of one tab for the session's current frame (baseline in grey).

    Args:
        runs: the session's runs.
        tab: ``"time"``, ``"equity"`` or ``"pv"``.
        month: the readout's month: marked on the time axes, and the month of the
            public-value profile (default: the last).
        zoom: y axes fitted to the data and marked "axis does not start at 0" (default:
            every y axis starts at 0, see :func:`governance_sim.viz.app_figures.honest_axes`).
        lang: language of the titles and notes added here.

    Returns:
        The figures and the stamp of the frame they show (:meth:`PolicyRuns.snapshot`).
    """
    _ = translator(lang, "policy")
    frame, stamp = runs.snapshot()
    label = str(runs.context.get("baseline_label", ""))
    events = _events(runs)
    if month is not None:
        month = int(min(max(int(month), 0), int(frame["step"].max())))
    base = runs.context.get("base")
    labels = {SETTINGS_LABEL: _("your settings"), label: baseline_legend(base, lang)}
    band = bands_words(runs, lang, int(frame["replicate"].nunique())) or None
    if tab == "equity":
        figures = [equity_figure(frame, events=events, labels=labels, lang=lang, band=band)]
    elif tab == "pv":
        figures = [public_value_profile_figure(frame, step=month, labels=labels, lang=lang),
                   public_value_figure(frame, events=events, labels=labels, lang=lang,
                                       band=band)]
    else:
        figures = [timeseries_figure(frame, KEY_METRICS, events=events, labels=labels,
                                     lang=lang, band=band,
                                     title=_comparison_title(runs, lang),
                                     height=440)]
    request, replicates = (int(part) for part in stamp.split(":"))
    for index, fig in enumerate(figures):
        grey_baseline(fig, label, dash="dash" if tab == "time" else None)
        short_titles(fig)
        honest_axes(fig, zoom=zoom, note=_("axis does not start at 0"))
        if month is not None and not (tab == "pv" and index == 0):
            fig.add_vline(x=month, line={"color": "#1f3a5f", "width": 1.5},
                          row="all", col="all")
        meta = dict(fig.layout.meta or {})
        meta.update({"request": request, "replicates": replicates, "month": month})
        fig.update_layout(meta=meta)
    return figures, stamp


def _comparison_title(runs: PolicyRuns, lang: str = "en") -> str:
    """What the two curves share: the same seeds, and with a table the same draws."""
    _ = translator(lang, "policy")
    if runs.context.get("table") is None:
        return _("Your settings against the baseline, same seeds")
    if runs.context.get("fixed_seed"):
        return _("Your settings against the baseline, one seed and the same parameter draws")
    return _("Your settings against the baseline, same seeds and parameter draws")


def status_line(n_citizens: int, steps: int, replicates: int, done: int, finished: bool,
                seconds: float | None = None, lang: str = "en", bands: str = "",
                note: str = "") -> str:
    """The policy view's status line: what is drawn and what is still running.

    Args:
        n_citizens: citizens simulated.
        steps: months simulated.
        replicates: replicates asked for.
        done: replicates simulated so far (settings and baseline).
        finished: every replicate is simulated and drawn.
        seconds: time the first replicate took (shown when given).
        lang: language of the line.
        bands: what the bands show (:func:`bands_words`), said once they are drawn.
        note: a sentence added at the end (e.g. :func:`uncertainty_note`).
    """
    _ = translator(lang, "policy")
    head = _("{citizens} citizens x {months} months: ").format(
        citizens=format_number(n_citizens, lang), months=steps)
    took = (_(" (the first in {seconds} s)").format(
        seconds=format_number(seconds, lang, decimals=2))
            if seconds is not None else "")
    tail = (" " + note) if note else ""
    if finished:
        if replicates == 1:
            return (head + _("one run drawn (no band; set more repeat runs for one)") + took
                    + tail)
        shows = ("; " + _("the bands show {bands}").format(bands=bands)) if bands else ""
        return head + _("all {n} replicates drawn").format(n=replicates) + took + shows + tail
    return head + _("drawing replicate {k} of {n}…").format(
        k=min(done + 1, replicates), n=replicates) + took + tail


_FIGURE_OUTPUTS = (Output("graph-time", "figure"), Output("graph-equity", "figure"),
                   Output("graph-pv-profile", "figure"), Output("graph-pv-components", "figure"))
_NO_FIGURES = (no_update,) * 4


def _tab_outputs(runs: PolicyRuns, tab: str, month: Any = None, zoom: Any = None,
                 lang: str = "en") -> tuple[tuple[Any, ...], str]:
    """The four figure outputs (the active tab's figures, no update for the others), stamp."""
    month = month if isinstance(month, int | float) and not isinstance(month, bool) else None
    figures, stamp = figures_for_tab(runs, tab, month=month, zoom="zoom" in (zoom or []),
                                     lang=lang)
    if tab == "equity":
        return (no_update, figures[0], no_update, no_update), stamp
    if tab == "pv":
        return (no_update, no_update, figures[0], figures[1]), stamp
    return (figures[0], no_update, no_update, no_update), stamp


def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the policy view's run, figure and polling callbacks to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()

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
        [Input(i, "value") for i in MIX_IDS],
        Input({"type": "lever", "name": ALL}, "value"),
        Input({"type": "param", "name": ALL}, "value"),
        Input({"type": "run", "name": ALL}, "value"),
        Input("uncertainty", "value"),
        Input("uncertainty-fixed-seed", "value"),
        State("session-id", "data"),
        State("policy-tab", "value"),
        State("readout-month", "value"),
        State("policy-zoom", "value"),
        State("lang", "data"),
    )
    def _compute(name: str, b: Any, n: Any, c: Any, lever_values: list[Any],
                 param_values: list[Any], run_values: list[Any], table_key: Any,
                 fixed_seed: Any, session_id: str, tab: str, month: Any, zoom: Any,
                 lang_value: Any) -> tuple[Any, ...]:
        started = time.perf_counter()
        lang = page_lang(lang_value)
        _ = translator(lang, "policy")
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
                    messages("run", 2, {}),
                    _("cannot load scenario: {error}").format(error=error), no_update,
                    True, no_update, *_NO_FIGURES)
        form = read_form(base, [b, n, c], levers, params, run, uncertainty=table_key,
                         fixed_seed=fixed_seed, tables=tables)
        refused = (_("The parameter table {name} is not offered here (choose one of {keys}); "
                     "running without one.").format(name=form.refused_table,
                                                   keys=", ".join(tables.keys))
                   if form.refused_table else "")
        field_messages = (messages("param", 0, form.messages["param"]),
                          messages("lever", 1, form.messages["lever"]),
                          messages("run", 2, form.messages["run"]))
        session = store.get(session_id)
        session.items["form_ok"] = form.ok
        if not form.ok:
            return (*field_messages, form.general, no_update, True, no_update, *_NO_FIGURES)
        runs = session_runs(store, session_id)
        try:
            runs.update(base, form.params, steps=form.steps, seed=form.seed,
                        replicates=form.replicates, baseline_label=baseline_label(base),
                        uncertainty=form.table, fixed_seed=form.fixed_seed)
        except UserInputError as error:
            return (*field_messages, str(error), no_update, True, no_update, *_NO_FIGURES)
        progress = runs.progress()
        note = uncertainty_note(runs, lang)
        if runs.frame is None or runs.frame_version != progress.version:
            status = (status_line(form.params.n_citizens, form.steps, form.replicates, 0,
                                  False, lang=lang)
                      + " " + _("(a large run: simulating in the background)")
                      + (" " + note if note else ""))
            return (*field_messages, refused, no_update, False, status, *_NO_FIGURES)
        figures, stamp = _tab_outputs(runs, tab, month, zoom, lang)
        seconds = time.perf_counter() - started
        status = status_line(form.params.n_citizens, form.steps, form.replicates,
                             progress.replicates_done, progress.finished, seconds, lang,
                             bands=bands_words(runs, lang), note=note)
        return (*field_messages, refused, stamp, False, status, *figures)

    @app.callback(
        *[Output(o.component_id, o.component_property, allow_duplicate=True)
          for o in _FIGURE_OUTPUTS],
        Output("box-time", "style"),
        Output("box-equity", "style"),
        Output("box-pv", "style"),
        Output("policy-drawn", "data", allow_duplicate=True),
        Input("policy-redraw", "data"),
        Input("policy-tab", "value"),
        Input("readout-month", "value"),
        Input("policy-zoom", "value"),
        State("session-id", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _render(_redraw: str, tab: str, month: Any, zoom: Any, session_id: str,
                lang: Any) -> tuple[Any, ...]:
        """Draw the active tab again: new replicates are in, or another tab, month or zoom."""
        styles = (_SHOW if tab == "time" else _HIDE, _SHOW if tab == "equity" else _HIDE,
                  _SHOW if tab == "pv" else _HIDE)
        runs = session_runs(store, session_id)
        if runs.frame is None:
            return (*_NO_FIGURES, *styles, no_update)
        figures, stamp = _tab_outputs(runs, tab, month, zoom, page_lang(lang))
        return (*figures, *styles, stamp)

    @app.callback(
        Output("policy-progress", "value"),
        Output("policy-progress", "max"),
        Output("policy-progress-text", "children"),
        Output("policy-redraw", "data"),
        Output("policy-poll", "disabled", allow_duplicate=True),
        Output("policy-status", "children", allow_duplicate=True),
        Input("policy-poll", "n_intervals"),
        State("session-id", "data"),
        State("policy-drawn", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _poll(_ticks: int, session_id: str, drawn: str, lang_value: Any) -> tuple[Any, ...]:
        """Progress of the background replicates; ask for a redraw when a new frame is in."""
        runs = session_runs(store, session_id)
        progress = runs.progress()  # before the stamp: finished implies the final frame
        stamp = runs.stamp
        redraw = stamp if stamp and stamp != drawn else no_update
        total = max(progress.total, 1)
        context = runs.context
        lang = page_lang(lang_value)
        _ = translator(lang, "policy")
        status = (status_line(context["params"].n_citizens, int(context["steps"]),
                              progress.replicates, progress.replicates_done,
                              progress.finished, lang=lang, bands=bands_words(runs, lang),
                              note=uncertainty_note(runs, lang))
                  if context else no_update)
        if progress.error:
            return str(total), str(total), progress.error, no_update, True, progress.error
        if progress.finished:
            replicates = progress.replicates
            text = (_("one replicate (no band)") if replicates == 1
                    else _("all {n} replicates drawn").format(n=replicates))
            return str(total), str(total), text, redraw, True, status
        share = progress.done / total
        return (str(progress.done), str(total),
                _("simulating: {share} %").format(share=round(100 * share)), redraw, False,
                status)
