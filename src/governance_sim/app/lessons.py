"""Guided lessons for the classroom: what each column runs, and what to watch.

A lesson sets up columns that run side by side (by default the three logics), the
horizon, the curves to show, and tells the class what to look for. The texts say what to
*watch*, not what will happen: the model decides that, and a class may see it fail.
Each lesson points to the mechanism and the literature it is about (patterns: docs/odd.md I.i).

The ablation lesson (``key="ablation"``, :func:`ablation_lesson`) is one lesson per
mechanism: the class chooses a mechanism that a full-model pattern rests on
(:data:`ABLATION_MECHANISMS`, from ``validation.PATTERN_MECHANISMS``) and sees one scenario
run with it and, on the same citizens and dice, without it (its neutral form,
``mechanisms.MECHANISMS``). Its texts give the numbers measured on the classroom's run
(defaults, seed 1; ``tests/test_app.py`` checks the direction of each).

The texts are written in English; :func:`lesson_text` gives a lesson in the page's language
(message domain ``classroom``, see :mod:`governance_sim.i18n`), and
:func:`texts_to_translate` lists every text it may look up, so that a test can check that
each has a Norwegian translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from governance_sim.i18n import mark, translator
from governance_sim.mechanisms import MECHANISMS
from governance_sim.params import Params
from governance_sim.validation import PATTERN_MECHANISMS

__all__ = ["Column", "Lesson", "Source", "LESSONS", "lesson", "CLASSROOM_BASE", "Ablation",
           "ABLATIONS", "ABLATION_MECHANISMS", "DEFAULT_ABLATION", "ablation_lesson",
           "mechanism_label", "LessonText", "lesson_text", "column_title", "texts_to_translate",
           "LOGIC_DISPLAY"]

#: Population of the classroom: the defaults (10 000 citizens in 100 units of 100), so the
#: network view shows a sample of three units.
CLASSROOM_BASE: dict[str, Any] = {}


@dataclass(frozen=True)
class Source:
    """A work a lesson cites, and what it says in one or two sentences.

    Attributes:
        citation: author, year and where (a seed slide: the lecture's slide number).
        note: what the slide or paper says that the lesson rests on, in plain words.
    """

    citation: str
    note: str


@dataclass(frozen=True)
class Column:
    """One of the three side-by-side runs: its label and parameters over the defaults."""

    label: str
    settings: Mapping[str, Any]

    def params(self, extra: Mapping[str, Any] | None = None, *,
               under: Mapping[str, Any] | None = None) -> Params:
        """The validated parameters of this column.

        Args:
            extra: on top of everything (e.g. a smaller population in tests).
            under: over the defaults but under the column's own settings (the students'
                settings: a lesson that sets a parameter itself keeps its value).
        """
        return Params(**{**CLASSROOM_BASE, **dict(under or {}), **dict(self.settings),
                         **dict(extra or {})})


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
        sources: literature behind the mechanism, each with a short note.
        y_ranges: y range per metric where 0-1 would hide the change.
        mechanism: the mechanism switched off in the last column (ablation lesson only).
    """

    key: str
    title: str
    question: str
    setup: str
    watch: tuple[str, ...]
    columns: tuple[Column, ...] = _THREE_LOGICS
    metrics: tuple[str, ...] = ("trust_mean", "participation_rate", "public_value_index")
    steps: int = 120
    sources: tuple[Source, ...] = field(default_factory=tuple)
    y_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    mechanism: str | None = None

    def event_marks(self) -> dict[str, list[tuple[int, str]]]:
        """Event steps per column label, for dotted lines in the curves."""
        from governance_sim.viz.report import event_marks

        return dict(event_marks([{"name": column.label,
                                  "events": column.settings.get("events", [])}
                                 for column in self.columns]))


