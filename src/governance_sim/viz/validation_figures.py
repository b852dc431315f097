"""Figures and the offline HTML page of the pattern-oriented validation.

A leaf: takes plain tables (the ``curves`` DataFrame and summary rows that
:mod:`governance_sim.validation` produces) and returns plotly figures or HTML; it never runs
the model and never calls ``.show()``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

__all__ = ["pattern_figure", "validation_page", "SUMMARY_COLUMNS"]

#: Columns of the summary table, in order.
SUMMARY_COLUMNS: tuple[str, ...] = ("pattern", "statistic", "value (mean, min-max)",
                                    "threshold", "seeds passed", "holds")


def pattern_figure(curves: pd.DataFrame, *, title: str, x_label: str, y_label: str,
                   holds: bool) -> go.Figure:
    """A small line plot of a pattern's curves: one colour per series, one line per seed.

    Args:
        curves: long DataFrame with columns ``seed``, ``series``, ``x``, ``y``.
        title: figure title.
        x_label, y_label: axis titles.
        holds: whether the pattern held (shown in the title).

    Returns:
        The figure (about 320 px high).
    """
    fig = go.Figure()
    palette = qualitative.D3
    if not curves.empty:
        for i, (series, part) in enumerate(curves.groupby("series", sort=False)):
            colour = palette[i % len(palette)]
            for j, (seed, line) in enumerate(part.groupby("seed", sort=False)):
                fig.add_trace(go.Scatter(
                    x=line["x"], y=line["y"], mode="lines", name=str(series),
                    legendgroup=str(series), showlegend=j == 0,
                    line={"color": colour, "width": 1.5}, opacity=0.75,
                    hovertemplate=f"{html.escape(str(series))}, seed {seed}<br>"
                                  "%{x}: %{y:.3f}<extra></extra>"))
    verdict = "holds" if holds else "DOES NOT HOLD"
    fig.update_layout(title={"text": f"{html.escape(title)} ({verdict})", "font": {"size": 14}},
                      height=320, margin={"l": 60, "r": 20, "t": 50, "b": 45},
                      template="plotly_white", legend={"font": {"size": 10}})
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(title_text=y_label)
    return fig


def _table(rows: Sequence[Mapping[str, Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in SUMMARY_COLUMNS)
    body = []
    for row in rows:
        cells = []
        for column in SUMMARY_COLUMNS:
            value = row[column]
            if column == "holds":
                cls = "ok" if value else "bad"
                cells.append(f'<td class="{cls}">{"yes" if value else "no"}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def validation_page(rows: Sequence[Mapping[str, Any]], figures: Sequence[go.Figure], *,
                    title: str, notes: Sequence[str] = ()) -> str:
    """A self-contained HTML page: the summary table, then one figure per pattern.

    plotly.js is embedded once (in the first figure), so the page works offline.

    Args:
        rows: one mapping per pattern with the keys of :data:`SUMMARY_COLUMNS`.
        figures: one figure per row, same order.
        title: page title.
        notes: short paragraphs shown under the title (command, seeds, size, versions).
    """
    divs = []
    for i, fig in enumerate(figures):
        divs.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0),
                                div_id=f"pattern-{i + 1}", config={"displaylogo": False}))
    all_hold = all(bool(r["holds"]) for r in rows)
    verdict = ("Every pattern holds." if all_hold else
               "Not every pattern holds: see the rows marked 'no'.")
    note_html = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 1200px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f2f2f2; }}
td.ok {{ color: #1a7f37; font-weight: bold; }}
td.bad {{ color: #b42318; font-weight: bold; }}
.note {{ color: #555; font-size: 13px; margin: 0.2em 0; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p><strong>{verdict}</strong></p>
{note_html}
{_table(rows)}
<h2>One plot per pattern</h2>
<div class="grid">{''.join(f'<div>{d}</div>' for d in divs)}</div>
</body></html>
"""
