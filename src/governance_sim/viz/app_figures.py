"""Figures of the interactive app that the report does not have.

Builders only (arrays or DataFrames in, :class:`plotly.graph_objects.Figure` out): the
citizens on their network side by side, the classroom's curves in projector sizes, the
baseline drawn in grey, and a ternary picker for the logic mix. The report's builders in
:mod:`governance_sim.viz.figures` are reused wherever they fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from governance_sim.viz.figures import EventMarks, metric_label, timeseries_figure

__all__ = ["TRUST_SCALE", "QUINTILE_SCALE", "network_figure", "network_markers",
           "network_titles", "classroom_curves",
           "grey_baseline", "ternary_figure", "PROJECTOR_FONT", "short_titles",
           "honest_axes", "NOT_ZERO_NOTE"]

#: Dark purple (low trust) to yellow (high trust): perceptually uniform, readable with the
#: common colour-vision deficiencies, and no pale middle that vanishes on a projector.
TRUST_SCALE = "Viridis"
#: Dark (few resources) to light (many resources).
QUINTILE_SCALE = "Cividis"
#: Base font size of classroom figures (readable on a projector at 1280 x 800).
PROJECTOR_FONT = 17
_BASELINE_GREY = "#7f7f7f"


def network_titles(labels: Sequence[str], participating: Sequence[np.ndarray],
                   rates: Sequence[float] | None = None) -> list[str]:
    """Panel titles of :func:`network_figure`: the label and how many take part."""
    titles = []
    for i, label in enumerate(labels):
        part = np.asarray(participating[i], dtype=bool)
        extra = f" (all {rates[i]:.0%})" if rates is not None else ""
        titles.append(f"<b>{label}</b><br><span style='font-size:14px'>taking part: "
                      f"{int(np.count_nonzero(part))}/{part.size}{extra}</span>")
    return titles


def network_markers(value: np.ndarray, participating: np.ndarray, *, colour_by: str = "trust",
                    show_scale: bool = False) -> dict:
    """The ``marker`` of one panel of :func:`network_figure` (also used to update it).

    Args:
        value: float64[k] trust 0-1, or resource quintile 1-5 when ``colour_by`` is
            ``"quintile"``.
        participating: bool[k]: drawn larger with a dark ring.
        colour_by: ``"trust"`` or ``"quintile"``.
        show_scale: draw the colour bar (on the last panel).
    """
    trust = colour_by == "trust"
    part = np.asarray(participating, dtype=bool)
    return {"color": np.asarray(value, dtype=np.float64),
            "colorscale": TRUST_SCALE if trust else QUINTILE_SCALE,
            "cmin": 0.0 if trust else 1.0, "cmax": 1.0 if trust else 5.0,
            "size": np.where(part, 15, 8).astype(np.int8),
            "line": {"color": np.where(part, "#111111", "rgba(0,0,0,0)").tolist(),
                     "width": np.where(part, 2.5, 0.0)},
            "showscale": show_scale,
            "colorbar": {"title": {"text": "trust" if trust else "resource<br>quintile"},
                         "thickness": 14, "len": 0.8}}


def network_figure(labels: Sequence[str], x: np.ndarray, y: np.ndarray, edges: np.ndarray,
                   values: Sequence[np.ndarray], participating: Sequence[np.ndarray], *,
                   step: int, colour_by: str = "trust",
                   rates: Sequence[float] | None = None, height: int = 390) -> go.Figure:
    """Sampled citizens on their network, one panel per column, same positions in each.

    Trace ``2 * i`` of the figure holds panel ``i``'s ties, trace ``2 * i + 1`` its citizens
    (see :func:`network_markers`); the first ``len(labels)`` annotations are the panel
    titles (see :func:`network_titles`).

    Args:
        labels: column titles.
        x: float64[k] positions.
        y: float64[k] positions.
        edges: int64[m, 2] ties between sampled citizens (positions into x, y).
        values: per column, float64[k] colour values: trust 0-1, or quintile 1-5 when
            ``colour_by == "quintile"``.
        participating: per column, bool[k]: drawn larger with a dark ring.
        step: the month shown (``layout.meta.step``).
        colour_by: ``"trust"`` or ``"quintile"``.
        rates: per column, the whole population's participation rate (in the subtitles).
        height: figure height in pixels.
    """
    count = len(labels)
    fig = make_subplots(rows=1, cols=count, horizontal_spacing=0.02,
                        subplot_titles=network_titles(labels, participating, rates))
    ex = np.full(edges.shape[0] * 3, np.nan, dtype=np.float32)
    ey = np.full(edges.shape[0] * 3, np.nan, dtype=np.float32)
    ex[0::3], ex[1::3] = x[edges[:, 0]], x[edges[:, 1]]
    ey[0::3], ey[1::3] = y[edges[:, 0]], y[edges[:, 1]]
    trust = colour_by == "trust"
    for col in range(1, count + 1):
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", hoverinfo="skip",
                                 line={"color": "rgba(120,120,120,0.25)", "width": 1},
                                 showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=x.astype(np.float32), y=y.astype(np.float32), mode="markers", showlegend=False,
            marker=network_markers(values[col - 1], participating[col - 1],
                                   colour_by=colour_by, show_scale=col == count),
            hovertemplate=("trust %{marker.color:.2f}" if trust else
                           "resource quintile %{marker.color:.0f}")
                          + "<br>ringed: taking part<extra></extra>",
        ), row=1, col=col)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    for col in range(1, count + 1):  # a light panel so that every colour stands out
        fig.add_shape(type="rect", xref="x domain" if col == 1 else f"x{col} domain",
                      yref="y domain" if col == 1 else f"y{col} domain", x0=0, x1=1, y0=0,
                      y1=1, fillcolor="#eef0f3", line={"width": 0}, layer="below")
    for annotation in fig.layout.annotations:
        annotation.font = {"size": PROJECTOR_FONT}
    fig.update_layout(
        template="plotly_white", height=height, font={"size": PROJECTOR_FONT},
        margin={"t": 62, "b": 5, "l": 5, "r": 5},
        uirevision="network",
        meta={"step": step},
    )
    return fig


def classroom_curves(frame: pd.DataFrame, metrics: Sequence[str], *, horizon: int,
                     y_ranges: Mapping[str, tuple[float, float]] | None = None,
                     events: EventMarks | None = None, height: int = 270) -> go.Figure:
    """The classroom's curves: :func:`timeseries_figure` with projector fonts, fixed axes.

    Args:
        frame: long frame, one replicate per column label.
        metrics: one panel each.
        horizon: last month on the x axes (fixed, so curves grow from left to right).
        y_ranges: y range per metric (default 0-1; metrics not in 0-1 such as ``cost``
            scale to their data unless given here).
        events: event steps per column, drawn as dotted lines.
        height: figure height in pixels.
    """
    fig = timeseries_figure(frame, metrics, columns=len(metrics), height=height, events=events)
    fig.update_xaxes(range=[0, horizon])
    ranges = dict(y_ranges or {})
    for i, metric in enumerate(metrics, start=1):
        if metric in ranges:
            fig.update_yaxes(range=list(ranges[metric]), row=1, col=i)
        elif metric != "cost":
            fig.update_yaxes(range=[0, 1], row=1, col=i)
    for annotation in fig.layout.annotations:
        if annotation.xref == "paper":  # panel titles, not event labels
            annotation.font = {"size": PROJECTOR_FONT}
    short_titles(fig)
    fig.update_layout(font={"size": PROJECTOR_FONT - 2}, title=None,
                      margin={"t": 75, "b": 45, "l": 45, "r": 15},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.2,
                              "xanchor": "right", "x": 1, "font": {"size": PROJECTOR_FONT}},
                      uirevision="curves")
    return fig


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