_GUIDED: tuple[Lesson, ...] = (
    Lesson(
        key="three_logics",
        title="The three logics side by side",
        question="What happens to trust, participation and public value when the same "
                 "municipality is run as a bureaucracy, by New Public Management, or by "
                 "co-creation?",
        setup="Same citizens, same network, same dice; only the logic differs (the Roles "
              "panel says what changes for each role).",
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
            Column("NPM → co-creation at month 40",
                   {"logic": "npm", "events": [{"kind": "switch_logic", "step": 40,
                                                "logic": "co_creation"}]}),
            Column("co_creation", {"logic": "co_creation"}),
        ),
        metrics=("public_value_index", "motivation_mean", "cost"),
        steps=180,
        y_ranges={"public_value_index": (0.5, 0.9)},
        sources=(
            Source("Øllgaard Bentzen (2021), slide 20 of the seed lecture (von Heimburg 2022)",
                   "The slide weighs co-created, value-based governance: it promises better "
                   "problem-solving, motivated staff, trust and efficiency, but it is "
                   "resource-intensive, above all at start-up, and needs facilitation, trust "
                   "and courageous leaders before it pays off."),
            Source("Ansell & Gash (2008)",
                   "A review of 137 cases of collaborative governance: collaboration works "
                   "when trust is built step by step, through face-to-face dialogue and early "
                   "small wins, and that takes time."),
            Source("Wynen et al. (2019)",
                   "A survey of public organisations: when reforms follow each other quickly, "
                   "staff tire of them (reform fatigue) and their commitment falls."),
        ),
    ),
    Lesson(
        key="trust_threshold",
        title="The trust threshold",
        question="Can co-creation take off where few citizens trust the institutions?",
        setup="All three columns run co-creation; only the mean trust citizens start with "
              "differs: 0.40, 0.55 and 0.70 on a scale of 0 to 1. The middle one is the "
              "model's default, its reading of Norway, where 51 % of people trust their "
              "local government (a share answering 6-10 on 0-10, OECD 2024, not a mean). "
              "Taking part becomes likely above a trust threshold of 0.5.",
        watch=("Count the rings in each column after a year: does turnout rise together "
               "with trust, or does one column stay almost empty?",
               "Watch the trust curve of the left column: does it climb out, or stay "
               "low?",
               "A threshold means a small difference at the start can become a large one "
               "later: is the gap between the columns growing?"),
        columns=(
            Column("co-creation, mean trust 0.40",
                   {"logic": "co_creation", "initial_trust": 0.40}),
            Column("co-creation, mean trust 0.55",
                   {"logic": "co_creation", "initial_trust": 0.55}),
            Column("co-creation, mean trust 0.70",
                   {"logic": "co_creation", "initial_trust": 0.70}),
        ),
        sources=(
            Source("Granovetter (1978)",
                   "Threshold models of collective behaviour: each person joins once enough "
                   "others have joined, so a small difference in who starts can decide "
                   "whether many join or almost nobody."),
            Source("OECD Trust Survey 2024",
                   "In Norway 51 % of people say they trust their local government (6-10 on "
                   "a scale of 0-10). The model reads this as a mean trust of 0.55 on a "
                   "scale of 0-1 (its default starting trust)."),
        ),
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
               "Watch trust too: relational quality halves under the targets, yet trust "
               "does not fall with it; it even rises a little (about +0.004 on 0-1), while "
               "measured output is up by about two thirds. So where does the fall of trust "
               "in the NPM column come from, if not from its targets and control?"),
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
        sources=(
            Source("Frey & Jegen (2001)",
                   "A review of motivation crowding: rewards and control that people feel as "
                   "controlling lower their own motivation to do the work well (crowding "
                   "out); support and recognition raise it."),
            Source("Gneezy & Rustichini (2000)",
                   "Day-care centres in Israel fined parents who came late: more parents came "
                   "late, and they kept coming late after the fine was removed. Crowding out "
                   "can last."),
            Source("Holmström & Milgrom (1991)",
                   "When only part of a job is measured, incentives pull effort to the "
                   "measured part and away from the rest (multitasking)."),
        ),
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
        sources=(
            Source("Slide 3 of the seed lecture (von Heimburg 2022)",
                   "Community value, «leave no one behind»: co-creation should create value "
                   "for the whole community, those hardest to reach included."),
            Source("WHO Europe (2019), slide 9 of the seed lecture",
                   "The report 'Participation as a driver of health equity': involving "
                   "people, the disadvantaged above all, in decisions about their lives "
                   "improves health equity, if taking part is made possible for them."),
            Source("Jakobsen & Andersen (2013)",
                   "A field experiment in Danish day care: giving parents of disadvantaged "
                   "children materials and guidance to help at home raised those children's "
                   "results and narrowed the gap."),
        ),
    ),
)


