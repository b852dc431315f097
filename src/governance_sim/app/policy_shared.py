"""What the policy view's panels share: language, session runs, baseline and band words.

The page's language, the session's runs, the mix sliders' ids, and the words for the
baseline and for what the bands show.

The callbacks of each panel are in their own module (``callbacks_policy_*``); this module
holds no callback.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from governance_sim.app.policy import PolicyRuns
from governance_sim.app.sessions import SessionStore
from governance_sim.i18n import DEFAULT_LANGUAGE, check_language, translator
from governance_sim.params import LOGIC_NAMES, UserInputError
from governance_sim.scenarios import Scenario
from governance_sim.viz.answers import band_text

__all__ = ["MIX_IDS", "page_lang", "session_runs", "baseline_label", "baseline_legend",
           "bands_words", "uncertainty_note"]

#: Ids of the three mix sliders (bureaucracy, NPM, co-creation), in the order of LOGIC_NAMES.
MIX_IDS = [f"mix-{name}" for name in LOGIC_NAMES]


def page_lang(value: Any) -> str:
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


def session_runs(store: SessionStore, session_id: Any) -> PolicyRuns:
    """The policy view's runs of one browser session."""
    return store.get(session_id).get("policy", PolicyRuns)

