"""Callbacks of the classroom: one controller for lesson, play, pause, step, reset, speed.

The ablation lesson has a second choice, the mechanism to switch off (``cls-mechanism``,
shown only with that lesson); choosing another one starts that lesson again.

Every control of the classroom goes through :func:`control`, a plain function of the
session's :class:`Classroom` and the control that fired, so it is testable without a
browser; the Dash callback only wires it to the page. The timer (``dcc.Interval``) runs only
while playing and while the classroom is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, Patch, State, ctx, html

from governance_sim.app.classroom import SPEEDS, Classroom
from governance_sim.app.lessons import Lesson, lesson
from governance_sim.app.sessions import SessionStore
from governance_sim.viz.app_figures import (
    classroom_curves,
    network_figure,
    network_markers,
    network_titles,
)

__all__ = ["register", "control", "ClassroomView", "lesson_panel", "TICK_MS"]

#: Shortest time between two timer ticks (ms); faster speeds simulate more months a tick.
TICK_MS = 250


@dataclass
class ClassroomView:
    """What the page shows after a control: figures, month, timer settings."""

    network: go.Figure | Patch
    curves: go.Figure | Patch
    month: str
    timer_disabled: bool
    interval: int


def _interval(speed: float) -> int:
    return int(max(TICK_MS, round(1000.0 / speed)))


def control(room: Classroom, trigger: str | None, *, lesson_key: str | None = None,
            speed_index: Any = None, colour_by: str | None = None,
            visible: bool = True, mechanism: str | None = None) -> ClassroomView:
    """Apply one control to the classroom and return what to show.

    Args:
        room: the session's classroom.
        trigger: id of the control that fired (``lesson``, ``cls-mechanism``,
            ``cls-play``, ``cls-pause``, ``cls-step``, ``cls-reset``, ``cls-speed``,
            ``cls-colour``, ``cls-tick``, ``mode``), or None on page load.
        lesson_key: the lesson chosen.
        mechanism: for the ablation lesson, the mechanism to switch off (anything not on
            its list keeps the current one, or the default).
        speed_index: index into :data:`SPEEDS` (anything else keeps the speed).
        colour_by: ``"trust"`` or ``"quintile"``.
        visible: whether the classroom is on screen (the timer stops when it is not).
    """
    with room.lock:
        if isinstance(speed_index, int) and 0 <= speed_index < len(SPEEDS):
            room.speed = SPEEDS[speed_index]
        if colour_by in ("trust", "quintile"):
            room.colour_by = colour_by
        chosen = _lesson_or_none(lesson_key, mechanism, room.lesson)
        if chosen is not None and (chosen.key, chosen.mechanism) != (room.lesson.key,
                                                                     room.lesson.mechanism):
            room.reset(chosen)
        elif trigger == "cls-reset":
            room.reset()
        elif trigger == "cls-play":
            if room.finished:
                room.reset()
            room.playing = True
        elif trigger == "cls-pause":
            room.playing = False
        elif trigger == "cls-step":
            room.playing = False
            room.advance(1)
        elif trigger == "cls-tick" and room.playing:
            room.advance(room.steps_per_tick(_interval(room.speed)))
        if not visible:
            room.playing = False
        return _view(room, trigger)


def _lesson_or_none(key: Any, mechanism: Any, current: Lesson) -> Lesson | None:
    """The lesson chosen; an unknown mechanism keeps the current one (or the default)."""
    if not isinstance(key, str):
        return None
    try:
        item = lesson(key)
    except KeyError:
        return None
    if item.key == current.key:
        item = current
    if isinstance(mechanism, str):
        try:
            return lesson(key, mechanism)
        except KeyError:
            return item
    return item


#: Controls that keep the figures' structure: the page gets small updates (a Patch).
_SMALL_UPDATES = {"cls-tick", "cls-step", "cls-play", "cls-pause", "cls-speed"}
#: A whole figure at least every this many updates, in case the page missed one.
_RESYNC_EVERY = 20


def _view(room: Classroom, trigger: str | None = None) -> ClassroomView:
    """What to show; whole figures after a structural change, else Patches of the data."""
    shots = room.snapshots()
    sample = room.sample
    if room.colour_by == "quintile":
        values = [sample.quintile.astype(float)] * len(shots)
    else:
        values = [shot.trust for shot in shots]
    participating = [s.participating for s in shots]
    rates = [s.metrics["participation_rate"] for s in shots]
    key = (room.generation, room.colour_by)
    state = room.view_state
    small = (trigger in _SMALL_UPDATES and state.get("key") == key
             and int(state.get("updates", 0)) < _RESYNC_EVERY)
    frame = room.frame()
    if small:
        network: Any = Patch()
        for i, (value, part) in enumerate(zip(values, participating, strict=True)):
            network["data"][2 * i + 1]["marker"] = network_markers(
                value, part, colour_by=room.colour_by, show_scale=i == len(shots) - 1)
        for i, title in enumerate(network_titles([s.label for s in shots], participating,
                                                 rates)):
            network["layout"]["annotations"][i]["text"] = title
        network["layout"]["meta"]["step"] = room.step
        curves: Any = Patch()
        for index, (scenario, metric) in state["curve_traces"].items():  # type: ignore[union-attr]
            part = frame[frame["scenario"] == scenario]
            curves["data"][index]["x"] = part["step"].to_numpy()
            curves["data"][index]["y"] = part[metric].to_numpy()
        state["updates"] = int(state["updates"]) + 1
    else:
        network = network_figure([s.label for s in shots], sample.x, sample.y, sample.edges,
                                 values, participating, step=room.step,
                                 colour_by=room.colour_by, rates=rates)
        curves = classroom_curves(frame, room.lesson.metrics, horizon=room.lesson.steps,
                                  y_ranges=room.lesson.y_ranges,
                                  events=room.lesson.event_marks() or None)
        state.clear()
        state.update(key=key, updates=0, curve_traces=_curve_traces(curves,
                                                                    room.lesson.metrics))
    status = "playing" if room.playing else ("finished" if room.finished else "paused")
    years, months = divmod(room.step, 12)
    month = (f"month {room.step} of {room.lesson.steps} ({years} y {months} m) · {status} · "
             f"{room.speed:g} months/s")
    return ClassroomView(network, curves, month, not room.playing, _interval(room.speed))


def _curve_traces(fig: go.Figure, metrics: tuple[str, ...]) -> dict[int, tuple[str, str]]:
    """Trace index -> (column label, metric) for the median lines of the curves figure.

    Read from the figure itself (panel ``i`` is on axis ``x``, ``x2``, ...), so it follows
    :func:`governance_sim.viz.figures.timeseries_figure` wherever it puts its traces.
    """
    out = {}
    for index, trace in enumerate(fig.data):
        if trace.mode != "lines" or trace.name != trace.legendgroup:
            continue
        axis = trace.xaxis or "x"
        panel = int(axis[1:] or 1) - 1
        if 0 <= panel < len(metrics):
            out[index] = (str(trace.legendgroup), metrics[panel])
    return out


def lesson_panel(item: Lesson) -> list[Any]:
    """The lesson's question, set-up and what to watch, as page elements."""
    parts: list[Any] = [html.H2(item.title), html.P(html.B(item.question)),
                        html.P(item.setup), html.H4("What to watch"),
                        html.Ol([html.Li(text) for text in item.watch])]
    if item.sources:
        parts.append(html.P("Behind it: " + "; ".join(item.sources), className="hint"))
    return parts


