"""Guided lessons for the classroom: what each column runs, and what to watch.

A lesson sets up three columns that run side by side (by default the three logics), the
horizon, the curves to show, and tells the class what to look for. The texts say what to
*watch*, not what will happen: the model decides that, and a class may see it fail.
Each lesson points to the mechanism and the literature it is about (model.md §6 patterns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from governance_sim.params import Params

__all__ = ["Column", "Lesson", "LESSONS", "lesson", "CLASSROOM_BASE"]

#: Population of the classroom: the defaults (10 000 citizens in 100 units of 100), so the
#: network view shows a sample of three units.
CLASSROOM_BASE: dict[str, Any] = {}


@dataclass(frozen=True)
class Column:
    """One of the three side-by-side runs: its label and parameters over the defaults."""

    label: str
    settings: Mapping[str, Any]

    def params(self, extra: Mapping[str, Any] | None = None) -> Params:
        """The validated parameters of this column (``extra`` on top, e.g. population)."""
        return Params(**{**CLASSROOM_BASE, **dict(self.settings), **dict(extra or {})})


_THREE_LOGICS = (
    Column("bureaucracy", {"logic": "bureaucracy"}),
    Column("npm", {"logic": "npm"}),
    Column("co_creation", {"logic": "co_creation"}),
)


@dataclass(frozen=True)
class Lesson:
    """A guided lesson.

    Attributes:
        key: identifier (used in the page).
        title: short title.
        question: the question the class answers.
        setup: what the lesson sets, in plain language.
        watch: what to look at, step by step.
        columns: the three runs side by side.
        metrics: the curves under the network view.
        steps: months to run before the classroom stops by itself.
        sources: literature behind the mechanism.
        y_ranges: y range per metric where 0-1 would hide the change.
    """

    key: str
    title: str
    question: str
    setup: str
    watch: tuple[str, ...]
    columns: tuple[Column, ...] = _THREE_LOGICS
    metrics: tuple[str, ...] = ("trust_mean", "participation_rate", "public_value_index")
    steps: int = 120
    sources: tuple[str, ...] = field(default_factory=tuple)
    y_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def event_marks(self) -> dict[str, list[tuple[int, str]]]:
        """Event steps per column label, for dotted lines in the curves."""
        from governance_sim.viz.report import event_marks

        return dict(event_marks([{"name": column.label,
                                  "events": column.settings.get("events", [])}
                                 for column in self.columns]))


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        key="three_logics",
        title="The three logics side by side",
        question="What happens to trust, participation and public value when the same "
                 "municipality is run as a bureaucracy, by New Public Management, or by "
                 "co-creation?",
        setup="Same citizens, same network, same dice; only the logic differs (the role "
              "table on the right says what changes for each role).",
        watch=("Dots are citizens of three service units, lines who listens to whom. "
               "Colour is trust in institutions; a ring marks a citizen taking part.",
               "Which column fills up with rings first, and do the rings spread along the "
               "lines to neighbours?",
               "Compare the colours after a few years: where does trust grow, where does it "
               "drain away?"),
    ),
    Lesson(
        key="j_curve",
        title="The J-curve of a reform",
        question="When an NPM municipality switches to co-creation, does public value first "
                 "dip and then overtake, and how long is the dip?",
        setup="Left: NPM throughout. Middle: NPM until month 40, then co-creation (arenas "
              "start immature and expensive; professionals carry NPM's lost motivation and "
              "the reform's burnout). Right: co-creation from the start.",
        watch=("Before month 40 the left and middle columns are identical: same dice.",
               "At month 40 watch the middle curve of public value: does it fall below the "
               "left one? For how many months?",
               "Watch professional motivation in the middle column: how fast does it "
               "recover after the switch?"),
        columns=(
            Column("npm", {"logic": "npm"}),
            Column("npm → co-creation at month 40",
                   {"logic": "npm", "events": [{"kind": "switch_logic", "step": 40,
                                                "logic": "co_creation"}]}),
            Column("co_creation", {"logic": "co_creation"}),
        ),
        metrics=("public_value_index", "motivation_mean", "cost"),
        steps=180,
        y_ranges={"public_value_index": (0.5, 0.9)},
        sources=("Øllgaard Bentzen (2021), seed slide 20: resource-intensive at start-up",
                 "Ansell & Gash (2008): trust-building and small wins take time",
                 "Wynen et al. (2019): reform burnout"),
    ),
    Lesson(
        key="trust_threshold",
        title="The trust threshold",
        question="Can co-creation take off where few citizens trust the institutions?",
        setup="All three columns run co-creation; only the trust citizens start with "
              "differs: 30 %, 45 % and 60 % (Norway's trust in local government is 51 %, "
              "OECD 2024). Taking part becomes likely above a trust threshold of 0.5.",
        watch=("Count the rings in each column after a year: does turnout rise together "
               "with trust, or does one column stay almost empty?",
               "Watch the trust curve of the left column: does it climb out, or stay "
               "low?",
               "A threshold means a small difference at the start can become a large one "
               "later: is the gap between the columns growing?"),
        columns=(
            Column("co-creation, trust 30 %", {"logic": "co_creation", "initial_trust": 0.30}),
            Column("co-creation, trust 45 %", {"logic": "co_creation", "initial_trust": 0.45}),
            Column("co-creation, trust 60 %", {"logic": "co_creation", "initial_trust": 0.60}),
        ),
        sources=("Granovetter (1978): threshold models of collective behaviour",
                 "OECD Trust Survey 2024: Norway, trust in local government 51 %"),
    ),
    Lesson(
        key="crowding_out",
        title="Crowding out motivation",
        question="Do hard targets and tight control wear down professionals' motivation, and "
                 "does it come back when they are removed?",
        setup="Left: bureaucracy. Middle: the same bureaucracy with NPM-style hard targets "
              "and tight control from month 12 to month 60. Right: NPM throughout.",
        watch=("Watch professional motivation: when does the middle column part from the "
               "left one?",
               "After month 60 the targets are gone: does motivation in the middle column "
               "return to the left one's level, or does a scar remain?",
               "Watch trust too: citizens feel the relational work that targets push out."),
        columns=(
            Column("bureaucracy", {"logic": "bureaucracy"}),
            Column("hard targets, months 12-60",
                   {"logic": "bureaucracy", "events": [
                       {"kind": "set_levers", "step": 12,
                        "levers": {"performance_incentives": 0.9, "control_intensity": 0.8}},
                       {"kind": "set_levers", "step": 60,
                        "levers": {"performance_incentives": 0.1, "control_intensity": 0.6}},
                   ]}),
            Column("npm", {"logic": "npm"}),
        ),
        metrics=("motivation_mean", "relational_quality", "trust_mean"),
        steps=120,
        sources=("Frey & Jegen (2001): motivation crowding theory",
                 "Gneezy & Rustichini (2000): crowding out persists",
                 "Holmström & Milgrom (1991): multitasking"),
    ),
    Lesson(
        key="leave_no_one_behind",
        title="Leave no one behind",
        question="Who takes part when the municipality opens arenas, and can targeted "
                 "facilitation close the gap between citizens with few and many resources?",
        setup="Left: NPM (free choice and exit). Middle: co-creation with untargeted arenas. "
              "Right: co-creation with facilitation aimed at the citizens with the fewest "
              "resources (outreach, childcare at meetings, simple language).",
        watch=("Switch the network colouring to resources: are the rings on the dark "
               "(low-resource) dots or on the light ones?",
               "Watch the participation gap (top minus bottom resource quintile): which "
               "column closes it?",
               "And the value received by the bottom quintile: does targeting reach it?"),
        columns=(
            Column("npm", {"logic": "npm"}),
            Column("co-creation, untargeted",
                   {"logic": "co_creation", "levers": {"facilitation_targeting": 0.0}}),
            Column("co-creation, targeted",
                   {"logic": "co_creation", "levers": {"facilitation_targeting": 0.9}}),
        ),
        metrics=("participation_rate", "participation_gap", "outcome_bottom_quintile"),
        sources=("Seed slide 3: leave no one behind",
                 "WHO Europe (2019), seed slide 9: participation as a driver of health equity",
                 "Jakobsen & Andersen (2013): co-production and equity"),
    ),
)

_BY_KEY = {item.key: item for item in LESSONS}


def lesson(key: str) -> Lesson:
    """The lesson with this key.

    Raises:
        KeyError: no such lesson (the message lists the keys).
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown lesson {key!r}; allowed: {', '.join(_BY_KEY)}") from None
