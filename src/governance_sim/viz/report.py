"""A self-contained, offline HTML report of one or more scenarios, and static image export.

:func:`build_report` turns the long time-series frame and plain descriptions of the
scenarios (as stored in ``manifest.json``) into one HTML page: Plotly's JavaScript is
embedded once in the page head, every figure is a ``<div>`` drawn by it, and nothing is
fetched from the network. The page carries each scenario's description, question, settings,
events and sources, and the exact command that reproduces it; a scenario's label, description
and question are shown in the page's language where the scenario file translates them
(:func:`scenario_text`).

:func:`export_images` writes the same figures as PNG and SVG through kaleido, which needs a
Chrome or Chromium on the machine; where there is none it raises
:class:`ImagesUnavailable` with a one-line explanation and writes nothing.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from governance_sim.i18n import check_language, format_number, mark, translator
from governance_sim.metrics import PV_COMPONENTS
from governance_sim.results import atomic_write
from governance_sim.viz.answers import (
    band_sentences,
    band_text,
    baseline_of,
    comparison_answer,
    format_value,
    gap_answer,
    scenario_answer,
)
from governance_sim.viz.figures import (
    DEFAULT_QUANTILES,
    KEY_METRICS,
    MORE_METRICS,
    EventMarks,
    axis_title,
    event_key,
    metric_label,
    paired_differences,
    place_legend,
    report_figures,
    scenario_label,
    summary_table,
)

__all__ = ["ImagesUnavailable", "event_marks", "start_sentences", "build_report",
           "write_report", "scenario_text", "find_browser", "export_images", "SLIDE_NOTES",
           "slide_notes", "I18N_DOMAIN"]

#: Message domain of the report's texts (governance_sim.i18n).
I18N_DOMAIN = "report"

_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome")

#: The seed lecture the scenarios cite by slide number.
SEED_LECTURE = ("D. von Heimburg, \u00abHva kreves av en leder som \u00f8nsker \u00e5 lykkes med "
                "samskaping?\u00bb, NTNU, 19 October 2022")

#: What each slide of the seed lecture the scenarios cite says, in a line.
SLIDE_NOTES: dict[int, str] = {
    1: mark("the three logics of the public sector: authority (classical bureaucracy), "
            "market (New Public Management) and arena (co-creation, New Public Governance)"),
    2: mark("co-creation defined after Ansell & Torfing (2021, p. 54): distributed, "
            "collaborative problem-solving that mobilises public and private resources to "
            "create public value, on platforms and arenas"),
    3: mark("the goal of co-creation: community value, \u201cleave no one behind\u201d"),
    6: mark("the role table: what the service, staff, leaders, politicians and citizens are "
            "under each of the three logics (the model's lever values follow it)"),
    9: mark("WHO Europe (2019): participation as a driver of health equity"),
    12: mark("sustainable development (Brundtland 1987) and judging policy by well-being "
             "(New Zealand)"),
    15: mark("Iceland's well-being framework: 39 indicators of quality of life"),
    16: mark("Wales' Well-being of Future Generations Act"),
    17: mark("the Wigan Deal: a two-column compact, the council's part and the citizens' part"),
    18: mark("Trondheimsl\u00f8ftet: Trondheim's community plan, a public consultation with a "
             "deadline and a citizens' model"),
    20: mark("co-created, value-based governance after \u00d8llgaard Bentzen (2021): better "
             "problem-solving, motivation and trust, but resource-intensive at start-up, "
             "needing facilitation, a certain level of trust and courage"),
}

#: Plain names of the logics in event labels.
_LOGIC_NAMES = {"bureaucracy": mark("classical bureaucracy"),
                "npm": mark("New Public Management"), "co_creation": mark("co-creation")}

_SLIDE = re.compile(r"\bslides?\s+(\d+)((?:\s*(?:,|and|/|og)\s*(?:slide\s+)?\d+)*)",
                    re.IGNORECASE)


class ImagesUnavailable(RuntimeError):
    """Static images cannot be made here (no browser for kaleido); the message says why."""


def _tr(lang: str):
    return translator(lang, I18N_DOMAIN)


def _logic_text(logic: Any, lang: str) -> str:
    _ = _tr(lang)
    if isinstance(logic, str):
        return _(_LOGIC_NAMES.get(logic, logic))
    if isinstance(logic, Mapping):
        parts = [f"{round(100 * float(w))} % {_(_LOGIC_NAMES.get(k, k))}"
                 for k, w in sorted(logic.items(), key=lambda kv: -float(kv[1]))]
        return _("a mix: {parts}").format(parts=", ".join(parts))
    return _("another logic")


def _event_label(event: Mapping[str, Any], lang: str = "en") -> str:
    """What happens at an event, in a few words (the events table has every setting)."""
    _ = _tr(lang)
    kind = event.get("kind", "")
    if kind == "switch_logic":
        return _("switch to {logic}").format(logic=_logic_text(event.get("logic"), lang))
    if kind == "trust_shock":
        return _("trust shock (size {size}, {months} months)").format(
            size=format_number(float(event.get("size", 0)), lang),
            months=int(event.get("duration", 1)))
    if kind == "budget_change":
        return _("budget \u00d7{factor} (over {months} months)").format(
            factor=format_number(float(event.get("factor", 1)), lang),
            months=int(event.get("duration", 1)))
    if kind == "set_levers":
        levers = event.get("levers") or {}
        return _("levers set: {levers}").format(
            levers=", ".join(f"{k.replace('_', ' ')} {format_number(v, lang)}"
                             for k, v in levers.items()
                             if isinstance(v, int | float) and not isinstance(v, bool)))
    if kind == "compact":
        return _("two-sided compact (size {size})").format(
            size=format_number(float(event.get("size", 0)), lang))
    if kind == "citizens_panel":
        return _("citizens' panel ({members} members)").format(
            members=int(event.get("members", 0)))
    return str(kind)


def event_marks(scenarios: Sequence[Mapping[str, Any]], lang: str = "en") -> EventMarks:
    """Event steps and labels per scenario, for the numbered markers in the figures."""
    return {
        str(info["name"]): [(int(e["step"]), _event_label(e, lang))
                            for e in info.get("events", [])]
        for info in scenarios if info.get("events")
    }


def slide_notes(text: str, lang: str = "en") -> list[tuple[int, str]]:
    """The seed slides a source text cites (``slide 1``, ``slides 1 and 6``) with their notes.

    Returns:
        ``[(slide, note), ...]`` for each cited slide that :data:`SLIDE_NOTES` knows.
    """
    _ = _tr(lang)
    found: list[int] = []
    for match in _SLIDE.finditer(text):
        numbers = [match.group(1), *re.findall(r"\d+", match.group(2) or "")]
        found += [int(n) for n in numbers]
    return [(n, _(SLIDE_NOTES[n])) for n in dict.fromkeys(found) if n in SLIDE_NOTES]


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _format_value(value: Any, lang: str = "en") -> str:
    if isinstance(value, float):
        return format_number(value, lang, significant=6)
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {_format_value(v, lang)}" for k, v in value.items())
    return str(value)


def _sources(sources: Sequence[str], lang: str) -> str:
    _ = _tr(lang)
    items = []
    for source in sources:
        notes = slide_notes(source, lang)
        extra = "".join(f'<br><span class="slide">{_esc(_("Seed slide {n}").format(n=n))}: '
                        f"{_esc(note)}</span>" for n, note in notes)
        items.append(f"<li>{_esc(source)}{extra}</li>")
    return "".join(items)


def scenario_text(info: Mapping[str, Any], lang: str) -> dict[str, str]:
    """A scenario's ``label``, ``description`` and ``question`` in ``lang``, as the page shows.

    Each is the scenario file's translation (``info["translations"][lang]``, as the manifest
    records it) where there is one, else the English text; a label without a translation is
    left to the report catalogue (see :func:`~governance_sim.viz.figures.scenario_label`).
    Anything in ``translations`` that is not text is ignored (a hand-edited manifest).

    Raises:
        LanguageError: ``lang`` is not a language of the interface.
    """
    code = check_language(lang)
    out = {"label": str(info.get("label") or info.get("name") or ""),
           "description": str(info.get("description") or ""),
           "question": str(info.get("question") or "")}
    translations = info.get("translations")
    given = translations.get(code) if isinstance(translations, Mapping) else None
    if isinstance(given, Mapping):
        out.update({key: value for key, value in given.items()
                    if key in out and isinstance(value, str) and value.strip()})
    return out


def _scenario_section(info: Mapping[str, Any], answer: Sequence[str], lang: str,
                      labels: Mapping[str, str]) -> str:
    _ = _tr(lang)
    name = str(info["name"])
    text = scenario_text(info, lang)
    parts = [f'<article class="scenario" id="scenario-{_esc(name)}">',
             f"<h3>{_esc(scenario_label(name, labels, lang))} <code class=\"tech\">"
             f"{_esc(name)}</code></h3>"]
    if text["description"]:
        parts.append(f"<p>{_esc(text['description'])}</p>")
    if text["question"]:
        parts.append(f'<p class="question"><b>{_esc(_("Question."))}</b> '
                     f'{_esc(text["question"])}</p>')
    if answer:
        items = "".join(f"<li>{_esc(sentence)}</li>" for sentence in answer)
        parts.append(f'<div class="answer"><b>{_esc(_("What the runs say."))}</b>'
                     f"<ul>{items}</ul></div>")
    parts.append(f"<p><b>{_esc(_('Horizon.'))}</b> "
                 + _esc(_("{months} months (one step = one month).").format(
                     months=info.get("steps", ""))) + "</p>")
    settings = info.get("params_over_defaults") or {}
    if settings:
        rows = "".join(f"<tr><td><code>{_esc(k)}</code></td><td>{_esc(_format_value(v, lang))}</td>"
                       "</tr>" for k, v in settings.items())
        parts.append(f"<details open><summary>{_esc(_('Parameters over the defaults'))}"
                     f"</summary><table><tr><th>{_esc(_('parameter'))}</th><th>"
                     f"{_esc(_('value'))}</th></tr>{rows}</table></details>")
    events = info.get("events") or []
    if events:
        rows = []
        for event in events:
            detail = {k: v for k, v in event.items() if k not in ("kind", "step")}
            rows.append(f"<tr><td>{_esc(event.get('step'))}</td><td>"
                        f"{_esc(_event_label(event, lang))}</td><td><code>"
                        f"{_esc(event.get('kind'))}</code> {_esc(_format_value(detail, lang))}"
                        "</td></tr>")
        parts.append(f"<details open><summary>{_esc(_('Events'))}</summary><table><tr><th>"
                     f"{_esc(_('month'))}</th><th>{_esc(_('what happens'))}</th><th>"
                     f"{_esc(_('settings'))}</th></tr>{''.join(rows)}</table></details>")
    sources = info.get("sources") or []
    if sources:
        parts.append(f"<details open><summary>{_esc(_('Sources'))}</summary><ul>"
                     f"{_sources(sources, lang)}</ul></details>")
    parts.append("</article>")
    return "\n".join(parts)


def _summary_table(frame: pd.DataFrame, quantiles: tuple[float, float], lang: str,
                   labels: Mapping[str, str]) -> str:
    _ = _tr(lang)
    table = summary_table(frame, KEY_METRICS, quantiles=quantiles)
    head = "".join(f"<th>{_esc(metric_label(m, lang))}<br><span class=\"unit\">"
                   f"{_esc(axis_title(m, lang))}</span></th>" for m in KEY_METRICS)

    def number(value: float, metric: str) -> str:
        scale, digits = (100, 1) if metric == "participation_rate" else (1, 3)
        return format_number(scale * value, lang, decimals=digits)

    def cell(row: pd.Series, metric: str) -> str:
        return (f"<td>{number(row[metric], metric)} <span class=\"range\">["
                f"{number(row[f'{metric}_low'], metric)}; "
                f"{number(row[f'{metric}_high'], metric)}]</span></td>")

    rows = [f"<tr><td><b>{_esc(scenario_label(str(name), labels, lang))}</b></td>"
            f"<td>{int(row['step'])}</td>{''.join(cell(row, m) for m in KEY_METRICS)}</tr>"
            for name, row in table.iterrows()]
    note = _("Median across replicates at each scenario's last month; in brackets the "
             "{low}-{high} % quantiles.").format(low=round(100 * quantiles[0]),
                                                 high=round(100 * quantiles[1]))
    return (f"<table class=\"summary\"><tr><th>{_esc(_('scenario'))}</th><th>"
            f"{_esc(_('month'))}</th>{head}</tr>{''.join(rows)}</table>"
            f"<p class=\"note\">{_esc(note)}</p>")


#: Short names of the public-value components, for sentences.
_COMPONENT_WORDS = {"pv_outcomes": mark("outcomes"), "pv_equity": mark("equity"),
                    "pv_legitimacy": mark("legitimacy"),
                    "pv_social_capital": mark("social capital"),
                    "pv_cost_efficiency": mark("cost-efficiency"),
                    "pv_future": mark("future generations")}


def start_sentences(frame: pd.DataFrame, labels: Mapping[str, str] | None = None,
                    lang: str = "en", *, tolerance: float = 5e-4) -> list[str]:
    """Why the public value index differs between scenarios already at month 0, if it does.

    Month 0 is measured after :func:`governance_sim.dynamics.schedule.prepare`, which gives
    every citizen the service of the scenario's starting logic: what they receive (outcomes,
    and how equal it is across resource quintiles) and what it costs differ by logic from
    the first month, while trust, social capital and the future stock start from the same
    citizens. The sentence names the components that start apart, read from the frame.

    Args:
        frame: long time-series frame.
        labels: plain label per scenario name.
        lang: language of the sentence.
        tolerance: medians closer than this (on 0-1) count as equal.

    Returns:
        One sentence, or none when there is one scenario, no month 0, or the index starts
        equal (to within ``tolerance``).
    """
    _ = _tr(lang)
    data = frame if "step" in frame.columns else frame.reset_index()
    if "scenario" not in data.columns or "public_value_index" not in data.columns:
        return []
    first = data[data["step"] == 0]
    names = list(dict.fromkeys(data["scenario"].astype(str)))
    if len(names) < 2 or first.empty:
        return []
    start = first.groupby("scenario")["public_value_index"].median().reindex(names)
    if start.isna().any() or float(start.max() - start.min()) <= tolerance:
        return []
    spread = {c: float(first.groupby("scenario")[c].median().pipe(lambda m: m.max() - m.min()))
              for c in PV_COMPONENTS if c in first.columns}
    apart = [_(_COMPONENT_WORDS[c]) for c, width in spread.items() if width > tolerance]
    equal = [_(_COMPONENT_WORDS[c]) for c, width in spread.items() if width <= tolerance]
    values = ", ".join(f"{scenario_label(n, labels, lang)} "
                       f"{format_value(float(start[n]), 'public_value_index', lang)}"
                       for n in names)
    text = _("The public value index starts apart at month 0 ({values}): month 0 is already "
             "a month of service, in which each scenario's starting logic sets what its "
             "citizens receive and what that costs.").format(values=values)
    if apart:
        text += " " + _("Of its components, {apart} start apart; {equal} start equal.").format(
            apart=", ".join(apart), equal=", ".join(equal) or "–")
    return [text]


def _event_table(events: EventMarks, lang: str, labels: Mapping[str, str]) -> str:
    """The key to the numbered event markers."""
    _ = _tr(lang)
    key = event_key(events)
    if not key:
        return ""
    rows = "".join(
        f"<tr><td><b>{number}</b></td><td>{step}</td><td>"
        + "<br>".join(f"{_esc(scenario_label(s, labels, lang))}: {_esc(label)}"
                      for s, label in entries) + "</td></tr>"
        for number, step, entries in key)
    return (f'<table class="events"><tr><th>{_esc(_("marker"))}</th><th>{_esc(_("month"))}'
            f"</th><th>{_esc(_('what happens'))}</th></tr>{rows}</table>")


def _event_caption(events: EventMarks, lang: str, labels: Mapping[str, str],
                   width: int = 170) -> str:
    """The key to the numbered markers as lines of text (wrapped), for static images."""
    _ = _tr(lang)
    lines = []
    for number, step, entries in event_key(events):
        text = (_("{number}: month {month}").format(number=number, month=step) + " \u2013 "
                + "; ".join(f"{scenario_label(s, labels, lang)}: {label}"
                            for s, label in entries))
        lines += textwrap.wrap(text, width, subsequent_indent="    ")
    return "<br>".join(html.escape(line) for line in lines)


def _titled(fig: go.Figure, heading: str, note: str, key: str) -> go.Figure:
    """``fig`` (changed in place) with the heading inside the image and notes at its foot."""
    out = fig
    caption = out.layout.title.text or ""
    out.update_layout(title={"text": f"<b>{html.escape(heading)}</b><br>{caption}",
                             "x": 0.01, "xanchor": "left"})
    note_lines = "<br>".join(html.escape(line) for line in textwrap.wrap(note, 170))
    foot = "<br>".join(t for t in (key, note_lines) if t)
    extra = 0
    if foot:
        lines = foot.count("<br>") + 1
        extra = 16 * lines + 30
        out.add_annotation(text=foot, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                           yanchor="top", yshift=-45, showarrow=False, align="left",
                           font={"size": 11, "color": "#444444"})
    margin = out.layout.margin
    out.update_layout(height=int(out.layout.height or 500) + extra + 25,
                      margin={"b": int(margin.b or 40) + extra, "t": int(margin.t or 100) + 25})
    out.update_layout(title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 22}})
    return place_legend(out) if out.layout.showlegend is not False else out


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem}
header{background:#26405e;color:#fff;padding:1.2rem 1.5rem}
header h1{margin:0 0 .3rem;font-size:1.5rem}
header p{margin:0;opacity:.85}
nav{margin:.8rem 0}nav a{margin-right:1rem}
h2{border-bottom:2px solid #dde3ea;padding-bottom:.2rem;margin-top:2rem}
pre{background:#1e1e1e;color:#e8e8e8;padding:.8rem 1rem;border-radius:6px;overflow-x:auto}
table{border-collapse:collapse;margin:.4rem 0 .8rem;font-size:.92rem}
td,th{border:1px solid #d8dde3;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#eef2f6}
.range,.unit,.tech{color:#777;font-size:.85em;font-weight:normal}
.note{color:#555;font-size:.9rem}
.scenario{background:#fff;border:1px solid #e2e6ea;border-radius:6px;padding:.2rem 1rem;
margin:.8rem 0}
.question{font-style:italic}
.answer,.takeaways{background:#f1f6ec;border-left:4px solid #55A868;padding:.3rem .9rem;
margin:.5rem 0}
.answer ul,.takeaways ul{margin:.3rem 0;padding-left:1.2rem}
.slide{color:#555;font-size:.9em}
.figure{background:#fff;border:1px solid #e2e6ea;border-radius:6px;margin:1rem 0;padding:.3rem}
.figure .note,.figure table{margin-left:.6rem}
summary{cursor:pointer;font-weight:600;margin:.3rem 0}
"""


