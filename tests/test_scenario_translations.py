"""Scenario texts in Norwegian bokmål: ``[scenario.translations.nb]`` in a scenario file, read
by :mod:`governance_sim.scenarios`, recorded in the manifest and shown by the report."""

from __future__ import annotations

import json
import pickle
import re
import tomllib
from pathlib import Path

import pytest

import governance_sim as gs
from governance_sim.cli import main
from governance_sim.cli.batch import scenario_info
from governance_sim.i18n import LanguageError
from governance_sim.scenarios import (
    TEXT_KEYS,
    TRANSLATION_LANGUAGES,
    ScenarioError,
    ScenarioText,
    list_scenarios,
    scenario_dir,
    scenario_from_dict,
)
from governance_sim.viz.report import scenario_text

NAMES = list_scenarios()
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
SCENARIO_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _numbers(text: str) -> list[str]:
    return sorted(n.replace(",", ".") for n in NUMBER.findall(text))


def test_translations_are_offered_for_the_languages_of_the_interface() -> None:
    assert TRANSLATION_LANGUAGES == ("nb",)


@pytest.mark.parametrize("name", NAMES)
def test_every_shipped_scenario_has_nb_label_description_and_question(name: str) -> None:
    scenario = gs.load_scenario(name)
    given = scenario.translations["nb"]
    english, nb = scenario.text("en"), scenario.text("nb")
    for key in TEXT_KEYS:
        assert getattr(given, key).strip(), f"{name}: no nb {key}"
    assert nb == given
    assert nb.description != english.description and nb.question != english.question
    # numbers (decimal comma allowed) and the scenario names a question refers to are kept
    assert _numbers(nb.description) == _numbers(english.description), name
    assert _numbers(nb.question) == _numbers(english.question), name
    assert _numbers(nb.label) == _numbers(english.label), name
    assert set(SCENARIO_NAME.findall(english.question)) <= set(
        SCENARIO_NAME.findall(nb.question)), name


def test_the_shipped_count() -> None:
    assert len(NAMES) == 14
    raw = [tomllib.loads((scenario_dir() / f"{n}.toml").read_text(encoding="utf-8"))
           for n in NAMES]
    assert all(set(r["scenario"]["translations"]) == {"nb"} for r in raw)


def _scenario(translations: object, **meta: object) -> gs.Scenario:
    return scenario_from_dict({"scenario": {"name": "x", **meta,
                                            "translations": translations},
                               "params": {"logic": "npm"}})


def test_text_falls_back_to_english_field_by_field() -> None:
    scenario = _scenario({"nb": {"description": "  Norsk tekst. "}}, label="Plain",
                         description="English text.", question="Why?")
    assert scenario.text("nb") == ScenarioText("Plain", "Norsk tekst.", "Why?")
    assert scenario.text("nb_NO") == scenario.text("NB") == scenario.text("nb")
    assert scenario.text("en") == ScenarioText("Plain", "English text.", "Why?")
    assert scenario.text() == scenario.text("en")
    untranslated = scenario_from_dict({"scenario": {"name": "y", "description": "D"}})
    assert untranslated.translations == {}
    assert untranslated.text("nb") == ScenarioText("y", "D", "")  # the name as label
    with pytest.raises(LanguageError, match="allowed: en"):
        scenario.text("de")


def test_translations_are_immutable_and_travel_with_the_scenario() -> None:
    scenario = _scenario({"nb": {"label": "Merkelapp"}}, label="Label")
    with pytest.raises(TypeError):
        scenario.translations["nb"] = ScenarioText()  # type: ignore[index]
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy.translations == scenario.translations
    assert copy.text("nb").label == "Merkelapp"
    assert hash(copy.translations) == hash(scenario.translations)


BAD = {
    "not_a_table": ('translations = "nb"', "scenario.translations must be a table",
                    "[scenario.translations.nb]"),
    "unknown_language": ('[scenario.translations.de]\nlabel = "Klassische Bürokratie"',
                         "unknown language scenario.translations.de", "allowed: nb"),
    "english": ('[scenario.translations.en]\nlabel = "Bureaucracy"',
                "English is the scenario's own", "allowed: nb"),
    "unknown_key": ('[scenario.translations.nb]\ntitle = "Byråkrati"',
                    "unknown key scenario.translations.nb.title",
                    "allowed: label, description, question"),
    "not_text": ("[scenario.translations.nb]\nlabel = 5",
                 "scenario.translations.nb.label must be text", "got int"),
    "empty": ('[scenario.translations.nb]\ndescription = " "',
              "scenario.translations.nb.description is empty", "leave the key out"),
    "language_not_a_table": ('[scenario.translations]\nnb = "Byråkrati"',
                             "scenario.translations.nb must be a table",
                             "label, description, question"),
}


