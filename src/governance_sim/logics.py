"""The three governance logics as data: one table of levers, and weighted mixes of it.

Each row of :data:`LEVER_TABLE` is one lever with its value under classical bureaucracy,
New Public Management and co-creation, its unit and the source of the cell values. A logic
is a :class:`LogicProfile` read from that table; a mix is the weighted average of profiles.
No code path anywhere asks *which* logic is running: behaviour follows the lever values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from governance_sim.params import LEVER_NAMES, LOGIC_NAMES

__all__ = ["LEVER_TABLE", "LeverRow", "LogicProfile", "profile", "influence_of_rung",
           "NON_PARTICIPATION_TOP", "TOKENISM_TOP", "CITIZEN_CONTROL"]


@dataclass(frozen=True)
class LeverRow:
    """One lever: its values under the three logics, unit, source and plausible ranges."""

    name: str
    bureaucracy: float
    npm: float
    co_creation: float
    unit: str
    meaning: str
    source: str
    #: Plausible low-high range of each cell (bureaucracy, NPM, co-creation), for the
    #: sensitivity analysis of the lever table (docs/lever_sensitivity.md).
    ranges: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    range_reason: str


#: The seed's role table (slide 6) and the design ranges of docs/odd.md, as numbers.
LEVER_TABLE: tuple[LeverRow, ...] = (
    LeverRow("arnstein_rung", 3.5, 4.0, 6.5, "rung 1-8",
             "depth of the participation arena offered to citizens",
             "Arnstein (1969); design ranges: bureaucracy 3-4, NPM 4 + exit, co-creation 6-7",
             ((3.0, 4.0), (3.5, 5.0), (6.0, 7.0)),
             "Arnstein (1969): bureaucracy 3-4, NPM 4 with exit, co-creation 6-7"),
    LeverRow("arena_reach", 0.15, 0.15, 0.17, "share/month",
             "breadth: share of residents an arena invites or is open to in a month (kept "
             "apart from the rung, which is depth)",
             "assumed, set so that monthly participation falls in 1-8 % (SSB 2022; "
             "participatory budgeting 1-18 % a year): hearings and user councils reach few, "
             "open arenas and outreach more",
             ((0.08, 0.25), (0.08, 0.25), (0.10, 0.30)),
             "reaches that keep monthly participation near its field band (1-8 %) at the "
             "other defaults"),
    LeverRow("control_intensity", 0.6, 0.8, 0.3, "0-1",
             "how tightly leaders control professionals (rules or performance)",
             "seed slide 6: leaders as guarantors of rules / steering their unit / bridging",
             ((0.5, 0.7), (0.7, 0.9), (0.2, 0.4)),
             "the seed orders the logics, not the numbers: +-0.1"),
    LeverRow("performance_incentives", 0.1, 0.9, 0.2, "0-1",
             "hardness of measured targets and incentives",
             "seed slide 6: staff as 'controllers'; Hood (1991) NPM doctrines",
             ((0.0, 0.2), (0.7, 1.0), (0.1, 0.3)),
             "the seed orders the logics: +-0.1; NPM up to full pay for performance"),
    LeverRow("professional_autonomy", 0.5, 0.3, 0.8, "0-1",
             "professional discretion",
             "seed slide 6: care providers / learning masters / community builders",
             ((0.4, 0.6), (0.2, 0.4), (0.7, 0.9)),
             "the seed orders the logics, not the numbers: +-0.1"),
    LeverRow("relational_focus", 0.5, 0.25, 0.7, "share",
             "share of professional effort on relational, unmeasured work",
             "seed slide 6: mission as care / learning / quality of life and participation",
             ((0.4, 0.6), (0.15, 0.35), (0.6, 0.8)),
             "the seed orders the logics, not the numbers: +-0.1"),
    LeverRow("facilitation_investment", 0.05, 0.1, 0.8, "0-1",
             "investment in arenas, facilitation and relational work",
             "seed slide 6 and 20: institutional arenas for co-creating welfare",
             ((0.0, 0.1), (0.05, 0.2), (0.6, 0.9)),
             "little facilitation outside co-creation; co-creation's from a part to most of "
             "the arena work"),
    LeverRow("facilitation_targeting", 0.0, 0.0, 0.3, "0-1",
             "how much facilitation is aimed at low-resource citizens",
             "seed slide 3: leave no one behind; Jakobsen & Andersen (2013)",
             ((0.0, 0.1), (0.0, 0.1), (0.1, 0.5)),
             "targeting is a choice inside co-creation (seed slide 3); barely present elsewhere"),
    LeverRow("impartiality", 0.9, 0.5, 0.6, "0-1",
             "rule-based, equal treatment independent of resources",
             "seed slide 6: services as regulated rights / free choice / arenas",
             ((0.8, 1.0), (0.4, 0.6), (0.5, 0.7)),
             "the seed orders the logics, not the numbers: +-0.1"),
    LeverRow("choice_exit", 0.0, 0.8, 0.2, "0-1",
             "free choice of provider and exit",
             "seed slide 6: parents as clients / customers / co-creators",
             ((0.0, 0.1), (0.6, 1.0), (0.1, 0.3)),
             "free choice is NPM's, to a degree; +-0.1 elsewhere"),
    LeverRow("complementarity_framing", 0.1, 0.1, 0.8, "0-1",
             "citizens' input framed as complementing, not replacing, the service",
             "Ostrom (1996); seed slide 6: parents as active co-creators",
             ((0.0, 0.2), (0.0, 0.2), (0.6, 0.9)),
             "the seed orders the logics, not the numbers: +-0.1"),
    LeverRow("sanctions", 0.3, 0.2, 0.0, "0-1",
             "enforcement of contributions by rules or penalties",
             "seed slide 6: rights and rule compliance; Herrmann et al. (2008)",
             ((0.2, 0.4), (0.1, 0.3), (0.0, 0.1)),
             "the seed orders the logics, not the numbers: +-0.1"),
    LeverRow("politician_horizon", 48.0, 24.0, 96.0, "steps (months)",
             "how far ahead politicians judge results",
             "seed slide 6: purchasers / controllers / community leaders; 4-year terms",
             ((36.0, 60.0), (12.0, 36.0), (72.0, 120.0)),
             "one term is 48 months: +-1 year, and up to 10 years for community leadership"),
    LeverRow("mobilisation", 0.1, 0.0, 0.7, "0-1",
             "politicians mobilising the community",
             "seed slide 6: politicians as community leaders who mobilise",
             ((0.0, 0.2), (0.0, 0.1), (0.5, 0.9)),
             "the seed orders the logics, not the numbers"),
    LeverRow("participation_payment", 0.0, 0.0, 0.0, "0-1",
             "payment to citizens for taking part (1: a payment that matters to most)",
             "none of the three logics pays for participation; a policy lever to explore "
             "(Frey & Oberholzer-Gee 1997; Mellström & Johannesson 2008)",
             ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
             "not part of any logic: varied in scenarios, not in the lever sensitivity"),
    LeverRow("payment_to_cause", 0.0, 0.0, 0.0, "0-1",
             "share of that payment given to a cause instead of the person",
             "framing of the payment (Mellström & Johannesson 2008)",
             ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
             "not part of any logic: varied in scenarios, not in the lever sensitivity"),
)

_TABLE_BY_NAME = {row.name: row for row in LEVER_TABLE}
assert tuple(_TABLE_BY_NAME) == LEVER_NAMES, "lever table and LEVER_NAMES disagree"


@dataclass(frozen=True)
class LogicProfile:
    """Lever values of one logic or mix (see :data:`LEVER_TABLE` for meaning and units)."""

    arnstein_rung: float
    arena_reach: float
    control_intensity: float
    performance_incentives: float
    professional_autonomy: float
    relational_focus: float
    facilitation_investment: float
    facilitation_targeting: float
    impartiality: float
    choice_exit: float
    complementarity_framing: float
    sanctions: float
    politician_horizon: float
    mobilisation: float
    participation_payment: float
    payment_to_cause: float

    def with_levers(self, levers: Mapping[str, float]) -> LogicProfile:
        """Return a copy with some levers overridden (values clipped to their range)."""
        clipped = {name: _clip_lever(name, float(value)) for name, value in levers.items()}
        return replace(self, **clipped)

    def as_dict(self) -> dict[str, float]:
        """Lever name -> value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: Arnstein's ladder (1969): rungs 1-2 are non-participation, 3-5 tokenism, 6-8 citizen
