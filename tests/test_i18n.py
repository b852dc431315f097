"""Message catalogues: the API, compiled files up to date, every text used in code translated."""

from __future__ import annotations

import ast
import gettext
import io
import re
from pathlib import Path

import pandas as pd
import pytest

import governance_sim
from governance_sim import i18n
from governance_sim.i18n import (
    DOMAINS,
    LOCALE_DIR,
    LanguageError,
    check_language,
    compile_catalogue,
    plural_translator,
    translator,
)
from governance_sim.params import UserInputError

babel = pytest.importorskip("babel", reason="Babel (the dev extra) reads the .po files")
from babel.messages.pofile import read_po  # noqa: E402

PACKAGE = Path(governance_sim.__file__).parent
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
#: Calls whose first argument (and, for plurals, second) is a text to translate.
SINGULAR = {"_", "mark"}
PLURAL = {"n_"}


def _catalogue(lang: str, domain: str) -> dict[str, str | tuple]:
    path = i18n.catalogue_path(lang, domain)
    if not path.exists():
        return {}
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string
            for m in catalog if m.id and not m.fuzzy}


# --- API -----------------------------------------------------------------------------------

def test_english_is_identity_and_norwegian_translates():
    assert translator("en", "app")("Classroom") == "Classroom"
    assert translator("nb", "app")("Classroom") == "Klasserom"
    assert translator("nb", "classroom")("Trust") == "Tillit"


def test_language_codes_are_normalised():
    assert check_language(" NB ") == "nb"
    assert check_language("nb_NO") == "nb"
    assert check_language("nb-NO") == "nb"
    assert check_language("en") == "en"


@pytest.mark.parametrize("bad", ["de", "", "norsk", "nn"])
def test_unknown_language_is_a_user_error_naming_the_allowed(bad):
    with pytest.raises(UserInputError) as info:
        translator(bad, "app")
    assert isinstance(info.value, LanguageError)
    message = str(info.value)
    assert repr(bad) in message and "en (English)" in message and "nb (" in message


def test_unknown_domain_is_rejected():
    with pytest.raises(ValueError, match="unknown message domain 'nope'"):
        translator("nb", "nope")


def test_missing_translation_falls_back_to_english():
    assert translator("nb", "app")("A text nobody translated 1234") == (
        "A text nobody translated 1234")


def test_plural_forms():
    en = plural_translator("en", "classroom")
    assert en("{n} run", "{n} runs", 1) == "{n} run"
    assert en("{n} run", "{n} runs", 3) == "{n} runs"
    nb = plural_translator("nb", "classroom")
    assert nb("no such singular", "no such plural", 2) == "no such plural"


# --- catalogues ----------------------------------------------------------------------------

def test_catalogues_exist_for_known_domains_only():
    assert PO_FILES, "no .po files found"
    for path in PO_FILES:
        assert path.parent.parent.name in i18n.LANGUAGES and path.parent.parent.name != "en"
        assert path.stem in DOMAINS, f"{path}: not a known domain {DOMAINS}"


