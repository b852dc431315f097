"""The classroom's page, built for a projector (1024 x 768) in the page's language.

Only layout (components and their ids); behaviour is in
:mod:`~governance_sim.app.callbacks_classroom`. One row of large controls (lesson, Play,
Pause, Step, Reset), then the citizens' network and the curves on the left, and on the right
one of three panels: the lesson (question, what to watch, a note on each source), the
settings students may change, and the seed's role table as one card per role for the logic
chosen.
"""

from __future__ import annotations

from dash import dcc, html

from governance_sim.app.classroom import SPEEDS, STUDENT_SETTINGS
from governance_sim.app.lessons import (
    ABLATION_MECHANISMS,
    DEFAULT_ABLATION,
    LESSONS,
    lesson_text,
    mechanism_label,
)
from governance_sim.app.participatory_launch import DEFAULT_PORT
from governance_sim.app.roles_text import ROLE_KEYS, logic_titles, role_table, seed_source
from governance_sim.i18n import DEFAULT_LANGUAGE, format_number, translator
from governance_sim.params import LOGIC_NAMES

__all__ = ["classroom_view", "role_cards", "PANELS"]

I18N_DOMAIN = "classroom"

#: The right-hand panels: lesson, settings, roles.
PANELS: tuple[str, ...] = ("lesson", "settings", "roles")


def _setting_control(setting, lang: str) -> html.Div:  # noqa: ANN001 - a Setting
    _ = translator(lang, I18N_DOMAIN)
    digits = 0 if setting.step >= 1 else 2
    marks = {float(v): f"{v:.{digits}f}" for v in (setting.low, setting.default,
                                                    setting.high)}
    return html.Div([
        html.Label(_(setting.label), className="setting-label",
                   htmlFor=f"cls-setting-{setting.name}"),
        dcc.Slider(id={"type": "cls-setting", "name": setting.name}, min=setting.low,
                   max=setting.high, step=setting.step, value=setting.default, marks=marks,
                   updatemode="mouseup", className="setting-slider", allow_direct_input=False,
                   tooltip={"placement": "bottom", "always_visible": True}),
        html.Div(_(setting.hint), className="setting-hint"),
        html.Div(id={"type": "cls-setting-note", "name": setting.name},
                 className="setting-note"),
    ], className="setting", title=setting.name)


def _settings_panel(lang: str) -> html.Div:
    _ = translator(lang, I18N_DOMAIN)
    speed_marks = {i: format_number(s, lang) for i, s in enumerate(SPEEDS)}
    return html.Div([
        html.H2(_("Settings")),
        html.P(_("They apply to every column; changing one starts the lesson again."),
               className="panel-hint"),
        *[_setting_control(setting, lang) for setting in STUDENT_SETTINGS],
        html.H3(_("View")),
        html.Div([
            html.Label(_("Speed (months per second)"), className="setting-label"),
            dcc.Slider(id="cls-speed", min=0, max=len(SPEEDS) - 1, step=1, value=1,
                       marks=speed_marks, className="setting-slider",
                       allow_direct_input=False),
        ], className="setting"),
        html.Div([
            html.Label(_("Colour of the dots"), className="setting-label"),
            dcc.RadioItems(id="cls-colour", value="trust",
                           options=[{"label": _("trust"), "value": "trust"},
                                    {"label": _("resources"), "value": "quintile"}],
                           className="big-radio"),
        ], className="setting"),
    ], id="cls-panel-settings", className="side-panel", style={"display": "none"})


def role_cards(lang: str = DEFAULT_LANGUAGE) -> list[html.Div]:
    """Per logic, a group of cards: one per role, then the kindergarten and its mission."""
    _ = translator(lang, I18N_DOMAIN)
    rows = {row.key: row for row in role_table(lang)}
    groups = []
    for logic in LOGIC_NAMES:
        cards = [html.Div([
            html.H4(rows[key].heading),
            html.Div(rows[key].seed[logic], className="seed-words"),
            html.Div(rows[key].model[logic], className="model-words"),
        ], className=f"role-card role-{key}") for key in ROLE_KEYS]
        context = html.P([html.B(rows["institution"].heading + ": "),
                          rows["institution"].seed[logic], html.Br(),
                          html.B(rows["mission"].heading + ": "), rows["mission"].seed[logic]],
                         className="role-context")
        groups.append(html.Div([context, *cards], id=f"cls-roles-{logic}",
                               className=f"role-group logic-{logic}",
                               style={} if logic == LOGIC_NAMES[0] else {"display": "none"}))
    return groups


