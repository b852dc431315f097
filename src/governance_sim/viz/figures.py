"""Plotly figure builders: DataFrames in, :class:`plotly.graph_objects.Figure` out.

Every builder takes a *long* time-series frame, one row per scenario, replicate and step,
as written by ``governance-sim run`` / ``compare`` (columns ``scenario``, ``replicate``,
``seed``, ``step`` and the metrics of :data:`governance_sim.metrics.METRICS`). A frame with
a single scenario or a single replicate works too: missing ``scenario`` / ``replicate``
columns are filled in.

Across replicates each metric is drawn as its median line and a quantile band (by default
the 10 %-90 % quantiles); scenarios are overlaid in fixed colours so that the logics sit side
by side. Builders never show or write anything: the report (:mod:`governance_sim.viz.report`)
and the interactive app call them and decide what to do with the figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from governance_sim.i18n import format_number, mark, plotly_separators, translator
from governance_sim.metrics import METRICS, PV_COMPONENTS
from governance_sim.viz.axes import honest_axes

__all__ = [
    "KEY_METRICS",
    "MORE_METRICS",
    "DEFAULT_QUANTILES",
    "EventMarks",
    "ReportFigure",
    "I18N_DOMAIN",
    "metric_label",
    "axis_title",
    "scenario_label",
    "event_key",
    "place_legend",
    "localise_numbers",
    "flat_metrics",
    "thin_bands",
    "tidy",
    "summarise",
    "summary_table",
    "scenario_colours",
    "timeseries_figure",
    "comparison_figure",
    "difference_figure",
    "paired_differences",
    "equity_figure",
    "public_value_figure",
    "public_value_profile_figure",
    "report_figures",
]

#: The three headline outcomes of the model.
KEY_METRICS: tuple[str, ...] = ("trust_mean", "participation_rate", "public_value_index")

#: Further mechanisms worth a look in a report: motivation, social capital, money.
MORE_METRICS: tuple[str, ...] = (
    "motivation_mean", "social_capital", "contribution_mean", "reverted_share",
    "cost", "budget_factor",
)

#: Lower and upper quantile of the band drawn around the median.
DEFAULT_QUANTILES: tuple[float, float] = (0.1, 0.9)

#: Per scenario, the steps at which something happens and a short label.
EventMarks = Mapping[str, Sequence[tuple[int, str]]]

#: The message domain of the figures' and the report's texts (governance_sim.i18n).
I18N_DOMAIN = "report"

_LABELS = {metric.name: metric.label for metric in METRICS}
_UNITS = {metric.name: metric.unit for metric in METRICS}

#: Plain labels of the metrics a report shows (others keep their label in METRICS).
_PLAIN = {
    "trust_mean": mark("Trust in institutions"),
    "trust_q1": mark("Trust, bottom resource quintile"),
    "trust_q5": mark("Trust, top resource quintile"),
    "participation_rate": mark("Citizens taking part"),
    "participation_q1": mark("Taking part, bottom resource quintile"),
    "participation_q5": mark("Taking part, top resource quintile"),
    "participation_gap": mark("Taking part: top minus bottom quintile"),
    "public_value_index": mark("Public value index"),
    "motivation_mean": mark("Professionals' motivation"),
    "social_capital": mark("Social capital"),
    "contribution_mean": mark("Contribution of those taking part"),
    "reverted_share": mark("Unit leaders fallen back to control"),
    "cost": mark("Spending per citizen"),
    "budget_factor": mark("Budget relative to the start"),
    "service_value": mark("Value received"),
    "outcome_bottom_quintile": mark("Value received, bottom resource quintile"),
    "outcome_top_quintile": mark("Value received, top resource quintile"),
    "outcome_gap": mark("Value received: top minus bottom quintile"),
    "measured_output": mark("Measured output"),
    "relational_quality": mark("Relational quality"),
    "pv_outcomes": mark("Outcomes, weighted by need"),
    "pv_equity": mark("Equity (bottom / top quintile outcome)"),
    "pv_legitimacy": mark("Legitimacy (trust)"),
    "pv_social_capital": mark("Social capital (public value)"),
    "pv_cost_efficiency": mark("Cost-efficiency (outcomes per budget unit)"),
    "pv_future": mark("Future-generations stock"),
}

#: The y-axis unit of each metric a report shows, as METRICS and docs/odd.md define it.
_AXIS_UNITS = {
    "trust_mean": mark("mean trust, scale 0-1"),
    "trust_q1": mark("mean trust, scale 0-1"),
    "trust_q5": mark("mean trust, scale 0-1"),
    "trust_gap": mark("difference in mean trust, scale 0-1"),
    "participation_rate": mark("% of citizens, this month"),
    "participation_q1": mark("% of the quintile, this month"),
    "participation_q5": mark("% of the quintile, this month"),
    "participation_gap": mark("percentage points"),
    "public_value_index": mark("index 0-1"),
    "motivation_mean": mark("mean motivation, scale 0-1"),
    "social_capital": mark("index 0-1"),
    "contribution_mean": mark("share of what they could give, 0-1"),
    "reverted_share": mark("% of unit leaders"),
    "cost": mark("budget units per citizen per month"),
    "budget_factor": mark("ratio to the starting budget (1 = start)"),
    "service_value": mark("index 0-1"),
    "outcome_bottom_quintile": mark("index 0-1"),
    "outcome_top_quintile": mark("index 0-1"),
    "outcome_gap": mark("difference, index 0-1"),
    "measured_output": mark("index, model units"),
    "relational_quality": mark("index, model units"),
}
#: Units of other metrics, by the unit METRICS gives them.
_UNIT_WORDS = {"0-1": mark("scale 0-1"), "share": mark("share 0-1"), "ratio": mark("ratio"),
               "budget units": mark("budget units per citizen per month"),
               "-": mark("index, model units")}
#: Metrics that are shares of people, drawn in per cent.
_PERCENT = frozenset({"participation_rate", "participation_q1", "participation_q5",
                      "participation_gap", "invited_share", "accepted_share",
                      "reverted_share", "council_pressure"})


class ReportFigure(NamedTuple):
    """One figure of a report: heading, figure and a note to print under it."""

    heading: str
    figure: go.Figure
    note: str = ""


def _translate(lang: str) -> Callable[[str], str]:
    return translator(lang, I18N_DOMAIN)


def scenario_label(name: str, labels: Mapping[str, str] | None = None,
                   lang: str = "en") -> str:
    """The plain label of a scenario (from its file's ``label``), translated; else its name."""
    label = (labels or {}).get(name) or name
    return _translate(lang)(label)

#: Fixed colours for the three logics, so a logic has the same colour in every figure.
_LOGIC_COLOURS = {"bureaucracy": "#4C72B0", "npm": "#DD8452", "co_creation": "#55A868"}
_PALETTE = ("#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD",
            "#1B9E77", "#7570B3", "#E7298A", "#66A61E", "#E6AB02")
_X_TITLE = mark("month (one step = one month)")
_TEMPLATE = "plotly_white"
_TOP_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.1, "xanchor": "left", "x": 0}
#: Top margin of figures with a legend above the panels: title, legend, panel titles.
_TOP_MARGIN = 135


