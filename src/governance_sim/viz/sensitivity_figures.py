"""Figures of sweep results and sensitivity indices (plotly; DataFrames in, figures out).

* :func:`index_bars`: Sobol ``S1``/``ST``, Morris ``mu_star``/``sigma``, delta or
  factorial ``S1``, with confidence intervals where the method gives them.
* :func:`lever_heatmap`: mean of an outcome over two parameters (other parameters and
  replicates averaged; continuous samples binned).
* :func:`replicate_spread`: each design point's replicates, to show how much of the
  variation is chance.

A leaf module: it never runs the model, never reads files and never calls ``.show()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["index_bars", "lever_heatmap", "replicate_spread"]

_PAIRS = {  # method columns -> (value, interval) bars to draw
    "sobol": [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")],
    "morris": [("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None,
                                                                    "sigma (interactions)")],
    "delta": [("delta", "delta_conf", "delta"), ("S1", "S1_conf", "first order S1")],
    "factorial": [("S1", None, "first order S1 (grid)")],
}


def index_bars(indices: pd.DataFrame, outcome: str, method: str) -> go.Figure:
    """Bar chart of sensitivity indices, one group of bars per parameter.

    Args:
        indices: one row per parameter (index ``parameter``) with the method's columns
            (see :mod:`governance_sim.analysis`).
        outcome: outcome name, for the title.
        method: ``sobol``, ``morris``, ``delta`` or ``factorial``.
    """
    if method not in _PAIRS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(_PAIRS)}")
    key = _PAIRS[method][-1][0] if method == "sobol" else _PAIRS[method][0][0]
    ordered = indices.sort_values(key, ascending=False)
    figure = go.Figure()
    for column, conf, label in _PAIRS[method]:
        error = None
        if conf is not None and conf in ordered:
            error = {"type": "data", "array": ordered[conf].to_numpy(), "visible": True}
        figure.add_bar(x=list(ordered.index), y=ordered[column].to_numpy(), name=label,
                       error_y=error)
    ylabel = {"morris": "elementary effect", "delta": "index"}.get(method, "share of variance")
    figure.update_layout(
        title=f"Sensitivity of {outcome} ({method})", barmode="group",
        xaxis_title="parameter", yaxis_title=ylabel, template="plotly_white",
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def _binned(values: pd.Series, bins: int) -> pd.Series:
    """Levels as they are if few (a grid), else the midpoints of equal-count bins."""
    if values.nunique() <= 2 * bins or not pd.api.types.is_numeric_dtype(values):
        return values
    cut = pd.qcut(values, q=bins, duplicates="drop")
    return cut.map(lambda interval: round(float(interval.mid), 4)).astype(float)


def lever_heatmap(table: pd.DataFrame, x: str, y: str, outcome: str,
                  bins: int = 10) -> go.Figure:
    """Heatmap of the mean of ``outcome`` over two parameters.

    Args:
        table: one row per run with columns ``x``, ``y``, ``outcome`` and ``status``
            (failed runs are left out).
        x, y: the two parameters (sampled ones, with more than ``2 * bins`` distinct
            values, are cut into ``bins`` equal-count bins).
        outcome: the outcome averaged in each cell.
    """
    for column in (x, y, outcome):
        if column not in table.columns:
            raise ValueError(f"no column {column!r}; columns: {', '.join(table.columns)}")
    ok = table[table["status"] == "ok"] if "status" in table else table
    frame = pd.DataFrame({x: _binned(ok[x], bins), y: _binned(ok[y], bins),
                          outcome: ok[outcome]})
    grid = frame.groupby([y, x], sort=True)[outcome].mean().unstack(x)
    counts = frame.groupby([y, x], sort=True)[outcome].count().unstack(x)
    figure = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[str(v) for v in grid.columns], y=[str(v) for v in grid.index],
        colorscale="Viridis", colorbar={"title": outcome},
        customdata=counts.to_numpy(),
        hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>{outcome}=%{{z:.3f}}"
                      "<br>runs=%{customdata}<extra></extra>",
    ))
    figure.update_layout(title=f"Mean {outcome} over {x} and {y}", xaxis_title=x,
                         yaxis_title=y, template="plotly_white")
    return figure


def replicate_spread(table: pd.DataFrame, outcome: str, label: list[str] | None = None,
                     max_points: int = 60) -> go.Figure:
    """Every replicate of every design point, points ordered by their mean.

    Args:
        table: one row per run with ``point_id``, ``outcome``, ``status``.
        outcome: the outcome shown.
        label: parameter columns used to label points (hover text).
        max_points: above this many points, show points evenly spaced in rank.
    """
    ok = table[table["status"] == "ok"] if "status" in table else table
    means = ok.groupby("point_id")[outcome].mean().sort_values()
    if len(means) > max_points:
        picks = np.unique(np.linspace(0, len(means) - 1, max_points).round().astype(int))
        means = means.iloc[picks]
    rank = {point: i for i, point in enumerate(means.index)}
    shown = ok[ok["point_id"].isin(rank)]
    names = label or []
    text = shown[names].astype(str).agg(", ".join, axis=1) if names else None
    figure = go.Figure()
    figure.add_scatter(x=shown["point_id"].map(rank), y=shown[outcome], mode="markers",
                       name="replicate", marker={"size": 6, "opacity": 0.6},
                       text=text, hovertemplate="%{text}<br>%{y:.3f}<extra></extra>"
                       if names else None)
    figure.add_scatter(x=list(range(len(means))), y=means.to_numpy(), mode="lines",
                       name="mean of replicates", line={"color": "black"})
    figure.update_layout(title=f"Replicate spread of {outcome}",
                         xaxis_title="design point (ordered by mean)", yaxis_title=outcome,
                         template="plotly_white")
    return figure
