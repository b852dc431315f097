"""The one validated, immutable parameter object of the model: :class:`Params`.

Every field carries its unit, its allowed range and its source (``Params.describe()``
lists them; ``docs/parameters.md`` is generated from them). Unknown keys, out-of-range
values, NaN, unknown logic names and mix weights that do not sum to one are rejected
with a :class:`ParameterError` naming the field and what is allowed.

One step of the model is one month.

This module is the lowest layer of the package: it imports nothing from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:  # pandas is imported when Params.describe() is first called
    import pandas as pd

__all__ = [
    "LOGIC_NAMES",
    "LEVER_NAMES",
    "MECHANISM_NAMES",
    "LEVER_RANGES",
    "EVIDENCE_GRADES",
    "Event",
    "FieldInfo",
    "ParameterError",
    "UserInputError",
    "Params",
    "MAX_PROFESSIONALS",
    "BYTES_PER_CITIZEN",
    "BYTES_PER_PROFESSIONAL",
    "population_bytes",
    "memory_text",
]

#: Most professionals one run may have (``n_units * professionals_per_unit``), like the
#: 5 000 000 citizens ``n_citizens`` allows.
MAX_PROFESSIONALS = 5_000_000
#: Memory one citizen takes while a run steps (state arrays, network, the step's
#: temporaries; measured through ``gs.run``, about 200 bytes), for estimates in messages.
BYTES_PER_CITIZEN = 210
#: Memory one professional takes while a run steps (measured: about 60 bytes).
BYTES_PER_PROFESSIONAL = 60


def population_bytes(n_citizens: int, n_professionals: int) -> int:
    """Estimated memory of one run's population while it steps, in bytes."""
    return n_citizens * BYTES_PER_CITIZEN + n_professionals * BYTES_PER_PROFESSIONAL


def memory_text(size: float) -> str:
    """``size`` bytes in words: ``"about 1.2 GB"``."""
    if size >= 10**18:  # also an integer too large for a float
        return "more than a million TB"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"about {size / scale:.3g} {unit}"
    return f"about {size:.0f} bytes"

#: The three governance logics of the seed (slide 1): authority, market, arena.
LOGIC_NAMES: tuple[str, ...] = ("bureaucracy", "npm", "co_creation")

#: The levers that make up a logic profile (``logics.py`` holds their values).
LEVER_NAMES: tuple[str, ...] = (
    "arnstein_rung",
    "arena_reach",
    "control_intensity",
    "performance_incentives",
    "professional_autonomy",
    "relational_focus",
    "facilitation_investment",
    "facilitation_targeting",
    "impartiality",
    "choice_exit",
    "complementarity_framing",
    "sanctions",
    "politician_horizon",
    "mobilisation",
    "participation_payment",
    "payment_to_cause",
)

#: The mechanisms that can be switched off (``Params.mechanisms``); what each does and its
#: neutral form are in :data:`governance_sim.mechanisms.MECHANISMS`.
MECHANISM_NAMES: tuple[str, ...] = (
    "belief_learning", "conditional_cooperation", "end_game", "punishment_feedback",
    "trust_asymmetry",
    "process_over_outcome", "trust_threshold", "contagion", "service_motive", "crowding_out",
    "motivation_scar", "reform_burnout", "multitasking", "startup_burden", "facilitation",
    "targeting", "voice", "civic_crowding", "felt_say", "institutional_social_trust",
    "service_fit", "shared_expectations",
)

ASSUMPTION = "modelling assumption (see docs/odd.md); varied in the robustness analysis"


class UserInputError(Exception):
    """Base of every error caused by what a user gave (parameters, files, names, paths).

    The command line prints its message as one line and exits with code 2; no traceback.
    """


class ParameterError(UserInputError, ValueError):
    """A parameter, scenario or event was invalid; the message names the field and the rule."""


def _f(
    default: Any,
    lo: float | None,
    hi: float | None,
    unit: str,
    source: str,
    doc: str,
    group: str,
) -> Any:
    """Declare one parameter field with its range, unit, source and description."""
    kwargs: dict[str, Any] = {}
    if lo is not None:
        kwargs["ge"] = lo
    if hi is not None:
        kwargs["le"] = hi
    return Field(
        default,
        description=doc,
        json_schema_extra={"unit": unit, "source": source, "group": group},
        **kwargs,
    )


EventKind = Literal[
    "switch_logic", "trust_shock", "trust_boost", "budget_change", "set_levers", "compact",
    "citizens_panel",
]


#: The fields each kind of event uses (besides ``kind`` and ``step``); others are refused.
EVENT_FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "switch_logic": ("logic",),
    "trust_shock": ("size", "duration"),
    "trust_boost": ("size", "duration"),
    "budget_change": ("factor", "duration"),
    "set_levers": ("levers",),
    "compact": ("size", "duration"),
    "citizens_panel": ("members", "duration"),
}


