"""The policy view's readout: the numbers at the chosen month, settings against the baseline.

The numbers follow each drawing (``_readout``, on the frame the figures show); with more
than one replicate each value has its 10-90 % band across replicates, and the note under
the table says what the bands show.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html, no_update

from governance_sim.app.controls import TableChoices
from governance_sim.app.policy import PolicyRuns, readout
from governance_sim.app.policy_shared import bands_words, page_lang, session_runs
from governance_sim.app.sessions import SessionStore
from governance_sim.i18n import format_number, mark, translator
from governance_sim.metrics import METRICS
from governance_sim.viz.figures import KEY_METRICS, metric_label

__all__ = ["READOUT_METRICS", "readout_parts", "register"]

I18N_DOMAIN = "policy"


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



def _format(metric: str, value: float, lang: str = "en") -> str:
    """A metric's value for the readout: shares in percent, the rest to three decimals.

    Numbers as ``lang`` writes them (:func:`governance_sim.i18n.format_number`).
    """
    if value != value:  # NaN: that scenario is not in the frame
        return "–"
    if _UNITS.get(metric) == "share":
        return format_number(100 * value, lang, decimals=1) + " %"
    return format_number(value, lang, decimals=3)



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


def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the policy view's readout callback to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()

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
        runs = session_runs(store, session_id)
        if not drawn or runs.frame is None:
            return "", "", no_update, no_update, no_update
        lang = page_lang(lang)
        sentence, rows, shown, replicates = readout_parts(runs, month, lang)
        last = int(runs.frame["step"].max())
        marks = {0: "0", last: str(last)}
        moved = shown if isinstance(month, int | float) and month != shown else no_update
        table = _readout_table(rows, replicates, shown, lang,
                               bands_words(runs, lang, replicates))
        return sentence, table, last, marks, moved