# --------------------------------------------------------------------------------------
# The ablation lesson: switch one mechanism off
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ablation:
    """How the ablation lesson shows one mechanism.

    The scenario runs twice, with the mechanism and without it (its neutral form); a
    ``reference`` column (mechanism on) comes first where the pattern is a comparison with
    something else (e.g. NPM).

    Attributes:
        mechanism: the switch's name (``mechanisms.MECHANISMS``).
        scenario: the scenario in plain language.
        settings: the scenario's parameters over the defaults.
        patterns: pattern number -> short name, for the patterns resting on the mechanism
            (the numbers are ``validation.PATTERN_MECHANISMS``'s; a test checks them).
        watch: what to watch, with the numbers measured on the classroom's run.
        metrics: the curves.
        reference: an optional first column, with the mechanism on.
        steps: months to run.
        y_ranges: y range per metric.
    """

    mechanism: str
    scenario: str
    settings: Mapping[str, Any]
    patterns: Mapping[int, str]
    watch: tuple[str, ...]
    metrics: tuple[str, ...]
    reference: Column | None = None
    steps: int = 120
    y_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def _is_lab_pattern(names: tuple[str, ...]) -> bool:
    return any(MECHANISMS[name].lab for name in names)



_SHOCK = [{"kind": "trust_shock", "step": 24, "size": 0.15, "duration": 24}]

