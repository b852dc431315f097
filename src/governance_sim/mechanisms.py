"""Mechanisms as named switches, each with a documented neutral form.

``Params(mechanisms={"trust_asymmetry": False})`` turns a mechanism off: the model then runs
with that mechanism's *neutral form*, stated in :data:`MECHANISMS` (and in docs/odd.md).
Every neutral form is a setting of parameters, so the vectorised step, the compiled kernels
and the per-agent reference all run the very same rules with it: :func:`effective_params`
returns the parameters the dynamics use, the recorded parameters keep the switches as given.

A pattern that rests on a mechanism must fail when that mechanism is off
(``tests/patterns``, ``governance-sim validate --without NAME``).

This module sits just above :mod:`governance_sim.params` and imports nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from governance_sim.params import MECHANISM_NAMES, Params

__all__ = ["Mechanism", "MECHANISMS", "effective_params", "switched_off"]


@dataclass(frozen=True)
class Mechanism:
    """One mechanism: what it does, its neutral form, and the parameters that form sets.

    Attributes:
        name: the switch's name (``Params.mechanisms`` key).
        what: what the mechanism does, with its source.
        neutral: the neutral form, in words.
        neutral_params: parameters -> neutral values, as a function of the parameters (some
            neutral values depend on others, e.g. equal weights at their mean).
        lab: whether the mechanism acts in lab mode (``lab.py``) rather than the full model.
    """

    name: str
    what: str
    neutral: str
    neutral_params: Callable[[Params], dict[str, Any]]
    lab: bool = False


def _period_one_mean(p: Params) -> float:
    """Mean contribution at the initial belief, over the cooperator types' shares."""
    b = p.initial_belief
    share_other = max(0.0, 1.0 - p.share_conditional - p.share_free_rider - p.share_hump)
    return (p.share_conditional * min(1.0, p.cooperation_slope * b)
            + p.share_hump * min(1.0, p.cooperation_slope * 2.0 * min(b, 1.0 - b))
            + share_other * p.unconditional_contribution)


