"""Callbacks of the policy view: load a scenario or a link, run, draw, read out, export.

Flow: choosing a scenario, moving the mix or opening a link sets the controls
(:func:`_load_or_mix`; a link is read by :func:`governance_sim.app.urlstate.decode_query`);
any change of a control runs replicate 0 and draws the active figure tab in the same request
(:func:`_compute`, state in the session's :class:`PolicyRuns`), while the other replicates
run in the background; the page polls the job (:func:`_poll`, which also keeps the status
line true) and draws again with the replicate bands when they are in, or when another tab,
month or axis mode is chosen (:func:`_render`). The numbers at the chosen month follow each
drawing (:func:`_readout`); every control's value goes into the page address
(:func:`_query`, written without reloading by a small browser-side function).

Parameter uncertainty: the table is chosen by its key among the tables the server offers
(:class:`~governance_sim.app.controls.TableChoices`, given to :func:`register`). Opening the
view without ``uncertainty=`` in the address, or choosing another scenario, sets it to the
table the scenario ships with (``[scenario] uncertainty``: ``calibrated`` for every shipped
scenario; none, with a notice, when the server does not offer it); a table chosen by hand
holds until the scenario changes. What the
bands show (:meth:`PolicyRuns.bands`, in the page's language) is said in the status line,
under the figures and under the numbers, and written into the CSV download.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from governance_sim.app import export
from governance_sim.app.chrome import APP_QUERY_KEYS
from governance_sim.app.controls import (
    FIXED_SEED,
    NO_TABLE,
    TableChoices,
    levers_for,
    logic_from_percents,
    normalise_mix,
    parameter_specs,
    percents_from_logic,
    read_fixed_seed,
)
from governance_sim.app.form import read_form
from governance_sim.app.guard import shipped_scenario
from governance_sim.app.layout import DEFAULT_SCENARIO
from governance_sim.app.policy import SETTINGS_LABEL, PolicyRuns, readout
from governance_sim.app.sessions import SessionStore
from governance_sim.app.urlstate import RUN_DEFAULTS, decode_query, encode_state
from governance_sim.i18n import (
    DEFAULT_LANGUAGE,
    check_language,
    format_number,
    mark,
    translator,
)
from governance_sim.metrics import METRICS
from governance_sim.params import LOGIC_NAMES, UserInputError
from governance_sim.scenarios import Scenario
from governance_sim.viz.answers import band_text
from governance_sim.viz.app_figures import (
    grey_baseline,
    honest_axes,
    short_titles,
    ternary_figure,
)
from governance_sim.viz.figures import (
    KEY_METRICS,
    equity_figure,
    metric_label,
    public_value_figure,
    public_value_profile_figure,
    timeseries_figure,
)
from governance_sim.viz.report import event_marks

__all__ = ["register", "baseline_label", "baseline_legend", "figures_for_tab", "status_line",
           "readout_parts", "bands_words", "uncertainty_note", "READOUT_METRICS"]

_MIX_IDS = [f"mix-{name}" for name in LOGIC_NAMES]
_SHOW = {"display": "block"}
_HIDE = {"display": "none"}

#: Metrics of the numeric readout, one row each.
READOUT_METRICS: tuple[str, ...] = (*KEY_METRICS, "cost")
_UNITS = {metric.name: metric.unit for metric in METRICS}
#: Row labels of the readout.
_READOUT_LABELS = {"trust_mean": mark("Trust in institutions"),
                   "participation_rate": mark("Citizens taking part"),
                   "public_value_index": mark("Public value index"),
                   "cost": mark("Spending per citizen")}
#: Units of the readout's rows, in words.
_UNIT_WORDS = {"share": "%", "0-1": mark("0 to 1"),
               "budget units": mark("budget units per citizen a month"), "-": ""}


def _lang(value: Any) -> str:
    """The page's language from the ``lang`` store (the default when missing or unknown)."""
    try:
        return check_language(value) if isinstance(value, str) else DEFAULT_LANGUAGE
    except UserInputError:
        return DEFAULT_LANGUAGE


def baseline_label(base: Scenario) -> str:
    """The baseline's key in the frame's ``scenario`` column (legend: :func:`baseline_legend`)."""
    return f"baseline: {base.name}"


