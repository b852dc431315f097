"""Translations of the app and the report: English (the default) and Norwegian bokmål.

Text shown to users is written in English in the code and looked up, at run time, in a
gettext message catalogue per *domain* (one per part of the interface). English needs no
catalogue: its translator returns the text unchanged.

API::

    from governance_sim.i18n import translator, plural_translator

    _ = translator("nb", "classroom")        # Callable[[str], str]
    _("Trust")                               # -> "Tillit"
    _("Trust at month {month}").format(month=120)   # translate first, then format
    n_ = plural_translator("nb", "report")   # Callable[[str, str, int], str]
    n_("{n} replicate", "{n} replicates", 5).format(n=5)

* ``lang`` is one of :data:`LANGUAGES` (``"en"``, ``"nb"``; case and a region suffix such as
  ``nb_NO`` are ignored). Anything else raises :class:`LanguageError` (a
  :class:`~governance_sim.params.UserInputError`) naming the allowed languages, so the
  command line prints it as one line (exit 2). :func:`check_language` does only that check.
* ``domain`` is one of :data:`DOMAINS`: ``"app"`` (the app's chrome: title, mode tabs,
  language switch), ``"classroom"``, ``"policy"`` (the policy view), ``"report"`` (the HTML
  report). An unknown domain is a programming error (``ValueError``).
* A text without a Norwegian translation (or a domain without a catalogue) falls back to
  the English text; ``tests/test_i18n.py`` fails when a text used in the code has no
  translation, so the fallback is a safety net, not the plan.

Terms: ``locale/nb/glossary.csv`` is the one list of the bokmål words for the model's terms
(replicate: kjøring, seed: tilfeldig startverdi, equity: likeverd, ...), with the English
pattern each applies to and the words it rules out; ``tests/test_i18n.py`` checks every
``.po`` file against it. Numbers shown in a language go through :func:`format_number`
(Babel: ``10 000`` and ``0,536`` in bokmål) and figures get :func:`plotly_separators`.

Catalogues: ``locale/nb/LC_MESSAGES/<domain>.po`` (edited by hand, UTF-8) next to the compiled
``<domain>.mo`` (read by the standard library's :mod:`gettext`; both are committed, so a
clean clone and an editable install need no build step, and both ship in the wheel). After
editing a ``.po`` file, recompile with Babel (the ``dev`` extra)::

    python -m governance_sim.i18n        # rewrites every .mo from its .po

``tests/test_i18n.py`` recompiles each ``.po`` and fails if the committed ``.mo`` differs
(stale), checks that each ``{placeholder}`` of a text is kept in its translation, and scans
the package's source for translated texts: a call ``_("...")`` (or ``n_("...", "...", n)``)
with a string literal, in a module that names its domain through ``translator(lang,
"<domain>")`` / ``plural_translator(lang, "<domain>")`` or a module constant
``I18N_DOMAIN = "<domain>"``, must have a Norwegian translation in that domain. So write
the literal inside the call (``_("Trust")``, not ``_(label)``) wherever the text is known in
the code; texts held in tables can be marked with :func:`mark` (``mark("Trust")`` returns
its argument unchanged and is scanned the same way), and translated later with ``_(text)``.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

from governance_sim.params import UserInputError

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "DEFAULT_LANGUAGE",
    "DOMAINS",
    "LOCALE_DIR",
    "LanguageError",
    "check_language",
    "translator",
    "plural_translator",
    "mark",
    "format_number",
    "plotly_separators",
    "catalogue_path",
    "compile_catalogue",
    "compile_all",
]

#: Languages of the interface, English first (the default and the language of the code).
LANGUAGES: tuple[str, ...] = ("en", "nb")
#: Each language's name in that language (for the language switch).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "nb": "Norsk (bokmål)"}
DEFAULT_LANGUAGE = "en"
#: Message domains: one catalogue per part of the interface.
DOMAINS: tuple[str, ...] = ("app", "classroom", "policy", "report")
#: Folder of the catalogues: ``LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"``.
LOCALE_DIR = Path(__file__).parent / "locale"


class LanguageError(UserInputError, ValueError):
    """A language that the interface is not translated into; the message lists the allowed."""


def check_language(lang: str) -> str:
    """Return the language code for ``lang`` or raise :class:`LanguageError`.

    Args:
        lang: a language code; case, surrounding spaces and a region suffix (``nb_NO``,
            ``nb-NO``) are ignored.

    Returns:
        One of :data:`LANGUAGES`.
    """
    if not isinstance(lang, str):
        raise LanguageError(f"language must be a text such as 'en' or 'nb', not "
                            f"{type(lang).__name__}")
    code = lang.strip().lower().replace("-", "_").split("_")[0]
    if code not in LANGUAGES:
        allowed = ", ".join(f"{c} ({LANGUAGE_NAMES[c]})" for c in LANGUAGES)
        raise LanguageError(f"unknown language {lang!r}; allowed: {allowed}")
    return code


def _check_domain(domain: str) -> None:
    if domain not in DOMAINS:
        raise ValueError(f"unknown message domain {domain!r}; known: {', '.join(DOMAINS)}")


@cache
def _catalogue(lang: str, domain: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language and domain (English: no catalogue)."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(domain, localedir=str(LOCALE_DIR), languages=[lang],
                               fallback=True)


def translator(lang: str, domain: str) -> Callable[[str], str]:
    """Return the function that translates a text of ``domain`` into ``lang``.

    Args:
        lang: one of :data:`LANGUAGES` (see :func:`check_language`).
        domain: one of :data:`DOMAINS`.

    Returns:
        ``_(text) -> str``: the translation, or ``text`` itself when ``lang`` is English or
        the catalogue has no translation for it.

    Raises:
        LanguageError: ``lang`` is not one of :data:`LANGUAGES`.
        ValueError: ``domain`` is not one of :data:`DOMAINS`.
    """
    code = check_language(lang)
    _check_domain(domain)
    return _catalogue(code, domain).gettext


def plural_translator(lang: str, domain: str) -> Callable[[str, str, int], str]:
    """Return ``n_(singular, plural, n) -> str``, translating by the number ``n``.

    English picks ``singular`` for ``n == 1`` and ``plural`` otherwise; Norwegian uses the
    catalogue's plural forms (the same rule). Arguments and errors as :func:`translator`.
    """
    code = check_language(lang)
    _check_domain(domain)
    return _catalogue(code, domain).ngettext


def mark(text: str) -> str:
    """Mark a literal as a text to translate later; returns ``text`` unchanged.

    For texts kept in tables (``LABELS = {"trust": mark("Trust")}``): the test that every
    text has a translation finds them, and the code translates them with ``_(text)`` when
    the language is known.
    """
    return text


#: Babel's locale of each language, for numbers.
_NUMBER_LOCALES = {"en": "en", "nb": "nb_NO"}
#: Plotly's ``layout.separators`` per language: the decimal mark, then the thousands mark.
_PLOTLY_SEPARATORS = {"en": ".,", "nb": ", "}


def format_number(value: float, lang: str = "en", *, decimals: int | None = None,
                  significant: int = 4, sign: bool = False) -> str:
    """A number as ``lang`` writes it, through Babel (``nb``: ``10\u00a0000``, ``0,536``).

    Args:
        value: the number.
        lang: one of :data:`LANGUAGES`.
        decimals: fixed number of decimals (``0.536`` with 3); ``None``: a whole number with
            thousands separators, any other value to ``significant`` digits (as ``:.4g``).
        significant: significant digits when ``decimals`` is None.
        sign: write ``+`` before a positive value.

    Returns:
        The text; the thousands separator is the language's (a no-break space in ``nb``), a
        negative value has the language's minus sign. ``nan`` and infinities are written as
        Python writes them.

    Raises:
        LanguageError: ``lang`` is not one of :data:`LANGUAGES`.
    """
    from babel.numbers import format_decimal, get_minus_sign_symbol

    code = check_language(lang)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return str(number)
    if decimals is None:
        if number.is_integer():
            decimals = 0
        else:
            short = f"{number:.{significant}g}"
            if "e" in short:  # very small or very large: keep the exponent
                return short.replace(".", ",") if code == "nb" else short
            decimals = len(short.partition(".")[2])
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    locale = _NUMBER_LOCALES[code]
    text = format_decimal(abs(number), format=pattern, locale=locale,
                          decimal_quantization=True)
    if number < 0 and text.strip("0.,\u00a0 ") != "":
        return get_minus_sign_symbol(locale) + text
    return ("+" + text) if sign and number > 0 else text


def plotly_separators(lang: str) -> str:
    """Plotly's ``layout.separators`` for ``lang``: decimal mark, then thousands mark."""
    return _PLOTLY_SEPARATORS[check_language(lang)]


def catalogue_path(lang: str, domain: str, suffix: str = ".po") -> Path:
    """Path of the catalogue of ``lang`` and ``domain`` (``suffix`` ``.po`` or ``.mo``)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}{suffix}"


def compile_catalogue(po_path: Path) -> bytes:
    """Compile one ``.po`` file to the bytes of its ``.mo`` file (needs Babel, ``dev`` extra).

    Fuzzy entries and empty translations are left out (they fall back to English).

    Raises:
        UserInputError: the file cannot be read or parsed.
    """
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po

    try:
        with open(po_path, "rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except (OSError, PoFileError) as error:
        raise UserInputError(f"{po_path}: cannot read the message catalogue ({error})"
                             ) from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> list[Path]:
    """Rewrite every ``.mo`` under :data:`LOCALE_DIR` from its ``.po``; return the written."""
    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        mo_path.write_bytes(compile_catalogue(po_path))
        written.append(mo_path)
    _catalogue.cache_clear()
    return written


if __name__ == "__main__":  # python -m governance_sim.i18n
    for path in compile_all():
        print(f"compiled {path}")
