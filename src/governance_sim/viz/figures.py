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

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from governance_sim.metrics import METRICS, PV_COMPONENTS

__all__ = [
    "KEY_METRICS",
    "MORE_METRICS",
    "DEFAULT_QUANTILES",
    "EventMarks",
    "metric_label",
    "tidy",
    "summarise",
    "summary_table",
    "scenario_colours",
    "timeseries_figure",
    "comparison_figure",
    "difference_figure",
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

_LABELS = {metric.name: metric.label for metric in METRICS}
_UNITS = {metric.name: metric.unit for metric in METRICS}

#: Fixed colours for the three logics, so a logic has the same colour in every figure.
_LOGIC_COLOURS = {"bureaucracy": "#4C72B0", "npm": "#DD8452", "co_creation": "#55A868"}
_PALETTE = ("#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD",
            "#1B9E77", "#7570B3", "#E7298A", "#66A61E", "#E6AB02")
_X_TITLE = "month (step)"
_SHORT_PV = {"pv_outcomes": "outcomes", "pv_equity": "equity", "pv_legitimacy": "legitimacy",
             "pv_social_capital": "social capital", "pv_cost_efficiency": "cost-efficiency",
             "pv_future": "future generations", "public_value_index": "index (weighted)"}
_TEMPLATE = "plotly_white"
_TOP_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.1, "xanchor": "right", "x": 1}


def metric_label(name: str) -> str:
    """Human label of a metric column (the column name itself if it is not a metric)."""
    return _LABELS.get(name, name)


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
              band_alpha: float = 0.18, hover_label: str = "") -> None:
    """Add one scenario's quantile band and median line to a subplot."""
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
    fig.add_trace(go.Scatter(
        x=steps, y=summary["median"].to_numpy(), mode="lines",
        line={"color": colour, "width": 2, "dash": dash},
        name=legend_name or name, legendgroup=name, showlegend=show_legend,
        hovertemplate=f"{name}{hover_label}<br>month %{{x}}<br>median %{{y:.3f}}<extra></extra>",
    ), row=row, col=col)


def _grid(count: int, columns: int | None) -> tuple[int, int]:
    cols = columns or min(3, count)
    rows = -(-count // cols)
    return rows, cols


def _add_event_marks(fig: go.Figure, events: EventMarks | None, colours: Mapping[str, str],
                     rows: int, cols: int, count: int) -> None:
    """Dotted vertical lines at the scenarios' event steps, labelled in the first panel."""
    if not events:
        return
    by_step: dict[int, list[str]] = {}
    colour_of_step: dict[int, str] = {}
    for scenario, marks in events.items():
        for step, label in marks:
            by_step.setdefault(int(step), []).append(label)
            colour_of_step.setdefault(int(step), colours.get(scenario, "#555555"))
    for step, labels in sorted(by_step.items()):
        for index in range(count):
            row, col = divmod(index, cols)
            fig.add_vline(x=step, line={"color": colour_of_step[step], "width": 1,
                                        "dash": "dot"}, row=row + 1, col=col + 1)
        text = "; ".join(dict.fromkeys(labels))
        fig.add_annotation(x=step, y=1.0, yref="y domain", xref="x", text=text[:60],
                           showarrow=False, textangle=-90, xanchor="right", yanchor="top",
                           font={"size": 9, "color": "#555555"}, row=1, col=1)


def timeseries_figure(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                      quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                      columns: int | None = None, title: str | None = None,
                      events: EventMarks | None = None, height: int | None = None,
                      colours: Mapping[str, str] | None = None) -> go.Figure:
    """Metrics over time, one panel each, scenarios overlaid: median line + quantile band.

    Args:
        frame: long time-series frame (see module docstring).
        metrics: metric columns, one panel each.
        quantiles: lower and upper quantile of the band across replicates.
        columns: panels per row (default: up to three).
        title: figure title.
        events: optional event steps per scenario, drawn as dotted lines.
        height: figure height in pixels (default: 320 per row of panels).
        colours: colour per scenario (default: :func:`scenario_colours`).
    """
    data = tidy(frame)
    names = _scenario_order(data)
    colours = dict(colours) if colours else scenario_colours(names)
    rows, cols = _grid(len(metrics), columns)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[metric_label(m) for m in metrics],
                        horizontal_spacing=0.07, vertical_spacing=0.16 if rows > 1 else 0.1)
    for index, metric in enumerate(metrics):
        summary = summarise(data, metric, quantiles=quantiles)
        row, col = divmod(index, cols)
        for name in names:
            _add_band(fig, summary[summary["scenario"] == name], name=name,
                      colour=colours[name], row=row + 1, col=col + 1, show_legend=index == 0,
                      hover_label=f" · {metric}")
        fig.update_xaxes(title_text=_X_TITLE, row=row + 1, col=col + 1)
    _add_event_marks(fig, events, colours, rows, cols, len(metrics))
    n_rep = int(data.groupby("scenario")["replicate"].nunique().max())
    caption = (f"median of {n_rep} replicates; band: {quantiles[0]:.0%}-{quantiles[1]:.0%} "
               "quantiles" if n_rep > 1 else "one replicate")
    fig.update_layout(
        template=_TEMPLATE, height=height or 320 * rows + 60,
        title={"text": f"{title}<br><sup>{caption}</sup>" if title else caption},
        legend=_TOP_LEGEND,
        margin={"t": 110, "b": 40, "l": 50, "r": 20},
    )
    return fig