def _roles_panel(lang: str) -> html.Div:
    _ = translator(lang, I18N_DOMAIN)
    titles = logic_titles(lang)
    return html.Div([
        html.H2(_("Who does what under each logic")),
        dcc.RadioItems(id="cls-role-logic", value=LOGIC_NAMES[0],
                       options=[{"label": titles[name], "value": name}
                                for name in LOGIC_NAMES], className="big-radio role-logic"),
        *role_cards(lang),
        html.P(seed_source(lang) + ". " + _("Bold: the lecture's words; below: what the role "
                                            "does in the model."), className="panel-hint"),
    ], id="cls-panel-roles", className="side-panel", style={"display": "none"})


def _phones_panel(lang: str) -> html.Div:
    """The *Phones* panel: start the participatory classroom from the app.

    Students play roles from their phones (:mod:`governance_sim.app.participatory_launch`).
    """
    _ = translator(lang, I18N_DOMAIN)
    return html.Div([
        html.H2(_("Students play the roles from their phones")),
        html.P(_("Each student steps into one citizen, professional, leader or politician of "
                 "a running model and chooses for them each round; the projector shows the "
                 "whole municipality. Start it here, then open the teacher's page on the "
                 "projector.")),
        dcc.Checklist(id="cls-phones-lan", value=[],
                      options=[{"label": _("Let phones on this network join (otherwise only "
                                           "this computer can open the pages)"),
                                "value": "lan"}], className="setting-check"),
        html.Label([_("Port") + " ",
                    dcc.Input(id="cls-phones-port", type="number", value=DEFAULT_PORT, min=1024,
                              max=65535, step=1, className="port-input")],
                   className="setting-label"),
        html.Button(_("Start a participatory classroom"), id="cls-phones-start",
                    className="button"),
        html.Div(id="cls-phones-out", className="phones-out", role="status"),
        html.P(_("It runs until the app stops (Ctrl+C). Or start it in a terminal: "
                 "governance-sim classroom --participatory --lan"), className="panel-hint"),
    ], id="cls-panel-phones", className="side-panel", style={"display": "none"})


def classroom_view(lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """The classroom in ``lang``."""
    _ = translator(lang, I18N_DOMAIN)
    return html.Div([
        html.Div([
            dcc.Dropdown(id="lesson", value=LESSONS[0].key, clearable=False, searchable=False,
                         options=[{"label": lesson_text(item, lang).title, "value": item.key}
                                  for item in LESSONS], className="lesson-select"),
            html.Button("▶ " + _("Play"), id="cls-play", className="button big play"),
            html.Button("❚❚ " + _("Pause"), id="cls-pause", className="button big"),
            html.Button(_("Step"), id="cls-step", className="button big",
                        title=_("one month")),
            html.Button("↺ " + _("Reset"), id="cls-reset", className="button big"),
            html.Div(id="cls-month", className="month", role="status"),
        ], className="classroom-bar"),
        html.Div([
            html.Div([
                dcc.Graph(id="cls-network", config={"displayModeBar": False},
                          className="cls-network"),
                html.P(_("Dots: citizens of three service units; lines: who listens to whom. "
                         "Ringed: taking part this month. “Of all citizens”: the share in "
                         "the whole municipality."), className="figure-note"),
                dcc.Graph(id="cls-curves", config={"displayModeBar": False},
                          className="cls-curves"),
            ], className="classroom-left"),
            html.Div([
                dcc.RadioItems(id="cls-panel", value="lesson", inline=True,
                               options=[{"label": _("Lesson"), "value": "lesson"},
                                        {"label": _("Settings"), "value": "settings"},
                                        {"label": _("Roles"), "value": "roles"},
                                        {"label": _("Phones"), "value": "phones"}],
                               className="panel-switch"),
                html.Div([
                    html.Div([
                        html.Label(_("Mechanism to switch off"), className="setting-label"),
                        dcc.Dropdown(id="cls-mechanism", value=DEFAULT_ABLATION,
                                     clearable=False, searchable=False, optionHeight=80,
                                     options=[{"label": mechanism_label(name, lang),
                                               "value": name}
                                              for name in ABLATION_MECHANISMS],
                                     className="mechanism-select"),
                    ], id="cls-mechanism-box", className="mechanism-box",
                        style={"display": "none"}),
                    html.Div(id="cls-lesson-text", className="lesson-text"),
                ], id="cls-panel-lesson", className="side-panel"),
                _settings_panel(lang),
                _roles_panel(lang),
                _phones_panel(lang),
            ], className="classroom-right"),
        ], className="classroom-body"),
        dcc.Interval(id="cls-tick", interval=500, disabled=True),
    ], className="classroom", lang=lang)


#: Clientside: show the chosen right-hand panel and the chosen logic's role cards.
PANEL_JS = """
function(panel, logic) {
    const show = {display: 'block'}, hide = {display: 'none'};
    return [panel === 'lesson' ? show : hide, panel === 'settings' ? show : hide,
            panel === 'roles' ? show : hide, panel === 'phones' ? show : hide,
            logic === 'bureaucracy' ? show : hide, logic === 'npm' ? show : hide,
            logic === 'co_creation' ? show : hide];
}
"""