ABLATIONS: dict[str, Ablation] = {a.mechanism: a for a in (
    Ablation(
        "trust_asymmetry",
        "A bureaucracy (the defaults) hit by a two-year scandal from month 24: a negative "
        "procedural signal of 0.15 on every citizen, the shock that matches Norway's fall in "
        "trust from 2021 to 2023.",
        {"logic": "bureaucracy", "events": _SHOCK},
        {4: "trust is lost faster than it is gained",
         11: "an OECD-sized shock and a slow recovery"},
        ("How deep does trust fall in each column during the two years of the shock? With "
         "the asymmetry it falls from about 0.56 to 0.48; without it, bad experiences count "
         "no more than good ones and it falls only to about 0.53.",
         "After month 48 the shock is over. Half of the loss comes back in a year and a half "
         "in both columns (by about month 64 with the asymmetry, 61 without); trust is back "
         "at its level before the shock by about month 112 with it, month 85 without.",
         "So in both columns trust climbs back more slowly than it fell: that slowness is "
         "trust's slow adjustment, not this mechanism. What the mechanism adds is the depth "
         "of the fall, and with it the length of the way back."),
        ("trust_mean", "participation_rate", "public_value_index"),
        y_ranges={"trust_mean": (0.4, 0.65), "participation_rate": (0.0, 0.1)},
    ),
    Ablation(
        "trust_threshold",
        "Co-creation hit by the same two-year scandal from month 24 (a negative procedural "
        "signal of 0.15 on every citizen): trust falls, and then?",
        {"logic": "co_creation", "events": _SHOCK},
        {6: "history's trace in who takes part"},
        ("Trust falls alike in both columns (from about 0.55 to 0.46). Watch participation: "
         "with the threshold it falls by a third during the shock (from about 5 % to 3.4 % a "
         "month) and comes back only as trust does; without it, it hardly reacts (from about "
         "2.1 % to 1.8 %).",
         "Without the threshold fewer citizens take part from the start (about 2 % instead of "
         "5 %): trust above the threshold no longer adds to anyone's readiness. So, without "
         "it, a municipality that starts with low trust takes part as much as one with high "
         "trust, and pattern 6's trace of the scandal in participation, years after it ended, "
         "is gone."),
        ("participation_rate", "trust_mean", "public_value_index"),
        y_ranges={"participation_rate": (0.0, 0.1), "trust_mean": (0.35, 0.65)},
    ),
    Ablation(
        "service_motive",
        "Co-creation that frames citizens' inputs as complements to the service "
        "(complementarity framing 1.0), and whose budget doubles at month 24: the service "
        "gets much better. The left column keeps its budget.",
        {"logic": "co_creation", "levers": {"complementarity_framing": 1.0},
         "events": [{"kind": "budget_change", "step": 24, "factor": 2.0}]},
        {9: "better service crowds out co-production unless complementary"},
        ("Watch the value received jump at month 24 in the two right columns.",
         "Watch co-production after month 24: with the service motive it ends up about 11 % "
         "above the column that kept its budget (0.042 against 0.038 per citizen over the "
         "last five years), and participation with it; without the motive co-production stays "
         "far lower (0.023). Framed as substitutes instead, the service motive makes a better "
         "service lower co-production by a few per cent (pattern 9), too little to see in one "
         "run.",
         "Without the motive fewer take part from the start (about 3 % instead of 5 % a "
         "month), and co-production is about 45 % lower."),
        ("coproduction", "participation_rate", "service_value"),
        reference=Column("co-creation, same budget",
                         {"logic": "co_creation", "levers": {"complementarity_framing": 1.0}}),
        y_ranges={"coproduction": (0.0, 0.06), "participation_rate": (0.0, 0.1),
                  "service_value": (0.5, 0.9)},
    ),
    Ablation(
        "crowding_out",
        "New Public Management from the start: tight control and hard targets.",
        {"logic": "npm"},
        {3: "crowding out with hysteresis"},
        ("Watch professional motivation: with crowding out it sinks year after year under "
         "NPM's control and targets (from about 0.70 to 0.66 in ten years); without it, it "
         "stays where it started.",
         "Measured output follows motivation (about 0.69 against 0.74 at month 120); trust "
         "does not (0.49 in both): NPM's fall in trust is not this mechanism's doing."),
        ("motivation_mean", "measured_output", "trust_mean"),
        y_ranges={"motivation_mean": (0.6, 0.75)},
    ),
    Ablation(
        "motivation_scar",
        "NPM until month 60; then its controls are lifted: control, targets, autonomy and "
        "relational focus are set to bureaucracy's levels (no reform, so no reform "
        "burnout). The left column is a bureaucracy throughout.",
        {"logic": "npm", "events": [
            {"kind": "set_levers", "step": 61, "levers": {
                "control_intensity": 0.6, "performance_incentives": 0.1,
                "professional_autonomy": 0.5, "relational_focus": 0.5}}]},
        {3: "crowding out with hysteresis"},
        ("Until month 60 motivation falls in both NPM columns, a little further with the "
         "scar: it builds up while the control lasts (about 0.67 against 0.68 at month 60).",
         "After month 60: without the scar motivation climbs back to the bureaucracy's "
         "level (about 0.70 at month 180); with it, it is still about 0.01 below ten years "
         "after the controls were lifted. Neither comes back at once: motivation adjusts "
         "slowly in both."),
        ("motivation_mean", "measured_output", "trust_mean"),
        reference=Column("bureaucracy", {"logic": "bureaucracy"}),
        steps=180,
        y_ranges={"motivation_mean": (0.64, 0.72)},
    ),
    Ablation(
        "reform_burnout",
        "A reform every year: NPM for the first year, then co-creation, NPM again a year "
        "later, and so on (nine reforms in ten years).",
        {"logic": "npm", "events": [
            {"kind": "switch_logic", "step": 12 * k + 1,
             "logic": "co_creation" if k % 2 == 1 else "npm"} for k in range(1, 10)]},
        {12: "reform fatigue"},
        ("Watch professional motivation at each switch: with reform burnout every reform "
         "pushes it down and there is no time to recover (from about 0.70 to 0.51 in ten "
         "years); without it, it stays near 0.70 however often the logic changes.",
         "Watch burnout itself: it piles up with each reform (to about 0.33), or stays at "
         "zero.",
         "Public value drops at every switch in both columns (new arenas start immature, "
         "NPM's savings are lost); with burnout it drifts further down (about 0.60 against "
         "0.69 at month 120)."),
        ("motivation_mean", "burnout_mean", "public_value_index"),
        y_ranges={"motivation_mean": (0.4, 0.8), "burnout_mean": (0.0, 0.5)},
    ),
    Ablation(
        "multitasking",
        "A bureaucracy that puts hard targets on measured work from month 24 (performance "
        "incentives 1.0).",
        {"logic": "bureaucracy", "events": [
            {"kind": "set_levers", "step": 24, "levers": {"performance_incentives": 1.0}}]},
        {10: "hard targets: measured output up, relational quality down"},
        ("At month 24, with multitasking measured output jumps (from about 0.38 to 0.67) "
         "and relational quality falls to less than half (from 0.17 to 0.07): effort moves "
         "to what is measured.",
         "Without it, measured output rises only a little (from 0.36 to 0.42) and "
         "relational quality stays where it was.",
         "Trust hardly moves in either column."),
        ("measured_output", "relational_quality", "trust_mean"),
    ),
    Ablation(
        "facilitation",
        "An NPM municipality that switches to co-creation at month 24, over 15 years. The "
        "left column stays NPM. Without facilitation the co-creation column still pays for "
        "it.",
        {"logic": "npm", "events": [{"kind": "switch_logic", "step": 25,
                                     "logic": "co_creation"}]},
        {7: "the J-curve after switching to co-creation"},
        ("At month 24 public value dips in both co-creation columns, deeper without "
         "facilitation.",
         "With facilitation it climbs back and overtakes NPM about eight years after the "
         "switch (around month 120); without it, it stays below NPM to the end: co-creation "
         "never pays off.",
         "Compare participation: fewer take part without facilitation (about 5 % against 6 "
         "% a month at the end)."),
        ("public_value_index", "participation_rate", "trust_mean"),
        reference=Column("npm", {"logic": "npm"}),
        steps=180,
        y_ranges={"public_value_index": (0.6, 0.75), "participation_rate": (0.0, 0.1),
                  "trust_mean": (0.4, 0.65)},
    ),
    Ablation(
        "targeting",
        "Co-creation with untargeted arenas; from month 36 facilitation is aimed at the "
        "citizens with the fewest resources (targeting 0.9: outreach, childcare at "
        "meetings, simple language).",
        {"logic": "co_creation", "levers": {"facilitation_targeting": 0.0},
         "events": [{"kind": "set_levers", "step": 36,
                     "levers": {"facilitation_targeting": 0.9}}]},
        {8: "arenas widen gaps; targeting narrows them"},
        ("Watch the participation gap (top minus bottom resource quintile) after month 36: "
         "with targeting it shrinks from about 5 to 1-3 points as more of the bottom "
         "quintile takes part; without it, nothing changes: the bottom quintile takes part "
         "no more than before.",
         "Switch the colouring to resources: where are the rings after month 36?",
         "The value received by the bottom quintile is about the same in both columns: "
         "targeting changes who takes part more than what the bottom quintile gets."),
        ("participation_q1", "participation_gap", "outcome_bottom_quintile"),
        y_ranges={"participation_q1": (0.0, 0.1), "participation_gap": (-0.02, 0.08),
                  "outcome_bottom_quintile": (0.55, 0.7)},
    ),
    Ablation(
        "voice",
        "NPM with a citizens' panel from month 12 to month 72: 500 citizens (5 % of the "
        "classroom's 10 000) drawn at random, with real influence.",
        {"logic": "npm", "events": [{"kind": "citizens_panel", "step": 12, "members": 500,
                                     "duration": 60}]},
        {5: "the voice gap: citizens with a say trust more"},
        ("Watch the trust gap between those taking part and the others: when the panel "
         "starts it drops (panel members are ordinary citizens, drawn at random); with voice "
         "it then grows to about 0.19 as members' trust pulls away; without it, it keeps "
         "shrinking (to about 0.07 by month 60): nothing sets the members apart.",
         "After month 72 the panel is gone and the gap is again that of the citizens who "
         "take part of their own accord."),
        ("voice_trust_gap", "trust_mean", "participation_rate"),
        y_ranges={"voice_trust_gap": (0.0, 0.3), "trust_mean": (0.4, 0.65),
                  "participation_rate": (0.0, 0.15)},
    ),
)}

