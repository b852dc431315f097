"""Figures of the classroom, sized for a projector (1024 x 768) and in the page's language.

Builders only (arrays or DataFrames in, :class:`plotly.graph_objects.Figure` out): the
sampled citizens on their network, one panel per column, and the curves under it. Every
text they draw is looked up in the ``classroom`` message catalogue (see
:mod:`governance_sim.i18n`); titles are short enough for a third of a 1024-pixel screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from governance_sim.i18n import format_number, mark, plotly_separators, translator
from governance_sim.viz.figures import scenario_colours

__all__ = ["TRUST_SCALE", "QUINTILE_SCALE", "PROJECTOR_FONT", "METRIC_TITLES",
           "network_figure", "network_markers", "network_titles", "classroom_curves",
           "curve_traces"]

I18N_DOMAIN = "classroom"

#: Dark purple (low trust) to yellow (high trust): perceptually uniform, readable with the
#: common colour-vision deficiencies, and no pale middle that vanishes on a projector.
TRUST_SCALE = "Viridis"
#: Dark (few resources) to light (many resources).
QUINTILE_SCALE = "Cividis"
#: Base font size of the classroom's figures (pixels).
PROJECTOR_FONT = 18

#: Panel titles of the curves: short (a third of a projector's width) and in plain words.
METRIC_TITLES: dict[str, str] = {
    "trust_mean": mark("Trust"),
    "participation_rate": mark("Taking part"),
    "participation_q1": mark("Taking part, poorest fifth"),
    "participation_gap": mark("Participation gap"),
    "public_value_index": mark("Public value"),
    "motivation_mean": mark("Staff motivation"),
    "cost": mark("Spending per citizen"),
    "relational_quality": mark("Relational quality"),
    "outcome_bottom_quintile": mark("Value to poorest fifth"),
    "coproduction": mark("Co-production"),
    "service_value": mark("Value received"),
    "measured_output": mark("Measured output"),
    "burnout_mean": mark("Reform burnout"),
    "voice_trust_gap": mark("Trust gap: panel vs rest"),
}
#: What the y axis counts, under each panel title.
METRIC_UNITS: dict[str, str] = {
    "trust_mean": mark("mean, 0-1"),
    "participation_rate": mark("share this month"),
    "participation_q1": mark("share this month"),
    "participation_gap": mark("top minus bottom fifth"),
    "public_value_index": mark("index 0-1"),
    "motivation_mean": mark("mean, 0-1"),
    "cost": mark("budget units a month"),
    "relational_quality": mark("index"),
    "outcome_bottom_quintile": mark("index 0-1"),
    "coproduction": mark("per citizen a month"),
    "service_value": mark("index 0-1"),
    "measured_output": mark("index"),
    "burnout_mean": mark("mean, 0-1"),
    "voice_trust_gap": mark("difference, 0-1"),
}
_PERCENT = {"participation_rate", "participation_q1", "participation_gap"}


def network_titles(labels: Sequence[str], participating: Sequence[np.ndarray],
                   rates: Sequence[float] | None = None, *, lang: str = "en") -> list[str]:
    """Panel titles of :func:`network_figure`: the column, then who takes part, in words.

    Args:
        labels: the columns' titles (already in ``lang``).
        participating: per column, bool[k]: which sampled citizens take part.
        rates: per column, the share of *all* citizens taking part.
        lang: language of the page.
    """
    _ = translator(lang, I18N_DOMAIN)
    titles = []
    for i, label in enumerate(labels):
        part = np.asarray(participating[i], dtype=bool)
        line = _("{taking} of these {shown} take part").format(
            taking=int(np.count_nonzero(part)), shown=part.size)
        if rates is not None:
            line += "<br>" + _("{share} of all citizens").format(share=_percent(rates[i], lang))
        titles.append(f"<b>{label}</b><br><span style='font-size:15px'>{line}</span>")
    return titles


def _percent(share: float, lang: str = "en") -> str:
    return format_number(100 * share, lang, decimals=0) + " %"


def _number(value: float, lang: str) -> str:
    """A number as written in ``lang`` (:func:`governance_sim.i18n.format_number`)."""
    return format_number(value, lang)


def network_markers(value: np.ndarray, participating: np.ndarray, *, colour_by: str = "trust",
                    show_scale: bool = False, lang: str = "en") -> dict:
    """The ``marker`` of one panel of :func:`network_figure` (also used to update it).

    Args:
        value: float64[k] trust 0-1, or resource quintile 1-5 when ``colour_by`` is
            ``"quintile"``.
        participating: bool[k]: drawn larger with a dark ring.
        colour_by: ``"trust"`` or ``"quintile"``.
        show_scale: draw the colour bar (on the last panel).
        lang: language of the colour bar's title.
    """
    _ = translator(lang, I18N_DOMAIN)
    trust = colour_by == "trust"
    part = np.asarray(participating, dtype=bool)
    return {"color": np.asarray(value, dtype=np.float64),
            "colorscale": TRUST_SCALE if trust else QUINTILE_SCALE,
            "cmin": 0.0 if trust else 1.0, "cmax": 1.0 if trust else 5.0,
            "size": np.where(part, 14, 7).astype(np.int8),
            "line": {"color": np.where(part, "#111111", "rgba(0,0,0,0)").tolist(),
                     "width": np.where(part, 2.5, 0.0)},
            "showscale": show_scale,
            "colorbar": {"title": {"text": _("trust") if trust else _("resources<br>(fifth)"),
                                   "font": {"size": 15}},
                         "thickness": 14, "len": 0.85, "tickfont": {"size": 14}}}


def network_figure(labels: Sequence[str], x: np.ndarray, y: np.ndarray, edges: np.ndarray,
                   values: Sequence[np.ndarray], participating: Sequence[np.ndarray], *,
                   step: int, colour_by: str = "trust",
                   rates: Sequence[float] | None = None, height: int = 270,
                   lang: str = "en") -> go.Figure:
    """Sampled citizens on their network, one panel per column, same positions in each.

    Trace ``2 * i`` of the figure holds panel ``i``'s ties, trace ``2 * i + 1`` its citizens
    (see :func:`network_markers`); the first ``len(labels)`` annotations are the panel
    titles (see :func:`network_titles`).

    Args:
        labels: column titles (in ``lang``).
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
        lang: language of the page.
    """
    _ = translator(lang, I18N_DOMAIN)
    count = len(labels)
    fig = make_subplots(rows=1, cols=count, horizontal_spacing=0.02,
                        subplot_titles=network_titles(labels, participating, rates,
                                                      lang=lang))
    ex = np.full(edges.shape[0] * 3, np.nan, dtype=np.float32)
    ey = np.full(edges.shape[0] * 3, np.nan, dtype=np.float32)
    ex[0::3], ex[1::3] = x[edges[:, 0]], x[edges[:, 1]]
    ey[0::3], ey[1::3] = y[edges[:, 0]], y[edges[:, 1]]
    trust = colour_by == "trust"
    hover = (_("trust %{marker.color:.2f}") if trust
             else _("resources: fifth %{marker.color:.0f} of 5"))
    for col in range(1, count + 1):
        fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", hoverinfo="skip",
                                 line={"color": "rgba(120,120,120,0.25)", "width": 1},
                                 showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=x.astype(np.float32), y=y.astype(np.float32), mode="markers", showlegend=False,
            marker=network_markers(values[col - 1], participating[col - 1],
                                   colour_by=colour_by, show_scale=col == count, lang=lang),
            hovertemplate=hover + "<br>" + _("ringed: taking part") + "<extra></extra>",
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
        margin={"t": 78, "b": 4, "l": 4, "r": 4},
        uirevision="network",
        meta={"step": step}, separators=plotly_separators(lang),
    )
    return fig


def classroom_curves(frame: pd.DataFrame, metrics: Sequence[str], *, horizon: int,
                     labels: Mapping[str, str] | None = None,
                     y_ranges: Mapping[str, tuple[float, float]] | None = None,
                     events: Mapping[str, Sequence[tuple[int, str]]] | None = None,
                     height: int = 300, lang: str = "en") -> go.Figure:
    """The classroom's curves: one panel per metric, one line per column.

    Trace ``i * len(columns) + j`` is metric ``i`` of column ``j`` (:func:`curve_traces`
    maps them back); each line's ``legendgroup`` is the column's title.

    Args:
        frame: long frame with ``scenario`` (the column's label), ``step`` and the metrics;
            one replicate.
        metrics: one panel each (titles from :data:`METRIC_TITLES`).
        horizon: last month on the x axes (fixed, so curves grow from left to right).
        labels: column label -> title shown (default: the label).
        y_ranges: y range per metric (default 0-1; spending and shares of citizens scale
            to their data from 0 unless given here).
        events: month and text of events per column label, drawn as dotted lines.
        height: figure height in pixels.
        lang: language of the page.
    """
    _ = translator(lang, I18N_DOMAIN)
    labels = dict(labels or {})
    names = list(dict.fromkeys(frame["scenario"]))
    colours = scenario_colours(names)
    ranges = dict(y_ranges or {})
    titles = []
    for metric in metrics:
        unit = _(METRIC_UNITS.get(metric, ""))
        low = ranges.get(metric, (0.0, 1.0))[0]
        if low > 0:  # say so where the axis does not start at 0
            unit = _("{unit} · axis from {low}").format(unit=unit, low=_number(low, lang))
        titles.append(f"{_(METRIC_TITLES.get(metric, metric))}<br>"
                      f"<span style='font-size:14px'>{unit}</span>")
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=titles,
                        horizontal_spacing=0.085)
    for i, metric in enumerate(metrics, start=1):
        for name in names:
            part = frame[frame["scenario"] == name]
            title = labels.get(name, name)
            fig.add_trace(go.Scatter(
                x=part["step"].to_numpy(), y=part[metric].to_numpy(), mode="lines",
                line={"color": colours[name], "width": 3}, name=title, legendgroup=title,
                showlegend=i == 1,
                hovertemplate=f"{title}<br>" + _("month") + " %{x}: %{y:.3f}<extra></extra>",
            ), row=1, col=i)
        if metric in ranges:
            fig.update_yaxes(range=list(ranges[metric]), row=1, col=i)
        elif metric == "cost" or metric in _PERCENT:  # small shares: 0-100 % would flatten
            fig.update_yaxes(rangemode="tozero", row=1, col=i)
        else:
            fig.update_yaxes(range=[0, 1], row=1, col=i)
        if metric in _PERCENT:
            fig.update_yaxes(tickformat=".0%", row=1, col=i)
        fig.update_xaxes(range=[0, horizon], title_text=_("month"), row=1, col=i)
    for scenario, marks in (events or {}).items():
        for step, _text in marks:
            for i in range(1, len(metrics) + 1):
                fig.add_vline(x=step, line={"color": colours.get(scenario, "#555555"),
                                            "width": 2, "dash": "dot"}, row=1, col=i)
    for annotation in fig.layout.annotations:
        annotation.font = {"size": PROJECTOR_FONT}
    fig.update_layout(
        template="plotly_white", height=height, font={"size": PROJECTOR_FONT - 3},
        margin={"t": 58, "b": 92, "l": 44, "r": 12},
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "xanchor": "center",
                "x": 0.5, "font": {"size": PROJECTOR_FONT}},
        uirevision="curves", separators=plotly_separators(lang),
    )
    return fig


def curve_traces(fig: go.Figure, metrics: Sequence[str],
                 labels: Mapping[str, str] | None = None) -> dict[int, tuple[str, str]]:
    """Trace index -> (column label, metric) for the lines of :func:`classroom_curves`.

    Args:
        fig: the figure.
        metrics: its metrics, in panel order.
        labels: column label -> title shown, as given to :func:`classroom_curves`.
    """
    back = {title: label for label, title in (labels or {}).items()}
    out = {}
    for index, trace in enumerate(fig.data):
        axis = trace.xaxis or "x"
        panel = int(axis[1:] or 1) - 1
        if trace.mode == "lines" and 0 <= panel < len(metrics):
            group = str(trace.legendgroup)
            out[index] = (back.get(group, group), metrics[panel])
    return out