def _messages(mo_bytes: bytes) -> dict:
    """The translations in a compiled catalogue, without its header.

    The header carries the compiler's version ("Generated-By"), so the bytes of a .mo
    depend on the Babel release; the messages do not.
    """
    catalogue = gettext.GNUTranslations(io.BytesIO(mo_bytes))
    return {key: value for key, value in catalogue._catalog.items() if key != ""}


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_compiled_catalogue_is_up_to_date(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run python -m governance_sim.i18n"
    assert _messages(compile_catalogue(po_path)) == _messages(mo_path.read_bytes()), (
        f"{mo_path} is stale (differs from {po_path.name}): run python -m governance_sim.i18n")


def test_compile_is_deterministic_and_a_stale_catalogue_is_detected(tmp_path):
    po_path = i18n.catalogue_path("nb", "app")
    first = compile_catalogue(po_path)
    assert compile_catalogue(po_path) == first
    assert _messages(first)["Classroom"] == "Klasserom"
    edited = tmp_path / "app.po"
    edited.write_text(po_path.read_text(encoding="utf-8").replace('msgstr "Klasserom"',
                                                                  'msgstr "Klasserommet"'),
                      encoding="utf-8")
    assert _messages(compile_catalogue(edited)) != _messages(first)


def test_malformed_catalogue_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.po"
    bad.write_text('garbage here\n', encoding="utf-8")
    with pytest.raises(UserInputError, match="bad.po: cannot read the message catalogue"):
        compile_catalogue(bad)


PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(?\w*\)?[sdif]")


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_translations_keep_placeholders(po_path):
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if not string:
                continue
            assert set(PLACEHOLDER.findall(string)) <= wanted, (po_path.name, ids, string)
            assert set(PLACEHOLDER.findall(ids[0])) <= set(PLACEHOLDER.findall(string)) | {
                "{n}"}, (po_path.name, ids, string)


# --- every text used in code is translated -------------------------------------------------

def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _module_domains(tree: ast.Module) -> set[str]:
    """Domains a module names: translator(lang, "d"), plural_translator(...), I18N_DOMAIN."""
    domains = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in {"translator", "plural_translator"}:
                args = list(node.args) + [k.value for k in node.keywords if k.arg == "domain"]
                if len(args) >= 2 and _literal(args[1]):
                    domains.add(_literal(args[1]))
        if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "I18N_DOMAIN" for t in node.targets):
            value = node.value
            items = value.elts if isinstance(value, ast.Tuple) else [value]
            domains.update(v for v in map(_literal, items) if v)
    return domains


def used_texts(source: str) -> tuple[set[str], list[str]]:
    """(domains named by the module, texts in _("..."), n_("...", ...), mark("...") calls)."""
    tree = ast.parse(source)
    texts = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None)
        if isinstance(node.func, ast.Attribute) and node.func.attr in SINGULAR | PLURAL:
            name = node.func.attr  # w._("...") as well as _("...")
        if name in SINGULAR | PLURAL and _literal(node.args[0]) is not None:
            texts.append(_literal(node.args[0]))
    return _module_domains(tree), texts


def test_scanner_finds_texts_and_domains():
    source = ('from governance_sim.i18n import translator, mark\n'
              'I18N_DOMAIN = "policy"\n'
              'LABEL = mark("Months")\n'
              'def f(lang):\n'
              '    _ = translator(lang, "classroom")\n'
              '    return _("Trust") + _(LABEL) + n_("{n} run", "{n} runs", 2) + w._("Tid")\n')
    domains, texts = used_texts(source)
    assert domains == {"policy", "classroom"}
    assert sorted(texts) == ["Months", "Tid", "Trust", "{n} run"]


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "i18n.py":
            continue
        source = path.read_text(encoding="utf-8")
        domains, texts = used_texts(source)
        if texts or domains:
            yield path, domains, texts


def test_every_text_used_in_code_has_a_norwegian_translation():
    missing = []
    checked = 0
    for path, domains, texts in _sources():
        relative = path.relative_to(PACKAGE)
        if texts and not domains:
            missing.append(f"{relative}: translates texts but names no domain "
                           "(translator(lang, '<domain>') or I18N_DOMAIN)")
            continue
        catalogues = [_catalogue("nb", domain) for domain in sorted(domains)]
        for text in texts:
            checked += 1
            if not any(catalogue.get(text) for catalogue in catalogues):
                missing.append(f"{relative}: {text!r} has no nb translation in "
                               f"{'/'.join(sorted(domains))}.po")
    assert not missing, "\n".join(missing)


# --- one glossary for the bokmål terms -------------------------------------------------------

GLOSSARY = LOCALE_DIR / "nb" / "glossary.csv"


def _glossary() -> list[dict[str, str]]:
    import csv

    with open(GLOSSARY, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _po_messages(path: Path) -> list[tuple[str, str]]:
    """(English text, translation) of every translated message of a .po file, plurals too."""
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    out = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(" ".join(ids), string) for string in strings if string]
    return out


