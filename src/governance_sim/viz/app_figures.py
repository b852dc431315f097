"""Figures of the interactive app that the report does not have.

Builders only (arrays or DataFrames in, :class:`plotly.graph_objects.Figure` out) for the
policy view: the baseline drawn in grey, short panel titles, honest y axes and a ternary
picker for the logic mix (:func:`honest_axes`, shared with the report, lives in
:mod:`governance_sim.viz.axes`). The report's builders in :mod:`governance_sim.viz.figures` are
reused wherever they fit; the classroom's figures are in
:mod:`governance_sim.viz.classroom_figures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from governance_sim.viz.axes import NOT_ZERO_NOTE, honest_axes
from governance_sim.viz.figures import metric_label

__all__ = ["grey_baseline", "ternary_figure", "short_titles", "honest_axes", "NOT_ZERO_NOTE"]

_BASELINE_GREY = "#7f7f7f"


#: Shorter panel titles where the metric's label is too long for a narrow panel.
SHORT_TITLES = {"Public value index (weighted mean of pv_*)": "Public value index",
                "Spending per citizen (service + facilitation + control)":
                    "Spending per citizen"}


def short_titles(fig: go.Figure, width: int = 34) -> go.Figure:
    """Fit panel titles to narrow panels (in place).

    Known long labels are replaced by short ones; any other title longer than ``width``
    characters is broken into two lines after its first ``": "`` or ``", "``.
    """
    for annotation in fig.layout.annotations:
        text = annotation.text
        if not text or annotation.showarrow is not False or annotation.xref != "paper":
            continue
        text = SHORT_TITLES.get(text, text)
        if text.startswith("Public value: "):  # the figure's title says it already
            text = text.removeprefix("Public value: ")
            text = text[:1].upper() + text[1:]
        if len(text) > width and "<br>" not in text:
            for separator in (": ", ", "):
                head, found, tail = text.partition(separator)
                if found:
                    text = f"{head}{separator.strip()}<br>{tail}"
                    break
        annotation.text = text
    return fig


def grey_baseline(fig: go.Figure, baseline: str, *, dash: str | None = "dash") -> go.Figure:
    """Draw the traces of the scenario ``baseline`` in grey, in place.

    Works on figures of :mod:`governance_sim.viz.figures`, whose traces carry the scenario
    name as ``legendgroup`` or ``name``. Solid lines become ``dash`` (None: line styles are
    kept, e.g. where solid and dashed already mean top and bottom quintile). Returns the
    same figure.
    """
    for trace in fig.data:
        if baseline not in (getattr(trace, "legendgroup", None), getattr(trace, "name", None)):
            continue
        if isinstance(trace, go.Scatter):
            if trace.fill == "tonexty":
                trace.fillcolor = "rgba(127,127,127,0.18)"
            if trace.line is not None and trace.line.width != 0:
                trace.line.color = _BASELINE_GREY
                if dash is not None and trace.line.dash in (None, "solid"):
                    trace.line.dash = dash
            if trace.mode and "markers" in trace.mode:
                trace.marker.color = _BASELINE_GREY
        elif isinstance(trace, go.Bar):
            trace.marker.color = _BASELINE_GREY
    return fig


def ternary_figure(percents: Sequence[int], *, names: Sequence[str] = ("bureaucracy", "npm",
                                                                       "co_creation"),
                   grid: int = 10) -> go.Figure:
    """A ternary picker of the logic mix: a grid of clickable mixes and the current one.

    Args:
        percents: current weights in percent (bureaucracy, npm, co_creation).
        names: corner labels.
        grid: grid points every ``100 / grid`` percent.
    """
    a, b, c = [], [], []
    for i in range(grid + 1):
        for j in range(grid + 1 - i):
            a.append(100 * i // grid)
            b.append(100 * j // grid)
            c.append(100 - 100 * i // grid - 100 * j // grid)
    fig = go.Figure()
    fig.add_trace(go.Scatterternary(
        a=a, b=b, c=c, mode="markers", name="mixes",
        marker={"size": 9, "color": "rgba(80,80,80,0.25)"}, cliponaxis=False,
        customdata=np.stack([a, b, c], axis=1),
        hovertemplate=(f"{names[0]} %{{a}}%<br>{names[1]} %{{b}}%<br>{names[2]} %{{c}}%"
                       "<extra>click to choose</extra>"),
    ))
    fig.add_trace(go.Scatterternary(
        a=[percents[0]], b=[percents[1]], c=[percents[2]], mode="markers", name="now",
        marker={"size": 18, "color": "#C44E52", "line": {"color": "white", "width": 2}},
        customdata=[list(percents)], hoverinfo="skip", cliponaxis=False,
    ))
    fig.update_layout(
        ternary={"sum": 100, "aaxis": {"title": {"text": metric_label(names[0])},
                                       "ticks": "", "showticklabels": False},
                 "baxis": {"title": {"text": names[1]}, "ticks": "", "showticklabels": False},
                 "caxis": {"title": {"text": names[2]}, "ticks": "", "showticklabels": False}},
        showlegend=False, height=230, margin={"t": 30, "b": 25, "l": 45, "r": 45},
        template="plotly_white", uirevision="ternary",
    )
    return fig
