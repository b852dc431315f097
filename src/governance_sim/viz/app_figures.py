"""Figures of the interactive app that the report does not have.

Builders only (arrays or DataFrames in, :class:`plotly.graph_objects.Figure` out) for the
policy view: the baseline drawn in grey, short panel titles, honest y axes and a ternary
picker for the logic mix. The report's builders in :mod:`governance_sim.viz.figures` are
reused wherever they fit; the classroom's figures are in
:mod:`governance_sim.viz.classroom_figures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

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


#: The note on a y axis that does not start at 0.
NOT_ZERO_NOTE = "axis does not start at 0"


def _y_axis_names(fig: go.Figure) -> list[str]:
    """Layout names of the figure's y axes (``yaxis``, ``yaxis2``, ...)."""
    return sorted({name for name in fig.layout if name.startswith("yaxis")} | {"yaxis"},
                  key=lambda name: int(name[5:] or 1))


def _y_values(fig: go.Figure, axis: str) -> np.ndarray:
    """float64[k]: every finite y value drawn on ``axis`` (including bands and error bars)."""
    ref = "y" + axis[5:]
    values = []
    for trace in fig.data:
        if getattr(trace, "yaxis", None) not in (ref, None if ref == "y" else ref):
            continue
        y = getattr(trace, "y", None)
        if y is None:
            continue
        y = np.asarray(y, dtype=np.float64)
        values.append(y)
        error = getattr(trace, "error_y", None)
        if error is not None and error.array is not None:
            values.append(y + np.asarray(error.array, dtype=np.float64))
            minus = error.arrayminus if error.arrayminus is not None else error.array
            values.append(y - np.asarray(minus, dtype=np.float64))
    if not values:
        return np.empty(0)
    out = np.concatenate(values)
    return out[np.isfinite(out)]


def honest_axes(fig: go.Figure, *, zoom: bool = False, note: str = NOT_ZERO_NOTE
                ) -> go.Figure:
    """Make every y axis start at 0, or mark the ones that do not (in place).

    Without ``zoom`` each y axis includes 0 (``rangemode="tozero"``; a fixed range is
    widened down to 0), so the distance between two curves is shown against their size.
    With ``zoom`` the axes fit the data, and each axis whose data stay away from 0 gets
    ``note`` written at its foot, in red, so a small gap is not read as a large one.

    Args:
        fig: a figure with cartesian y axes (other figures are returned unchanged).
        zoom: fit the axes to the data instead.
        note: the text marking an axis that does not start at 0.

    Returns:
        The same figure; ``layout.meta["zero_based"]`` lists, per y axis, whether it
        starts at (or includes) 0.
    """
    zero_based = {}
    for axis in _y_axis_names(fig):
        layout_axis = fig.layout[axis]
        values = _y_values(fig, axis)
        if not zoom:
            fixed = layout_axis.range
            if fixed is not None and fixed[0] is not None and fixed[0] > 0:
                layout_axis.range = [0, fixed[1]]
            elif fixed is not None and fixed[1] is not None and fixed[1] < 0:
                layout_axis.range = [fixed[0], 0]
            layout_axis.rangemode = "tozero"
            zero_based[axis] = True
            continue
        layout_axis.rangemode = "normal"
        layout_axis.range = None
        layout_axis.autorange = True
        away = values.size > 0 and (values.min() > 0 or values.max() < 0)
        zero_based[axis] = not away
        if away:
            suffix = axis[5:]
            fig.add_annotation(
                text=note, showarrow=False, xref=f"x{suffix} domain", yref=f"y{suffix} domain",
                x=0, y=0, xanchor="left", yanchor="bottom",
                font={"size": 11, "color": "#b00020"}, bgcolor="rgba(255,255,255,0.8)",
                name="not-zero-note")
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    meta["zero_based"] = zero_based
    fig.update_layout(meta=meta)
    return fig