def place_legend(fig: go.Figure, *, gap: int | None = None) -> go.Figure:
    """Put the title at the top and the legend ``gap`` pixels above the panels (in place).

    The legend's position is a fraction of the plotting area, so it is recomputed from the
    figure's height and margins; call again after changing either. ``gap`` defaults to the
    figure's own (``layout.meta["legend_gap"]``, set where panel titles take two lines),
    else 30.
    """
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    gap = int(meta.get("legend_gap", 30)) if gap is None else gap
    height = int(fig.layout.height or 450)
    margin = fig.layout.margin
    area = max(50, height - int(margin.t or 100) - int(margin.b or 80))
    fig.update_layout(legend={**_TOP_LEGEND, "y": 1 + gap / area},
                      title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 22}})
    return fig


def localise_numbers(fig: go.Figure, lang: str) -> go.Figure:
    """Write the figure's numbers (ticks, hover) as ``lang`` does, in place.

    Sets ``layout.separators`` (:func:`governance_sim.i18n.plotly_separators`): bokmål gets
    a decimal comma and a space between thousands, as the page's text has them.
    """
    fig.update_layout(separators=plotly_separators(lang))
    return fig


def metric_label(name: str, lang: str = "en") -> str:
    """Plain label of a metric column (the column name itself if it is not a metric)."""
    plain = _PLAIN.get(name) or _LABELS.get(name)
    return _translate(lang)(plain) if plain else name


def axis_title(name: str, lang: str = "en") -> str:
    """The unit a metric's axis is labelled with (never empty: every axis has a unit)."""
    unit = _AXIS_UNITS.get(name) or _UNIT_WORDS.get(_UNITS.get(name, "-"), "index, model units")
    return _translate(lang)(unit)


def _hover_value(metric: str) -> str:
    """The hover format of one value of ``metric`` (per cent for shares of people)."""
    return "%{y:.2%}" if metric in _PERCENT else "%{y:.3f}"


def _format_axis(fig: go.Figure, metric: str, lang: str, *, row: int | None = None,
                 col: int | None = None, prefix: str = "") -> None:
    """Title a panel's y axis with the metric's unit (per cent ticks for shares of people)."""
    spec = {"title_text": prefix + axis_title(metric, lang), "title_font": {"size": 11}}
    if metric in _PERCENT:
        spec["tickformat"] = ".1~%"
    if row is None:
        fig.update_yaxes(**spec)
    else:
        fig.update_yaxes(row=row, col=col, **spec)


def flat_metrics(frame: pd.DataFrame, metrics: Sequence[str], *,
                 tolerance: float = 1e-9) -> dict[str, float]:
    """The metrics that do not vary at all in ``frame`` (any scenario, replicate, step).

    Returns:
        ``{metric: its constant value}`` for each flat metric, in the order given.
    """
    data = tidy(frame)
    out = {}
    for metric in metrics:
        values = data[metric].to_numpy(dtype=np.float64)
        if values.size and float(values.max() - values.min()) <= tolerance * max(
                1.0, float(np.abs(values).max())):
            out[metric] = float(values[0])
    return out


