"""The session's export: an anonymous CSV of every seat's decisions, and an offline report.

The CSV has one row per seat and round (``month``: months simulated at the round's end):
the role id (``citizen-3``), never a nickname or a token; the student's choices (empty when
the seat did not answer and kept the model's rule), what the rule did, and what happened to
the seat. The HTML report is one file with
inline SVG and no script or external link, so it opens offline.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from governance_sim.participatory.bridge import CURVES
from governance_sim.participatory.figures import curves_svg
from governance_sim.participatory.roles import CHOICES, RoleKind
from governance_sim.participatory.session import Session
from governance_sim.participatory.texts import t
from governance_sim.participatory.views import debrief

__all__ = ["session_csv", "session_report", "CSV_COLUMNS"]

_CHOICE_NAMES = tuple(dict.fromkeys(c.name for kind in RoleKind for c in CHOICES[kind]))
_OUTCOMES = ("trust", "value", "took_part", "efficacy", "motivation", "burnout",
             "unit_quality", "in_dip", "fell_back", "approval", "budget")
CSV_COLUMNS: tuple[str, ...] = (
    "round", "month", "logic", "role_id", "role", "unit", "answered",
    *(f"choice_{n}" for n in _CHOICE_NAMES), *(f"rule_{n}" for n in _CHOICE_NAMES),
    *(f"outcome_{n}" for n in _OUTCOMES))


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return round(value, 4)
    return "" if value is None else value


def session_csv(session: Session) -> str:
    """The decisions of every seat in every round played, as CSV text (role ids only)."""
    with session.lock:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for d in session.decisions:
            logic = (session.round_logic[d.round - 1]
                     if d.round - 1 < len(session.round_logic) else "")
            writer.writerow([
                d.round, d.month, logic, d.role_id, d.kind.value,
                _cell(d.outcome.get("unit", "")), int(d.answered),
                *(_cell(d.choices.get(n)) for n in _CHOICE_NAMES),
                *(_cell(d.rule.get(n)) for n in _CHOICE_NAMES),
                *(_cell(d.outcome.get(n)) for n in _OUTCOMES)])
        return out.getvalue()


def session_report(session: Session, lang: str = "en") -> str:
    """The session as one offline HTML page: curves, debrief, settings and the model's run."""
    with session.lock:
        bridge = session.bridge
        labels = {name: t(lang, f"m_{name}") for name in CURVES}
        curves = curves_svg(bridge.history, CURVES, labels,
                            marks=[(m, t(lang, lg)) for m, lg in bridge.switches])
        found = debrief(session, lang)
        manifest = bridge.model.manifest()
        settings = session.settings
    rows = "".join(
        f"<tr><td>{escape(r['label'])}</td><td>{r['answers']}</td><td>{r['differ']}</td>"
        f"<td>{escape(json.dumps(r['chose']))}</td><td>{escape(json.dumps(r['rule']))}</td>"
        "</tr>" for r in found["choices"])
    lead, left = found["leaders"], found["left_behind"]
    questions = "".join(f"<li>{escape(q)}</li>" for q in found["questions"])
    run = {"seed": manifest["seed"], "months": manifest["steps"],
           "n_citizens": manifest["params"]["n_citizens"],
           "n_units": manifest["params"]["n_units"],
           "start_logic": manifest["params"]["logic"],
           "events": manifest["params"]["events"],
           "months_per_round": settings.months_per_round,
           "versions": manifest["versions"]}
    return f"""<!DOCTYPE html>
<html lang="{'nb' if lang == 'nb' else 'en'}"><head><meta charset="utf-8">
<title>{escape(t(lang, 'report_title'))}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem}}
pre{{background:#f4f4f4;padding:.6rem;white-space:pre-wrap}}</style></head><body>
<h1>{escape(t(lang, 'report_title'))}</h1>
<p>{escape(t(lang, 'rounds_played', rounds=found['rounds'], months=found['months'],
             logics=', '.join(found['logics']) or '-'))}</p>
<h2>{escape(t(lang, 'curves'))}</h2>{curves}
<h2>{escape(t(lang, 'd_choices'))}</h2>
<table><tr><th>{escape(t(lang, 'd_kind'))}</th><th>{escape(t(lang, 'd_answers'))}</th>
<th>{escape(t(lang, 'd_differ'))}</th><th>{escape(t(lang, 'd_mean_choice'))}</th>
<th>{escape(t(lang, 'd_mean_rule'))}</th></tr>{rows}</table>
<h2>{escape(t(lang, 'd_leaders'))}</h2>
<p>{escape(t(lang, 'd_dips'))}: {lead['dips']}; {escape(t(lang, 'd_held'))}: {lead['held']};
{escape(t(lang, 'd_fell'))}: {lead['fell']}. {escape(t(lang, 'd_quality_human'))}:
{lead['quality_human']}; {escape(t(lang, 'd_quality_model'))}: {lead['quality_model']}.</p>
<h2>{escape(t(lang, 'd_left_behind'))}</h2>
<p>{escape(t(lang, 'd_gap', q1=left['trust_q1'], all=left['trust_mean'],
             part=round(100 * left['participation_q1'])))}</p>
<h2>{escape(t(lang, 'd_questions'))}</h2><ol>{questions}</ol>
<h2>Model run</h2><pre>{escape(json.dumps(run, indent=1, default=str))}</pre>
</body></html>
"""
