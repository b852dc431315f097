"""Figures of sweep results and sensitivity indices (plotly; DataFrames in, figures out).

* :func:`index_bars`: Sobol ``S1``/``ST``, Morris ``mu_star``/``sigma``, delta or
  factorial ``S1``, with confidence intervals where the method gives them.
* :func:`lever_heatmap`: mean of an outcome over two parameters (other parameters and
  replicates averaged; continuous samples binned).
* :func:`replicate_spread`: each design point's replicates, to show how much of the
  variation is chance.
* :func:`describe_output` and :func:`index_page`: the analysis folder's ``index.html``,
  linking every table and figure with one line on what it shows.

A leaf module: it never runs the model, never reads files and never calls ``.show()``.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["describe_output", "index_bars", "index_page", "lever_heatmap",
           "replicate_spread"]

#: Name of a full factorial's variance-share column (``Var(E[Y | X_i]) / Var(Y)`` over the
#: grid: a main-effect share of the grid's own variance, not a sampled Sobol ``S1``).
FACTORIAL_SHARE = "main_effect_share"

_PAIRS = {  # method columns -> (value, interval) bars to draw
    "sobol": [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")],
    "morris": [("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None,
                                                                    "sigma (interactions)")],
    "delta": [("delta", "delta_conf", "delta"), ("S1", "S1_conf", "first order S1")],
    "factorial": [(FACTORIAL_SHARE, None, "variance share (main effect)")],
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
    if method == "factorial" and FACTORIAL_SHARE not in indices and "S1" in indices:
        # the table as governance_sim.analysis.factorial_indices returns it
        indices = indices.rename(columns={"S1": FACTORIAL_SHARE})
    key = _PAIRS[method][-1][0] if method == "sobol" else _PAIRS[method][0][0]
    ordered = indices.sort_values(key, ascending=False)
    figure = go.Figure()
    for column, conf, label in _PAIRS[method]:
        error = None
        if conf is not None and conf in ordered:
            error = {"type": "data", "array": ordered[conf].to_numpy(), "visible": True}
        figure.add_bar(x=list(ordered.index), y=ordered[column].to_numpy(), name=label,
                       error_y=error)
    ylabel = {"morris": "elementary effect (outcome units)", "delta": "index (0-1)",
              "factorial": "share of the grid's variance (0-1)"}.get(
                  method, "share of variance (0-1)")
    described = {"sobol": "Sobol indices", "morris": "Morris screening",
                 "delta": "delta indices, Latin hypercube",
                 "factorial": "variance shares of the full-factorial grid"}[method]
    figure.update_layout(
        title=f"Sensitivity of {outcome} ({described})", barmode="group",
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


_TABLES = {  # file-name ending -> what the table shows ({o}: the outcome)
    "sobol": "Sobol first-order (S1) and total (ST) indices of {o} with 95 % bootstrap "
             "intervals (*_conf: half-widths), one row per varied parameter",
    "sobol_s2": "Sobol second-order indices (S2) of {o} for each pair of parameters, with "
                "95 % bootstrap intervals",
    "morris": "Morris screening of {o}: mu, mu* (mean absolute elementary effect, with its "
              "95 % interval) and sigma (non-linearity and interactions)",
    "delta": "Borgonovo's moment-independent delta and a first-order S1 of {o} from the Latin "
             "hypercube, with 95 % intervals",
    "factorial": "share of the variance of {o} over the grid that each parameter explains "
                 "alone (main effect: Var(E[Y | X]) / Var(Y) over the point means; no "
                 "interval)",
    "replicates": "spread of {o} across the replicates of each design point (mean, sd, min, "
                  "max, runs used, failed runs)",
}
_FIGURES = {  # file-name ending -> what the figure shows
    "sobol_bars": "bar chart of the Sobol indices of {o} (S1 and ST with intervals)",
    "morris_bars": "bar chart of the Morris mu* and sigma of {o}",
    "delta_bars": "bar chart of the delta and S1 indices of {o}",
    "factorial_bars": "bar chart of each parameter's variance share (main effect) of {o}",
    "heatmap": "mean {o} over two varied parameters (the others and the replicates "
               "averaged; hover for the number of runs per cell)",
    "replicates": "every replicate of every design point, points ordered by their mean: how "
                  "much of the variation of {o} is chance",
}


def describe_output(name: str, outcomes: list[str]) -> str:
    """One line on what a file written by ``governance-sim sensitivity`` shows.

    Args:
        name: the file name (``<outcome>_<kind>.csv``, ``<outcome>_<kind>.html``,
            ``plotly.min.js`` or ``index.html``).
        outcomes: the sweep's outcome names (they may contain underscores).

    Raises:
        ValueError: ``name`` is not a file the sensitivity command writes.
    """
    if name == "plotly.min.js":
        return "Plotly's JavaScript, loaded by the figures from this folder (they open offline)"
    if name == "index.html":
        return "this page"
    stem, dot, suffix = name.rpartition(".")
    kinds = {"csv": _TABLES, "html": _FIGURES}.get(suffix) if dot else None
    for outcome in sorted(outcomes, key=len, reverse=True):
        if kinds is not None and stem.startswith(outcome + "_"):
            kind = stem[len(outcome) + 1:]
            if kind in kinds:
                return kinds[kind].format(o=outcome)
    raise ValueError(f"{name!r} is not a file of a sensitivity analysis of the outcomes "
                     f"{', '.join(outcomes)}")


def index_page(title: str, entries: list[tuple[str, str]], facts: list[str]) -> str:
    """A small offline HTML page linking each file of an analysis folder.

    Args:
        title: the page's title and heading.
        entries: ``(file name, what it shows)`` pairs; names are linked relative to the page.
        facts: lines about the analysis (sweep, design, runs used), shown above the list.

    Returns:
        The page as a string (no scripts, no network).
    """
    esc = html.escape
    rows = "\n".join(
        f'<tr><td><a href="{esc(name, quote=True)}">{esc(name)}</a></td><td>{esc(text)}</td></tr>'
        for name, text in entries)
    listed = "\n".join(f"<li>{esc(fact)}</li>" for fact in facts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45}}table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;
padding:.35rem .5rem;text-align:left;vertical-align:top}}td:first-child{{white-space:nowrap}}
</style></head><body>
<h1>{esc(title)}</h1>
<ul>
{listed}
</ul>
<p>Figures (.html) open in any browser without a network; tables (.csv) open in a
spreadsheet.</p>
<table><thead><tr><th>file</th><th>what it shows</th></tr></thead><tbody>
{rows}
</tbody></table>
</body></html>
"""
