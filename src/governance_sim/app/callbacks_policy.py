"""Callbacks of the policy view, one module per panel; :func:`register` adds them all.

Where to look:

* :mod:`~governance_sim.app.callbacks_policy_controls` -- the sidebar: choosing a scenario,
  moving the mix, opening a link (every control's value), the parameter table a scenario
  starts from;
* :mod:`~governance_sim.app.callbacks_policy_figures` -- running and drawing: replicate 0 in
  the request, the rest in the background, the status line, the active tab's figures;
* :mod:`~governance_sim.app.callbacks_policy_readout` -- the numbers at the chosen month;
* :mod:`~governance_sim.app.callbacks_policy_address` -- the page address that holds every
  control's value;
* :mod:`~governance_sim.app.callbacks_policy_export` -- the downloads (CSV, scenario file,
  HTML report);
* :mod:`~governance_sim.app.policy_shared` -- what they share (the page's language, the
  session's runs, the words for the baseline and the bands).

The names below are re-exported for the tests and for callers of the former single module.
"""

from __future__ import annotations

from dash import Dash

from governance_sim.app import (
    callbacks_policy_address,
    callbacks_policy_controls,
    callbacks_policy_export,
    callbacks_policy_figures,
    callbacks_policy_readout,
)
from governance_sim.app.callbacks_policy_controls import _describe, _scenario_table
from governance_sim.app.callbacks_policy_figures import figures_for_tab, status_line
from governance_sim.app.callbacks_policy_readout import (
    READOUT_METRICS,
    _format,
    _readout_table,
    readout_parts,
)
from governance_sim.app.controls import TableChoices
from governance_sim.app.policy_shared import (
    bands_words,
    baseline_label,
    baseline_legend,
    uncertainty_note,
)
from governance_sim.app.sessions import SessionStore

__all__ = ["register", "baseline_label", "baseline_legend", "figures_for_tab", "status_line",
           "readout_parts", "bands_words", "uncertainty_note", "READOUT_METRICS",
           "PANELS"]

#: The modules of the policy view's callbacks, in the order they are registered.
PANELS = (callbacks_policy_controls, callbacks_policy_figures, callbacks_policy_readout,
          callbacks_policy_address, callbacks_policy_export)

# kept importable from here (the tests and older callers use them)
_REEXPORTED = (_describe, _scenario_table, _format, _readout_table)


def register(app: Dash, store: SessionStore, tables: TableChoices | None = None) -> None:
    """Add the policy view's callbacks, panel by panel, to ``app``.

    Args:
        app: the Dash app.
        store: the browser sessions' state.
        tables: the parameter tables the policy view offers (default: none, calibrated).
    """
    tables = tables or TableChoices.default()
    for panel in PANELS:
        panel.register(app, store, tables)
