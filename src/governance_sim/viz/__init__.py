"""Figures and reports: plotly figures built from result DataFrames, and an offline HTML report.

A leaf of the package: it reads DataFrames (and plain mappings describing scenarios) and
returns :class:`plotly.graph_objects.Figure` objects, sentences or HTML; it never runs the
model and never calls ``.show()``. :mod:`~governance_sim.viz.figures` builds the figures
(units on every axis, labels in English or Norwegian), :mod:`~governance_sim.viz.answers`
the report's plain-language answers, :mod:`~governance_sim.viz.report` the page. The
interactive app reuses :mod:`governance_sim.viz.figures`.
"""

from governance_sim.viz.figures import (
    DEFAULT_QUANTILES,
    KEY_METRICS,
    MORE_METRICS,
    ReportFigure,
    axis_title,
    comparison_figure,
    difference_figure,
    equity_figure,
    event_key,
    metric_label,
    public_value_figure,
    public_value_profile_figure,
    report_figures,
    scenario_colours,
    summarise,
    summary_table,
    tidy,
    timeseries_figure,
)

__all__ = [
    "DEFAULT_QUANTILES",
    "KEY_METRICS",
    "MORE_METRICS",
    "ReportFigure",
    "axis_title",
    "comparison_figure",
    "difference_figure",
    "equity_figure",
    "event_key",
    "metric_label",
    "public_value_figure",
    "public_value_profile_figure",
    "report_figures",
    "scenario_colours",
    "summarise",
    "summary_table",
    "tidy",
    "timeseries_figure",
]