def _shown_metrics() -> list[str]:
    return list(dict.fromkeys([*KEY_METRICS, *MORE_METRICS, *PV_COMPONENTS,
                               "participation_q1", "participation_q5", "participation_gap",
                               "outcome_bottom_quintile", "outcome_top_quintile",
                               "outcome_gap", "trust_q1", "trust_q5"]))


def build_report(frame: pd.DataFrame, scenarios: Sequence[Mapping[str, Any]], *,
                 command: str, manifest: Mapping[str, Any] | None = None,
                 title: str | None = None,
                 quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                 lang: str | None = None) -> tuple[str, dict[str, go.Figure]]:
    """The report as one HTML string, and its figures (for image export).

    The page answers each scenario's question with the numbers (see
    :mod:`governance_sim.viz.answers`), says what the bands show (``manifest["bands"]``,
    default the seed variation), names scenarios by their ``label``, measures effects as
    scenario minus baseline (a scenario's ``baseline`` if it is in the comparison, else the
    first scenario), numbers the events, and leaves out panels that do not vary.

    Args:
        frame: long time-series frame (``scenario``, ``replicate``, ``seed``, ``step``,
            metrics).
        scenarios: one mapping per scenario with ``name``, ``label``, ``baseline``,
            ``description``, ``question``, ``steps``, ``sources``, ``params_over_defaults``
            and ``events``, optionally ``translations`` (as in ``manifest.json``). The
            answers read the English ``question``; the page shows the translated one.
        command: the command line that reproduces the results.
        manifest: the run's manifest (seeds, replicates, versions, ``bands``, ``lang``).
        title: page title (default: the scenarios' labels).
        quantiles: the band drawn around the medians.
        lang: ``en`` or ``nb`` (default: ``manifest["lang"]``, else English).

    Returns:
        ``(html, figures)``: ``figures`` maps a key to its :class:`go.Figure`, titled and
        with its notes inside, as the static images show it.

    Raises:
        LanguageError: ``lang`` is not a language of the interface.
    """
    import plotly
    from plotly.offline import get_plotlyjs

    manifest = dict(manifest or {})
    lang = lang or str(manifest.get("lang") or "en")
    _ = _tr(lang)
    names = [str(info["name"]) for info in scenarios]
    labels = {str(info["name"]): scenario_text(info, lang)["label"] for info in scenarios}
    reference = baseline_of(scenarios) or names[0]
    title = title or "governance-sim: " + _(" vs ").join(
        scenario_label(n, labels, lang) for n in names)
    band = band_text(manifest, frame, lang)
    events = event_marks(scenarios, lang)
    figures = report_figures(frame, events=events, quantiles=quantiles, labels=labels,
                             reference=reference, band=band, lang=lang)
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "png", "scale": 2}}
    event_table = _event_table(events, lang, labels)
    event_caption = _event_caption(events, lang, labels)
    band_notes = band_sentences(frame, KEY_METRICS, band, quantiles=quantiles, lang=lang)
    start_notes = start_sentences(frame, labels, lang)
    figure_html = []
    exported: dict[str, go.Figure] = {}
    for key, (heading, fig, note) in figures.items():
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{key}",
                          config=config)
        notes = [note] if note else []
        if key in ("overview", "difference", "equity", "public_value", "mechanisms"):
            notes.insert(0, band_notes[0])
        if key == "overview":
            notes += band_notes[1:] + start_notes
        if key == "difference":  # the paired differences' bands are often thinner still
            effects = paired_differences(frame, KEY_METRICS, reference)
            notes += band_sentences(effects, KEY_METRICS, band, quantiles=quantiles,
                                    lang=lang)[1:]
        uses_events = key not in ("side_by_side", "public_value_profile") and event_table
        figure_html.append(
            f'<section class="figure" id="figure-{key}"><h2>{_esc(heading)}</h2>\n{div}'
            + "".join(f'<p class="note">{_esc(n)}</p>' for n in notes)
            + (f'<details><summary>{_esc(_("Numbered markers: the events"))}</summary>'
               f"{event_table}</details>" if uses_events else "")
            + "</section>")
        exported[key] = _titled(fig, heading, " ".join(notes),
                                event_caption if uses_events else "")
    baseline_answer = {str(info["name"]): reference for info in scenarios}
    answers = {
        str(info["name"]): scenario_answer(
            frame, info, labels=labels,
            baseline=(info.get("baseline") if info.get("baseline") in names
                      else baseline_answer[str(info["name"])]),
            quantiles=quantiles, lang=lang)
        for info in scenarios}
    for info in scenarios:
        base = info.get("baseline")
        if isinstance(base, str) and base and base not in names:
            answers[str(info["name"])].append(
                _("Its effect is measured against {baseline}, which is not in this run: "
                  "governance-sim compare {name} {baseline} shows it.").format(
                      baseline=base, name=info["name"]))
    takeaways = comparison_answer(frame, labels=labels, quantiles=quantiles, lang=lang)
    takeaways += gap_answer(frame, labels=labels, quantiles=quantiles, lang=lang)
    seeds = manifest.get("seeds")
    versions = manifest.get("versions", {})
    version_text = ", ".join(f"{k} {v}" for k, v in versions.items())
    created = manifest.get("created") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    metrics_rows = "".join(
        f"<tr><td>{_esc(metric_label(m, lang))}</td><td>{_esc(axis_title(m, lang))}</td>"
        f"<td><code>{_esc(m)}</code></td></tr>" for m in _shown_metrics()
        if m in frame.columns)
    replicates = manifest.get("replicates", int(frame["replicate"].nunique())
                              if "replicate" in frame else 1)
    seed_text = (_("Replicate r of every scenario runs on seed {first} + r (seeds {seeds}): "
                   "common random numbers, so the scenarios differ by their logic and events, "
                   "not by the dice.").format(first=seeds[0],
                                              seeds=", ".join(str(s) for s in seeds))
                 if seeds else "")
    summary_items = "".join(f"<li>{_esc(s)}</li>"
                            for s in [*takeaways, *band_notes, *start_notes])
    pv_note = _("The public value index is the weighted mean of six components, each on a "
                "0-1 scale: outcomes weighted by need, equity (the bottom resource quintile's "
                "outcomes relative to the top's), legitimacy (trust), social capital, "
                "cost-efficiency (outcomes per budget unit) and a stock for future "
                "generations; the weights are the parameters pv_weight_* (after Moore 1995).")
    lecture = _("Seed slides are those of the lecture {lecture}; each is cited with a line on "
                "what it says.").format(lecture=SEED_LECTURE)
    nav_links = "".join(f'<a href="#figure-{k}">{_esc(f.heading.split(":")[0])}</a>'
                        for k, f in figures.items())
    body = f"""<!DOCTYPE html>
<html lang="{_esc(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_STYLE}</style>
<script type="text/javascript">/* plotly.js {plotly.__version__}, embedded for offline use */
{get_plotlyjs()}</script>
</head><body>
<header><h1>{_esc(title)}</h1>
<p>{_esc(_("Agent-based model of trust, participation and public value. {n} replicates per "
           "scenario. Generated {created}.").format(n=replicates, created=created))}</p></header>
<main>
<nav><a href="#summary">{_esc(_("Summary"))}</a><a href="#scenarios">{_esc(_("Scenarios"))}</a>
{nav_links}<a href="#metrics">{_esc(_("Metrics"))}</a><a href="#reproduce">{_esc(_("Reproduce"))}
</a></nav>
<section id="summary"><h2>{_esc(_("Summary"))}</h2>
<div class="takeaways"><b>{_esc(_("In short."))}</b><ul>{summary_items}</ul></div>
{_summary_table(frame, quantiles, lang, labels)}</section>
<section id="scenarios"><h2>{_esc(_("Scenarios"))}</h2>
{''.join(_scenario_section(info, answers[str(info['name'])], lang, labels)
         for info in scenarios)}
<p class="note">{_esc(lecture)}</p></section>
{''.join(figure_html)}
<section id="metrics"><h2>{_esc(_("Metrics"))}</h2>
<p>{_esc(pv_note)}</p>
<table><tr><th>{_esc(_("meaning"))}</th><th>{_esc(_("unit"))}</th>
<th>{_esc(_("column"))}</th></tr>{metrics_rows}</table>
<p class="note">{_esc(_("The full time series of every replicate, all metrics, are in "
                        "timeseries.parquet and timeseries.csv beside this file; parameters, "
                        "seeds and versions in manifest.json."))}</p></section>
<section id="reproduce"><h2>{_esc(_("Reproduce"))}</h2>
<pre><code>{_esc(command)}</code></pre>
<p class="note">{_esc(seed_text)} {_esc(_("One step is one month. Same command, same "
                                          "versions: the same numbers, bit for bit."))}
{_esc(_("Versions:"))} {_esc(version_text)}.</p></section>
</main></body></html>
"""
    return body, exported