MECHANISMS: dict[str, Mechanism] = {m.name: m for m in (
    Mechanism("belief_learning",
              "participants move their belief about others' contributions toward what they "
              "saw (Fischbacher & Gaechter 2010)",
              "beliefs stay at the initial belief",
              lambda p: {"belief_learning_rate": 0.0}),
    Mechanism("conditional_cooperation",
              "contributions depend on beliefs about others, by type: conditional, "
              "hump-shaped, free rider, unconditional (Fischbacher, Gaechter & Fehr 2001)",
              "everyone gives the same fixed amount, the mean contribution at the initial "
              "belief, whatever others give",
              lambda p: {"share_conditional": 0.0, "share_free_rider": 0.0, "share_hump": 0.0,
                         "unconditional_contribution": _period_one_mean(p)}),
    Mechanism("end_game",
              "in the known last period of a lab game beliefs drop (the end-game effect: "
              "Andreoni 1988; Ledyard 1995; Fischbacher & Gaechter 2010)",
              "no drop in the last period (lab mode)",
              lambda p: {}, lab=True),
    Mechanism("punishment_feedback",
              "where arenas sanction (and in the lab's sanctions stage) the punished change "
              "their later contributions: up for punishment from those who gave more, down "
              "for antisocial punishment (Fehr & Gaechter 2000; Herrmann et al. 2008)",
              "punishment teaches nothing: it changes lab earnings only, and sanctions in "
              "the arenas change no contribution (punishment_response = 0)",
              lambda p: {"punishment_response": 0.0}),
    Mechanism("trust_asymmetry",
              "bad experiences move trust (and dispositions) more than good ones (Slovic 1993)",
              "equal weight of good and bad experiences (loss_aversion = 1)",
              lambda p: {"loss_aversion": 1.0}),
    Mechanism("process_over_outcome",
              "procedural experience weighs more than outcomes (Van Ryzin 2011)",
              "process and outcome weigh the same (both at their mean)",
              lambda p: {"outcome_weight": 0.5 * (p.outcome_weight + p.process_weight),
                         "process_weight": 0.5 * (p.outcome_weight + p.process_weight)}),
    Mechanism("trust_threshold",
              "citizens accept invitations more the further their trust is above a threshold "
              "(assumed; threshold form after Granovetter 1978)",
              "trust does not change acceptance (participation_trust_weight = 0)",
              lambda p: {"participation_trust_weight": 0.0}),
    Mechanism("contagion",
              "neighbours taking part make taking part likelier (Granovetter 1978), and "
              "neighbours' trust pulls trust (assumed)",
              "no influence of neighbours (contagion weight and trust social influence 0)",
              lambda p: {"participation_contagion_weight": 0.0, "trust_social_influence": 0.0}),
    Mechanism("service_motive",
              "a service shortfall drives co-production (Parrado et al. 2013); framed as a "
              "complement, a good service does (assumed, after Ostrom 1996's synergy)",
              "the service does not change taking part (participation_need_weight = 0)",
              lambda p: {"participation_need_weight": 0.0}),
    Mechanism("crowding_out",
              "control felt as controlling lowers motivation, at once and, above a tolerance, "
              "lastingly through the scar (Frey & Jegen 2001)",
              "felt control does not lower motivation (crowding_out_effect = 0, scar_rate = 0)",
              lambda p: {"crowding_out_effect": 0.0, "scar_rate": 0.0}),
    Mechanism("motivation_scar",
              "felt control above a tolerance leaves a slowly healing loss of motivation "
              "(Gneezy & Rustichini 2000): the lasting part of crowding out",
              "no scar (scar_rate = 0); felt control still lowers motivation while it lasts",
              lambda p: {"scar_rate": 0.0}),
    Mechanism("reform_burnout",
              "each logic switch adds burnout that lowers motivation (Wynen et al. 2019)",
              "switches add no burnout (reform_burnout = 0)",
              lambda p: {"reform_burnout": 0.0}),
    Mechanism("multitasking",
              "incentives on measured work pull effort from relational work (Holmström & "
              "Milgrom 1991)",
              "incentives do not move effort between tasks (multitask_shift = 0)",
              lambda p: {"multitask_shift": 0.0}),
    Mechanism("startup_burden",
              "new arenas take professional time until they mature (Øllgaard Bentzen 2021)",
              "no time taken from the service (max_startup_burden = 0; the money is still "
              "spent)",
              lambda p: {"max_startup_burden": 0.0}),
    Mechanism("facilitation",
              "facilitation lowers the time cost of taking part, realises the arena's voice, "
              "supports relational work and dialogue (Ansell & Gash 2008)",
              "facilitation has no effect (facilitation_effectiveness = 0; it is still paid "
              "for)",
              lambda p: {"facilitation_effectiveness": 0.0}),
    Mechanism("targeting",
              "outreach and facilitation aimed at low-resource citizens (Jakobsen & Andersen "
              "2013)",
              "targeting has no effect (targeting_strength = 0)",
              lambda p: {"targeting_strength": 0.0}),
    Mechanism("voice",
              "participants' influence raises their trust (the voice effect: Folger 1977; "
              "Lind & Tyler 1988) and the value they receive (Ansell & Torfing 2021)",
              "taking part feels like any other fair treatment and brings no extra value "
              "(voice_trust_weight = 0, voice_gain = 0)",
              lambda p: {"voice_trust_weight": 0.0, "voice_gain": 0.0}),
    Mechanism("civic_crowding",
              "paying citizens for taking part, to the person rather than to a cause, erodes "
              "the civic motivation to take part (Frey & Oberholzer-Gee 1997; Mellström & "
              "Johannesson 2008)",
              "payment raises acceptance by its price effect only (civic_crowding_effect = 0)",
              lambda p: {"civic_crowding_effect": 0.0}),
    Mechanism("felt_say",
              "citizens who feel they have a say (efficacy above initial_efficacy) judge "
              "institutions more responsive and trust them more, whether or not they take part "
              "(perceived "
              "voice: Tyler 2006; OECD Trust Survey 2024)",
              "efficacy does not enter the trust signal (felt_say_weight = 0)",
              lambda p: {"felt_say_weight": 0.0}),
    Mechanism("institutional_social_trust",
              "citizens who find institutions trustworthy trust other people more: each "
              "citizen's social trust returns to a level that rises with their institutional "
              "trust (Rothstein & Stolle 2008; Zmerli & Newton 2008)",
              "social trust returns to a level that does not depend on the citizen's "
              "institutional trust (institutional_social_link = 0)",
              lambda p: {"institutional_social_link": 0.0}),
    Mechanism("service_fit",
              "the unit's service fits its citizens' needs unequally, a lasting difference "
              "between them (assumed), and the better-off get more from it, impartial "
              "treatment notwithstanding (uptake and navigation: Le Grand 1982; Goodin & Le "
              "Grand 1987; administrative burden: Christensen et al. 2020)",
              "every citizen of a unit gets the same from its service, whatever their "
              "resources (service_fit_sd = 0, service_fit_resource_gradient = 0)",
              lambda p: {"service_fit_sd": 0.0, "service_fit_resource_gradient": 0.0}),
    Mechanism("shared_expectations",
              "expectations of the service follow what it gives others in the unit as well "
              "as one's own experience (assumed, after Song, Kim & Favero 2020 and Favero & "
              "Kim 2021), so a citizen it serves worse than their neighbours keeps being "
              "disappointed and trusts less",
              "expectations follow one's own experience only, so every citizen gets used to "
              "what they get (expectation_own_weight = 1)",
              lambda p: {"expectation_own_weight": 1.0}),
)}

assert tuple(MECHANISMS) == MECHANISM_NAMES, "MECHANISMS and params.MECHANISM_NAMES disagree"


def switched_off(params: Params) -> tuple[str, ...]:
    """Names of the mechanisms ``params`` turns off, in :data:`MECHANISMS` order."""
    return tuple(name for name in MECHANISMS if not params.mechanisms.get(name, True))


def effective_params(params: Params) -> Params:
    """The parameters the dynamics run with: each switched-off mechanism's neutral form set.

    Returns ``params`` itself when every mechanism is on.
    """
    off = switched_off(params)
    if not off:
        return params
    changes: dict[str, Any] = {}
    for name in off:
        changes.update(MECHANISMS[name].neutral_params(params))
    return params.replace(**changes)