#: power up to full control at 8. These are the ladder's own categories, not parameters.
NON_PARTICIPATION_TOP, TOKENISM_TOP, CITIZEN_CONTROL = 2.0, 5.0, 8.0


def influence_of_rung(rung: float, tokenism_influence: float) -> float:
    """Real influence of a participant's voice at an Arnstein rung, 0-1.

    None on the rungs of non-participation (1-2), ``tokenism_influence`` on the tokenism
    rungs (reached at rung 3 and held to 5: informing, consultation, placation), then linear
    to 1 at citizen control (8) through partnership and delegated power (Arnstein 1969).

    Args:
        rung: the Arnstein rung, 1-8.
        tokenism_influence: ``Params.tokenism_influence`` (0 by default: heard, not heeded).
    """
    if rung <= TOKENISM_TOP:
        return tokenism_influence * min(1.0, max(0.0, rung - NON_PARTICIPATION_TOP))
    power = min(1.0, (rung - TOKENISM_TOP) / (CITIZEN_CONTROL - TOKENISM_TOP))
    return tokenism_influence + (1.0 - tokenism_influence) * power


def _clip_lever(name: str, value: float) -> float:
    if name == "arnstein_rung":
        return min(8.0, max(1.0, value))
    if name == "politician_horizon":
        return max(1.0, value)
    return min(1.0, max(0.0, value))


def profile(logic: str | Mapping[str, float],
            cells: Mapping[str, Mapping[str, float]] | None = None) -> LogicProfile:
    """The lever profile of a logic name, or the weighted profile of a mix.

    Args:
        logic: ``"bureaucracy"``, ``"npm"``, ``"co_creation"``, or a mapping of those names to
            weights summing to one (as validated by :class:`governance_sim.Params`).
        cells: overrides of cells of :data:`LEVER_TABLE`, ``{logic: {lever: value}}``
            (``Params.lever_table``), used in place of the table's values.

    Returns:
        The profile; for a mix, each lever is the weighted mean of the logics' values.
    """
    weights = {logic: 1.0} if isinstance(logic, str) else dict(logic)
    unknown = [name for name in weights if name not in LOGIC_NAMES]
    if unknown:
        raise ValueError(f"unknown logic {unknown[0]!r}; allowed: {', '.join(LOGIC_NAMES)}")
    cells = cells or {}
    values = {
        row.name: sum(weight * cells.get(name, {}).get(row.name, getattr(row, name))
                      for name, weight in weights.items())
        for row in LEVER_TABLE
    }
    return LogicProfile(**values)