def thin_bands(frame: pd.DataFrame, metrics: Sequence[str], *,
               quantiles: tuple[float, float] = DEFAULT_QUANTILES,
               line_fraction: float = 0.01) -> dict[str, float]:
    """The metrics whose quantile band is thinner than the median line.

    A band is thinner than the line when its widest point (over scenarios and steps) is
    below ``line_fraction`` of the panel's range (the 2-pixel line on a panel about 200
    pixels tall). Frames with one replicate have no band and give ``{}``.

    Returns:
        ``{metric: widest band}`` (in the metric's unit) for each such metric.
    """
    data = tidy(frame)
    if int(data.groupby("scenario")["replicate"].nunique().max()) < 2:
        return {}
    out = {}
    for metric in metrics:
        summary = summarise(data, metric, quantiles=quantiles)
        width = float((summary["high"] - summary["low"]).max())
        span = float(summary["high"].max() - summary["low"].min())
        if span <= 0 or width < line_fraction * span:
            out[metric] = width
    return out


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` in long form with ``scenario``, ``replicate`` and ``step`` columns.

    Accepts the long frame of the command line or a single run's ``Results.timeseries``
    (indexed by ``step``); fills ``scenario="run"`` and ``replicate=0`` where missing.
    """
    data = frame
    if "step" not in data.columns:
        data = data.reset_index()
        if "step" not in data.columns:
            raise ValueError("the frame needs a 'step' column or index")
    data = data.copy() if ("scenario" not in data or "replicate" not in data) else data
    if "scenario" not in data.columns:
        data["scenario"] = "run"
    if "replicate" not in data.columns:
        data["replicate"] = 0
    return data


def _scenario_order(data: pd.DataFrame) -> list[str]:
    """Scenarios in order of first appearance (the order they were given)."""
    return list(dict.fromkeys(data["scenario"].astype(str)))


def summarise(frame: pd.DataFrame, metric: str, *,
              quantiles: tuple[float, float] = DEFAULT_QUANTILES) -> pd.DataFrame:
    """Median and quantile band of ``metric`` across replicates, per scenario and step.

    Returns:
        Columns ``scenario``, ``step``, ``median``, ``low``, ``high``, ``n`` (replicates),
        in scenario order of first appearance, then by step.
    """
    data = tidy(frame)
    if metric not in data.columns:
        raise KeyError(f"metric {metric!r} not in the frame")
    low_q, high_q = quantiles
    grouped = data.groupby(["scenario", "step"], sort=False)[metric]
    out = pd.DataFrame({
        "median": grouped.median(),
        "low": grouped.quantile(low_q),
        "high": grouped.quantile(high_q),
        "n": grouped.count(),
    }).reset_index()
    order = {name: i for i, name in enumerate(_scenario_order(data))}
    out["_order"] = out["scenario"].map(order)
    return out.sort_values(["_order", "step"]).drop(columns="_order").reset_index(drop=True)


def summary_table(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                  quantiles: tuple[float, float] = DEFAULT_QUANTILES) -> pd.DataFrame:
    """Each scenario's last step: median and quantiles of each metric across replicates.

    Returns:
        One row per scenario (index ``scenario``); columns ``step`` and, per metric,
        ``<metric>``, ``<metric>_low``, ``<metric>_high``.
    """
    data = tidy(frame)
    rows = []
    for name in _scenario_order(data):
        part = data[data["scenario"] == name]
        last = part[part["step"] == part["step"].max()]
        row: dict[str, float | str | int] = {"scenario": name, "step": int(last["step"].iloc[0])}
        for metric in metrics:
            values = last[metric]
            row[metric] = float(values.median())
            row[f"{metric}_low"] = float(values.quantile(quantiles[0]))
            row[f"{metric}_high"] = float(values.quantile(quantiles[1]))
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario")


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per scenario: the logics' fixed colours, others from a palette in order."""
    colours = {}
    free = iter(c for c in _PALETTE)
    for name in names:
        colours[name] = _LOGIC_COLOURS.get(name) or next(free, "#333333")
    return colours


def _rgba(hex_colour: str, alpha: float) -> str:
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def _add_band(fig: go.Figure, summary: pd.DataFrame, *, name: str, colour: str, row: int,
              col: int, show_legend: bool, dash: str = "solid", legend_name: str | None = None,
              band_alpha: float = 0.18, hover_label: str = "",
              value_format: str = "%{y:.3f}", lang: str = "en") -> None:
    """Add one scenario's quantile band and median line to a subplot.

    Traces keep the scenario's name as ``legendgroup`` (the app finds them by it); the
    legend shows ``legend_name`` (its plain label) where given.
    """
    steps = summary["step"].to_numpy()
    if (summary["n"] > 1).any():
        fig.add_trace(go.Scatter(
            x=steps, y=summary["high"].to_numpy(), mode="lines", line={"width": 0},
            hoverinfo="skip", showlegend=False, legendgroup=name, name=f"{name} high",
        ), row=row, col=col)
        fig.add_trace(go.Scatter(
            x=steps, y=summary["low"].to_numpy(), mode="lines", line={"width": 0},
            fill="tonexty", fillcolor=_rgba(colour, band_alpha), hoverinfo="skip",
            showlegend=False, legendgroup=name, name=f"{name} low",
        ), row=row, col=col)
    shown = legend_name or name
    fig.add_trace(go.Scatter(
        x=steps, y=summary["median"].to_numpy(), mode="lines",
        line={"color": colour, "width": 2, "dash": dash},
        name=shown, legendgroup=name, showlegend=show_legend,
        hovertemplate=f"{shown}{hover_label}<br>{_translate(lang)('month')} %{{x}}<br>"
                      f"{_translate(lang)('median')} {value_format}"
                      "<extra></extra>",
    ), row=row, col=col)


def _grid(count: int, columns: int | None) -> tuple[int, int]:
    cols = columns or min(3, count)
    rows = -(-count // cols)
    return rows, cols


def event_key(events: EventMarks | None) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """Number the months at which something happens, in time order.

    Returns:
        ``[(number, month, [(scenario, label), ...]), ...]``: one entry per month with an
        event in any scenario, numbered from 1; several events in one month share a number.
    """
    by_step: dict[int, list[tuple[str, str]]] = {}
    for scenario, marks in (events or {}).items():
        for step, label in marks:
            entry = (str(scenario), str(label))
            if entry not in by_step.setdefault(int(step), []):
                by_step[int(step)].append(entry)
    return [(number, step, by_step[step])
            for number, step in enumerate(sorted(by_step), start=1)]


def _add_event_marks(fig: go.Figure, events: EventMarks | None, colours: Mapping[str, str],
                     rows: int, cols: int, count: int,
                     labels: Mapping[str, str] | None = None, lang: str = "en") -> None:
    """A dotted line at each event month in every panel, a numbered marker atop the top row.

    The numbers refer to the events' key (:func:`event_key`), printed under the figure; the
    marker's hover text says what happens. Shapes and markers are added in one layout update
    (one per panel and event would be slow to build and to draw).
    """
    shapes, markers = [], []
    for number, step, entries in event_key(events):
        colour = colours.get(entries[0][0], "#555555")
        hover = "<br>".join(f"{scenario_label(s, labels, lang)}: {label}"
                            for s, label in entries)
        when = _translate(lang)("{number}: month {month}").format(number=number, month=step)
        for index in range(count):
            suffix = "" if index == 0 else str(index + 1)  # subplots are numbered row-major
            shapes.append({"type": "line", "x0": step, "x1": step, "xref": f"x{suffix}",
                           "y0": 0, "y1": 1, "yref": f"y{suffix} domain",
                           "line": {"color": colour, "width": 1, "dash": "dot"}})
            if index < cols:
                markers.append({"x": step, "y": 1.0, "xref": f"x{suffix}",
                                "yref": f"y{suffix} domain", "text": f"<b>{number}</b>",
                                "showarrow": False, "yanchor": "top", "xanchor": "center",
                                "font": {"size": 11, "color": colour}, "bgcolor": "white",
                                "bordercolor": colour, "borderwidth": 1, "borderpad": 2,
                                "hovertext": f"{when}<br>{hover}"})
    if shapes:
        fig.update_layout(shapes=[*fig.layout.shapes, *shapes],
                          annotations=[*fig.layout.annotations, *markers])


def _title_hover(fig: go.Figure, metrics: Sequence[str]) -> None:
    """Give each panel title the metric's technical name (its column) as hover text."""
    titles = [a for a in fig.layout.annotations if a.xref == "paper" and a.yref == "paper"]
    for annotation, metric in zip(titles, metrics, strict=False):
        annotation.hovertext = metric


#: Characters of a figure's caption line, and of a panel title, before they are wrapped
#: (captions and titles run off the figure otherwise, as long bokmål ones did).
_CAPTION_WIDTH = 115
_PANEL_TITLE_WIDTH = 62


def _band_caption(n_rep: int, quantiles: tuple[float, float], band: str | None,
                  lang: str) -> str:
    """What the bands show, wrapped into lines of :data:`_CAPTION_WIDTH` (``<br>``)."""
    _ = _translate(lang)
    if n_rep <= 1:
        return _("one replicate: no band")
    text = _("median of {n} replicates; band: {low}-{high} % quantiles, {band}").format(
        n=n_rep, low=round(100 * quantiles[0]), high=round(100 * quantiles[1]),
        band=band or _("seed variation ({n} seeds)").format(n=n_rep))
    return "<br>".join(textwrap.wrap(text, _CAPTION_WIDTH))


def _caption_margin(caption: str, line: int = 16) -> int:
    """Extra top margin, in pixels, for a caption of more than one line."""
    return line * caption.count("<br>")


def _fit_panel_title(text: str, width: int = _PANEL_TITLE_WIDTH) -> str:
    """A panel title longer than ``width`` characters, broken after its ``": "``."""
    head, found, tail = text.partition(": ")
    if len(text) <= width or not found or "<br>" in text:
        return text
    return f"{head}:<br>{tail}"


def timeseries_figure(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                      quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                      columns: int | None = None, title: str | None = None,
                      events: EventMarks | None = None, height: int | None = None,
                      colours: Mapping[str, str] | None = None,
                      labels: Mapping[str, str] | None = None, band: str | None = None,
                      lang: str = "en") -> go.Figure:
    """Metrics over time, one panel each, scenarios overlaid: median line + quantile band.

    Args:
        frame: long time-series frame (see module docstring).
        metrics: metric columns, one panel each.
        quantiles: lower and upper quantile of the band across replicates.
        columns: panels per row (default: up to three).
        title: figure title.
        events: optional event steps per scenario, drawn as dotted lines with numbered
            markers (see :func:`event_key`).
        height: figure height in pixels (default: 320 per row of panels).
        colours: colour per scenario (default: :func:`scenario_colours`).
        labels: plain label per scenario name (legend); default: the names.
        band: what the band shows (default: "seed variation (N seeds)").
        lang: language of the texts (``en`` or ``nb``).
    """
    _ = _translate(lang)
    data = tidy(frame)
    names = _scenario_order(data)
    colours = dict(colours) if colours else scenario_colours(names)
    rows, cols = _grid(len(metrics), columns)
    fig = make_subplots(rows=rows, cols=cols,
                        subplot_titles=[metric_label(m, lang) for m in metrics],
                        horizontal_spacing=0.08, vertical_spacing=0.16 if rows > 1 else 0.1)
    _title_hover(fig, metrics)
    for index, metric in enumerate(metrics):
        summary = summarise(data, metric, quantiles=quantiles)
        row, col = divmod(index, cols)
        for name in names:
            _add_band(fig, summary[summary["scenario"] == name], name=name,
                      colour=colours[name], row=row + 1, col=col + 1, show_legend=index == 0,
                      legend_name=scenario_label(name, labels, lang),
                      hover_label=f" · {metric}", value_format=_hover_value(metric),
                      lang=lang)
        fig.update_xaxes(title_text=_(_X_TITLE), title_font={"size": 11}, row=row + 1,
                         col=col + 1)
        _format_axis(fig, metric, lang, row=row + 1, col=col + 1)
    _add_event_marks(fig, events, colours, rows, cols, len(metrics), labels, lang)
    n_rep = int(data.groupby("scenario")["replicate"].nunique().max())
    caption = _band_caption(n_rep, quantiles, band, lang)
    extra = _caption_margin(caption, 16 if title else 22)
    fig.update_layout(
        template=_TEMPLATE, height=(height or 320 * rows + 60) + extra,
        title={"text": f"{title}<br><sup>{caption}</sup>" if title else caption},
        legend=_TOP_LEGEND,
        margin={"t": _TOP_MARGIN + extra, "b": 40, "l": 60, "r": 20},
    )
    return localise_numbers(place_legend(fig), lang)


def comparison_figure(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                      step: int | None = None, title: str | None = None,
                      labels: Mapping[str, str] | None = None,
                      lang: str = "en") -> go.Figure:
    """The scenarios side by side at one step: each replicate a dot, the median a bar.

    The step defaults to each scenario's last.

    Args:
        frame: long time-series frame.
        metrics: metric columns, one panel each.
        step: the step to compare (default: the last step of each scenario).
        title: figure title.
        labels: plain label per scenario name (bar labels); default: the names.
        lang: language of the texts.
    """
    _ = _translate(lang)
    data = tidy(frame)
    names = _scenario_order(data)
    colours = scenario_colours(names)
    fig = make_subplots(rows=1, cols=len(metrics),
                        subplot_titles=[metric_label(m, lang) for m in metrics],
                        horizontal_spacing=0.09)
    _title_hover(fig, metrics)
    for index, metric in enumerate(metrics):
        for name in names:
            part = data[data["scenario"] == name]
            at = part["step"].max() if step is None else step
            values = part.loc[part["step"] == at, metric]
            shown = scenario_label(name, labels, lang)
            fig.add_trace(go.Bar(
                x=[shown], y=[float(values.median())], marker_color=_rgba(colours[name], 0.55),
                name=shown, legendgroup=name, showlegend=index == 0,
                hovertemplate=f"{shown} · {metric}<br>{_('month')} {at}<br>{_('median')} "
                              f"{_hover_value(metric)}<extra></extra>",
            ), row=1, col=index + 1)
            fig.add_trace(go.Scatter(
                x=[shown] * len(values), y=values.to_numpy(), mode="markers",
                marker={"color": colours[name], "size": 7, "line": {"width": 1,
                                                                     "color": "white"}},
                name=shown, legendgroup=name, showlegend=False,
                hovertemplate=f"{shown}: {_('replicate')} {_hover_value(metric)}"
                              "<extra></extra>",
            ), row=1, col=index + 1)
        _format_axis(fig, metric, lang, row=1, col=index + 1)
    when = (_("last month of each scenario") if step is None
            else _("month {month}").format(month=step))
    fig.update_layout(template=_TEMPLATE, height=420,
                      title={"text": (f"{title}<br>" if title else "")
                             + "<sup>" + _("{when}: bars = median, dots = replicates").format(
                                 when=when) + "</sup>"},
                      legend=_TOP_LEGEND,
                      margin={"t": 110, "b": 30, "l": 60, "r": 20}, bargap=0.35)
    fig.update_xaxes(showticklabels=False)  # the legend names the bars
    return localise_numbers(place_legend(fig), lang)


def paired_differences(frame: pd.DataFrame, metrics: Sequence[str], reference: str
                       ) -> pd.DataFrame:
    """Each scenario minus ``reference``, replicate by replicate (same seeds), per step.

    Only the months both have are compared.

    Returns:
        Long frame with ``scenario`` (the scenario whose effect it is), ``replicate``,
        ``step`` and one column per metric: scenario minus reference.

    Raises:
        ValueError: ``reference`` missing, no other scenario, or seeds not shared.
    """
    data = tidy(frame)
    names = _scenario_order(data)
    if reference not in names or len(names) < 2:
        raise ValueError("a difference figure needs the reference and at least one other "
                         "scenario")
    keys = ["replicate", "step"]
    base = data[data["scenario"] == reference]
    rows = []
    for name in names:
        if name == reference:
            continue
        other = data[data["scenario"] == name]
        merged = other.merge(base, on=keys, suffixes=("", "__ref"))
        if "seed" in merged and not (merged["seed"] == merged["seed__ref"]).all():
            raise ValueError(f"{name} and {reference} do not share seeds per replicate; "
                             "paired differences need common random numbers")
        diff = merged[keys].copy()
        diff["scenario"] = name
        for metric in metrics:
            diff[metric] = merged[metric] - merged[f"{metric}__ref"]
        rows.append(diff)
    return pd.concat(rows, ignore_index=True)


def difference_figure(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                      reference: str | None = None,
                      quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                      events: EventMarks | None = None,
                      labels: Mapping[str, str] | None = None, band: str | None = None,
                      lang: str = "en") -> go.Figure:
    """Effects against a baseline: each scenario minus ``reference``, replicate by replicate.

    With common random numbers (replicate ``r`` of every scenario on the same seed) the
    difference of two scenarios in one replicate is the effect of what distinguishes them,
    free of the noise both share; the band shows how that effect varies across seeds. Above
    zero: the scenario is higher than the baseline.

    Args:
        frame: long time-series frame with at least two scenarios.
        metrics: metric columns, one panel each.
        reference: the baseline subtracted (default: the first in the frame).
        quantiles: lower and upper quantile of the band across replicates.
        events: optional event steps per scenario, drawn as dotted lines.
        labels: plain label per scenario name.
        band: what the band shows (default: seed variation).
        lang: language of the texts.

    Raises:
        ValueError: fewer than two scenarios, or replicates that do not share seeds.
    """
    _ = _translate(lang)
    data = tidy(frame)
    names = _scenario_order(data)
    reference = reference or names[0]
    differences = paired_differences(data, metrics, reference)
    base_label = scenario_label(reference, labels, lang)
    effect_labels = {name: _("{scenario} minus {baseline}").format(
        scenario=scenario_label(name, labels, lang), baseline=base_label) for name in names}
    fig = timeseries_figure(differences, metrics, quantiles=quantiles, events=events,
                            colours=scenario_colours(names), labels=effect_labels, band=band,
                            lang=lang,
                            title=_("Above 0: higher than {baseline} (replicate by replicate, "
                                    "same seeds)").format(baseline=base_label))
    for index, metric in enumerate(metrics):
        row, col = divmod(index, min(3, len(metrics)))
        fig.add_hline(y=0.0, line={"color": "#999999", "width": 1}, row=row + 1, col=col + 1)
        prefix = "" if metric in _PERCENT else _("difference, ")
        spec = {"title_text": prefix + (_("percentage points") if metric in _PERCENT
                                        else axis_title(metric, lang))}
        if metric in _PERCENT:
            spec["tickformat"] = ".1~%"
        fig.update_yaxes(row=row + 1, col=col + 1, **spec)
    return fig


def equity_figure(frame: pd.DataFrame, *,
                  quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                  events: EventMarks | None = None,
                  labels: Mapping[str, str] | None = None, band: str | None = None,
                  lang: str = "en") -> go.Figure:
    """"Leave no one behind": taking part, value received and trust by resource quintile.

    Top row: the top quintile (solid) and the bottom quintile (dashed) per scenario. Bottom
    row: the gap, top minus bottom (median and band across replicates).
    """
    _ = _translate(lang)
    data = tidy(frame).copy()
    data["trust_gap"] = data["trust_q5"] - data["trust_q1"]
    panels = (
        ("participation_q5", "participation_q1", "participation_gap", _("Taking part")),
        ("outcome_top_quintile", "outcome_bottom_quintile", "outcome_gap",
         _("Value received")),
        ("trust_q5", "trust_q1", "trust_gap", _("Trust in institutions")),
    )
    names = _scenario_order(data)
    colours = scenario_colours(names)
    titles = [_fit_panel_title(_("{what}: top (solid) vs bottom (dashed) quintile").format(
        what=p[3])) for p in panels]
    titles += [_fit_panel_title(_("{what}: gap, top minus bottom").format(what=p[3]))
               for p in panels]
    two_lines = 16 if any("<br>" in t for t in titles[:3]) else 0
    fig = make_subplots(rows=2, cols=3, subplot_titles=titles, horizontal_spacing=0.08,
                        vertical_spacing=0.16)
    for col, (top, bottom, gap, _label) in enumerate(panels, start=1):
        top_s = summarise(data, top, quantiles=quantiles)
        bottom_s = summarise(data, bottom, quantiles=quantiles)
        gap_s = summarise(data, gap, quantiles=quantiles)
        for name in names:
            shown = scenario_label(name, labels, lang)
            _add_band(fig, top_s[top_s["scenario"] == name], name=name, colour=colours[name],
                      row=1, col=col, show_legend=col == 1, band_alpha=0.12,
                      legend_name=shown, hover_label=f" · {top}",
                      value_format=_hover_value(top), lang=lang)
            _add_band(fig, bottom_s[bottom_s["scenario"] == name], name=name,
                      colour=colours[name], row=1, col=col, show_legend=False, dash="dash",
                      band_alpha=0.12, legend_name=shown, hover_label=f" · {bottom}",
                      value_format=_hover_value(bottom), lang=lang)
            _add_band(fig, gap_s[gap_s["scenario"] == name], name=name, colour=colours[name],
                      row=2, col=col, show_legend=False, legend_name=shown,
                      hover_label=f" · {gap}", value_format=_hover_value(gap), lang=lang)
        fig.add_hline(y=0.0, line={"color": "#999999", "width": 1}, row=2, col=col)
        _format_axis(fig, top, lang, row=1, col=col)
        _format_axis(fig, gap, lang, row=2, col=col)
        for row in (1, 2):
            fig.update_xaxes(title_text=_(_X_TITLE), title_font={"size": 11}, row=row,
                             col=col)
    _add_event_marks(fig, events, colours, 2, 3, 6, labels, lang)
    for annotation in fig.layout.annotations[:6]:
        annotation.font = {"size": 12}
    n_rep = int(data.groupby("scenario")["replicate"].nunique().max())
    caption = _band_caption(n_rep, quantiles, band, lang)
    extra = _caption_margin(caption) + two_lines
    fig.update_layout(template=_TEMPLATE, height=740 + extra,
                      title={"text": _("Leave no one behind: bottom vs top resource quintile")
                             + f"<br><sup>{caption}</sup>"},
                      legend=_TOP_LEGEND, meta={"legend_gap": 30 + two_lines},
                      margin={"t": _TOP_MARGIN + extra, "b": 40, "l": 60, "r": 20})
    return localise_numbers(place_legend(fig), lang)


def public_value_figure(frame: pd.DataFrame, *,
                        quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                        events: EventMarks | None = None,
                        labels: Mapping[str, str] | None = None, band: str | None = None,
                        lang: str = "en", components: Sequence[str] | None = None
                        ) -> go.Figure:
    """The public-value components (``pv_*``) over time, one panel each (each 0-1).

    ``components`` chooses and orders the panels (default: all of ``PV_COMPONENTS``).
    """
    _ = _translate(lang)
    shown = tuple(components) if components is not None else tuple(PV_COMPONENTS)
    fig = timeseries_figure(frame, shown, quantiles=quantiles, columns=min(3, len(shown)),
                            title=_("Public value, component by component (Moore 1995)"),
                            events=events, labels=labels, band=band, lang=lang)
    fig.update_yaxes(title_text=_("index 0-1"))
    return fig


def public_value_profile_figure(frame: pd.DataFrame, *, step: int | None = None,
                                labels: Mapping[str, str] | None = None,
                                lang: str = "en") -> go.Figure:
    """The public-value components at one step (default: the last), scenarios side by side.

    Grouped bars of the median across replicates, with the quantile range as error bars.
    """
    _ = _translate(lang)
    data = tidy(frame)
    names = _scenario_order(data)
    colours = scenario_colours(names)
    components = list(PV_COMPONENTS) + ["public_value_index"]
    shorts = {"pv_outcomes": _("outcomes"), "pv_equity": _("equity"),
              "pv_legitimacy": _("legitimacy"), "pv_social_capital": _("social capital"),
              "pv_cost_efficiency": _("cost-efficiency"),
              "pv_future": _("future generations"), "public_value_index": _("index (weighted)")}
    axis = [shorts[c] for c in components]
    fig = go.Figure()
    for name in names:
        part = data[data["scenario"] == name]
        at = part["step"].max() if step is None else step
        last = part[part["step"] == at]
        medians = [float(last[c].median()) for c in components]
        lows = [float(last[c].quantile(DEFAULT_QUANTILES[0])) for c in components]
        highs = [float(last[c].quantile(DEFAULT_QUANTILES[1])) for c in components]
        shown = scenario_label(name, labels, lang)
        fig.add_trace(go.Bar(
            x=axis, y=medians, name=shown, legendgroup=name, marker_color=colours[name],
            customdata=components,
            error_y={"type": "data", "symmetric": False,
                     "array": [h - m for h, m in zip(highs, medians, strict=True)],
                     "arrayminus": [m - lo for m, lo in zip(medians, lows, strict=True)]},
            hovertemplate=f"{shown}<br>%{{x}} (%{{customdata}}): %{{y:.3f}}<extra></extra>",
        ))
    when = (_("last month of each scenario") if step is None
            else _("month {month}").format(month=step))
    caption = _("{when}; median, whiskers {low}-{high} % quantiles").format(
        when=when, low=round(100 * DEFAULT_QUANTILES[0]), high=round(100 * DEFAULT_QUANTILES[1]))
    fig.update_layout(template=_TEMPLATE, barmode="group", height=440,
                      title={"text": _("Public-value profile") + f"<br><sup>{caption}</sup>"},
                      yaxis={"range": [0, 1.05], "title": _("index 0-1")}, legend=_TOP_LEGEND,
                      margin={"t": 110, "b": 40, "l": 60, "r": 20})
    return localise_numbers(place_legend(fig, gap=10), lang)


def report_figures(frame: pd.DataFrame, *, events: EventMarks | None = None,
                   quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                   labels: Mapping[str, str] | None = None, reference: str | None = None,
                   band: str | None = None, lang: str = "en") -> dict[str, ReportFigure]:
    """The figures of a report, in order: ``key -> ReportFigure(heading, figure, note)``.

    Panels that do not vary in any run (such as the budget without a budget change) are
    left out of the mechanisms figure, and its note says which and at what value. The y
    axes of the figures over time fit their data; each one that does not start at 0 says so
    at its foot (:func:`governance_sim.viz.axes.honest_axes`, as the app's zoomed axes), so
    a gap of 0.02 on an axis from 0.69 to 0.72 is not read as a large one.

    Args:
        frame: long time-series frame.
        events: event steps per scenario (numbered markers).
        quantiles: the band's quantiles.
        labels: plain label per scenario name.
        reference: the baseline of the effect figure (default: the first scenario).
        band: what the bands show (default: seed variation, N seeds).
        lang: language of the texts.
    """
    _ = _translate(lang)
    common = {"events": events, "labels": labels, "band": band, "lang": lang}

    def flat_note(flat: Mapping[str, float]) -> str:
        if not flat:
            return ""
        return _("Not drawn because they do not change in any run: {panels}.").format(
            panels="; ".join(f"{metric_label(m, lang)} ({format_number(value, lang)})"
                             for m, value in flat.items()))

    flat = flat_metrics(frame, MORE_METRICS)
    varying = [m for m in MORE_METRICS if m not in flat]
    flat_pv = flat_metrics(frame, tuple(PV_COMPONENTS))
    varying_pv = [m for m in PV_COMPONENTS if m not in flat_pv]
    figures: dict[str, ReportFigure] = {
        "overview": ReportFigure(_("Trust, participation and public value over time"),
                                 timeseries_figure(frame, KEY_METRICS, quantiles=quantiles,
                                                   **common)),
        "side_by_side": ReportFigure(_("Side by side at the end"),
                                     comparison_figure(frame, KEY_METRICS, labels=labels,
                                                       lang=lang)),
        "equity": ReportFigure(_("Leave no one behind: equity by resource quintile"),
                               equity_figure(frame, quantiles=quantiles, **common)),
    }
    if varying_pv:
        figures["public_value"] = ReportFigure(
            _("Public-value components over time"),
            public_value_figure(frame, quantiles=quantiles, components=varying_pv, **common),
            flat_note(flat_pv))
    figures["public_value_profile"] = ReportFigure(
        _("Public-value profile at the end"),
        public_value_profile_figure(frame, labels=labels, lang=lang))
    if varying:
        figures["mechanisms"] = ReportFigure(
            _("Mechanisms: motivation, social capital, co-production, money"),
            timeseries_figure(frame, varying, quantiles=quantiles, **common), flat_note(flat))
    names = _scenario_order(tidy(frame))
    if len(names) > 1:
        reference = reference if reference in names else names[0]
        difference = difference_figure(frame, KEY_METRICS, quantiles=quantiles,
                                       reference=reference, **common)
        items = list(figures.items())
        items.insert(2, ("difference", ReportFigure(
            _("Effects against {baseline} (scenario minus baseline)").format(
                baseline=scenario_label(reference, labels, lang)), difference)))
        figures = dict(items)
    for key in ("overview", "difference", "equity", "public_value", "mechanisms"):
        if key in figures:
            honest_axes(figures[key].figure, zoom=True, note=_("axis does not start at 0"))
    return figures
