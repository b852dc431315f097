"""The policy view's controls: choose a scenario, move the mix, open a link.

Choosing a scenario, moving the mix (sliders or the triangle) or opening a link sets the
controls (``_load_or_mix``; a link is read by :func:`governance_sim.app.urlstate.decode_query`).
Parameter uncertainty: the table is chosen by its key among the tables the server offers
(:class:`~governance_sim.app.controls.TableChoices`). Opening the view without
``uncertainty=`` in the address, or choosing another scenario, sets it to the table the
scenario ships with (``[scenario] uncertainty``: ``calibrated`` for every shipped scenario;
none, with a notice, when the server does not offer it); a table chosen by hand holds until
the scenario changes.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, html, no_update

from governance_sim.app.controls import (
    FIXED_SEED,
    TableChoices,
    levers_for,
    logic_from_percents,
    normalise_mix,
    parameter_specs,
    percents_from_logic,
)
from governance_sim.app.guard import shipped_scenario
from governance_sim.app.layout import DEFAULT_SCENARIO
from governance_sim.app.policy_shared import MIX_IDS, page_lang
from governance_sim.app.sessions import SessionStore
from governance_sim.app.urlstate import RUN_DEFAULTS, decode_query
from governance_sim.i18n import format_number, mark, translator
from governance_sim.params import LOGIC_NAMES, UserInputError
from governance_sim.scenarios import Scenario
from governance_sim.viz.app_figures import ternary_figure

__all__ = ["register"]

I18N_DOMAIN = "policy"


def _ternary(percents: list[int], lang: str) -> go.Figure:
    """The mix picker with the logics' plain names in ``lang``."""
    _ = translator(lang, "policy")
    return ternary_figure(percents, names=tuple(_(_LOGIC_WORDS[name]) for name in LOGIC_NAMES))


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


def mix_trigger(triggered: list[Any]) -> str | None:
    """The one input the mix callback acts on, of those that fired in one request.

    While an answer is on its way Dash gathers every input that changes into the next
    request (a click on the ternary picker can come with a slider's last step). The most
    deliberate wins: a link (``url``), then a chosen scenario, then a click on the picker,
    then the first slider moved; acting on the first id alone lost such a click (issue 24).

    Args:
        triggered: the ids that fired (``ctx.triggered_prop_ids.values()``).

    Returns:
        The id to act on, or None (page load).
    """
    fired = [name for name in triggered if isinstance(name, str)]
    for name in ("url", "scenario", "ternary"):
        if name in fired:
            return name
    return next((name for name in fired if name in MIX_IDS), None)


def _slider_names() -> set[str]:
    return {s.name for s in parameter_specs() if s.kind == "slider"}


def _text(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shown(name: str, value: Any) -> Any:
    """A parameter's value as its control shows it: a number on a slider, else text."""
    return value if isinstance(value, float) and name in _slider_names() else _text(value)


_LOGIC_WORDS = {"bureaucracy": mark("Bureaucracy"), "npm": mark("NPM"),
                "co_creation": mark("Co-creation")}


def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the policy view's scenario, mix and link callbacks to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()

    @app.callback(
        [Output(i, "value") for i in MIX_IDS],
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
        [Input(i, "value") for i in MIX_IDS],
        Input("ternary", "clickData"),
        Input("url", "search"),
        State("lang", "data"),
    )
    def _load_or_mix(name: str, *rest: Any) -> tuple[Any, ...]:
        """Set the controls from a link, from the chosen scenario, or for a new mix.

        The parameter table follows the link (``uncertainty=``), else the scenario's own
        (:func:`_scenario_table`); moving the mix leaves it as chosen.
        """
        percents_in, click, search, lang = list(rest[:3]), rest[3], rest[4], page_lang(rest[5])
        _ = translator(lang, "policy")
        lever_names = [o["id"]["name"] for o in ctx.outputs_list[3]]
        param_names = [o["id"]["name"] for o in ctx.outputs_list[4]]
        run_names = [o["id"]["name"] for o in ctx.outputs_list[5]]
        trigger = mix_trigger(list(ctx.triggered_prop_ids.values()))
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
        if trigger in MIX_IDS or trigger == "ternary":
            if trigger == "ternary":
                point = ((click or {}).get("points") or [{}])[0]
                data = [point.get(axis) for axis in ("a", "b", "c")]
                if not all(isinstance(v, int | float) and not isinstance(v, bool)
                           for v in data):
                    return (*unchanged, no_update, no_update, *rest_unchanged)
                percents = normalise_mix([int(v) for v in data], None)
            else:
                percents = normalise_mix(percents_in, MIX_IDS.index(trigger))
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

    @app.callback(Output("mix-sum", "children"), [Input(i, "value") for i in MIX_IDS],
                  State("lang", "data"))
    def _mix_sum(*given: Any) -> str:
        lang = page_lang(given[3])
        percents, _ = given[:3], translator(lang, "policy")
        values = [p if isinstance(p, int | float) and not isinstance(p, bool) else 0
                  for p in percents]
        parts = " + ".join(f"{_(_LOGIC_WORDS[name])} {format_number(value, lang)} %"
                           for name, value in zip(LOGIC_NAMES, values, strict=True))
        return f"{parts} = {format_number(sum(values), lang)} %"