def baseline_legend(base: Scenario | None, lang: str = "en") -> str:
    """The baseline's name in the legend: "baseline: " and the scenario's label in ``lang``.

    The label falls back to English, then to the scenario's name.
    """
    _ = translator(lang, "policy")
    if base is None:
        return _("baseline")
    return _("baseline") + ": " + base.text(lang).label


def bands_words(runs: PolicyRuns, lang: str = "en", replicates: int | None = None) -> str:
    """What the bands show, in ``lang``: seeds, parameter uncertainty or both.

    The text of :func:`governance_sim.uncertainty.bands_label`, translated.

    Args:
        runs: the session's runs.
        lang: language.
        replicates: replicates in the frame described (default: those asked for).
    """
    label = runs.bands(replicates)
    if not label:
        return ""
    return band_text({"bands": label}, pd.DataFrame(), lang)


def uncertainty_note(runs: PolicyRuns, lang: str = "en") -> str:
    """Why a chosen table draws nothing (or only for the baseline), in ``lang``; else ""."""
    _ = translator(lang, "policy")
    context = runs.context
    asked = context.get("asked_table") if context else None
    if asked is None:
        return ""
    if context["table"] is None:
        return _("Every parameter of the table {table} is set by the scenario, which wins "
                 "over the table: nothing is drawn.").format(table=asked.name)
    if context.get("only_baseline_draws"):
        return _("Your settings set every parameter of the table {table}: only the baseline "
                 "draws from it.").format(table=asked.name)
    return ""


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


def _format(metric: str, value: float, lang: str = "en") -> str:
    """A metric's value for the readout: shares in percent, the rest to three decimals.

    Numbers as ``lang`` writes them (:func:`governance_sim.i18n.format_number`).
    """
    if value != value:  # NaN: that scenario is not in the frame
        return "–"
    if _UNITS.get(metric) == "share":
        return format_number(100 * value, lang, decimals=1) + " %"
    return format_number(value, lang, decimals=3)


def _ternary(percents: list[int], lang: str) -> go.Figure:
    """The mix picker with the logics' plain names in ``lang``."""
    _ = translator(lang, "policy")
    return ternary_figure(percents, names=tuple(_(_LOGIC_WORDS[name]) for name in LOGIC_NAMES))


def _unit(metric: str, lang: str = "en") -> str:
    unit = _UNITS.get(metric, "")
    words = _UNIT_WORDS.get(unit, unit)
    return translator(lang, "policy")(words) if words else ""


def readout_parts(runs: PolicyRuns, month: Any, lang: str = "en"
                  ) -> tuple[str, list[list[str]], int, int]:
    """The readout's sentence and table rows at ``month`` (clipped to the months simulated).

    Returns:
        ``(sentence, rows, month, replicates)``; each row is metric label (unit), settings,
        baseline, difference; with more than one replicate each value has its 10-90 %
        band across replicates in brackets.
    """
    _ = translator(lang, "policy")
    frame, _stamp = runs.snapshot()
    label = str(runs.context.get("baseline_label", ""))
    last = int(frame["step"].max())
    if not isinstance(month, int | float) or isinstance(month, bool):
        month = last
    table = readout(frame, int(month), READOUT_METRICS, baseline_label=label)
    month = int(table["month"].iloc[0])
    replicates = int(table["replicates"].iloc[0])

    def cell(metric: str, key: str) -> str:
        text = _format(metric, table.at[metric, f"{key}_median"], lang)
        if replicates > 1:
            text += (f" ({_format(metric, table.at[metric, f'{key}_low'], lang)}–"
                     f"{_format(metric, table.at[metric, f'{key}_high'], lang)})")
        return text

    rows = []
    for metric in READOUT_METRICS:
        difference = table.at[metric, "difference"]
        shown = _format(metric, abs(difference), lang)
        sign = "+" if difference > 0 else ("−" if difference < 0 else "±")
        unit = _unit(metric, lang)
        name = _(_READOUT_LABELS[metric]) if metric in _READOUT_LABELS else metric_label(metric)
        rows.append([name + (f" ({unit})" if unit else ""),
                     cell(metric, "settings"), cell(metric, "baseline"),
                     (sign + shown.replace(" %", " " + _("points"))
                      if _UNITS.get(metric) == "share" else sign + shown)])
    trust = "trust_mean"
    sentence = _("Trust at month {month}: {mine} with your settings against {base} under the "
                 "baseline").format(month=month,
                                    mine=_format(trust, table.at[trust, "settings_median"],
                                                 lang),
                                    base=_format(trust, table.at[trust, "baseline_median"],
                                                 lang))
    return sentence, rows, month, replicates