def write_report(path: str | os.PathLike[str], frame: pd.DataFrame,
                 scenarios: Sequence[Mapping[str, Any]], *, command: str,
                 manifest: Mapping[str, Any] | None = None,
                 title: str | None = None,
                 lang: str | None = None) -> tuple[Path, dict[str, go.Figure]]:
    """Build the report and write it atomically (temporary file, then rename).

    Returns:
        The path written and the report's figures.

    Raises:
        OutputError: the file cannot be written.
    """
    page, figures = build_report(frame, scenarios, command=command, manifest=manifest,
                                 title=title, lang=lang)
    target = atomic_write(path, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return target, figures


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido would use (``BROWSER_PATH`` or one on ``PATH``), or None."""
    override = os.environ.get("BROWSER_PATH")
    if override and Path(override).is_file():
        return override
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def export_images(figures: Mapping[str, go.Figure], folder: str | os.PathLike[str], *,
                  formats: Sequence[str] = ("png", "svg"), width: int = 1200,
                  scale: float = 1.0) -> list[Path]:
    """Write every figure as a static image per format into ``folder`` (via kaleido).

    Images are rendered into a temporary folder beside ``folder`` and renamed into place, so
    an interrupted export leaves no half-written image under its final name.

    Returns:
        The image paths written, ``<folder>/<key>.<format>``.

    Raises:
        ImagesUnavailable: kaleido is not installed or no Chrome/Chromium was found.
        OutputError: the folder cannot be written.
    """
    from governance_sim.results import OutputError

    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ImagesUnavailable("static images skipped: kaleido is not installed "
                                "(pip install 'governance-sim[images]')") from None
    if find_browser() is None:
        raise ImagesUnavailable("static images skipped: no Chrome/Chromium found for kaleido "
                                "(install Debian's 'chromium' or set BROWSER_PATH)")
    import plotly.io as pio

    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".images-", dir=target))
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    written = []
    try:
        jobs = [(fig, staging / f"{key}.{fmt}", fmt) for key, fig in figures.items()
                for fmt in formats]
        try:
            pio.write_images(
                [fig for fig, _p, _f in jobs], [p for _fig, p, _f in jobs],
                format=[f for _fig, _p, f in jobs], width=width,
                height=[int(fig.layout.height or 500) for fig, _p, _f in jobs], scale=scale,
            )
        except Exception as error:  # kaleido raises several kinds when the browser fails
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ImagesUnavailable(f"static images skipped: kaleido could not render "
                                    f"({type(error).__name__}: {first[:160]})") from None
        for _fig, path, _fmt in jobs:
            final = target / path.name
            os.replace(path, final)
            written.append(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written
