"""The seed's role table (slide 6) in plain language, with what each role does in the model.

The first part of every cell is the lecture's own wording (von Heimburg 2022, slide 6,
kindergarten example; Dina von Heimburg, NTNU): in Norwegian the lecture's words as they
stand, in English a translation. The second part says what the role *does* in the model
under that logic, written from the lever values of :data:`governance_sim.logics.LEVER_TABLE`,
so the text follows the numbers if they change. Texts other than the lecture's are looked up
in the ``classroom`` message catalogue (:mod:`governance_sim.i18n`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from governance_sim.i18n import DEFAULT_LANGUAGE, check_language, mark, translator
from governance_sim.logics import LEVER_TABLE, influence_of_rung
from governance_sim.params import LOGIC_NAMES, Params

__all__ = ["LOGIC_TITLES", "RoleRow", "role_table", "SEED_SOURCE", "logic_titles",
           "seed_source", "ROLE_KEYS"]

I18N_DOMAIN = "classroom"

SEED_SOURCE = mark("Role table after D. von Heimburg, 'Hva kreves av en leder som ønsker å "
                   "lykkes med samskaping?', NTNU, 19 Oct 2022, slide 6 (kindergarten "
                   "example)")

#: Column headings: the logic and the seed's name for it (slide 1: authority, market, arena).
LOGIC_TITLES: dict[str, str] = {
    "bureaucracy": mark("Classical bureaucracy (authority)"),
    "npm": mark("New Public Management (market)"),
    "co_creation": mark("Co-creation (arena)"),
}

#: The four roles of the model, in the order of the cards.
ROLE_KEYS: tuple[str, ...] = ("citizens", "professionals", "leaders", "politicians")

_HEADINGS: dict[str, str] = {
    "citizens": mark("Citizens (parents and children)"),
    "professionals": mark("Professionals (staff)"),
    "leaders": mark("Leaders (administrative)"),
    "politicians": mark("Politicians (the council)"),
    "institution": mark("The kindergarten is"),
    "mission": mark("The mission is"),
}

# The seed's words per row and logic, in English (Dina von Heimburg, NTNU 2022, slide 6).
_SEED: dict[str, tuple[str, str, str]] = {
    "institution": ("a care institution", "an education institution", "a community palace"),
    "mission": ("care, upbringing, supervision", "learning and development",
                "quality of life and participation in society"),
    "citizens": ("parents are workers and clients; the child is someone to be looked after",
                 "parents are customers who want quality; the child is someone to reach "
                 "their potential",
                 "parents are active co-creators of the local community; the child is a "
                 "fellow citizen"),
    "professionals": ("pedagogical care providers",
                      "pedagogical learning masters and 'controllers'",
                      "community builders and bridge builders"),
    "leaders": ("guarantors that rules and rights are followed",
                "good at steering their own unit",
                "good at leading across sectors, bridging to the community"),
    "politicians": ("purchasers who decide individual cases",
                    "controllers of the organisation",
                    "community leaders who mobilise the community"),
}

# The same cells in the lecture's own Norwegian words (slide 6, as written there).
_SEED_NB: dict[str, tuple[str, str, str]] = {
    "institution": ("En omsorgsinstitusjon", "En utdanningsinstitusjon",
                    "Et fellesskapspalass"),
    "mission": ("Omsorg, dannelse og tilsyn", "Læring og utvikling",
                "Livskvalitet og samfunnsdeltakelse"),
    "citizens": ("Foreldre er arbeidstakere og klienter (eks. barnevern); barnet er en som "
                 "skal passes på",
                 "Foreldre er kunder som vil ha kvalitet; barnet er en som skal nå sitt "
                 "potensial",
                 "Foreldre er aktive medskapere av oppvekstmiljø og lokalsamfunn; barnet er "
                 "en medborger"),
    "professionals": ("Pedagogiske omsorgsytere",
                      "Pedagogiske læremestre og «kontrollører»",
                      "Pedagogiske fellesskapere og brobyggere"),
    "leaders": ("Garantister for at regler og rettigheter følges",
                "Gode til å styre sin egen organisatoriske enhet",
                "Gode til å lede på tvers av sektorer og bygge broer til lokalsamfunnet"),
    "politicians": ("Bestillere som avgjør enkeltsaker",
                    "Kontrollere av organisasjonen",
                    "Samfunnsledere som mobiliserer lokalsamfunn"),
}
_SEED_WORDS = {"en": _SEED, "nb": _SEED_NB}


@dataclass(frozen=True)
class RoleRow:
    """One row of the table: a heading and, per logic, the seed's words and the model's."""

    key: str
    heading: str
    seed: dict[str, str]
    model: dict[str, str]


def logic_titles(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The logics' headings in ``lang`` (the lecture's names in Norwegian)."""
    _ = translator(lang, I18N_DOMAIN)
    return {name: _(title) for name, title in LOGIC_TITLES.items()}


