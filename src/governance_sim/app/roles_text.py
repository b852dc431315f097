"""The seed's role table (slide 6) in plain language, with what each role does in the model.

The first part of every cell is the lecture's own wording (von Heimburg 2022, slide 6,
kindergarten example; Dina von Heimburg, NTNU). The second part says what
the role *does* in the model under that logic, written from the lever values of
:data:`governance_sim.logics.LEVER_TABLE`, so the text follows the numbers if they change.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance_sim.logics import LEVER_TABLE, influence_of_rung
from governance_sim.params import LOGIC_NAMES

__all__ = ["LOGIC_TITLES", "RoleRow", "role_table", "SEED_SOURCE"]

SEED_SOURCE = ("Role table after D. von Heimburg, 'Hva kreves av en leder som ønsker å lykkes "
               "med samskaping?', NTNU, 19 Oct 2022, slide 6 (kindergarten example)")

#: Column headings: the logic and the seed's name for it (slide 1: authority, market, arena).
LOGIC_TITLES: dict[str, str] = {
    "bureaucracy": "Classical bureaucracy (authority)",
    "npm": "New Public Management (market)",
    "co_creation": "Co-creation (arena)",
}

# The seed's words per row and logic (Dina von Heimburg, NTNU 2022, slide 6).
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


@dataclass(frozen=True)
class RoleRow:
    """One row of the table: a heading and, per logic, the seed's words and the model's."""

    key: str
    heading: str
    seed: dict[str, str]
    model: dict[str, str]


def _levers(logic: str) -> dict[str, float]:
    return {row.name: float(getattr(row, logic)) for row in LEVER_TABLE}


def _share(value: float) -> str:
    return f"{value:.0%}"


def _degree(value: float) -> str:
    """A share 0-1 in words."""
    if value < 0.15:
        return "hardly any"
    if value < 0.4:
        return "little"
    if value < 0.65:
        return "some"
    return "much"


def _citizens(lv: dict[str, float]) -> str:
    influence = influence_of_rung(lv["arnstein_rung"])
    voice = ("their voice changes the service" if influence > 0 else
             "taking part gives no real influence (tokenism), which costs trust")
    choice = (f"they can choose and leave their provider (choice {_share(lv['choice_exit'])}),"
              " which favours the resourceful" if lv["choice_exit"] >= 0.5 else
              "they are served where they live")
    return (f"Arenas reach up to {_share((lv['arnstein_rung'] - 1) / 7)} of them (Arnstein "
            f"rung {lv['arnstein_rung']:g} of 8); {voice}; {choice}. They take part when "
            "their trust passes a threshold and neighbours take part.")


def _professionals(lv: dict[str, float]) -> str:
    return (f"Autonomy {_share(lv['professional_autonomy'])}; "
            f"{_share(lv['relational_focus'])} of effort on relational work; "
            f"{_degree(lv['performance_incentives'])} target pressure. Control felt as "
            "controlling wears down their motivation; recognition and autonomy build it.")


def _leaders(lv: dict[str, float]) -> str:
    return (f"Control intensity {_share(lv['control_intensity'])}; invest "
            f"{_degree(lv['facilitation_investment'])} in arenas and facilitation "
            f"({_share(lv['facilitation_investment'])}), aimed at low-resource citizens "
            f"{_share(lv['facilitation_targeting'])}. In a dip in results an impatient "
            "leader falls back to control.")


def _politicians(lv: dict[str, float]) -> str:
    return (f"Judge results over about {lv['politician_horizon']:g} months; "
            f"{_degree(lv['mobilisation'])} mobilising of the community "
            f"({_share(lv['mobilisation'])}); demand control when approval dips for longer "
            "than their courage allows.")


def role_table() -> list[RoleRow]:
    """The role table: the four roles of the model, then the seed's two context rows."""
    levers = {logic: _levers(logic) for logic in LOGIC_NAMES}
    def seed(key: str) -> dict[str, str]:
        return dict(zip(LOGIC_NAMES, _SEED[key], strict=True))
    rows = []
    builders = (("citizens", "Citizens (parents and children)", _citizens),
                ("professionals", "Professionals (staff)", _professionals),
                ("leaders", "Leaders (administrative)", _leaders),
                ("politicians", "Politicians (the council)", _politicians))
    for key, heading, text in builders:
        rows.append(RoleRow(key, heading, seed(key),
                            {logic: text(levers[logic]) for logic in LOGIC_NAMES}))
    rows += [RoleRow("institution", "The kindergarten is", seed("institution"),
                     {logic: "" for logic in LOGIC_NAMES}),
             RoleRow("mission", "The mission is", seed("mission"),
                     {logic: "" for logic in LOGIC_NAMES})]
    return rows