def comparison_figure(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                      step: int | None = None, title: str | None = None) -> go.Figure:
    """The scenarios side by side at one step: each replicate a dot, the median a bar.

    The step defaults to each scenario's last.

    Args:
        frame: long time-series frame.
        metrics: metric columns, one panel each.
        step: the step to compare (default: the last step of each scenario).
        title: figure title.
    """
    data = tidy(frame)
    names = _scenario_order(data)
    colours = scenario_colours(names)
    fig = make_subplots(rows=1, cols=len(metrics),
                        subplot_titles=[metric_label(m) for m in metrics],
                        horizontal_spacing=0.08)
    for index, metric in enumerate(metrics):
        for name in names:
            part = data[data["scenario"] == name]
            at = part["step"].max() if step is None else step
            values = part.loc[part["step"] == at, metric]
            fig.add_trace(go.Bar(
                x=[name], y=[float(values.median())], marker_color=_rgba(colours[name], 0.55),
                name=name, legendgroup=name, showlegend=False,
                hovertemplate=f"{name} month {at}<br>median %{{y:.3f}}<extra></extra>",
            ), row=1, col=index + 1)
            fig.add_trace(go.Scatter(
                x=[name] * len(values), y=values.to_numpy(), mode="markers",
                marker={"color": colours[name], "size": 7, "line": {"width": 1,
                                                                     "color": "white"}},
                name=name, legendgroup=name, showlegend=False,
                hovertemplate=f"{name}: replicate value %{{y:.3f}}<extra></extra>",
            ), row=1, col=index + 1)
    when = "last month of each scenario" if step is None else f"month {step}"
    fig.update_layout(template=_TEMPLATE, height=380,
                      title={"text": (f"{title}<br>" if title else "")
                             + f"<sup>{when}: bars = median, dots = replicates</sup>"},
                      margin={"t": 80, "b": 40, "l": 50, "r": 20}, bargap=0.35)
    return fig


def difference_figure(frame: pd.DataFrame, metrics: Sequence[str] = KEY_METRICS, *,
                      reference: str | None = None,
                      quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                      events: EventMarks | None = None) -> go.Figure:
    """Paired differences to a reference scenario: replicate by replicate, then summarised.

    With common random numbers (replicate ``r`` of every scenario on the same seed) the
    difference of two scenarios in one replicate is the effect of what distinguishes them,
    free of the noise both share; the band shows how that effect varies across seeds.

    Args:
        frame: long time-series frame with at least two scenarios.
        metrics: metric columns, one panel each.
        reference: the scenario subtracted (default: the first in the frame).
        quantiles: lower and upper quantile of the band across replicates.
        events: optional event steps per scenario, drawn as dotted lines.

    Raises:
        ValueError: fewer than two scenarios, or replicates that do not share seeds.
    """
    data = tidy(frame)
    names = _scenario_order(data)
    reference = reference or names[0]
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
    differences = pd.concat(rows, ignore_index=True)
    fig = timeseries_figure(differences, metrics, quantiles=quantiles, events=events,
                            colours=scenario_colours(names),
                            title=f"Difference to {reference}, replicate by replicate "
                            "(same seeds)")
    for index in range(len(metrics)):
        row, col = divmod(index, min(3, len(metrics)))
        fig.add_hline(y=0.0, line={"color": "#999999", "width": 1}, row=row + 1, col=col + 1)
    return fig


