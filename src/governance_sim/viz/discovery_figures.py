"""Figures of scenario discovery (PRIM): the coverage-density trade-off and a box's limits.

* :func:`tradeoff_figure`: every box of the peeling trajectory as a point (coverage on x,
  density on y, colour = number of restricted dimensions); hovering shows the box index,
  coverage, density, mass and the restricted dimensions; the chosen box is ringed.
* :func:`box_limits_figure`: one row per restricted dimension, its full range as a grey bar
  and the box's range over it, both scaled to the full range (0-1), labelled with the real
  limits and the quasi-p-value.
* :func:`discovery_page`: both figures and the summary on one offline HTML page (Plotly's
  JavaScript embedded once, nothing fetched from the network).

A leaf module: DataFrames in (as written by :mod:`governance_sim.discovery`), figures and
HTML text out; it never runs the model, never reads or writes files.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

__all__ = ["box_limits_figure", "discovery_page", "tradeoff_figure"]

_TRAJECTORY_COLUMNS = ("box", "phase", "coverage", "density", "mass", "res_dim", "restricted")
_BOX_COLUMNS = ("dimension", "kind", "lower", "upper", "full_lower", "full_upper", "quasi_p")


def _check(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {', '.join(missing)}; columns: "
                         f"{', '.join(map(str, frame.columns))}")


def tradeoff_figure(trajectory: pd.DataFrame, chosen: int | None = None,
                    title: str = "Coverage-density trade-off") -> go.Figure:
    """The peeling trajectory as a coverage-density scatter.

    Args:
        trajectory: one row per box with columns ``box, phase, coverage, density, mass,
            res_dim, restricted`` (``PrimResult.trajectory()``).
        chosen: the box to ring (its ``box`` value), if any.
        title: the figure's title.
    """
    _check(trajectory, _TRAJECTORY_COLUMNS, "the trajectory")
    top = max(int(trajectory["res_dim"].max()), 1)
    restricted = trajectory["restricted"].fillna("").astype(str).replace("", "(none)")
    custom = list(zip(trajectory["box"], trajectory["res_dim"], trajectory["mass"],
                      trajectory["phase"], restricted, strict=True))
    figure = go.Figure()
    figure.add_scatter(
        x=trajectory["coverage"], y=trajectory["density"], mode="markers+lines",
        name="boxes", line={"color": "rgba(120,120,120,0.4)", "width": 1},
        marker={"size": 9, "color": trajectory["res_dim"], "colorscale": "Viridis",
                "cmin": 0, "cmax": top,
                "colorbar": {"title": "restricted<br>dimensions", "dtick": 1}},
        customdata=custom,
        hovertemplate=("box %{customdata[0]} (%{customdata[3]})<br>coverage %{x:.3f}<br>"
                       "density %{y:.3f}<br>mass %{customdata[2]:.3f}<br>"
                       "restricted dimensions: %{customdata[1]}<br>%{customdata[4]}"
                       "<extra></extra>"),
    )
    if chosen is not None:
        row = trajectory[trajectory["box"] == chosen]
        if len(row):
            figure.add_scatter(
                x=row["coverage"], y=row["density"], mode="markers+text",
                name=f"chosen box {chosen}", text=[f"box {chosen}"],
                textposition="top right", hoverinfo="skip",
                marker={"size": 18, "symbol": "circle-open", "color": "crimson",
                        "line": {"width": 3}})
    figure.update_layout(
        title=title, template="plotly_white", xaxis_title="coverage (share of the runs of "
        "interest inside the box)", yaxis_title="density (share of the box's runs that are "
        "of interest)", xaxis={"range": [0, 1.02]}, yaxis={"range": [0, 1.02]},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def box_limits_figure(table: pd.DataFrame, title: str = "Box limits") -> go.Figure:
    """The limits of one box, each restricted dimension scaled to its full range.

    Args:
        table: one row per restricted dimension with columns ``dimension, kind, lower,
            upper, full_lower, full_upper, quasi_p`` (``discovery.box_table``); for a
            categorical dimension ``lower`` holds the kept values and ``full_lower`` all
            values (space separated).
        title: the figure's title.
    """
    _check(table, _BOX_COLUMNS, "the box table")
    names, starts, widths, texts, hovers = [], [], [], [], []
    for row in table.itertuples():
        names.append(str(row.dimension))
        if row.kind == "categorical":
            kept = str(row.lower).split()
            every = str(row.full_lower).split()
            share = len(kept) / max(len(every), 1)
            starts.append(0.0)
            widths.append(share)
            label = f"{' '.join(kept)} (of {len(every)})"
        else:
            low, high = float(row.full_lower), float(row.full_upper)
            span = (high - low) or 1.0
            start = (float(row.lower) - low) / span
            starts.append(start)
            widths.append((float(row.upper) - low) / span - start)
            label = f"{_num(row.lower)} to {_num(row.upper)}"
        texts.append(f"{label}, qp {row.quasi_p:.2g}")
        hovers.append(f"{row.dimension}: {label}<br>full range {_num(row.full_lower)} to "
                      f"{_num(row.full_upper)}<br>quasi-p {row.quasi_p:.3g}")
    figure = go.Figure()
    figure.add_bar(y=names, x=[1.0] * len(names), base=[0.0] * len(names), orientation="h",
                   name="full range", marker={"color": "rgba(180,180,180,0.45)"},
                   hoverinfo="skip")
    figure.add_bar(y=names, x=widths, base=starts, orientation="h", name="box",
                   marker={"color": "rgba(31,119,180,0.85)"}, text=texts,
                   textposition="outside", hovertext=hovers, hoverinfo="text")
    figure.update_layout(
        title=title, template="plotly_white", barmode="overlay",
        xaxis={"title": "position in the sweep's range (0 = low end, 1 = high end)",
               "range": [-0.02, 1.6]},
        yaxis={"autorange": "reversed"}, height=max(300, 70 * len(names) + 160),
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def discovery_page(title: str, summary: str, figures: Sequence[go.Figure],
                   table_markdown: str = "", notes: Sequence[str] = ()) -> str:
    """One offline HTML page: title, summary, figures, the box table and notes.

    Args:
        title: page title.
        summary: plain-language summary (lines kept as lines).
        figures: the figures, in order.
        table_markdown: the box table as Markdown (shown as preformatted text).
        notes: further paragraphs (method, how to reproduce).

    Returns:
        The page as HTML text, with Plotly's JavaScript embedded once.
    """
    from plotly.offline import get_plotlyjs

    divs = [figure.to_html(full_html=False, include_plotlyjs=False,
                           div_id=f"figure-{i}", config={"displaylogo": False})
            for i, figure in enumerate(figures)]
    parts: list[Any] = [
        "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;"
        "padding:0 1em;color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
        "</style>",
        f"<script>{get_plotlyjs()}</script>", "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<p class=\"summary\">" + "<br>".join(html.escape(line) for line in
                                              summary.splitlines()) + "</p>",
        *divs,
    ]
    if table_markdown:
        parts.append(f"<h2>Box limits</h2><pre>{html.escape(table_markdown)}</pre>")
    parts.extend(f"<p>{html.escape(note)}</p>" for note in notes)
    parts.append("</body></html>")
    return "\n".join(parts)


def _num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(value) if math.isnan(number) else f"{number:.4g}"