#: Mechanisms that at least one full-model pattern (3-12; patterns 1-2 run in lab mode)
#: rests on, in ``MECHANISMS`` order, and that have a classroom scenario in
#: :data:`ABLATIONS`: the choices of the ablation lesson (``tests/test_app.py`` checks that
#: every full-model mechanism has one).
ABLATION_MECHANISMS: tuple[str, ...] = tuple(
    name for name in MECHANISMS
    if name in ABLATIONS and any(name in names for names in PATTERN_MECHANISMS.values()
                                 if not _is_lab_pattern(names)))

#: The mechanism the ablation lesson starts with.
DEFAULT_ABLATION = "trust_asymmetry"


def _short(name: str) -> str:
    return name.replace("_", " ")


_ABLATION_SOURCES = (
    Source("docs/odd.md, section III.vi",
           "The model's documentation lists each mechanism with a switch and its neutral "
           "form: what the model does instead when the mechanism is off."),
    Source("Grimm et al. (2005)",
           "Pattern-oriented modelling: a model earns trust when it reproduces several "
           "patterns seen in the real world at once, and a mechanism matters when a pattern "
           "disappears without it."),
)


def ablation_lesson(mechanism: str = DEFAULT_ABLATION) -> Lesson:
    """The ablation lesson for ``mechanism``: its scenario with it and without it.

    Raises:
        KeyError: not one of :data:`ABLATION_MECHANISMS` (the message lists them).
    """
    if mechanism not in ABLATIONS:
        raise KeyError(f"unknown mechanism {mechanism!r} for the ablation lesson; allowed: "
                       f"{', '.join(ABLATION_MECHANISMS)}")
    item = ABLATIONS[mechanism]
    spec = MECHANISMS[mechanism]
    name = _short(mechanism)
    columns = ((item.reference,) if item.reference is not None else ()) + (
        Column(f"with {name}", item.settings),
        Column(f"without {name}", {**item.settings, "mechanisms": {mechanism: False}}),
    )
    patterns = "; ".join(f"{number}. {title}" for number, title in
                         sorted(item.patterns.items()))
    return Lesson(
        key="ablation",
        title="Switch a mechanism off",
        question=f"What disappears without {name}? Patterns resting on it: {patterns}.",
        setup=(f"{item.scenario} Column “with {name}”: {spec.what}. Column “without "
               f"{name}”: the same citizens and dice, but {spec.neutral}."),
        watch=item.watch,
        columns=columns,
        metrics=item.metrics,
        steps=item.steps,
        y_ranges=item.y_ranges,
        sources=_ABLATION_SOURCES,
        mechanism=mechanism,
    )