class Event(BaseModel):
    """A scheduled intervention that changes levers or state at a given step.

    Kinds and the fields they use:

    * ``switch_logic``: ``logic`` (a name or a mix) from ``step`` on; leaders reset their
      style targets and professionals carry ``reform_burnout``.
    * ``trust_shock``: a scandal or crisis; a negative procedural signal of ``size`` on
      every citizen for ``duration`` steps.
    * ``trust_boost``: good news, the mirror of a shock (a crisis handled well, a visible
      success); a positive procedural signal of ``size`` on every citizen for ``duration``
      steps.
    * ``budget_change``: the budget is multiplied by ``factor``, phased in linearly over
      ``duration`` steps (``duration=1``: at once). An austerity cut of 40 % is ``0.6``.
    * ``set_levers``: override named ``levers`` (a mapping lever -> value) from ``step`` on.
    * ``compact``: a two-sided promise such as the Wigan Deal: complementarity framing is
      raised to at least ``size`` and a visible commitment adds a positive procedural
      signal of ``size``/10 for ``duration`` steps.
    * ``citizens_panel``: a sortition-based panel of ``members`` citizens, drawn at random
      regardless of resources, who take part with deliberative influence for ``duration``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    step: int = Field(ge=0, le=100_000, description="step at which the event starts")
    logic: str | dict[str, float] | None = None
    size: float = Field(0.0, ge=0.0, le=1.0)
    duration: int = Field(1, ge=1, le=100_000)
    factor: float = Field(1.0, ge=0.0, le=5.0)
    levers: dict[str, float] | None = None
    members: int = Field(0, ge=0, le=10_000_000)

    @field_validator("logic", mode="before")
    @classmethod
    def _check_logic(cls, value: Any) -> Any:
        if value is None:
            return None
        return _normalise_logic(value)

    @field_validator("levers", mode="before")
    @classmethod
    def _check_levers(cls, value: Any) -> Any:
        return None if value is None else _normalise_levers(value)

    @model_validator(mode="after")
    def _check_kind_fields(self) -> Event:
        used = EVENT_FIELDS_BY_KIND[self.kind]
        stray = sorted(name for name in set(self.model_fields_set) - {"kind", "step"} - set(used)
                       if getattr(self, name) != Event.model_fields[name].default)
        if stray:
            raise ValueError(f"a {self.kind!r} event does not use {', '.join(stray)}; it "
                             f"takes step and {', '.join(used)}")
        if self.kind == "switch_logic" and self.logic is None:
            raise ValueError("a 'switch_logic' event needs 'logic'")
        if self.kind == "set_levers" and not self.levers:
            raise ValueError("a 'set_levers' event needs 'levers'")
        if self.kind == "citizens_panel" and self.members < 1:
            raise ValueError("a 'citizens_panel' event needs 'members' >= 1")
        return self


#: Allowed range of each lever (rungs 1-8, horizons in steps, the rest shares 0-1).
LEVER_RANGES: dict[str, tuple[float, float]] = {
    name: ((1.0, 8.0) if name == "arnstein_rung" else (1.0, 1200.0)
           if name == "politician_horizon" else (0.0, 1.0))
    for name in LEVER_NAMES
}


def _is_number(value: Any) -> bool:
    """True for an int or a finite float (not a bool); an int of any size is fine to compare.

    ``math.isfinite`` of an integer beyond a float's range raises ``OverflowError``; an
    integer is always finite, so it is never passed there.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _short(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters (a 400-digit number is not echoed)."""
    try:
        shown = repr(value)
    except (ValueError, RecursionError):  # e.g. an int beyond Python's printing limit
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


def _normalise_levers(value: Any) -> dict[str, float]:
    """Check a mapping of lever overrides; return it with float values."""
    if not isinstance(value, dict):
        raise ValueError("levers must be a mapping of lever names to numbers")
    out = {}
    for name, lever in value.items():
        if name not in LEVER_NAMES:
            raise ValueError(f"unknown lever {name!r}; allowed: {', '.join(LEVER_NAMES)}")
        lo, hi = LEVER_RANGES[name]
        if not _is_number(lever) or not lo <= lever <= hi:
            raise ValueError(f"lever {name!r} must be a number in [{lo:g}, {hi:g}], "
                             f"got {_short(lever)}")
        out[name] = float(lever)
    return out


def _normalise_logic(value: Any) -> str | dict[str, float]:
    """Check a logic name or mix; return it in canonical form."""
    if isinstance(value, str):
        if value not in LOGIC_NAMES:
            raise ValueError(
                f"unknown logic {value!r}; allowed: {', '.join(LOGIC_NAMES)} or a mix of them"
            )
        return value
    if isinstance(value, dict):
        if not value:
            raise ValueError("a logic mix needs at least one weight")
        total = 0.0
        for name, weight in value.items():
            if name not in LOGIC_NAMES:
                raise ValueError(
                    f"unknown logic {name!r} in mix; allowed: {', '.join(LOGIC_NAMES)}"
                )
            if not _is_number(weight) or not 0 <= weight <= 1:
                raise ValueError(f"mix weight of {name!r} must be a number >= 0 and <= 1 "
                                 f"(true/false is not a number), got {_short(weight)}")
            total += float(weight)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"mix weights must sum to 1, they sum to {total:g}")
        return {name: float(value[name]) for name in LOGIC_NAMES if name in value}
    raise ValueError(
        f"logic must be a name ({', '.join(LOGIC_NAMES)}) or a mapping of them to weights"
    )


class Params(BaseModel):
    """All parameters of one simulation, validated when built and immutable after.

    Build with keywords (``Params(n_citizens=5000, logic="npm")``), from a mapping
    (``Params.from_dict(d)``), or derive a variant (``params.replace(initial_trust=0.3)``).
    Each field's ``unit``, ``range`` and ``source`` are in :meth:`describe`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # --- population ---------------------------------------------------------------
    n_citizens: int = _f(10_000, 10, 5_000_000, "citizens", "design choice (docs/odd.md I.ii)",
                         "number of citizens", "population")
    n_units: int = _f(100, 1, 100_000, "units", "design choice (docs/odd.md I.ii)",
                      "number of service units (kindergartens, neighbourhood services)",
                      "population")
    professionals_per_unit: int = _f(10, 1, 200, "professionals/unit",
                                     "design choice (docs/odd.md I.ii)",
                                     "professionals employed in each unit", "population")
    n_politicians: int = _f(30, 1, 500, "politicians",
                            "design choice (docs/odd.md I.ii); Norwegian councils have 11-77 seats",
                            "members of the municipal council", "population")
    network_degree: int = _f(8, 1, 50, "ties/citizen", ASSUMPTION,
                             "neighbours each citizen listens to", "population")
    network_homophily: float = _f(0.8, 0.0, 1.0, "share",
                                  "assumption; direction from McPherson, Smith-Lovin & Cook "
                                  "(2001): ties form among the similar and the near",
                                  "share of a citizen's ties inside the own unit, "
                                  "drawn among citizens of similar resources", "population")

    # --- logic and events -----------------------------------------------------------
    logic: str | dict[str, float] = Field(
        "bureaucracy",
        description="governance logic: a name or a mix {name: weight} summing to 1",
        json_schema_extra={"unit": "-", "source": "seed slide 1 and 6", "group": "logic"},
    )
    levers: dict[str, float] = Field(
        default_factory=dict,
        description="overrides of single levers of the logic's profile (see logics.py)",
        json_schema_extra={"unit": "-", "source": "scenario files", "group": "logic"},
    )
    lever_table: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="overrides of cells of the lever table, per logic ({logic: {lever: "
        "value}}): unlike levers, they act only while that logic (or its share of a mix) "
        "governs, also after a switch (robustness and sensitivity analyses of the table)",
        json_schema_extra={"unit": "-", "source": "logics.py LEVER_TABLE", "group": "logic"},
    )
    events: tuple[Event, ...] = Field(
        (),
        description="scheduled interventions (see Event)",
        json_schema_extra={"unit": "-", "source": "scenario files", "group": "logic"},
    )
    mechanisms: dict[str, bool] = Field(
        default_factory=dict,
        description="mechanisms switched on (true) or off (false, their neutral form: "
                    "governance_sim.mechanisms, docs/odd.md); unnamed ones are on",
        json_schema_extra={"unit": "-", "source": "docs/odd.md, mechanism switches",
                           "group": "logic"},
    )

    # --- initial state --------------------------------------------------------------
    initial_trust: float = _f(0.55, 0.0, 1.0, "0-1",
                              "from source: OECD Trust Survey 2024, Norway, 51 % answer 6-10 "
                              "on 0-10 for local government (a median near 0.55); ESS round 11 "
                              "Norway parliament 6.5 (data/field_targets.md)",
                              "mean trust disposition (initial trust in institutions)",
                              "initial")
    initial_trust_sd: float = _f(0.26, 0.0, 0.45, "0-1",
                                 "from source: SD 2.0-2.3 on 0-10 (FORS 1063, N = 7 400; "
                                 "data/field_targets.md); set a little above, as experience "
                                 "narrows the spread over the first years",
                                 "spread of trust dispositions across citizens (Beta "
                                 "distribution)", "initial")
    trust_resource_gradient: float = _f(0.06, 0.0, 1.0, "0-1 per unit of resources",
                                        "calibrated to OECD 2022/2024: top vs bottom income "
                                        "+12 pp, degree +8 to +20 pp in the share trusting "
                                        "(a gap in a share, met by this gradient of the mean "
                                        "disposition together with the felt say that rises "
                                        "with resources and, under NPM's choice, expectations "
                                        "shared with the unit: tests/test_field_targets.py; "
                                        "set by hand)",
                                        "how much higher the trust disposition is per unit of "
                                        "resources (quintile / 5)", "initial")
    initial_social_trust: float = _f(0.76, 0.0, 1.0, "share",
                                     "from source, read as a mean: OECD Trust Survey 2024, "
                                     "Norway, 76 % trust other people (a share, used as the "
                                     "mean of a 0-1 scale)",
                                     "mean initial generalised (social) trust", "initial")
    initial_efficacy: float = _f(0.40, 0.0, 1.0, "share", ASSUMPTION,
                                 "mean initial political efficacy", "initial")
    initial_social_trust_sd: float = _f(0.1, 0.0, 0.5, "share", ASSUMPTION,
                                        "spread of initial social trust (normal, clipped)",
                                        "initial")
    efficacy_resource_gradient: float = _f(
        0.05, 0.0, 2.0, "share per unit of resources",
        "direction from source: Verba, Schlozman & Brady (1995), efficacy rises with "
        "resources; size set by hand with the field bands it moves (participation by "
        "quintile; no E-R band was read): 0.15 before the efficacy anchor took civic "
        "motivation and the trust disposition, which rise with resources themselves, so the "
        "anchor's whole slope on resources is about 0.21 (0.05 + 0.5 x 0.3 + 0.23 x 0.06; "
        "0.15 before; issue 20)",
        "how much higher a citizen's efficacy anchor (and initial efficacy) is per unit of "
        "resources, beside what civic motivation carries", "initial")
    efficacy_trust_gradient: float = _f(
        0.23, 0.0, 2.0, "share per unit of trust disposition",
        "association from source, direction assumed: external efficacy (do the "
        "institutions respond to people like me?) and trust in them are distinct but "
        "correlated attitudes (Craig, Niemi & Silver 1990, Political Behavior 12:289); those "
        "who feel they have a say trust government far more (OECD Trust Survey 2024; "
        "data/joint_structure.md); that lasting trust raises efficacy (besides felt_say's "
        "efficacy raising trust) is assumed; size calibrated by hand to the T-E band of "
        "data/joint_structure.csv (issue 20), which is therefore a target, not a check",
        "how much higher a citizen's efficacy anchor (and initial efficacy) is per unit of "
        "their lasting trust disposition above initial_trust", "social_capital")
    efficacy_motivation_gradient: float = _f(
        0.5, 0.0, 2.0, "share per unit of civic motivation",
        "assumed: Verba, Schlozman & Brady (1995) name efficacy and interest as parts of "
        "one psychological engagement, but a person-level association was not read "
        "(data/joint_structure.csv grades E-M assumed); size calibrated by hand with "
        "efficacy_trust_gradient to the T-E band (it is the lasting spread of efficacy that "
        "is not trust); it makes E-M 0.63-0.79, above what surveys usually show "
        "(docs/odd.md)",
        "how much higher a citizen's efficacy anchor (and initial efficacy) is per unit of "
        "their civic motivation above initial_civic_motivation", "social_capital")
    initial_efficacy_sd: float = _f(0.1, 0.0, 0.5, "share", ASSUMPTION,
                                    "spread of initial efficacy around its anchor (normal, "
                                    "clipped)", "initial")
    initial_civic_motivation: float = _f(0.3, 0.0, 1.0, "share", ASSUMPTION,
                                         "mean civic motivation", "initial")
    civic_motivation_resource_gradient: float = _f(0.3, 0.0, 2.0,
                                                   "share per unit of resources",
                                                   "direction from source: Verba, Schlozman "
                                                   "& Brady (1995); size assumed",
                                                   "how much higher civic motivation is per "
                                                   "unit of resources", "initial")
    civic_motivation_sd: float = _f(0.15, 0.0, 0.5, "share", ASSUMPTION,
                                    "spread of civic motivation (normal, clipped)", "initial")
    initial_belief: float = _f(1.0, 0.0, 1.0, "share of endowment",
                               "calibrated: experiments/calibrate_lab.py (2026-11-28) to "
                               "Herrmann, Thoeni & Gaechter (2008), at its bound, 95 % "
                               "0.75-1.00, RMSE 0.026 (period-1 mean contribution 52.9 %; "
                               "above beliefs elicited in the lab, docs/odd.md III.v)",
                               "initial belief about others' contributions", "initial")
    initial_motivation: float = _f(0.70, 0.0, 1.0, "share", ASSUMPTION,
                                   "mean intrinsic / public-service motivation disposition of "
                                   "professionals", "initial")
    motivation_sd: float = _f(0.15, 0.0, 0.5, "share",
                              "from source: public service motivation scales, SD about 0.6 on "
                              "1-5 (Perry 1996; Kim et al. 2013), 0.15 on 0-1",
                              "spread of professionals' motivation dispositions", "initial")
    perceived_support_mean: float = _f(0.5, 0.0, 1.0, "share",
                                       "direction from source: Andersen & Pallesen (2008); "
                                       "Nielsen, Jakobsen & Andersen (2011): the same control "
                                       "is felt as supportive by some, controlling by others; "
                                       "level assumed",
                                       "mean share of control and incentives a professional "
                                       "perceives as supportive rather than controlling",
                                       "initial")
    perceived_support_sd: float = _f(0.2, 0.0, 0.5, "share", ASSUMPTION,
                                     "spread of that perception across professionals (normal, "
                                     "clipped to 0-1)", "initial")
    share_conditional: float = _f(0.50, 0.0, 1.0, "share",
                                  "Fischbacher, Gaechter & Fehr (2001): 50 % conditional "
                                  "cooperators", "share of conditional cooperators", "initial")
    share_free_rider: float = _f(0.30, 0.0, 1.0, "share",
                                 "Fischbacher, Gaechter & Fehr (2001): 30 % free riders",
                                 "share of free riders", "initial")
    share_hump: float = _f(0.14, 0.0, 1.0, "share",
                           "Fischbacher, Gaechter & Fehr (2001): 14 % hump-shaped",
                           "share of hump-shaped contributors; the rest are unconditional",
                           "initial")

    # --- participation --------------------------------------------------------------
    participation_intercept: float = _f(-4.9, -10.0, 10.0, "log-odds",
                                        "calibrated to invitation acceptance 4-12 % (Setälä et "
                                        "al. 2010; Røros, Trondheim panels) and monthly "
                                        "participation 1-8 % (by hand: -4.8 before the "
                                        "efficacy anchor took civic motivation, issue 20)",
                                        "baseline log-odds of accepting an invitation",
                                        "participation")
    participation_persistence: float = _f(0.7, 0.0, 0.99, "probability/step",
                                          "calibrated to yearly participation 8-25 % against "
                                          "monthly 1-8 % (a regular core co-produces: Parrado "
                                          "et al. 2013)",
                                          "probability that a citizen who took part last month "
                                          "takes part again (frequency)", "participation")
    targeting_strength: float = _f(0.25, 0.0, 1.0, "share", ASSUMPTION,
                                   "at full targeting, the bottom quintile gets (1 + this) "
                                   "times the mean outreach and facilitation and the top "
                                   "quintile (1 - this) times", "participation")
    participation_trust_weight: float = _f(6.0, 0.0, 30.0, "log-odds/unit trust",
                                           "assumption: trust in the institutions that invite "
                                           "raises acceptance (the OECD 2024 voice gap in data/ "
                                           "shows the association, not its direction); the "
                                           "threshold form is the model's, after Granovetter "
                                           "(1978)",
                                           "effect of trust above the threshold on accepting",
                                           "participation")
    trust_threshold: float = _f(0.5, 0.0, 1.0, "share",
                                "assumption: a threshold form borrowed from Granovetter "
                                "(1978), whose thresholds are on others' behaviour",
                                "trust at which taking part becomes likely", "participation")
    participation_efficacy_weight: float = _f(1.0, 0.0, 10.0, "log-odds/unit",
                                              "direction from source: Verba, Schlozman & "
                                              "Brady (1995); size calibrated to the field "
                                              "participation bands",
                                              "effect of political efficacy", "participation")
    participation_motivation_weight: float = _f(1.5, 0.0, 10.0, "log-odds/unit",
                                                "Verba, Schlozman & Brady (1995)",
                                                "effect of civic motivation", "participation")
    participation_contagion_weight: float = _f(2.0, 0.0, 10.0, "log-odds/unit",
                                               "direction from source: Granovetter (1978), "
                                               "taking part depends on how many others do; "
                                               "size assumed",
                                               "effect of neighbours taking part", "participation")
    participation_need_weight: float = _f(1.0, 0.0, 10.0, "log-odds/unit",
                                          "Parrado et al. (2013): perceived service need",
                                          "effect of the service-driven motive", "participation")
    payment_effect: float = _f(0.5, 0.0, 5.0, "log-odds per unit of payment",
                               "direction from source: paid invitations are accepted more "
                               "often (a price effect); size assumed, a prediction",
                               "rise in the log-odds of accepting an invitation at full "
                               "participation_payment", "participation")
    civic_crowding_effect: float = _f(0.5, 0.0, 1.0, "civic motivation per unit of payment",
                                      "direction from source: Frey & Oberholzer-Gee (1997): "
                                      "compensation halved acceptance of a public facility "
                                      "(51 % -> 25 %); Mellström & Johannesson (2008): paying "
                                      "blood donors lowered women's giving, not when the money "
                                      "went to charity; the evidence is mixed (the full "
                                      "sample of Mellström & Johannesson showed no fall): "
                                      "size assumed, a contested prediction (not fitted)",
                                      "fall of the municipality's civic norm (everyone's civic "
                                      "motivation) at full payment to the person",
                                      "participation")
    civic_crowding_rate: float = _f(0.05, 0.0, 1.0, "1/step", ASSUMPTION,
                                    "monthly movement of that fall toward its level under the "
                                    "current payment", "participation")
    participation_time_cost: float = _f(0.6, 0.0, 10.0, "log-odds",
                                        "Verba, Schlozman & Brady (1995): time and resources",
                                        "time cost of taking part for the lowest-resource "
                                        "citizens, divided by resources", "participation")

    # --- contribution (conditional cooperation) -------------------------------------
    cooperation_slope: float = _f(0.9737, 0.0, 1.5, "share of belief",
                                  "calibrated: experiments/calibrate_lab.py (2026-11-28) to "
                                  "Herrmann, Thoeni & Gaechter (2008) no-punishment series, "
                                  "slope bounded to [0, 1] (imperfect conditional "
                                  "cooperation: Fischbacher & Gaechter 2010), 95 % 0.89-1.00 "
                                  "(residual bootstrap), RMSE 0.026 (data/lab_calibration.json; "
                                  "unconstrained fit 1.20, RMSE 0.021)",
                                  "conditional cooperators give this share of "
                                  "what they believe others give", "contribution")
    unconditional_contribution: float = _f(1.0, 0.0, 1.0, "share of endowment",
                                           "calibrated: experiments/calibrate_lab.py "
                                           "(2026-11-28) to Herrmann et al. (2008), at its "
                                           "bound, 95 % 0.20-1.00, RMSE 0.026; the 6 % "
                                           "'other' type of Fischbacher, Gaechter & Fehr "
                                           "(2001)",
                                           "what unconditional contributors give", "contribution")
    belief_learning_rate: float = _f(0.3824, 0.0, 1.0, "1/step",
                                     "calibrated: experiments/calibrate_lab.py (2026-11-28) "
                                     "to Herrmann et al. (2008), 95 % 0.17-0.51, RMSE 0.026; "
                                     "form: Fischbacher & Gaechter (2010)",
                                     "weight of observed contributions in the new belief",
                                     "contribution")
    dialogue_effect: float = _f(0.5, 0.0, 1.0, "share",
                                "Ostrom, Walker & Gardner (1992): communication",
                                "weight of the group's commitment to full contribution at "
                                "full facilitation and full trust in the process",
                                "contribution")
    punishment_per_deviation: float = _f(
        0.25, 0.0, 2.0, "points per unit of shortfall",
        "direction: Fehr & Gaechter (2000, 2002), punishment rises with the target's negative "
        "deviation from the others' contributions; size assumed (0.25: a full free rider "
        "facing a full contributor gets 5 of the 10 possible points in the Herrmann et al. "
        "2008 design)",
        "punishment a cooperator assigns per unit (share of endowment) by which a member gave "
        "less than the others; free riders do not punish prosocially", "contribution")
    antisocial_punishment: float = _f(
        0.25, 0.0, 2.0, "points per unit of excess",
        "direction: Herrmann, Thoeni & Gaechter (2008), antisocial punishment of those who "
        "give more is strongest where norms of civic cooperation and the rule of law are "
        "weak; size assumed",
        "punishment a member assigns per unit by which another gave more than the others, at "
        "a civic norm (legitimacy) of 0; falls linearly to 0 at a norm of 1", "contribution")
    punishment_response: float = _f(
        0.5, 0.0, 2.0, "share of endowment per point (x 1/endowment)",
        "direction: Fehr & Gaechter (2000), the punished raise their next contributions; "
        "Herrmann et al. (2008), antisocial punishment deters cooperation; size assumed, not "
        "fitted to punishment data (the lab calibration uses the no-punishment series only)",
        "change of a member's later contributions per punishment point received: up for "
        "points from those who gave more, down for antisocial points; kept from then on",
        "contribution")
    sanction_learning_decay: float = _f(
        0.1, 0.0, 1.0, "1/meeting",
        "direction: Fehr & Gaechter (2000), once punishment is removed cooperation falls "
        "back; rate assumed",
        "share of the learned shift a participant loses each month taking part (punishment "
        "renews it where arenas sanction; without sanctions it fades)", "contribution")
    sanction_group_size: int = _f(
        4, 2, 50, "members",
        "design choice: the groups of four of Herrmann et al. (2008); in an arena each "
        "participant meets this many members able to sanction (themselves included)",
        "members of a sanctioning group: each participant can be punished by the other "
        "sanction_group_size - 1", "contribution")

    # --- trust ------------------------------------------------------------------------
    trust_learning_rate: float = _f(0.145, 0.0, 1.0, "log-odds per unit signal per step",
                                    ASSUMPTION,
                                    "speed at which experiences move trust, in log-odds "
                                    "(trust moves by rate x T(1-T) x signal; 0.145 keeps the "
                                    "two-year fall after a major shock in its field band: "
                                    "0.14 before the efficacy anchor took the trust "
                                    "disposition, issue 20)",
                                    "trust")
    trust_anchoring: float = _f(0.03, 0.0, 1.0, "1/step",
                                "direction from source: trust is largely a lasting disposition "
                                "(Uslaner 2002) that experiences move around (Van der Meer & "
                                "Hakhverdian 2017); rate calibrated to drift <= 0.02 a year",
                                "monthly pull of trust back toward the citizen's disposition",
                                "trust")
    disposition_learning_rate: float = _f(0.001, 0.0, 1.0, "1/step",
                                          "direction from source: lasting experiences reshape "
                                          "dispositions (Van der Meer & Hakhverdian 2017); "
                                          "rate calibrated to decade change <= 0.25",
                                          "monthly movement of the disposition toward current "
                                          "trust (losses weighted by loss_aversion)", "trust")
    outcome_weight: float = _f(0.3, 0.0, 5.0, "-", "Van Ryzin (2011): outcomes count less",
                               "weight of service disconfirmation", "trust")
    process_weight: float = _f(0.7, 0.0, 5.0, "-", "Van Ryzin (2011): process counts more",
                               "weight of voice and fair process", "trust")
    loss_aversion: float = _f(2.5, 1.0, 10.0, "ratio",
                              "direction from source: Slovic (1993), trust is lost faster "
                              "than gained; 2.5 borrowed from prospect theory's loss "
                              "aversion (Tversky & Kahneman 1992)",
                              "weight of a bad experience relative to a good one", "trust")
    fairness_weight: float = _f(0.25, 0.0, 2.0, "signal per unit of impartiality", ASSUMPTION,
                                "procedural signal non-participants feel per unit of "
                                "impartiality above fairness_reference (Tyler 2006: fair "
                                "treatment builds legitimacy)", "trust")
    fairness_reference: float = _f(0.6, 0.0, 1.0, "impartiality", ASSUMPTION,
                                   "impartiality at which non-participants feel treated neither "
                                   "fairly nor unfairly", "trust")
    trust_social_influence: float = _f(0.005, 0.0, 1.0, "share/step", ASSUMPTION,
                                       "pull of network neighbours' trust", "trust")
    tokenism_influence: float = _f(
        0.0, 0.0, 0.5, "influence",
        "direction from source: Arnstein (1969), on the tokenism rungs (3-5: informing, "
        "consultation, placation) citizens may be heard but lack the power to ensure their "
        "views are heeded; 0 assumed",
        "real influence of a participant's voice on the tokenism rungs of the ladder; from "
        "rung 5 it rises linearly to 1 at rung 8 (citizen control), and rungs 1-2 "
        "(non-participation) give none", "trust")
    tokenism_threshold: float = _f(0.15, 0.0, 1.0, "influence",
                                   "Fledderus (2015): participation without influence",
                                   "influence below which taking part lowers trust", "trust")
    arena_success_level: float = _f(0.5, 0.01, 1.0, "share of endowment",
                                    "Ansell & Gash (2008): small wins build trust; assumption",
                                    "mean contribution at which an arena realises its full "
                                    "influence", "trust")
    voice_trust_weight: float = _f(1.0, 0.0, 1.0, "share",
                                   "direction from source: the procedural-justice voice "
                                   "effect (Folger 1977; Lind & Tyler 1988); the voice gap "
                                   "in trust of OECD (2024) (data/field_targets.md); 1 = the "
                                   "voice mechanism in full (0: its neutral form)",
                                   "weight of participants' own influence in their procedural "
                                   "experience (the rest: the fair treatment everyone feels)",
                                   "trust")
    voice_facilitation_share: float = _f(0.5, 0.0, 1.0, "share", ASSUMPTION,
                                         "share of an arena's voice that depends on "
                                         "facilitation", "trust")
    panel_rung: float = _f(7.0, 1.0, 8.0, "rung 1-8",
                           "design choice after Arnstein (1969): the model's panel is one "
                           "whose recommendations the council adopts (delegated power, rung "
                           "7), as in the Irish Citizens' Assembly route to referendum; an "
                           "advisory panel would be rung 4-5",
                           "Arnstein rung of a citizens' panel", "trust")
    compact_signal_share: float = _f(0.1, 0.0, 1.0, "signal per unit of size", ASSUMPTION,
                                     "positive procedural signal of a compact per unit of its "
                                     "size", "trust")
    critical_mass: float = _f(0.05, 0.001, 1.0, "share of the unit",
                              "Marwell & Oliver (1993): critical mass in collective action",
                              "turnout at which an arena realises its full influence", "trust")
    expectation_rate: float = _f(0.1, 0.0, 1.0, "1/step",
                                 "direction: expectation-disconfirmation (Van Ryzin 2004, "
                                 "2006); rate assumed",
                                 "speed at which expectations follow experience", "trust")
    expectation_own_weight: float = _f(
        0.5, 0.0, 1.0, "share",
        "assumption, motivated by users judging a service by their outcome relative to "
        "others' (Song, Kim & Favero 2020: satisfaction varies with the school's gap between "
        "groups, one's own outcome held fixed) and by normative expectations formed by "
        "comparison (Favero & Kim 2021, hypothesised, weakly supported)",
        "share of the citizen's own experience in what their expectation follows; the rest "
        "is what the unit's service gave its citizens on average last month", "trust")
    service_fit_sd: float = _f(
        0.2, 0.0, 1.0, "share of quality",
        "assumption: the same service meets different needs unequally, a lasting "
        "difference between its users (no source measures it as such)",
        "spread of the lasting fit between the unit's service and a citizen's needs, a "
        "multiplier of the quality the citizen receives (lognormal, mean 1)", "service")
    service_fit_resource_gradient: float = _f(
        0.15, 0.0, 2.0, "share of quality per unit of resources",
        "direction from source: the better-off use universal public services more "
        "(Le Grand 1982; Goodin & Le Grand 1987) and meet less administrative burden, "
        "having the skills to navigate them (Christensen et al. 2020): an uptake and "
        "navigation advantage, read here as getting more from the same service; size "
        "assumed",
        "rise of the service's fit to a citizen's needs with resources, impartial "
        "treatment notwithstanding", "service")
    experience_noise: float = _f(0.1, 0.0, 1.0, "quality", ASSUMPTION,
                                 "half-width of idiosyncratic noise in experienced quality",
                                 "trust")

    # --- social capital and efficacy ------------------------------------------------
    social_capital_gain: float = _f(0.03, 0.0, 1.0, "1/step",
                                    "assumption, after Putnam (2000): cooperation in "
                                    "associations builds generalised trust (contested: "
                                    "Rothstein & Stolle 2008 put institutions first)",
                                    "growth of social trust from good cooperation",
                                    "social_capital")
    social_capital_loss: float = _f(0.03, 0.0, 1.0, "1/step",
                                    "assumption, after Putnam (2000) (see "
                                    "social_capital_gain)",
                                    "loss of social trust from poor cooperation",
                                    "social_capital")
    social_capital_decay: float = _f(0.002, 0.0, 0.5, "1/step", "Putnam (2000); assumption",
                                     "slow return of social trust to the level institutions "
                                     "support (see impartiality_social_effect)",
                                     "social_capital")
    impartiality_social_effect: float = _f(0.1, 0.0, 1.0, "social trust per unit of "
                                           "impartiality",
                                           "direction from source: Rothstein & Stolle "
                                           "(2008): impartial institutions create social "
                                           "trust; size assumed",
                                           "how much higher the level social trust returns to "
                                           "is per unit of impartiality above "
                                           "fairness_reference", "social_capital")
    cooperation_norm: float = _f(0.3, 0.0, 1.0, "share of endowment", ASSUMPTION,
                                 "group contribution that counts as good cooperation",
                                 "social_capital")
    institutional_social_link: float = _f(
        0.2, 0.0, 2.0, "social trust per unit of institutional trust",
        "direction from source: Rothstein & Stolle (2008), citizens who find institutions "
        "impartial and trustworthy trust other people more; individual-level panels: "
        "Sønderskov & Dinesen (2016, Political Behavior 38:179), Seifert (2018, Social "
        "Indicators Research 136:539), institutional trust raises social trust; Zmerli & "
        "Newton (2008): the correlation is positive (data/joint_structure.md); size assumed",
        "how much higher the level a citizen's social trust returns to is per unit of their "
        "institutional trust above initial_trust", "social_capital")
    social_trust_resource_gradient: float = _f(
        0.05, 0.0, 1.0, "social trust per unit of resources",
        "direction from source: Delhey & Newton (2003), social trust is higher among those "
        "with more income and education ('winners'); size assumed",
        "how much higher initial social trust, and the level it returns to, is per unit of "
        "resources", "social_capital")
    felt_say_weight: float = _f(
        0.3, 0.0, 5.0, "signal per unit of efficacy",
        "direction from source: perceived voice builds legitimacy (Tyler 2006); those who "
        "feel they have a say trust government far more (OECD Trust Survey 2024; data/"
        "joint_structure.md); size calibrated by hand to the field bands (issue 20): the "
        "trust ranking of bureaucracy and co-creation flips between 0.3 and 0.4",
        "procedural signal a citizen feels per unit of efficacy above initial_efficacy",
        "trust")
    efficacy_rate: float = _f(0.03, 0.0, 1.0, "1/step", ASSUMPTION,
                              "speed at which influence moves efficacy", "social_capital")
    mobilisation_efficacy_gain: float = _f(0.2, 0.0, 5.0, "x efficacy_rate",
                                           "direction from source: seed slide 6, "
                                           "politicians who mobilise; size assumed",
                                           "rise of everyone's efficacy per unit of "
                                           "mobilisation, relative to efficacy_rate",
                                           "social_capital")
    efficacy_reversion: float = _f(0.1, 0.0, 5.0, "x efficacy_rate", ASSUMPTION,
                                   "return of efficacy toward each citizen's anchor "
                                   "(trust.efficacy_anchor: resources, trust disposition, "
                                   "civic motivation), relative to efficacy_rate", "social_capital")

    # --- professionals' motivation ----------------------------------------------------
    motivation_adjustment_rate: float = _f(0.05, 0.0, 1.0, "1/step", ASSUMPTION,
                                           "monthly movement of motivation toward its "
                                           "current target (disposition, crowding, scar)",
                                           "motivation")
    crowding_out_effect: float = _f(0.06, 0.0, 2.0, "share per unit of felt control",
                                    "direction from source: Frey & Jegen (2001); size "
                                    "calibrated to 0.1-0.35 SD (Deci, Koestner & Ryan 1999: "
                                    "d = -0.28; Andersen, Kristensen & Pedersen 2015: very "
                                    "small)",
                                    "fall of the motivation target per unit of control felt "
                                    "as controlling", "motivation")
    crowding_in_effect: float = _f(0.05, 0.0, 2.0, "share per unit of support",
                                   "direction from source: Frey & Jegen (2001); Jacobsen, "
                                   "Hvitved & Andersen (2014); size assumed",
                                   "rise of the motivation target per unit of autonomy under "
                                   "light control", "motivation")
    control_tolerance: float = _f(0.3, 0.0, 2.0, "-", "Frey & Jegen (2001): only control "
                                  "perceived as controlling crowds out; level assumed",
                                  "felt control above which a lasting scar builds",
                                  "motivation")
    scar_rate: float = _f(0.002, 0.0, 1.0, "1/step",
                          "direction from source: Gneezy & Rustichini (2000): crowding out "
                          "persists after the incentive is removed; rate assumed",
                          "growth of the lasting loss of motivation per unit of felt "
                          "control above tolerance", "motivation")
    scar_decay: float = _f(0.005, 0.0, 1.0, "1/step",
                           "direction from source: Gneezy & Rustichini (2000); rate assumed",
                           "slow healing of that loss", "motivation")
    incentive_crowding: float = _f(0.3, 0.0, 2.0, "-", "Frey & Jegen (2001)",
                                   "how much performance incentives feel controlling",
                                   "motivation")
    reform_burnout: float = _f(0.15, 0.0, 1.0, "share", "Wynen et al. (2019)",
                               "burnout added to professionals by each logic switch",
                               "motivation")
    burnout_decay: float = _f(0.03, 0.0, 1.0, "1/step", "Wynen et al. (2019); assumption",
                              "recovery from burnout", "motivation")
    burnout_motivation_loss: float = _f(0.05, 0.0, 1.0, "1/step", "Wynen et al. (2019)",
                                        "loss of motivation per unit of burnout", "motivation")

    # --- service and budget -------------------------------------------------------------
    budget: float = _f(1.0, 0.0, 10.0, "budget units/citizen/step", "normalisation",
                       "service budget per citizen at the start", "service")
    target_productivity_gain: float = _f(0.2, 0.0, 2.0, "share",
                                         "Kelman & Friedman (2009): targets raise measured output",
                                         "extra measured output at full performance incentives",
                                         "service")
    multitask_shift: float = _f(0.6, 0.0, 1.0, "share",
                                "Holmstrom & Milgrom (1991): multitask",
                                "share of relational effort moved to measured work under "
                                "full incentives", "service")
    coproduction_return: float = _f(1.0, 0.0, 5.0, "-", "Ostrom (1996): complementarity",
                                    "return on co-produced input", "service")
    choice_advantage: float = _f(0.5, 0.0, 2.0, "-", "assumption: exit and choice favour "
                                 "the resourceful (Le Grand 2007 discusses the risk)",
                                 "extra access per unit of resources under full choice",
                                 "service")
    voice_gain: float = _f(0.3, 0.0, 2.0, "share", "Ansell & Torfing (2021)",
                           "extra value for those whose voice shapes the service", "service")
    facilitation_cost: float = _f(0.08, 0.0, 1.0, "budget share",
                                  "Oellgaard Bentzen (2021): resource-intensive",
                                  "running cost of full facilitation", "service")
    startup_cost: float = _f(0.25, 0.0, 2.0, "budget share",
                             "Oellgaard Bentzen (2021); Ansell & Gash (2008)",
                             "extra cost of facilitation while arenas are new", "service")
    maturation_steps: float = _f(24.0, 1.0, 600.0, "steps", "Ansell & Gash (2008)",
                                 "time for arenas to mature at full facilitation", "service")
    control_cost: float = _f(0.05, 0.0, 1.0, "budget share", "assumption: audit and reporting",
                             "cost of full control intensity", "service")
    competition_saving: float = _f(0.1, 0.0, 0.5, "budget share",
                                   "direction contested: Domberger & Jensen (1997) about 20 % "
                                   "from competitive tendering; Bel, Fageda & Warner (2010) no "
                                   "systematic saving; assumed 0.1",
                                   "service cost saved at full choice and exit (competition "
                                   "between providers)", "service")
    budget_returns: float = _f(0.5, 0.0, 1.0, "elasticity", ASSUMPTION,
                               "capacity = budget factor ^ this (diminishing returns)",
                               "service")
    max_startup_burden: float = _f(0.9, 0.0, 1.0, "share of professional time", ASSUMPTION,
                                   "cap on the time new arenas take", "service")
    relational_facilitation_share: float = _f(0.5, 0.0, 1.0, "share", ASSUMPTION,
                                              "share of relational quality that depends on "
                                              "facilitation (the rest comes without it)",
                                              "service")
    facilitation_effectiveness: float = _f(1.0, 0.0, 1.0, "share",
                                           "direction from source: Ansell & Gash (2008); 1 = "
                                           "the facilitation mechanism in full (0: its neutral "
                                           "form)",
                                           "how much of the leaders' facilitation takes effect "
                                           "(it is paid for in full either way)", "service")
    skill_share: float = _f(0.5, 0.0, 1.0, "share", ASSUMPTION,
                            "share of effective facilitation that depends on staff's "
                            "facilitation skill (the rest is the leader's investment alone)",
                            "service")
    value_scale: float = _f(1.5, 0.01, 10.0, "-", ASSUMPTION,
                            "converts a unit's quality into value received: "
                            "1 - exp(-value_scale x quality)", "service")

    # --- leaders and politicians ------------------------------------------------------
    leader_adjustment_steps: float = _f(6.0, 1.0, 120.0, "steps", ASSUMPTION,
                                        "time for leaders to move to a new style", "leadership")
    leader_patience: float = _f(18.0, 0.0, 600.0, "steps",
                                "Oellgaard Bentzen (2021): courage to endure the dip",
                                "median number of steps a leader tolerates a dip in results "
                                "(lognormal across leaders)",
                                "leadership")
    revert_control: float = _f(0.8, 0.0, 1.0, "share", "seed slide 20: trust vs control",
                               "control intensity a reverting leader falls back to",
                               "leadership")
    revert_facilitation_share: float = _f(0.25, 0.0, 1.0, "share", ASSUMPTION,
                                          "share of the lever's facilitation a reverted "
                                          "leader keeps", "leadership")
    dip_tolerance: float = _f(0.02, 0.0, 0.5, "0-1",
                              "assumed: a fall leaders and councils notice, about the margin "
                              "of error of a municipal poll of 1 000 (2-3 points); below it "
                              "the slow settling of trust (under 0.01 a year) read as a "
                              "lasting dip and made nearly every NPM leader revert",
                              "how far below the remembered level a result must fall to "
                              "count as a dip", "leadership")
    leader_patience_spread: float = _f(0.5, 0.0, 3.0, "log-SD", ASSUMPTION,
                                       "spread of leaders' patience (lognormal)", "leadership")
    politician_spread: float = _f(0.3, 0.0, 3.0, "log-SD", ASSUMPTION,
                                  "spread of politicians' horizons and courage (lognormal)",
                                  "leadership")
    approval_trust_weight: float = _f(0.5, 0.0, 1.0, "share", ASSUMPTION,
                                      "weight of trust in council approval (the rest: value "
                                      "received)", "leadership")
    politician_courage: float = _f(0.5, 0.0, 5.0, "share of horizon", ASSUMPTION,
                                   "share of their horizon politicians tolerate a dip in "
                                   "approval", "leadership")
    approval_memory: float = _f(24.0, 1.0, 600.0, "steps", ASSUMPTION,
                                "memory of the approval reference", "leadership")
    leader_memory: float = _f(24.0, 1.0, 600.0, "steps", ASSUMPTION,
                              "memory of the results level leaders compare this month's with "
                              "(a dip is a fall below it)", "leadership")

    # --- public value weights ------------------------------------------------------------
    pv_weight_outcomes: float = _f(1.0, 0.0, 10.0, "-", "Moore (1995)",
                                   "weight of need-weighted outcomes", "public_value")
    pv_weight_equity: float = _f(1.0, 0.0, 10.0, "-", "seed slide 3: leave no one behind",
                                 "weight of equity", "public_value")
    pv_weight_legitimacy: float = _f(1.0, 0.0, 10.0, "-", "Moore (1995)",
                                     "weight of legitimacy (trust)", "public_value")
    pv_weight_social_capital: float = _f(1.0, 0.0, 10.0, "-", "Putnam (2000)",
                                         "weight of social capital", "public_value")
    pv_weight_cost_efficiency: float = _f(1.0, 0.0, 10.0, "-", "Moore (1995)",
                                          "weight of cost-efficiency", "public_value")
    pv_weight_future: float = _f(1.0, 0.0, 10.0, "-",
                                 "Brundtland (1987); Well-being of Future Generations "
                                 "(Wales) Act 2015", "weight of the future-generations stock",
                                 "public_value")
    future_memory: float = _f(60.0, 1.0, 1200.0, "steps", "Brundtland (1987); assumption",
                              "time scale of the future-generations stock", "public_value")
    future_social_weight: float = _f(0.5, 0.0, 1.0, "share", ASSUMPTION,
                                     "weight of social trust in the future-generations stock "
                                     "(the rest: professionals' motivation)", "public_value")
    need_gradient: float = _f(1.0, 0.0, 10.0, "need per quintile", ASSUMPTION,
                              "need falls by this per resource quintile from the bottom "
                              "(need of the top quintile = 1): 5, 4, 3, 2, 1 at 1",
                              "public_value")

    # --- validators -----------------------------------------------------------------------
    @field_validator("logic", mode="before")
    @classmethod
    def _check_logic(cls, value: Any) -> Any:
        return _normalise_logic(value)

    @field_validator("levers", mode="before")
    @classmethod
    def _check_levers(cls, value: Any) -> Any:
        return _normalise_levers(value)

    @field_validator("lever_table", mode="before")
    @classmethod
    def _check_lever_table(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("lever_table must be a mapping {logic: {lever: value}}")
        out = {}
        for logic, cells in value.items():
            if logic not in LOGIC_NAMES:
                raise ValueError(f"unknown logic {logic!r} in lever_table; allowed: "
                                 f"{', '.join(LOGIC_NAMES)}")
            out[logic] = _normalise_levers(cells)
        return out

    @field_validator("mechanisms", mode="before")
    @classmethod
    def _check_mechanisms(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("mechanisms must be a mapping of mechanism names to true/false")
        for name, on in value.items():
            if name not in MECHANISM_NAMES:
                raise ValueError(f"unknown mechanism {name!r}; allowed: "
                                 f"{', '.join(MECHANISM_NAMES)}")
            if not isinstance(on, bool):
                raise ValueError(f"mechanism {name!r} must be true or false, got {on!r}")
        return dict(value)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        """Numbers must be numbers: true/false and text are refused, not coerced."""
        annotation = cls.model_fields[info.field_name].annotation
        if annotation in (int, float) and (
                isinstance(value, bool) or not isinstance(value, int | float)):
            kind = "a whole number" if annotation is int else "a number"
            raise ValueError(f"must be {kind}, not {type(value).__name__}")
        return value

    @model_validator(mode="after")
    def _check_cross_fields(self) -> Params:
        if self.n_units > self.n_citizens:
            raise ValueError(
                f"n_units ({self.n_units}) must not exceed n_citizens ({self.n_citizens})"
            )
        professionals = self.n_units * self.professionals_per_unit
        if professionals > MAX_PROFESSIONALS:
            need = population_bytes(self.n_citizens, professionals)
            raise ValueError(
                f"n_units x professionals_per_unit = {professionals:,} professionals; at most "
                f"{MAX_PROFESSIONALS:,} are allowed (as for n_citizens); this run would "
                f"need {memory_text(need)} of memory"
            )
        shares = self.share_conditional + self.share_free_rider + self.share_hump
        if shares > 1.0 + 1e-9:
            raise ValueError(
                "share_conditional + share_free_rider + share_hump must be <= 1, "
                f"got {shares:g}"
            )
        for event in self.events:
            if event.kind == "citizens_panel" and event.members > self.n_citizens:
                raise ValueError(
                    f"citizens_panel members ({event.members}) exceed n_citizens "
                    f"({self.n_citizens})"
                )
        return self

    # --- construction helpers -------------------------------------------------------------
    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise ParameterError(_explain(error)) from None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Build parameters from a plain mapping (as read from TOML or JSON)."""
        if not isinstance(data, dict):
            raise ParameterError(f"parameters must be a mapping, got {type(data).__name__}")
        return cls(**data)

    def replace(self, **changes: Any) -> Params:
        """Return a validated copy with some fields changed."""
        merged = self.to_dict()
        merged.update(changes)
        return Params(**merged)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON- and TOML-friendly mapping of every field (events drop unset fields)."""
        data = self.model_dump(mode="json")
        data["events"] = [e.model_dump(mode="json", exclude_none=True) for e in self.events]
        return data

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """Every parameter's definition as a table: one row per field, in definition order.

        Columns: ``name``, ``group``, ``default``, ``low``, ``high`` (the allowed range;
        NaN where unbounded), ``unit``, ``source``, ``description``, ``kind`` (the
        default's type name) and ``grade`` (the evidence behind the default). pandas is
        imported on first call. :meth:`FieldInfo.of_params` gives the same rows as objects.

        Example::

            table = Params.describe()
            table[table.group == "trust"][["name", "default", "low", "high", "unit"]]
        """
        import dataclasses

        import pandas as pd

        rows = FieldInfo.of_params()
        return pd.DataFrame([dataclasses.asdict(row) for row in rows],
                            columns=[f.name for f in dataclasses.fields(FieldInfo)])


#: The evidence behind each parameter's default (docs/parameters.md shows it):
#: *value from source* (the number is read in the source named), *calibrated* (set so the
#: model meets a named target, lab or field: the source says which), *direction only* (the
#: source supports the mechanism and its sign, the size is set by judgement), *assumed* (a
#: modelling assumption, varied in the robustness analysis), *design choice* (a setting of
#: the experiment, not a claim about the world).
EVIDENCE_GRADES: dict[str, str] = {
    "n_citizens": "design choice",
    "mechanisms": "design choice",
    "n_units": "design choice",
    "professionals_per_unit": "design choice",
    "n_politicians": "design choice",
    "logic": "design choice",
    "levers": "design choice",
    "lever_table": "design choice",
    "events": "design choice",
    "budget": "design choice",
    "initial_trust": "value from source",
    "trust_resource_gradient": "calibrated",
    "initial_social_trust": "value from source",
    "motivation_sd": "value from source",
    "share_conditional": "value from source",
    "share_free_rider": "value from source",
    "share_hump": "value from source",
    "network_homophily": "assumed",
    "initial_trust_sd": "calibrated",
    "participation_intercept": "calibrated",
    "participation_persistence": "calibrated",
    "participation_time_cost": "calibrated",
    "initial_belief": "calibrated",
    "cooperation_slope": "calibrated",
    "unconditional_contribution": "calibrated",
    "belief_learning_rate": "calibrated",
    "trust_anchoring": "calibrated",
    "disposition_learning_rate": "calibrated",
    "trust_social_influence": "assumed",
    "crowding_out_effect": "calibrated",
    "scar_rate": "assumed",
    "control_tolerance": "assumed",
    "efficacy_resource_gradient": "calibrated",
    "efficacy_trust_gradient": "calibrated",
    "efficacy_motivation_gradient": "calibrated",
    "voice_trust_weight": "direction only",
    "facilitation_effectiveness": "direction only",
    "civic_motivation_resource_gradient": "direction only",
    "perceived_support_mean": "direction only",
    "participation_trust_weight": "assumed",
    "trust_threshold": "assumed",
    "participation_efficacy_weight": "calibrated",
    "participation_motivation_weight": "direction only",
    "participation_contagion_weight": "direction only",
    "participation_need_weight": "direction only",
    "dialogue_effect": "direction only",
    "punishment_per_deviation": "direction only",
    "antisocial_punishment": "direction only",
    "punishment_response": "direction only",
    "sanction_group_size": "design choice",
    "sanction_learning_decay": "direction only",
    "outcome_weight": "direction only",
    "process_weight": "direction only",
    "loss_aversion": "direction only",
    "tokenism_influence": "direction only",
    "tokenism_threshold": "direction only",
    "arena_success_level": "assumed",
    "panel_rung": "design choice",
    "critical_mass": "direction only",
    "expectation_rate": "direction only",
    "social_capital_gain": "assumed",
    "social_capital_loss": "assumed",
    "social_capital_decay": "assumed",
    "mobilisation_efficacy_gain": "assumed",
    "payment_effect": "assumed",
    "civic_crowding_effect": "direction only",
    "civic_crowding_rate": "assumed",
    "impartiality_social_effect": "direction only",
    "crowding_in_effect": "direction only",
    "scar_decay": "direction only",
    "incentive_crowding": "direction only",
    "reform_burnout": "direction only",
    "burnout_decay": "assumed",
    "burnout_motivation_loss": "assumed",
    "target_productivity_gain": "direction only",
    "multitask_shift": "direction only",
    "coproduction_return": "direction only",
    "choice_advantage": "direction only",
    "voice_gain": "direction only",
    "facilitation_cost": "direction only",
    "startup_cost": "direction only",
    "maturation_steps": "direction only",
    "competition_saving": "assumed",
    "leader_patience": "direction only",
    "revert_control": "assumed",
    "pv_weight_outcomes": "design choice",
    "pv_weight_equity": "design choice",
    "pv_weight_legitimacy": "design choice",
    "pv_weight_social_capital": "design choice",
    "pv_weight_cost_efficiency": "design choice",
    "pv_weight_future": "design choice",
    "future_memory": "assumed",
    "network_degree": "assumed",
    "initial_efficacy": "assumed",
    "initial_social_trust_sd": "assumed",
    "initial_efficacy_sd": "assumed",
    "initial_civic_motivation": "assumed",
    "civic_motivation_sd": "assumed",
    "initial_motivation": "assumed",
    "perceived_support_sd": "assumed",
    "targeting_strength": "assumed",
    "trust_learning_rate": "calibrated",
    "fairness_weight": "assumed",
    "fairness_reference": "assumed",
    "voice_facilitation_share": "assumed",
    "compact_signal_share": "assumed",
    "experience_noise": "assumed",
    "expectation_own_weight": "assumed",
    "service_fit_sd": "assumed",
    "service_fit_resource_gradient": "direction only",
    "cooperation_norm": "assumed",
    "efficacy_rate": "calibrated",
    "institutional_social_link": "direction only",
    "social_trust_resource_gradient": "direction only",
    "felt_say_weight": "calibrated",
    "efficacy_reversion": "assumed",
    "motivation_adjustment_rate": "assumed",
    "control_cost": "assumed",
    "budget_returns": "assumed",
    "max_startup_burden": "assumed",
    "relational_facilitation_share": "assumed",
    "skill_share": "assumed",
    "value_scale": "assumed",
    "leader_adjustment_steps": "assumed",
    "revert_facilitation_share": "assumed",
    "dip_tolerance": "assumed",
    "leader_patience_spread": "assumed",
    "politician_spread": "assumed",
    "approval_trust_weight": "assumed",
    "politician_courage": "assumed",
    "approval_memory": "assumed",
    "leader_memory": "assumed",
    "future_social_weight": "assumed",
    "need_gradient": "assumed",
}


@dataclass(frozen=True)
class FieldInfo:
    """Metadata of one parameter, for documentation and for generated controls."""

    name: str
    group: str
    default: Any
    low: float | None
    high: float | None
    unit: str
    source: str
    description: str
    kind: str
    grade: str = ""

    @classmethod
    def of_params(cls) -> list[FieldInfo]:
        """The metadata of every :class:`Params` field, in definition order.

        The rows of :meth:`Params.describe` as objects, without importing pandas (the
        docs generator, the app's controls and the error messages use them).
        """
        rows = []
        for name, info in Params.model_fields.items():
            extra = info.json_schema_extra or {}
            lo = hi = None
            for meta in info.metadata:
                lo = getattr(meta, "ge", lo)
                hi = getattr(meta, "le", hi)
            default = info.get_default(call_default_factory=True)
            rows.append(
                cls(
                    name=name,
                    group=str(extra.get("group", "")),
                    default=default,
                    low=lo,
                    high=hi,
                    unit=str(extra.get("unit", "")),
                    source=str(extra.get("source", "")),
                    description=info.description or "",
                    kind=type(default).__name__,  # dict for levers (a default factory)
                    grade=EVIDENCE_GRADES.get(name, ""),
                )
            )
        return rows


def _explain(error: ValidationError) -> str:
    """Turn pydantic's report into short lines that name the field and the rule."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "parameters"
        kind = item["type"]
        if kind == "extra_forbidden":
            allowed = ", ".join(Params.model_fields)
            if where.startswith("events."):
                allowed = ", ".join(Event.model_fields)
            lines.append(f"{where}: unknown parameter; allowed: {allowed}")
            continue
        message = item["msg"].removeprefix("Value error, ")
        if kind == "finite_number":
            message = "must be a finite number, not NaN or infinity"
        if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
            message += _range_hint(item["loc"])
        lines.append(f"{where}: {message} (got {_short(item.get('input'), 60)})")
    return "invalid parameters: " + "; ".join(lines)


def _range_hint(loc: tuple[Any, ...]) -> str:
    """``"; allowed range LO to HI (UNIT)"`` for a top-level parameter, else ``""``."""
    if len(loc) != 1 or loc[0] not in Params.model_fields:
        return ""
    info = next(row for row in FieldInfo.of_params() if row.name == loc[0])
    low = "-inf" if info.low is None else f"{info.low:g}"
    high = "inf" if info.high is None else f"{info.high:g}"
    return f"; allowed range {low} to {high} ({info.unit})"