def _readout_table(rows: list[list[str]], replicates: int, month: int, lang: str = "en",
                   bands: str = "") -> list[Any]:
    _ = translator(lang, "policy")
    head = html.Tr([html.Th(_("month {month}").format(month=month)),
                    html.Th(_("your settings")), html.Th(_("baseline")),
                    html.Th(_("difference"))])
    body = [html.Tr([html.Th(row[0], scope="row"), *[html.Td(c) for c in row[1:]]])
            for row in rows]
    note = (_("Median of {n} replicates; in brackets the 10 %–90 % range across replicates, "
              "which shows {bands}. Difference: your settings minus the baseline, of the "
              "medians.").format(n=replicates, bands=bands) if replicates > 1 else
            _("One replicate: no band (set more repeat runs for one). Difference: your "
              "settings minus the baseline."))
    return [html.Table([head, *body], className="readout-table", id="readout-values"),
            html.P(note, className="hint")]


def _describe(base: Scenario, lang: str = "en") -> list[Any]:
    _ = translator(lang, "policy")
    text = base.text(lang)  # the scenario file's own translation, else English
    parts = [html.P(text.description)]
    if text.question:
        parts.append(html.P([html.B(_("Question.") + " "), text.question]))
    if base.params.events:
        parts.append(html.P([html.B(_("Events:") + " "), "; ".join(
            _("month {month}: {event}").format(month=e.step, event=e.kind.replace("_", " "))
            for e in base.params.events)]))
    return parts


def _scenario_table(base: Scenario, tables: TableChoices, lang: str = "en"
                    ) -> tuple[str, list[str]]:
    """The table key the view starts from for ``base``, and a notice if it is not offered."""
    _ = translator(lang, "policy")
    key, refused = tables.for_scenario(base.uncertainty)
    if not refused:
        return key, []
    return key, [_("scenario {scenario} ships with the parameter table {table}, which this "
                   "app does not offer ({allowed}); showing none").format(
        scenario=base.name, table=repr(refused[:40]), allowed=", ".join(tables.keys))]


def _restore(search: str, dropdown: Any, param_names: list[str], run_names: list[str],
             lang: str = "en", tables: TableChoices | None = None) -> tuple[Any, ...]:
    """Every control's value from a link (see :mod:`governance_sim.app.urlstate`).

    Returns:
        percents, levers (name -> value), shown parameter values (by ``param_names``),
        shown run values (by ``run_names``), the scenario, the notices (also about the
        parameter table), month, tab, zoom, the table's key (the link's, else the
        scenario's: :func:`_scenario_table`) and the "one seed" checklist's value.
    """
    tables = tables or TableChoices.default()
    state, notices = decode_query(search, lang, tables.keys)
    name = state.scenario or (dropdown if isinstance(dropdown, str) else DEFAULT_SCENARIO)
    try:
        base = shipped_scenario(name)
    except UserInputError:
        base = shipped_scenario(DEFAULT_SCENARIO)
    percents = state.percents or percents_from_logic(base.params.logic)
    logic = logic_from_percents(percents, base.params.logic)
    levers = {**levers_for(logic, base.params.levers), **state.levers}
    values = {**base.params.to_dict(), **state.params}
    shown = [_shown(n, values[n]) for n in param_names]
    run = {**RUN_DEFAULTS, "steps": base.steps, **state.run}
    months = int(run["steps"])
    month = min(state.month, months) if state.month is not None else months
    if state.uncertainty is None:
        table, refused = _scenario_table(base, tables, lang)
        notices = [*notices, *refused]
    else:
        table = state.uncertainty
    return (percents, levers, shown, [_text(run[n]) for n in run_names], base,
            notices, month, state.tab or "time", ["zoom"] if state.zoom else [], table,
            [FIXED_SEED] if state.fixed_seed else [])