def register(app: Dash, store: SessionStore) -> None:
    """Add the classroom's callbacks and the view switch to ``app``."""

    @app.callback(
        Output("policy-view", "style"),
        Output("classroom-view", "style"),
        Input("mode", "value"),
    )
    def _mode(mode: str) -> tuple[dict[str, str], dict[str, str]]:
        if mode == "classroom":
            return {"display": "none"}, {"display": "block"}
        return {}, {"display": "none"}

    @app.callback(
        Output("cls-mechanism-box", "style"),
        Input("lesson", "value"),
    )
    def _mechanism_box(lesson_key: str) -> dict[str, str]:
        if lesson_key == "ablation":
            return {"display": "flex", "alignItems": "center", "gap": "0.4rem"}
        return {"display": "none"}

    @app.callback(
        Output("cls-network", "figure"),
        Output("cls-curves", "figure"),
        Output("cls-month", "children"),
        Output("cls-tick", "disabled"),
        Output("cls-tick", "interval"),
        Output("cls-lesson-text", "children"),
        Input("lesson", "value"),
        Input("cls-mechanism", "value"),
        Input("cls-play", "n_clicks"),
        Input("cls-pause", "n_clicks"),
        Input("cls-step", "n_clicks"),
        Input("cls-reset", "n_clicks"),
        Input("cls-speed", "value"),
        Input("cls-colour", "value"),
        Input("cls-tick", "n_intervals"),
        Input("mode", "value"),
        State("session-id", "data"),
    )
    def _control(lesson_key: str, mechanism: str, _play: Any, _pause: Any, _step: Any,
                 _reset: Any, speed: Any, colour: str, _ticks: Any, mode: str,
                 session_id: str) -> tuple[Any, ...]:
        session = store.get(session_id)
        room: Classroom = session.get("classroom", Classroom)
        trigger = ctx.triggered_id if isinstance(ctx.triggered_id, str) else None
        view = control(room, trigger, lesson_key=lesson_key, speed_index=speed,
                       colour_by=colour, visible=mode == "classroom", mechanism=mechanism)
        return (view.network, view.curves, view.month, view.timer_disabled, view.interval,
                lesson_panel(room.lesson))