def glossary_violations(messages: list[tuple[str, str]], where: str = "") -> list[str]:
    """Each translation that misses the glossary's term for an English word, or uses a
    word the glossary rules out."""
    found = []
    for entry in _glossary():
        english = re.compile(entry["english_pattern"], re.IGNORECASE) if entry[
            "english_pattern"] else None
        wanted = entry["must_contain"].lower()
        banned = re.compile(entry["must_not_contain"], re.IGNORECASE) if entry[
            "must_not_contain"] else None
        for text, string in messages:
            if english and wanted and english.search(text) and wanted not in string.lower():
                found.append(f"{where}{text!r}: {entry['term']!r} is {entry['bokmal']!r} "
                             f"(glossary), not in {string!r}")
            if banned and banned.search(string):
                found.append(f"{where}{string!r}: the glossary rules out "
                             f"{entry['must_not_contain']!r} ({entry['term']}: "
                             f"{entry['bokmal']})")
    return found


def test_the_glossary_is_well_formed():
    entries = _glossary()
    assert {e["term"] for e in entries} >= {"replicate", "seed", "equity", "component",
                                            "policy view", "months (abbreviated)"}
    for entry in entries:
        assert entry["bokmal"] and (entry["must_contain"] or entry["must_not_contain"]), entry
        for key in ("english_pattern", "must_not_contain"):
            if entry[key]:
                re.compile(entry[key])
        assert not entry["must_contain"] or entry["english_pattern"], entry


def test_the_glossary_check_finds_a_wrong_term():
    assert glossary_violations([("Repeat runs on the next seeds", "de neste frøene")])
    assert glossary_violations([("one replicate", "én replikasjon")])
    assert glossary_violations([("Equity by quintile", "Likhet etter kvintil")])
    assert glossary_violations([("{years} y {months} mo", "{years} år {months} md.")])
    assert not glossary_violations([("Seed slide {n}", "Lysbilde {n} i forelesningen")])
    assert not glossary_violations([("one seed for every replicate",
                                     "én tilfeldig startverdi for alle kjøringer")])


@pytest.mark.parametrize("po_path", [p for p in PO_FILES if p.parent.parent.name == "nb"],
                         ids=lambda p: p.stem)
def test_translations_use_the_glossary_terms(po_path):
    problems = glossary_violations(_po_messages(po_path), f"{po_path.name}: ")
    assert not problems, "\n".join(problems)


# --- numbers as the language writes them (Babel) -------------------------------------------

def test_numbers_are_written_as_the_language_writes_them():
    from governance_sim.i18n import format_number, plotly_separators

    assert format_number(50_000, "en") == "50,000"
    assert format_number(50_000, "nb") == "50\u00a0000"
    assert format_number(4_294_967_295, "nb") == "4\u00a0294\u00a0967\u00a0295"
    assert format_number(0.5364, "nb", decimals=3) == "0,536"
    assert format_number(0.5364, "en", decimals=3) == "0.536"
    assert format_number(-0.02, "nb", decimals=3) == "\u22120,020"
    assert format_number(0.3, "nb", decimals=1, sign=True) == "+0,3"
    assert format_number(0.25, "nb") == "0,25" and format_number(12.0, "nb") == "12"
    assert plotly_separators("nb") == ", " and plotly_separators("en") == ".,"
    with pytest.raises(LanguageError):
        format_number(1, "de")


def test_the_app_writes_numbers_in_bokmal_where_it_shows_them():
    from governance_sim.app.callbacks_policy import _format, status_line
    from governance_sim.app.controls import RUN_CONTROLS, parameter_specs, range_text
    from governance_sim.viz.classroom_figures import classroom_curves

    specs = {spec.name: spec for spec in [*parameter_specs(), *RUN_CONTROLS]}
    assert range_text(specs["n_citizens"], "nb") == "heltall, 10 til 50\u00a0000 innbyggere"
    assert "4\u00a0294\u00a0967\u00a0295" in range_text(specs["seed"], "nb")
    assert "4,294,967,295" in range_text(specs["seed"], "en")
    assert status_line(20_000, 120, 3, 1, False, 1.5, "nb").startswith("20\u00a0000 ")
    assert "1,50 s" in status_line(20_000, 120, 3, 1, False, 1.5, "nb")
    assert _format("trust_mean", 0.5364, "nb") == "0,536"
    assert _format("participation_rate", 0.0536, "nb") == "5,4 %"
    frame = pd.DataFrame({"scenario": "a", "step": [0, 1], "trust_mean": [0.5, 0.6]})
    assert classroom_curves(frame, ["trust_mean"], horizon=1,
                            lang="nb").layout.separators == ", "