def seed_source(lang: str = DEFAULT_LANGUAGE) -> str:
    """Where the role table comes from, in ``lang``."""
    return translator(lang, I18N_DOMAIN)(SEED_SOURCE)


def _levers(logic: str) -> dict[str, float]:
    return {row.name: float(getattr(row, logic)) for row in LEVER_TABLE}


class _Words:
    """Number and degree words in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._ = translator(lang, I18N_DOMAIN)

    def share(self, value: float) -> str:
        """A share 0-1 as a percentage ("40%"; Norwegian "40 %")."""
        return f"{value:.0%}" if self.lang == "en" else f"{100 * value:.0f} %"

    def number(self, value: float) -> str:
        """A number as written in the language (decimal comma in Norwegian)."""
        text = f"{value:g}"
        return text if self.lang == "en" else text.replace(".", ",")

    def degree(self, value: float) -> str:
        """A share 0-1 in words."""
        if value < 0.15:
            return self._("hardly any")
        if value < 0.4:
            return self._("little")
        if value < 0.65:
            return self._("some")
        return self._("much")


def _citizens(lv: dict[str, float], w: _Words) -> str:
    _ = w._
    influence = influence_of_rung(lv["arnstein_rung"], Params().tokenism_influence)
    voice = (_("their voice changes the service") if influence > 0 else
             _("taking part gives no real influence (tokenism), which costs trust"))
    choice = (_("they can choose and leave their provider (choice {choice}), which favours "
                "the resourceful").format(choice=w.share(lv["choice_exit"]))
              if lv["choice_exit"] >= 0.5 else _("they are served where they live"))
    return _("Arenas reach up to {reach} of them (Arnstein rung {rung} of 8); {voice}; "
             "{choice}. They take part when their trust passes a threshold and neighbours "
             "take part.").format(reach=w.share((lv["arnstein_rung"] - 1) / 7),
                                  rung=w.number(lv["arnstein_rung"]), voice=voice, choice=choice)


def _professionals(lv: dict[str, float], w: _Words) -> str:
    return w._("Autonomy {autonomy}; {relational} of effort on relational work; {pressure} "
               "target pressure. Control felt as controlling wears down their motivation; "
               "recognition and autonomy build it.").format(
        autonomy=w.share(lv["professional_autonomy"]),
        relational=w.share(lv["relational_focus"]),
        pressure=w.degree(lv["performance_incentives"]))


def _leaders(lv: dict[str, float], w: _Words) -> str:
    return w._("Control intensity {control}; invest {degree} in arenas and facilitation "
               "({facilitation}), aimed at low-resource citizens {targeting}. In a dip in "
               "results an impatient leader falls back to control.").format(
        control=w.share(lv["control_intensity"]),
        degree=w.degree(lv["facilitation_investment"]),
        facilitation=w.share(lv["facilitation_investment"]),
        targeting=w.share(lv["facilitation_targeting"]))


def _politicians(lv: dict[str, float], w: _Words) -> str:
    return w._("Judge results over about {horizon} months; {degree} mobilising of the "
               "community ({mobilisation}); demand control when approval dips for longer "
               "than their courage allows.").format(
        horizon=w.number(lv["politician_horizon"]), degree=w.degree(lv["mobilisation"]),
        mobilisation=w.share(lv["mobilisation"]))


_BUILDERS: dict[str, Callable[[dict[str, float], _Words], str]] = {
    "citizens": _citizens, "professionals": _professionals, "leaders": _leaders,
    "politicians": _politicians,
}


def role_table(lang: str = DEFAULT_LANGUAGE) -> list[RoleRow]:
    """The role table in ``lang``: the four roles of the model, then two context rows.

    Raises:
        LanguageError: ``lang`` is not one of :data:`governance_sim.i18n.LANGUAGES`.
    """
    lang = check_language(lang)
    words = _Words(lang)
    seed_words = _SEED_WORDS[lang]
    levers = {logic: _levers(logic) for logic in LOGIC_NAMES}

    def seed(key: str) -> dict[str, str]:
        return dict(zip(LOGIC_NAMES, seed_words[key], strict=True))

    rows = [RoleRow(key, words._(_HEADINGS[key]), seed(key),
                    {logic: _BUILDERS[key](levers[logic], words) for logic in LOGIC_NAMES})
            for key in ROLE_KEYS]
    rows += [RoleRow(key, words._(_HEADINGS[key]), seed(key),
                     {logic: "" for logic in LOGIC_NAMES})
             for key in ("institution", "mission")]
    return rows