def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the policy view's callbacks to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()

    @app.callback(
        [Output(i, "value") for i in _MIX_IDS],
        Output({"type": "lever", "name": ALL}, "value"),
        Output({"type": "param", "name": ALL}, "value"),
        Output({"type": "run", "name": ALL}, "value"),
        Output("scenario-info", "children"),
        Output("ternary", "figure"),
        Output("scenario", "value"),
        Output("url-notice", "children"),
        Output("readout-month", "value"),
        Output("policy-tab", "value"),
        Output("policy-zoom", "value"),
        Output("uncertainty", "value"),
        Output("uncertainty-fixed-seed", "value"),
        Input("scenario", "value"),
        [Input(i, "value") for i in _MIX_IDS],
        Input("ternary", "clickData"),
        Input("url", "search"),
        State("lang", "data"),
    )
    def _load_or_mix(name: str, *rest: Any) -> tuple[Any, ...]:
        """Set the controls from a link, from the chosen scenario, or for a new mix.

        The parameter table follows the link (``uncertainty=``), else the scenario's own
        (:func:`_scenario_table`); moving the mix leaves it as chosen.
        """
        percents_in, click, search, lang = list(rest[:3]), rest[3], rest[4], _lang(rest[5])
        _ = translator(lang, "policy")
        lever_names = [o["id"]["name"] for o in ctx.outputs_list[3]]
        param_names = [o["id"]["name"] for o in ctx.outputs_list[4]]
        run_names = [o["id"]["name"] for o in ctx.outputs_list[5]]
        trigger = ctx.triggered_id
        unchanged = (*([no_update] * 3), [no_update] * len(lever_names),
                     [no_update] * len(param_names), [no_update] * len(run_names))
        rest_unchanged = (no_update,) * 7
        if trigger in (None, "url") and isinstance(search, str) and search.strip("?"):
            (percents, levers, shown, run, base, notices, month, tab, zoom, table,
             fixed) = _restore(search, name, param_names, run_names, lang, tables)
            notice = ([html.Span(_("This link's settings were adjusted:") + " "),
                       html.Ul([html.Li(n) for n in notices])] if notices else "")
            return (*percents, [levers[n] for n in lever_names], shown, run,
                    _describe(base, lang),
                    _ternary(percents, lang), base.name, notice, month, tab, zoom, table,
                    fixed)
        # an address without settings (on loading the page, or going back to one): the
        # chosen scenario, as on the first load
        try:
            base = shipped_scenario(name)
        except UserInputError as error:
            return (*unchanged, _("cannot load scenario: {error}").format(error=error),
                    *(no_update,) * 8)
        if trigger in _MIX_IDS or trigger == "ternary":
            if trigger == "ternary":
                point = ((click or {}).get("points") or [{}])[0]
                data = [point.get(axis) for axis in ("a", "b", "c")]
                if not all(isinstance(v, int | float) and not isinstance(v, bool)
                           for v in data):
                    return (*unchanged, no_update, no_update, *rest_unchanged)
                percents = normalise_mix([int(v) for v in data], None)
            else:
                percents = normalise_mix(percents_in, _MIX_IDS.index(trigger))
            logic = logic_from_percents(percents, base.params.logic)
            levers = levers_for(logic, base.params.levers)
            return (*percents, [levers[n] for n in lever_names],
                    [no_update] * len(param_names), [no_update] * len(run_names), no_update,
                    _ternary(percents, lang), *rest_unchanged)
        percents = percents_from_logic(base.params.logic)
        levers = levers_for(base.params.logic, base.params.levers)
        values = base.params.to_dict()
        shown = [_shown(n, values[n]) for n in param_names]
        run = [_text(base.steps) if n == "steps" else no_update for n in run_names]
        table, refused = _scenario_table(base, tables, lang)
        return (*percents, [levers[n] for n in lever_names], shown, run,
                _describe(base, lang), _ternary(percents, lang), no_update,
                refused[0] if refused else "", base.steps, no_update, no_update, table,
                no_update)

    @app.callback(Output("mix-sum", "children"), [Input(i, "value") for i in _MIX_IDS],
                  State("lang", "data"))
    def _mix_sum(*given: Any) -> str:
        lang = _lang(given[3])
        percents, _ = given[:3], translator(lang, "policy")
        values = [p if isinstance(p, int | float) and not isinstance(p, bool) else 0
                  for p in percents]
        parts = " + ".join(f"{_(_LOGIC_WORDS[name])} {format_number(value, lang)} %"
                           for name, value in zip(LOGIC_NAMES, values, strict=True))
        return f"{parts} = {format_number(sum(values), lang)} %"

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
        lang = _lang(lang_value)
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
        runs = _runs(store, session_id)
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
        runs = _runs(store, session_id)
        if runs.frame is None:
            return (*_NO_FIGURES, *styles, no_update)
        figures, stamp = _tab_outputs(runs, tab, month, zoom, _lang(lang))
        return (*figures, *styles, stamp)

    @app.callback(
        Output("readout-text", "children"),
        Output("readout-table", "children"),
        Output("readout-month", "max"),
        Output("readout-month", "marks"),
        Output("readout-month", "value", allow_duplicate=True),
        Input("policy-drawn", "data"),
        Input("readout-month", "value"),
        State("session-id", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _readout(drawn: str, month: Any, session_id: str, lang: Any) -> tuple[Any, ...]:
        """The numbers at the chosen month for the drawn frame (a month past it moves back)."""
        runs = _runs(store, session_id)
        if not drawn or runs.frame is None:
            return "", "", no_update, no_update, no_update
        lang = _lang(lang)
        sentence, rows, shown, replicates = readout_parts(runs, month, lang)
        last = int(runs.frame["step"].max())
        marks = {0: "0", last: str(last)}
        moved = shown if isinstance(month, int | float) and month != shown else no_update
        table = _readout_table(rows, replicates, shown, lang,
                               bands_words(runs, lang, replicates))
        return sentence, table, last, marks, moved

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
        runs = _runs(store, session_id)
        progress = runs.progress()  # before the stamp: finished implies the final frame
        stamp = runs.stamp
        redraw = stamp if stamp and stamp != drawn else no_update
        total = max(progress.total, 1)
        context = runs.context
        lang = _lang(lang_value)
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

    @app.callback(
        Output("policy-query", "data"),
        Input("scenario", "value"),
        [Input(i, "value") for i in _MIX_IDS],
        Input({"type": "lever", "name": ALL}, "value"),
        Input({"type": "param", "name": ALL}, "value"),
        Input({"type": "run", "name": ALL}, "value"),
        Input("readout-month", "value"),
        Input("policy-tab", "value"),
        Input("policy-zoom", "value"),
        Input("uncertainty", "value"),
        Input("uncertainty-fixed-seed", "value"),
    )
    def _query(name: str, b: Any, n: Any, c: Any, lever_values: list[Any],
               param_values: list[Any], run_values: list[Any], month: Any, tab: Any,
               zoom: Any, table_key: Any, fixed_seed: Any) -> Any:
        """The page address's query for the current controls (written by the browser)."""
        try:
            base = shipped_scenario(name)
            percents = [int(v) for v in (b, n, c)]
        except (UserInputError, TypeError, ValueError):
            return no_update
        if sum(percents) != 100:
            return no_update  # the mix is being rescaled; the next call has it
        values: dict[str, Any] = {}
        for index in (4, 5, 6):
            for item, value in zip(ctx.inputs_list[index],
                                   (lever_values, param_values, run_values)[index - 4],
                                   strict=True):
                values[item["id"]["name"]] = value
        month = int(month) if isinstance(month, int | float) and not isinstance(
            month, bool) else None
        return encode_state(base, percents, values, month=month,
                            tab=tab if isinstance(tab, str) else "time",
                            zoom="zoom" in (zoom or []),
                            uncertainty=table_key if table_key in tables.keys else NO_TABLE,
                            fixed_seed=read_fixed_seed(fixed_seed))

    app.clientside_callback(
        """function (query) {
            if (typeof query !== 'string') { return window.dash_clientside.no_update; }
            const kept = new URLSearchParams(window.location.search);
            const chrome = new URLSearchParams();
            for (const key of __KEYS__) {
                if (kept.has(key)) { chrome.set(key, kept.get(key)); }
            }
            const head = chrome.toString();
            const full = [query, head].filter(part => part).join('&');
            const path = window.location.pathname + (full ? '?' + full : '');
            if (window.location.search.replace(/^\\?/, '') !== full) {
                window.history.replaceState(window.history.state, '', path);
            }
            return window.location.origin + path;
        }""".replace("__KEYS__", json.dumps(list(APP_QUERY_KEYS))),
        Output("policy-link", "value"),
        Input("policy-query", "data"),
    )

    @app.callback(
        Output("download-csv", "data"),
        Output("export-message", "children", allow_duplicate=True),
        Input("export-csv", "n_clicks"),
        State("session-id", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _export_csv(_clicks: int, session_id: str, lang: Any) -> tuple[Any, ...]:
        _ = translator(_lang(lang), "policy")
        runs = _runs(store, session_id)
        frame, _stamp = runs.snapshot()
        if frame is None or not runs.context:
            return no_update, _("Nothing to download yet.")
        base: Scenario = runs.context["base"]
        filename = f"{export.export_name(base)}_series.csv"
        replicates = int(frame["replicate"].nunique())
        note = ("" if runs.progress().finished
                else " " + _("(replicates still running: saved so far)"))
        bands = runs.bands(replicates)
        return (dcc.send_string(export.series_csv(frame, bands=bands), filename),
                _("Saved {file}: {n} replicates x {months} months, one row per month.").format(
                    file=filename, n=replicates, months=frame["step"].nunique()) + note)

    @app.callback(
        Output("download-scenario", "data"),
        Output("export-message", "children"),
        Input("export-scenario", "n_clicks"),
        State("session-id", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _export_scenario(_clicks: int, session_id: str, lang: Any) -> tuple[Any, ...]:
        _ = translator(_lang(lang), "policy")
        session = store.get(session_id)
        runs = _runs(store, session_id)
        if not session.items.get("form_ok") or not runs.context:
            return no_update, _("Nothing to export: fix the fields marked in red first.")
        context = runs.context
        base: Scenario = context["base"]
        fields = export.table_fields(context.get("asked_table"))
        text = export.scenario_toml(base, context["params"], int(context["steps"]), **fields)
        filename = f"{export.export_name(base)}.toml"
        return (dcc.send_string(text, filename),
                _("Saved {file}. Run it with: {command}").format(
                    file=filename, command=export.rerun_command(
                        filename, fields.get("rerun_table"))))

    @app.callback(
        Output("download-html", "data"),
        Output("export-message", "children", allow_duplicate=True),
        Input("export-html", "n_clicks"),
        State("session-id", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _export_html(_clicks: int, session_id: str, lang: Any) -> tuple[Any, ...]:
        _ = translator(_lang(lang), "policy")
        runs = _runs(store, session_id)
        if runs.frame is None or not runs.context:
            return no_update, _("Nothing to export yet.")
        context = runs.context
        base: Scenario = context["base"]
        frame = runs.frame
        replicates = int(frame["replicate"].nunique())
        custom = export.custom_scenario(base, context["params"], int(context["steps"]),
                                        label=SETTINGS_LABEL)
        page = export.report_html(frame, base, custom, seed=int(context["seed"]),
                                  replicates=replicates, steps=int(context["steps"]),
                                  baseline_label=str(context["baseline_label"]),
                                  table=context["table"], fixed_seed=context["fixed_seed"],
                                  bands=runs.bands(replicates))
        filename = f"{export.export_name(base)}_report.html"
        note = ("" if runs.progress().finished
                else " " + _("(replicates still running: exported so far)"))
        return (dcc.send_string(page, filename),
                _("Saved {file} ({n} replicates); it opens offline.").format(
                    file=filename, n=replicates) + note)


def _slider_names() -> set[str]:
    return {s.name for s in parameter_specs() if s.kind == "slider"}


def _text(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shown(name: str, value: Any) -> Any:
    """A parameter's value as its control shows it: a number on a slider, else text."""
    return value if isinstance(value, float) and name in _slider_names() else _text(value)


_LOGIC_WORDS = {"bureaucracy": mark("Bureaucracy"), "npm": mark("NPM"),
                "co_creation": mark("Co-creation")}
