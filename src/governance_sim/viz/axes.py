"""Honest y axes: start them at 0, or mark the ones that do not.

A leaf shared by the report's figures (:mod:`governance_sim.viz.figures` users such as
:mod:`governance_sim.viz.report`) and the app's (:mod:`governance_sim.viz.app_figures`), so a
zoomed axis is marked the same way wherever it is drawn.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["NOT_ZERO_NOTE", "honest_axes"]

#: The note on a y axis that does not start at 0 (English; callers pass the translation).
NOT_ZERO_NOTE = "axis does not start at 0"


def _y_axis_names(fig: go.Figure) -> list[str]:
    """Layout names of the figure's y axes (``yaxis``, ``yaxis2``, ...)."""
    return sorted({name for name in fig.layout if name.startswith("yaxis")} | {"yaxis"},
                  key=lambda name: int(name[5:] or 1))


def _y_values(fig: go.Figure, axis: str) -> np.ndarray:
    """float64[k]: every finite y value drawn on ``axis``.

    Traces (with their error bars) and horizontal lines drawn in data units on the axis
    (such as a reference line at 0, which the axis's autorange includes too).
    """
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
    for shape in fig.layout.shapes:
        if (shape.type == "line" and shape.yref == ref and shape.y0 is not None
                and shape.y0 == shape.y1):
            values.append(np.asarray([shape.y0], dtype=np.float64))
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
