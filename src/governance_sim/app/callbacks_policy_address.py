"""The policy view's address: every control's value in the page's query.

``_query`` encodes the controls (:func:`governance_sim.app.urlstate.encode_state`); a small
browser-side function writes it into the address without reloading, keeping the chrome's
keys (language, mode), and shows the full link.
"""

from __future__ import annotations

import json
from typing import Any

from dash import ALL, Dash, Input, Output, ctx, no_update

from governance_sim.app.chrome import APP_QUERY_KEYS
from governance_sim.app.controls import NO_TABLE, TableChoices, read_fixed_seed
from governance_sim.app.guard import shipped_scenario
from governance_sim.app.policy_shared import MIX_IDS
from governance_sim.app.sessions import SessionStore
from governance_sim.app.urlstate import encode_state
from governance_sim.params import UserInputError

__all__ = ["register"]

def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the callbacks that keep the policy view's address to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()

    @app.callback(
        Output("policy-query", "data"),
        Input("scenario", "value"),
        [Input(i, "value") for i in MIX_IDS],
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
