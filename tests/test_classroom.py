"""The classroom without a browser: Norwegian texts, students' settings, Play state, chrome."""

from __future__ import annotations

import gettext

import pytest

from governance_sim.app.callbacks_classroom import (
    PLAY_CLASS,
    PLAYING_CLASS,
    control,
    lesson_panel,
    ordered_controls,
    settings_state,
)
from governance_sim.app.chrome import page_request
from governance_sim.app.classroom import STUDENT_SETTINGS, Classroom
from governance_sim.app.lessons import (
    ABLATION_MECHANISMS,
    LESSONS,
    ablation_lesson,
    lesson,
    lesson_text,
    texts_to_translate,
)
from governance_sim.app.roles_text import ROLE_KEYS, role_table
from governance_sim.i18n import LOCALE_DIR, LanguageError, translator
from governance_sim.params import LOGIC_NAMES
from governance_sim.viz.classroom_figures import METRIC_TITLES

SMALL = {"n_citizens": 400, "n_units": 4}


# --- Norwegian -------------------------------------------------------------------------------
def test_every_lesson_text_has_a_norwegian_translation():
    catalogue = gettext.translation("classroom", localedir=str(LOCALE_DIR), languages=["nb"])
    translated = {key for key, value in catalogue._catalog.items() if key and value}
    texts = texts_to_translate()
    assert len(texts) > 100
    missing = [text for text in texts if text not in translated]
    assert not missing, missing


@pytest.mark.parametrize("item", [*LESSONS, *(ablation_lesson(m) for m in ABLATION_MECHANISMS)],
                         ids=lambda item: item.mechanism or item.key)
def test_lessons_read_in_norwegian(item):
    english, norsk = lesson_text(item, "en"), lesson_text(item, "nb")
    assert english.title == item.title and english.watch == item.watch
    for field in ("title", "question", "setup"):
        assert getattr(norsk, field) != getattr(english, field), field
    assert all(n != e for n, e in zip(norsk.watch, english.watch, strict=True))
    assert all(s.note != e.note for s, e in zip(norsk.sources, english.sources, strict=True))
    assert len(norsk.columns) == len(item.columns)
    assert "{" not in norsk.question + norsk.setup  # every placeholder filled


def test_ablation_lesson_in_norwegian_names_the_mechanism_and_its_patterns():
    text = lesson_text(ablation_lesson("voice"), "nb")
    assert text.columns == ("med stemme", "uten stemme")
    assert text.question.startswith("Hva forsvinner uten stemme?")
    assert "5. stemmegapet" in text.question
    assert "Kolonnen «med stemme»" in text.setup


def test_every_source_has_a_note_and_the_seed_slides_are_explained():
    for item in (*LESSONS, ablation_lesson("facilitation")):
        for source in item.sources:
            assert source.citation and len(source.note.split()) >= 10, source
    j_curve = lesson("j_curve").sources[0]
    assert "slide 20" in j_curve.citation and "resource-intensive" in j_curve.note


def test_role_table_in_the_lectures_own_norwegian_words():
    rows = {row.key: row for row in role_table("nb")}
    assert rows["citizens"].heading.startswith("Innbyggere")
    assert rows["professionals"].heading.startswith("Fagfolk")
    assert rows["leaders"].heading.startswith("Ledere")
    assert rows["politicians"].heading.startswith("Politikere")
    assert rows["institution"].seed["co_creation"] == "Et fellesskapspalass"
    assert rows["politicians"].seed["bureaucracy"] == "Bestillere som avgjør enkeltsaker"
    assert "Autonomi" in rows["professionals"].model["npm"]
    english = {row.key: row for row in role_table("en")}
    for key in ROLE_KEYS:
        for logic in LOGIC_NAMES:
            assert rows[key].model[logic] != english[key].model[logic]
    with pytest.raises(LanguageError):
        role_table("sv")


def test_lesson_panel_lists_sources_with_notes_in_the_language():
    panel = str(lesson_panel(lesson("j_curve"), "nb"))
    assert "Kilder" in panel and "lysbilde 20" in panel and "ressurskrevende" in panel


def test_curve_titles_are_short_enough_for_a_projector():
    for lang in ("en", "nb"):
        _ = translator(lang, "classroom")
        for title in METRIC_TITLES.values():
            assert len(_(title)) <= 28, (lang, title)


# --- students' settings ------------------------------------------------------------------------
def test_settings_apply_to_every_column_and_restart_the_lesson():
    room = Classroom(population=SMALL)
    room.advance(3)
    view = control(room, "cls-setting", settings={"initial_trust": 0.7, "leader_patience": 30})
    assert room.step == 0 and view.timer_disabled
    assert [m.params.initial_trust for m in room.models] == [0.7, 0.7, 0.7]
    assert [m.params.leader_patience for m in room.models] == [30.0] * 3
    # the same values again: nothing starts again
    room.advance(2)
    control(room, "cls-setting", settings={"initial_trust": 0.7, "leader_patience": 30})
    assert room.step == 2


def test_settings_outside_their_range_or_not_numbers_are_ignored():
    room = Classroom(population=SMALL)
    for bad in ({"initial_trust": 5.0}, {"initial_trust": "0.7"}, {"initial_trust": True},
                {"n_citizens": 10}, {"initial_trust": None}):
        assert not room.change_settings(bad)
    assert room.settings == {}
    room.change_settings({"trust_threshold": 0.6})
    assert room.change_settings({"trust_threshold": STUDENT_SETTINGS[1].default})
    assert room.settings == {}  # back at the default