_ABLATION_LESSONS = {name: ablation_lesson(name) for name in ABLATION_MECHANISMS}

LESSONS: tuple[Lesson, ...] = _GUIDED + (_ABLATION_LESSONS[DEFAULT_ABLATION],)

_BY_KEY = {item.key: item for item in LESSONS}


def lesson(key: str, mechanism: str | None = None) -> Lesson:
    """The lesson with this key (for ``"ablation"``, the one switching ``mechanism`` off).

    Raises:
        KeyError: no such lesson or mechanism (the message lists the allowed ones).
    """
    try:
        item = _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown lesson {key!r}; allowed: {', '.join(_BY_KEY)}") from None
    if item.key == "ablation" and mechanism is not None:
        try:
            return _ABLATION_LESSONS[mechanism]
        except KeyError:
            raise KeyError(f"unknown mechanism {mechanism!r} for the ablation lesson; "
                           f"allowed: {', '.join(ABLATION_MECHANISMS)}") from None
    return item


# --------------------------------------------------------------------------------------
# The lessons in the page's language
# --------------------------------------------------------------------------------------
I18N_DOMAIN = "classroom"

#: The logics as the class reads them (column labels of the lessons are the logics' names).
LOGIC_DISPLAY: dict[str, str] = {
    "bureaucracy": mark("Bureaucracy"),
    "npm": mark("NPM"),
    "co_creation": mark("Co-creation"),
}

#: Mechanisms of the ablation lesson, in words (the switch's name with spaces otherwise).
_MECHANISM_NAMES: dict[str, str] = {name: name.replace("_", " ") for name in MECHANISMS}

