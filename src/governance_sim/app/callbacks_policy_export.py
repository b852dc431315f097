"""The policy view's downloads: series (CSV), settings (scenario file), report (HTML).

Each says what it saved (and whether replicates were still running); the CSV carries what
the bands show.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, no_update

from governance_sim.app import export
from governance_sim.app.controls import TableChoices
from governance_sim.app.policy import SETTINGS_LABEL
from governance_sim.app.policy_shared import page_lang, session_runs
from governance_sim.app.sessions import SessionStore
from governance_sim.i18n import translator
from governance_sim.scenarios import Scenario

__all__ = ["register"]

I18N_DOMAIN = "policy"


def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the policy view's download callbacks to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()

    @app.callback(
        Output("download-csv", "data"),
        Output("export-message", "children", allow_duplicate=True),
        Input("export-csv", "n_clicks"),
        State("session-id", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _export_csv(_clicks: int, session_id: str, lang: Any) -> tuple[Any, ...]:
        _ = translator(page_lang(lang), "policy")
        runs = session_runs(store, session_id)
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
        _ = translator(page_lang(lang), "policy")
        session = store.get(session_id)
        runs = session_runs(store, session_id)
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
        _ = translator(page_lang(lang), "policy")
        runs = session_runs(store, session_id)
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