def test_a_lesson_that_sets_a_setting_keeps_its_own_value():
    room = Classroom(population=SMALL)
    control(room, "lesson", lesson_key="trust_threshold")
    control(room, "cls-setting", lesson_key="trust_threshold",
            settings={"initial_trust": 0.8, "trust_threshold": 0.6})
    assert [m.params.initial_trust for m in room.models] == [0.40, 0.55, 0.70]
    assert [m.params.trust_threshold for m in room.models] == [0.6] * 3
    disabled, notes = settings_state(room, "nb")
    names = [s.name for s in STUDENT_SETTINGS]
    assert disabled[names.index("initial_trust")] and not disabled[names.index(
        "trust_threshold")]
    assert notes[names.index("initial_trust")].startswith("Denne leksjonen")


# --- Play, month, figures in the language ----------------------------------------------------
def test_play_is_highlighted_only_while_playing():
    room = Classroom(lesson("three_logics"), population=SMALL)
    assert control(room, None).play_class == PLAY_CLASS
    assert control(room, "cls-play").play_class == PLAYING_CLASS
    room.advance(room.lesson.steps)  # the run ends
    view = control(room, "cls-tick")
    assert view.play_class == PLAY_CLASS and view.timer_disabled
    assert "finished" in view.month


def test_views_follow_the_language():
    room = Classroom(population=SMALL)
    view = control(room, None, lang="nb")
    assert "måned 0 av 120" in view.month and "på pause" in view.month
    titles = [a.text for a in view.curves.layout.annotations]
    assert any(t.startswith("Tillit") for t in titles)
    assert {t.legendgroup for t in view.curves.data} == {"Byråkrati", "NPM", "Samskaping"}
    assert "av disse" in view.network.layout.annotations[0].text
    view = control(room, "cls-play", lang="nb")
    tick = control(room, "cls-tick", lang="nb")
    assert tick.curves.to_plotly_json()["operations"]  # small updates follow the nb traces
    english = control(room, "cls-tick", lang="en")  # a new language: whole figures
    assert {t.legendgroup for t in english.curves.data} == {"Bureaucracy", "NPM",
                                                            "Co-creation"}


# --- the page's address ------------------------------------------------------------------------
def test_page_request_reads_language_and_view_from_the_address():
    request = page_request("http://127.0.0.1:8050/?lang=nb&mode=classroom&scenario=x")
    assert (request.lang, request.mode, request.notice) == ("nb", "classroom", "")
    assert page_request(None, "nb").lang == "nb"
    assert page_request("http://h/?scenario=npm", "nb").lang == "nb"
    odd = page_request("http://h/?lang=klingon&mode=<script>", "en")
    assert (odd.lang, odd.mode) == ("en", "policy")
    assert "klingon" in odd.notice and "nb (Norsk (bokmål))" in odd.notice


def test_app_language_is_checked():
    from governance_sim.app import create_app

    with pytest.raises(LanguageError, match="unknown language 'de'"):
        create_app(lang="de")


def test_app_command_rejects_an_unknown_language_in_one_line(capsys):
    from governance_sim.cli import main

    assert main(["app", "--lang", "de", "--port", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown language 'de'" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_app_command_passes_the_language(monkeypatch):
    from types import SimpleNamespace

    import governance_sim.app as app_package
    from governance_sim.app.controls import TableChoices
    from governance_sim.app.layout import TABLES_CONFIG_KEY
    from governance_sim.cli import app_commands, main

    seen = {}

    class FakeApp:
        server = SimpleNamespace(config={TABLES_CONFIG_KEY: TableChoices.offer()})

        def run(self, **kwargs):
            seen["run"] = kwargs

    monkeypatch.setattr(app_commands, "check_port", lambda host, port: None)
    monkeypatch.setattr(app_package, "create_app",
                        lambda **kwargs: seen.setdefault("create", kwargs) and FakeApp())
    assert main(["app", "--lang", "NB", "--port", "8999"]) == 0
    assert seen["create"] == {"lang": "nb", "uncertainty": []}


def test_controls_that_fire_together_are_all_applied_in_order() -> None:
    """Issue 24: Dash sends a Pause together with a timer tick when both changed while an
    answer was on its way; acting on the first trigger only lost the Pause."""
    assert ordered_controls(["cls-pause", "cls-tick"]) == ["cls-tick", "cls-pause"]
    assert ordered_controls(["cls-play", "cls-pause"], {"cls-play": 20, "cls-pause": 10}) == [
        "cls-pause", "cls-play"]
    assert ordered_controls(["cls-play", "cls-pause"], {"cls-play": 10, "cls-pause": 20}) == [
        "cls-play", "cls-pause"]
    assert ordered_controls(["cls-step", "no-such-control", "cls-step"]) == ["cls-step"]
    room = Classroom(population=SMALL)
    control(room, "cls-play")
    view = control(room, ["cls-tick", "cls-pause"])
    assert not room.playing and view.timer_disabled and "paused" in view.month
    month = room.step
    assert month >= 1  # the tick was applied before the pause
    control(room, ["cls-tick", "cls-play"])  # a stale tick, then Play: plays from here
    assert room.playing and room.step == month
    control(room, ordered_controls(["cls-step", "cls-tick"]))
    assert not room.playing and room.step == month + 2  # the tick, then one step