def _bad_file(tmp_path: Path, case: str) -> Path:
    table = BAD[case][0]
    head = f'[scenario]\nname = "bad"\ndescription = "English."\n{table}\n'
    path = tmp_path / f"{case}.toml"
    path.write_text(head + '\n[params]\nlogic = "npm"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_malformed_translations_table_is_one_clear_message(tmp_path: Path,
                                                             case: str) -> None:
    path = _bad_file(tmp_path, case)
    with pytest.raises(ScenarioError) as error:
        gs.load_scenario(path)
    message = str(error.value)
    assert str(path) in message and "\n" not in message
    for part in BAD[case][1:]:
        assert part in message, message


@pytest.mark.parametrize("case", ["unknown_language", "unknown_key", "not_text"])
def test_a_malformed_translations_table_is_one_line_on_the_command_line(
        tmp_path: Path, capsys, case: str) -> None:
    path = _bad_file(tmp_path, case)
    out = tmp_path / "out"
    assert main(["run", str(path), "--steps", "1", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    assert path.name in lines[0] and BAD[case][2] in lines[0]
    assert not out.exists()


def test_the_manifest_records_the_translations_given() -> None:
    info = scenario_info(gs.load_scenario("co_creation"))
    assert set(info["translations"]["nb"]) == set(TEXT_KEYS)
    assert info["translations"]["nb"]["description"].startswith("Grunnscenario")
    assert info["description"].startswith("Baseline")  # the English text stays English
    partial = scenario_info(_scenario({"nb": {"question": "Hvorfor?"}}, question="Why?"))
    assert partial["translations"] == {"nb": {"question": "Hvorfor?"}}
    assert scenario_info(scenario_from_dict({"scenario": {"name": "z"}}))["translations"] == {}


def test_scenario_text_of_a_manifest_ignores_what_is_not_text() -> None:
    info = {"name": "a", "label": "A", "description": "English.", "question": "Q?",
            "translations": {"nb": {"label": 5, "description": "Norsk.", "other": "x"},
                             "de": "junk"}}
    assert scenario_text(info, "nb") == {"label": "A", "description": "Norsk.",
                                         "question": "Q?"}
    assert scenario_text(info, "en")["description"] == "English."
    assert scenario_text({"name": "b", "translations": 3}, "nb")["label"] == "b"


def _answers(page: str, name: str) -> list[str]:
    article = page.split(f'id="scenario-{name}"')[1].split("</article>")[0]
    answer = article.split('class="answer"')[1].split("</div>")[0]
    return re.findall(r"<li>(.*?)</li>", answer)


def test_the_nb_report_of_a_run_shows_the_nb_texts(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["run", "co_creation_low_trust", "--steps", "3", "--replicates", "1",
                 "--set", "n_citizens=200", "--set", "n_units=4", "--lang", "nb",
                 "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    scenario = gs.load_scenario("co_creation_low_trust")
    nb, english = scenario.text("nb"), scenario.text("en")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenarios"][0]["translations"]["nb"]["question"] == nb.question
    page = (out / "report.nb.html").read_text(encoding="utf-8")  # report.html: English
    escaped = page.replace("&#x27;", "'").replace("&quot;", '"')
    assert nb.description in escaped and nb.question in escaped
    assert f"<h3>{nb.label} " in escaped
    assert english.description not in escaped and english.question not in escaped
    nb_answers = _answers(page, scenario.name)
    # the English report of the same folder: English texts; the answers (which read the
    # English question to pick their metrics) say as much in both languages
    assert main(["report", str(out), "--lang", "en"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    escaped = page.replace("&#x27;", "'").replace("&quot;", '"')
    assert english.description in escaped and nb.description not in escaped
    assert len(nb_answers) == len(_answers(page, scenario.name)) > 0
