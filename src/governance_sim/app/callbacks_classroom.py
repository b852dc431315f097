"""Callbacks of the classroom: one controller for lesson, play, pause, step, reset, speed.

The ablation lesson has a second choice, the mechanism to switch off (``cls-mechanism``,
shown only with that lesson); choosing another one starts that lesson again. The students'
settings (``{"type": "cls-setting", "name": ...}``, see
:data:`~governance_sim.app.classroom.STUDENT_SETTINGS`) start the lesson again too.

Every control of the classroom goes through :func:`control`, a plain function of the
session's :class:`Classroom` and the control that fired, so it is testable without a
browser; the Dash callback only wires it to the page. The timer (``dcc.Interval``) runs only
while playing and while the classroom is shown. Every text is in the page's language
(``lang`` store, see :mod:`governance_sim.app.chrome`).

Several controls can fire in one request. While an answer is on its way, Dash gathers every
input that changes into the next request: on a loaded machine a press of *Pause* often
arrives together with a timer tick. Every control of a request is applied
(:func:`ordered_controls`): the tick first, the buttons in the order they were pressed
(their ``n_clicks_timestamp``). Acting on the first trigger alone (``ctx.triggered_id``)
lost such a *Pause*, and the class played on to the end (issue 24).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, Patch, State, ctx, html

from governance_sim.app.classroom import SPEEDS, STUDENT_SETTINGS, Classroom
from governance_sim.app.lessons import Lesson, lesson, lesson_text
from governance_sim.app.sessions import SessionStore
from governance_sim.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from governance_sim.viz.classroom_figures import (
    classroom_curves,
    curve_traces,
    network_figure,
    network_markers,
    network_titles,
)

__all__ = ["register", "control", "ordered_controls", "ClassroomView", "lesson_panel",
           "phones_panel",
           "TICK_MS", "PLAY_CLASS", "PLAYING_CLASS", "BUTTONS"]

I18N_DOMAIN = "classroom"

#: Class of the Play button, and while the classroom plays (highlighted).
PLAY_CLASS = "button big play"
PLAYING_CLASS = "button big play playing"

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
    play_class: str = PLAY_CLASS


#: The classroom's buttons, whose presses are ordered by when they happened.
BUTTONS: tuple[str, ...] = ("cls-play", "cls-pause", "cls-step", "cls-reset")
#: Controls that are not buttons, in the order they are applied when they fire together
#: with others: the timer's tick belongs to the moment before any press.
_BEFORE_BUTTONS: tuple[str, ...] = ("cls-tick", "mode", "cls-speed", "cls-colour", "lesson",
                                    "cls-mechanism", "cls-setting")


def _interval(speed: float) -> int:
    return int(max(TICK_MS, round(1000.0 / speed)))


def ordered_controls(triggered: Sequence[str],
                     pressed_at: Mapping[str, Any] | None = None) -> list[str]:
    """The controls that fired together, in the order to apply them.

    Args:
        triggered: ids of the controls that fired in one request (any order, repeats
            allowed).
        pressed_at: for buttons, when each was last pressed (``n_clicks_timestamp``, ms);
            a button without a number counts as pressed before the others.

    Returns:
        The tick and the other non-button controls first (in :data:`_BEFORE_BUTTONS`
        order), then the buttons from the earliest press to the latest; each id once,
        unknown ids dropped.
    """
    stamps = dict(pressed_at or {})
    fired = set(triggered)
    first = [name for name in _BEFORE_BUTTONS if name in fired]

    def when(button: str) -> float:
        stamp = stamps.get(button)
        ok = isinstance(stamp, int | float) and not isinstance(stamp, bool)
        return float(stamp) if ok else float("-inf")

    buttons = sorted((name for name in BUTTONS if name in fired), key=when)
    return first + buttons


def control(room: Classroom, trigger: str | Sequence[str] | None, *,
            lesson_key: str | None = None,
            speed_index: Any = None, colour_by: str | None = None,
            visible: bool = True, mechanism: str | None = None,
            settings: dict[str, Any] | None = None, lang: str = DEFAULT_LANGUAGE
            ) -> ClassroomView:
    """Apply one control to the classroom and return what to show.

    Args:
        room: the session's classroom.
        trigger: id of the control that fired (``lesson``, ``cls-mechanism``,
            ``cls-play``, ``cls-pause``, ``cls-step``, ``cls-reset``, ``cls-speed``,
            ``cls-colour``, ``cls-tick``, ``mode``, ``cls-setting``), or a sequence of
            them that fired together, applied in that order (see
            :func:`ordered_controls`), or None on page load.
        lesson_key: the lesson chosen.
        mechanism: for the ablation lesson, the mechanism to switch off (anything not on
            its list keeps the current one, or the default).
        speed_index: index into :data:`SPEEDS` (anything else keeps the speed).
        colour_by: ``"trust"`` or ``"quintile"``.
        visible: whether the classroom is on screen (the timer stops when it is not).
        settings: the students' settings (name -> value; see
            :meth:`Classroom.change_settings`); a change starts the lesson again.
        lang: language of the page's texts.
    """
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    triggers = [trigger] if isinstance(trigger, str) else list(trigger or ())
    with room.lock:
        if isinstance(speed_index, int) and 0 <= speed_index < len(SPEEDS):
            room.speed = SPEEDS[speed_index]
        if colour_by in ("trust", "quintile"):
            room.colour_by = colour_by
        chosen = _lesson_or_none(lesson_key, mechanism, room.lesson)
        for name in triggers:
            _apply(room, name, chosen, settings)
        if not triggers:  # page load: the lesson the page shows
            _apply(room, None, chosen, settings)
        if not visible:
            room.playing = False
        if room.lang != lang:  # the page's texts changed: whole figures
            room.lang = lang
            room.view_state.clear()
        return _view(room, triggers)


def _apply(room: Classroom, trigger: str | None, chosen: Lesson | None,
           settings: dict[str, Any] | None) -> None:
    """Apply one control to ``room`` (whose lock the caller holds)."""
    if trigger == "cls-setting" and settings:
        room.change_settings(settings)
    elif chosen is not None and (chosen.key, chosen.mechanism) != (room.lesson.key,
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


def _view(room: Classroom, triggers: Sequence[str] = ()) -> ClassroomView:
    """What to show; whole figures after a structural change, else Patches of the data."""
    lang = room.lang
    _ = translator(lang, I18N_DOMAIN)
    text = lesson_text(room.lesson, lang)
    titles = dict(zip((c.label for c in room.lesson.columns), text.columns, strict=True))
    shots = room.snapshots()
    sample = room.sample
    if room.colour_by == "quintile":
        values = [sample.quintile.astype(float)] * len(shots)
    else:
        values = [shot.trust for shot in shots]
    participating = [s.participating for s in shots]
    rates = [s.metrics["participation_rate"] for s in shots]
    key = (room.generation, room.colour_by, lang)
    state = room.view_state
    small = (bool(triggers) and set(triggers) <= _SMALL_UPDATES and state.get("key") == key
             and int(state.get("updates", 0)) < _RESYNC_EVERY)
    frame = room.frame()
    if small:
        network: Any = Patch()
        for i, (value, part) in enumerate(zip(values, participating, strict=True)):
            network["data"][2 * i + 1]["marker"] = network_markers(
                value, part, colour_by=room.colour_by, show_scale=i == len(shots) - 1,
                lang=lang)
        for i, title in enumerate(network_titles(text.columns, participating, rates,
                                                 lang=lang)):
            network["layout"]["annotations"][i]["text"] = title
        network["layout"]["meta"]["step"] = room.step
        curves: Any = Patch()
        for index, (scenario, metric) in state["curve_traces"].items():  # type: ignore[union-attr]
            part = frame[frame["scenario"] == scenario]
            curves["data"][index]["x"] = part["step"].to_numpy()
            curves["data"][index]["y"] = part[metric].to_numpy()
        state["updates"] = int(state["updates"]) + 1
    else:
        network = network_figure(list(text.columns), sample.x, sample.y, sample.edges,
                                 values, participating, step=room.step,
                                 colour_by=room.colour_by, rates=rates, lang=lang)
        curves = classroom_curves(frame, room.lesson.metrics, horizon=room.lesson.steps,
                                  labels=titles, y_ranges=room.lesson.y_ranges,
                                  events=room.lesson.event_marks() or None, lang=lang)
        state.clear()
        state.update(key=key, updates=0,
                     curve_traces=curve_traces(curves, room.lesson.metrics, titles))
    status = (_("playing") if room.playing else
              (_("finished") if room.finished else _("paused")))
    years, months = divmod(room.step, 12)
    month = _("month {step} of {steps} ({years} y {months} m) · {status}").format(
        step=room.step, steps=room.lesson.steps, years=years, months=months, status=status)
    return ClassroomView(network, curves, month, not room.playing, _interval(room.speed),
                         PLAYING_CLASS if room.playing else PLAY_CLASS)


def phones_panel(served_host: str | None, lan: bool, port: Any,
                 lang: str = DEFAULT_LANGUAGE) -> list[Any]:
    """What the *Phones* panel shows after *Start*: the classroom's addresses, or why not.

    Starts the participatory classroom (or finds the one running) with
    :func:`governance_sim.app.participatory_launch.launch`; a refusal is one line.

    Args:
        served_host: the host the app serves on (the app's config), None if not known.
        lan: the teacher ticked *let phones on this network join*.
        port: the port field's value (a number, or None when empty).
    """
    from governance_sim.app.participatory_launch import launch
    from governance_sim.params import UserInputError

    _ = translator(lang, I18N_DOMAIN)
    if isinstance(port, float) and port.is_integer():
        port = int(port)
    try:
        started = launch(served_host, lan=lan, port=port, lang=lang)
    except UserInputError as refused:
        return [html.P(str(refused), className="notice phones-refused")]
    out: list[Any] = [
        html.P([_("Join code") + ": ", html.Strong(started.join_code, className="join-code")]),
        html.P([_("Students open") + ": ",
                *[html.Code(url + " ") for url in started.student_urls]]),
        html.P([html.A(_("Open the teacher's page (the projector)"), href=started.teacher_url,
                       target="_blank", rel="noopener", id="cls-phones-teacher"),
                " " + _("Keep this link to yourself: it holds the teacher's key.")]),
    ]
    if started.lan:
        out.append(html.P(_("Anyone on this network who can reach port {port} can open the "
                            "student page (they still need the join code).").format(
                                port=started.port), className="notice"))
    else:
        out.append(html.P(_("Only this computer can open the pages; tick the box above "
                            "before starting to let phones join (stop the app to change "
                            "it)."), className="panel-hint"))
    return out


def lesson_panel(item: Lesson, lang: str = DEFAULT_LANGUAGE) -> list[Any]:
    """The lesson's question, set-up, what to watch and its sources, as page elements."""
    _ = translator(lang, I18N_DOMAIN)
    text = lesson_text(item, lang)
    parts: list[Any] = [html.H2(text.title), html.P(html.B(text.question)),
                        html.P(text.setup), html.H3(_("What to watch")),
                        html.Ol([html.Li(line) for line in text.watch])]
    if text.sources:
        parts += [html.H3(_("Sources")),
                  html.Ul([html.Li([html.B(source.citation), html.Br(), source.note])
                           for source in text.sources], className="sources")]
    return parts


def settings_state(room: Classroom, lang: str = DEFAULT_LANGUAGE
                   ) -> tuple[list[bool], list[str]]:
    """Per student setting (in :data:`STUDENT_SETTINGS` order): disabled, and its note."""
    _ = translator(lang, I18N_DOMAIN)
    fixed = room.fixed_settings()
    disabled = [setting.name in fixed for setting in STUDENT_SETTINGS]
    notes = [_("This lesson sets it in each column.") if off else ""
             for off in disabled]
    return disabled, notes


def register(app: Dash, store: SessionStore,
             population: dict[str, int] | None = None) -> None:
    """Add the classroom's callbacks and the view switch to ``app``.

    Args:
        app: the Dash app.
        store: the per-session state.
        population: parameters over the lessons' for every session's classroom (e.g. fewer
            citizens); None keeps the lessons' own.
    """
    population = dict(population or {})

    def new_classroom() -> Classroom:
        return Classroom(population=population)

    @app.callback(
        Output("policy-view", "style"),
        Output("classroom-view", "style"),
        Input("mode", "value"),
    )
    def _mode(mode: str) -> tuple[dict[str, str], dict[str, str]]:
        if mode == "classroom":
            return {"display": "none"}, {"display": "block"}
        return {}, {"display": "none"}

    from governance_sim.app.classroom_layout import PANEL_JS

    app.clientside_callback(
        PANEL_JS,
        Output("cls-panel-lesson", "style"), Output("cls-panel-settings", "style"),
        Output("cls-panel-roles", "style"), Output("cls-panel-phones", "style"),
        Output("cls-roles-bureaucracy", "style"),
        Output("cls-roles-npm", "style"), Output("cls-roles-co_creation", "style"),
        Input("cls-panel", "value"), Input("cls-role-logic", "value"))

    @app.callback(
        Output("cls-phones-out", "children"),
        Input("cls-phones-start", "n_clicks"),
        State("cls-phones-lan", "value"),
        State("cls-phones-port", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _phones(_clicks: int | None, lan: Sequence[str] | None, port: Any,
                lang: str | None) -> list[Any]:
        from flask import current_app

        from governance_sim.app.participatory_launch import SERVED_HOST_KEY

        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        return phones_panel(current_app.config.get(SERVED_HOST_KEY), bool(lan and "lan" in lan),
                            port, lang)

    @app.callback(
        Output("cls-mechanism-box", "style"),
        Input("lesson", "value"),
    )
    def _mechanism_box(lesson_key: str) -> dict[str, str]:
        if lesson_key == "ablation":
            return {}
        return {"display": "none"}

    @app.callback(
        Output("cls-network", "figure"),
        Output("cls-curves", "figure"),
        Output("cls-month", "children"),
        Output("cls-tick", "disabled"),
        Output("cls-tick", "interval"),
        Output("cls-lesson-text", "children"),
        Output("cls-play", "className"),
        Output({"type": "cls-setting", "name": ALL}, "disabled"),
        Output({"type": "cls-setting-note", "name": ALL}, "children"),
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
        Input({"type": "cls-setting", "name": ALL}, "value"),
        State({"type": "cls-setting", "name": ALL}, "id"),
        *(State(button, "n_clicks_timestamp") for button in BUTTONS),
        State("session-id", "data"),
        State("lang", "data"),
    )
    def _control(lesson_key: str, mechanism: str, _play: Any, _pause: Any, _step: Any,
                 _reset: Any, speed: Any, colour: str, _ticks: Any, mode: str,
                 setting_values: list[Any], setting_ids: list[dict[str, str]],
                 *rest: Any) -> tuple[Any, ...]:
        *pressed, session_id, lang = rest
        session = store.get(session_id)
        room: Classroom = session.get("classroom", new_classroom)
        fired: list[str] = []
        for triggered in ctx.triggered_prop_ids.values():  # every control of the request
            if isinstance(triggered, str):
                fired.append(triggered)
            elif isinstance(triggered, dict) and triggered.get("type") == "cls-setting":
                fired.append("cls-setting")
        trigger = ordered_controls(fired, dict(zip(BUTTONS, pressed, strict=True)))
        settings = {str(i.get("name")): v for i, v in zip(setting_ids, setting_values,
                                                           strict=False)}
        view = control(room, trigger, lesson_key=lesson_key, speed_index=speed,
                       colour_by=colour, visible=mode == "classroom", mechanism=mechanism,
                       settings=settings, lang=lang if isinstance(lang, str) else "en")
        disabled, notes = settings_state(room, room.lang)
        return (view.network, view.curves, view.month, view.timer_disabled, view.interval,
                lesson_panel(room.lesson, room.lang), view.play_class, disabled, notes)