_QUESTION = mark("What disappears without {name}? Patterns resting on it: {patterns}.")
_SETUP = mark("{scenario} Column “with {name}”: {what}. Column “without {name}”: the same "
              "citizens and dice, but {neutral}.")
_WITH = mark("with {name}")
_WITHOUT = mark("without {name}")


@dataclass(frozen=True)
class LessonText:
    """A lesson's texts in one language.

    Attributes:
        title, question, setup: as in :class:`Lesson`.
        watch: what to watch, step by step.
        sources: each cited work with its note.
        columns: the columns' titles, in the lesson's column order.
    """

    title: str
    question: str
    setup: str
    watch: tuple[str, ...]
    sources: tuple[Source, ...]
    columns: tuple[str, ...]


def column_title(label: str, lang: str = "en") -> str:
    """A column label as the class reads it (``npm`` becomes NPM) in ``lang``."""
    _ = translator(lang, I18N_DOMAIN)
    if label in LOGIC_DISPLAY:
        return _(LOGIC_DISPLAY[label])
    for template in (_WITH, _WITHOUT):
        head = template.split("{name}")[0]
        rest = label.removeprefix(head)
        if label.startswith(head) and rest.replace(" ", "_") in _MECHANISM_NAMES:
            return _(template).format(name=_(_MECHANISM_NAMES[rest.replace(" ", "_")]))
    return _(label)


def mechanism_name(name: str, lang: str = "en") -> str:
    """A mechanism's name in words, in ``lang``."""
    return translator(lang, I18N_DOMAIN)(_MECHANISM_NAMES[name])


def mechanism_label(name: str, lang: str = "en") -> str:
    """A mechanism as the class reads it: its name and what it does (in ``lang``)."""
    _ = translator(lang, I18N_DOMAIN)
    return f"{mechanism_name(name, lang)}: {_(MECHANISMS[name].what)}"


def lesson_text(item: Lesson, lang: str = "en") -> LessonText:
    """The texts of ``item`` in ``lang`` (English returns the lesson's own texts).

    Raises:
        LanguageError: ``lang`` is not one of :data:`governance_sim.i18n.LANGUAGES`.
    """
    _ = translator(lang, I18N_DOMAIN)
    sources = tuple(Source(_(s.citation), _(s.note)) for s in item.sources)
    columns = tuple(column_title(c.label, lang) for c in item.columns)
    if item.mechanism is None:
        return LessonText(_(item.title), _(item.question), _(item.setup),
                          tuple(_(text) for text in item.watch), sources, columns)
    ablation = ABLATIONS[item.mechanism]
    spec = MECHANISMS[item.mechanism]
    name = mechanism_name(item.mechanism, lang)
    patterns = "; ".join(f"{number}. {_(title)}" for number, title in
                         sorted(ablation.patterns.items()))
    return LessonText(
        _(item.title), _(_QUESTION).format(name=name, patterns=patterns),
        _(_SETUP).format(scenario=_(ablation.scenario), name=name, what=_(spec.what),
                         neutral=_(spec.neutral)),
        tuple(_(text) for text in item.watch), sources, columns)


def texts_to_translate() -> list[str]:
    """Every English text :func:`lesson_text` and :func:`mechanism_label` may look up."""
    texts: list[str] = [*LOGIC_DISPLAY.values(), _QUESTION, _SETUP, _WITH, _WITHOUT]
    for item in (*_GUIDED, *_ABLATION_LESSONS.values()):
        texts += [item.title, *item.watch]
        texts += [text for s in item.sources for text in (s.citation, s.note)]
        texts += [c.label for c in item.columns if c.label not in LOGIC_DISPLAY
                  and not c.label.startswith(("with ", "without "))]
        if item.mechanism is None:
            texts += [item.question, item.setup]
    for name in ABLATION_MECHANISMS:
        ablation, spec = ABLATIONS[name], MECHANISMS[name]
        texts += [_MECHANISM_NAMES[name], ablation.scenario, spec.what, spec.neutral,
                  *ablation.patterns.values()]
    return list(dict.fromkeys(texts))