def equity_figure(frame: pd.DataFrame, *,
                  quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                  events: EventMarks | None = None) -> go.Figure:
    """"Leave no one behind": taking part, value received and trust by resource quintile.

    Top row: the top quintile (solid) and the bottom quintile (dashed) per scenario. Bottom
    row: the gap, top minus bottom (median and band across replicates).
    """
    data = tidy(frame).copy()
    data["trust_gap"] = data["trust_q5"] - data["trust_q1"]
    panels = (
        ("participation_q5", "participation_q1", "participation_gap", "Taking part"),
        ("outcome_top_quintile", "outcome_bottom_quintile", "outcome_gap", "Value received"),
        ("trust_q5", "trust_q1", "trust_gap", "Trust in institutions"),
    )
    names = _scenario_order(data)
    colours = scenario_colours(names)
    titles = [f"{p[3]}: top (solid) vs bottom (dashed) quintile" for p in panels]
    titles += [f"{p[3]}: gap, top minus bottom" for p in panels]
    fig = make_subplots(rows=2, cols=3, subplot_titles=titles, horizontal_spacing=0.07,
                        vertical_spacing=0.16)
    for col, (top, bottom, gap, _label) in enumerate(panels, start=1):
        top_s = summarise(data, top, quantiles=quantiles)
        bottom_s = summarise(data, bottom, quantiles=quantiles)
        gap_s = summarise(data, gap, quantiles=quantiles)
        for name in names:
            _add_band(fig, top_s[top_s["scenario"] == name], name=name, colour=colours[name],
                      row=1, col=col, show_legend=col == 1, band_alpha=0.12,
                      hover_label=" · top quintile")
            _add_band(fig, bottom_s[bottom_s["scenario"] == name], name=name,
                      colour=colours[name], row=1, col=col, show_legend=False, dash="dash",
                      band_alpha=0.12, hover_label=" · bottom quintile")
            _add_band(fig, gap_s[gap_s["scenario"] == name], name=name, colour=colours[name],
                      row=2, col=col, show_legend=False, hover_label=" · gap")
        fig.add_hline(y=0.0, line={"color": "#999999", "width": 1}, row=2, col=col)
        for row in (1, 2):
            fig.update_xaxes(title_text=_X_TITLE, row=row, col=col)
    _add_event_marks(fig, events, colours, 2, 3, 6)
    for annotation in fig.layout.annotations[:6]:
        annotation.font = {"size": 12}
    fig.update_layout(template=_TEMPLATE, height=720,
                      title={"text": "Leave no one behind: bottom vs top resource quintile"},
                      legend=_TOP_LEGEND, margin={"t": 110, "b": 40, "l": 50, "r": 20})
    return fig


def public_value_figure(frame: pd.DataFrame, *,
                        quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                        events: EventMarks | None = None) -> go.Figure:
    """The public-value components (``pv_*``) over time, one panel each."""
    return timeseries_figure(frame, tuple(PV_COMPONENTS), quantiles=quantiles, columns=3,
                             title="Public value, component by component (Moore 1995)",
                             events=events)


def public_value_profile_figure(frame: pd.DataFrame, *, step: int | None = None) -> go.Figure:
    """The public-value components at one step (default: the last), scenarios side by side.

    Grouped bars of the median across replicates, with the quantile range as error bars.
    """
    data = tidy(frame)
    names = _scenario_order(data)
    colours = scenario_colours(names)
    components = list(PV_COMPONENTS) + ["public_value_index"]
    labels = [_SHORT_PV.get(c, c) for c in components]
    fig = go.Figure()
    for name in names:
        part = data[data["scenario"] == name]
        at = part["step"].max() if step is None else step
        last = part[part["step"] == at]
        medians = [float(last[c].median()) for c in components]
        lows = [float(last[c].quantile(DEFAULT_QUANTILES[0])) for c in components]
        highs = [float(last[c].quantile(DEFAULT_QUANTILES[1])) for c in components]
        fig.add_trace(go.Bar(
            x=labels, y=medians, name=name, marker_color=colours[name],
            error_y={"type": "data", "symmetric": False,
                     "array": [h - m for h, m in zip(highs, medians, strict=True)],
                     "arrayminus": [m - lo for m, lo in zip(medians, lows, strict=True)]},
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.3f}}<extra></extra>",
        ))
    when = "last month of each scenario" if step is None else f"month {step}"
    fig.update_layout(template=_TEMPLATE, barmode="group", height=420,
                      title={"text": f"Public-value profile<br><sup>{when}; median, whiskers "
                             f"{DEFAULT_QUANTILES[0]:.0%}-{DEFAULT_QUANTILES[1]:.0%} "
                             "quantiles</sup>"},
                      yaxis={"range": [0, 1.05], "title": "0-1"}, legend=_TOP_LEGEND,
                      margin={"t": 80, "b": 40, "l": 50, "r": 20})
    return fig


def report_figures(frame: pd.DataFrame, *, events: EventMarks | None = None,
                   quantiles: tuple[float, float] = DEFAULT_QUANTILES
                   ) -> dict[str, tuple[str, go.Figure]]:
    """The figures of a report, in order: ``key -> (heading, figure)``."""
    figures = {
        "overview": ("Trust, participation and public value over time",
                     timeseries_figure(frame, KEY_METRICS, quantiles=quantiles, events=events)),
        "side_by_side": ("Side by side at the end",
                         comparison_figure(frame, KEY_METRICS)),
        "equity": ("Leave no one behind: equity by resource quintile",
                   equity_figure(frame, quantiles=quantiles, events=events)),
        "public_value": ("Public-value components over time",
                         public_value_figure(frame, quantiles=quantiles, events=events)),
        "public_value_profile": ("Public-value profile at the end",
                                 public_value_profile_figure(frame)),
        "mechanisms": ("Mechanisms: motivation, social capital, co-production, money",
                       timeseries_figure(frame, MORE_METRICS, quantiles=quantiles,
                                         events=events)),
    }
    names = _scenario_order(tidy(frame))
    if len(names) > 1:
        difference = difference_figure(frame, KEY_METRICS, quantiles=quantiles, events=events)
        items = list(figures.items())
        items.insert(2, ("difference", (f"Paired differences to {names[0]}", difference)))
        figures = dict(items)
    return figures
