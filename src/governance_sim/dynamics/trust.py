"""Trust in institutions, social trust and efficacy update from what citizens experienced.

Each citizen has a lasting trust disposition, tied to resources at the start (OECD 2024) and
slowly reshaped by experience (Uslaner 2002; Van der Meer & Hakhverdian 2017); monthly
experiences move trust around it and trust is pulled back toward it, so that without a
shock the mean settles instead of drifting for ever, and citizens keep their differences.
Experiences follow expectation-disconfirmation on service quality (Van Ryzin 2004, 2006),
weighted less than process: fair treatment (Van Ryzin 2011) and voice (Folger 1977; Lind &
Tyler 1988), plus the say citizens feel they have (their efficacy). Trust moves in
log-odds to first order (rate x T(1 - T) x signal), losses weighted by loss aversion, so a
loss weighs more than an equal gain at every level (Slovic 1993); that trust moves least
near 0 and 1 is an assumption of the form. Taking part without visible influence lowers
trust (Fledderus 2015). Network neighbours pull trust toward theirs. Social trust grows with
good cooperation and shrinks with poor (assumed, after Putnam 2000) and returns to a level
set by the institutions' impartiality (Rothstein & Stolle 2008), the citizen's own
institutional trust (Sønderskov & Dinesen 2016) and resources (Delhey & Newton 2003);
efficacy moves with felt influence above the tokenism threshold and returns to an anchor
that rises with resources, with the citizen's lasting trust disposition and with civic
motivation (external efficacy and trust are related attitudes: Craig, Niemi & Silver 1990).
"""

from __future__ import annotations

import numpy as np

from governance_sim.params import Params
from governance_sim.state import MEAN_RESOURCES

__all__ = ["expectation_target", "fair_treatment", "procedural_signal", "felt_say",
           "citizen_social_level", "asymmetric_update", "update_trust",
           "update_disposition", "social_trust_level", "update_social_trust",
           "efficacy_anchor", "update_efficacy"]


def expectation_target(
    experienced: np.ndarray, unit_value: np.ndarray | float, params: Params
) -> np.ndarray:
    """What each citizen's expectation of the service moves toward, float64[n].

    ``expectation_own_weight x experienced + (1 - expectation_own_weight) x unit_value``:
    expectations follow one's own experience and what the service is seen to give others
    (an assumption, after Song, Kim & Favero 2020 and Favero & Kim 2021). So a citizen whose
    needs the service fits worse than their neighbours' keeps being disappointed by it, and
    one it fits better keeps being pleased, instead of both getting used to it: the path by
    which trust goes with value received inside a resource quintile (T-V; the other pairs
    with value received hold mostly through resources).

    Args:
        experienced: float64[n], the quality each citizen experienced (or received).
        unit_value: float64[n] (or a scalar), the mean value the citizen's unit gave its
            citizens last step.
    """
    own = params.expectation_own_weight
    return own * experienced + (1.0 - own) * unit_value


def fair_treatment(impartiality: float, params: Params) -> float:
    """Procedural signal of citizens not taking part.

    ``fairness_weight`` x (impartiality - ``fairness_reference``).
    """
    return params.fairness_weight * (impartiality - params.fairness_reference)


def procedural_signal(
    participating: np.ndarray,
    voice: np.ndarray,
    fair: float,
    tokenism_threshold: float,
    commitment: float,
    shock: float,
    voice_weight: float = 1.0,
    felt_say: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Procedural experience of each citizen, float64[n].

    Participants feel their influence minus the tokenism threshold (with weight
    ``voice_weight``; the rest of their experience is the fair treatment everyone feels);
    others feel the fairness of treatment (:func:`fair_treatment`). Everyone adds the say
    they feel they have (:func:`felt_say`); compacts add, shocks subtract, for everyone.
    """
    heard = voice_weight * (voice - tokenism_threshold) + (1.0 - voice_weight) * fair
    return np.where(participating, heard, fair) + felt_say + commitment - shock


def felt_say(efficacy: np.ndarray, params: Params) -> np.ndarray:
    """The procedural signal of feeling one has a say, float64[n].

    ``felt_say_weight x (efficacy - initial_efficacy)``: citizens who feel that people like
    them can influence what the institutions do judge them as more responsive and fair, and
    trust them more, whether or not they take part this month (perceived voice: Tyler 2006;
    the trust gap between those who feel they have a say and those who do not, OECD Trust
    Survey 2024).

    Args:
        efficacy: float64[n], last step's efficacy.
    """
    return params.felt_say_weight * (efficacy - params.initial_efficacy)


def asymmetric_update(
    level: np.ndarray, signal: np.ndarray, rate: float, loss_aversion: float
) -> np.ndarray:
    """Move a 0-1 level by a signal in log-odds, losses ``loss_aversion`` times gains.

    The first-order log-odds step: ``level + rate x level x (1 - level) x signal``, the signal
    weighted by ``loss_aversion`` when negative. A bad experience weighs ``loss_aversion``
    times an equally good one at *every* level of trust (Slovic 1993), and both move trust
    least near 0 and 1, where it is held most firmly; float64[n] in [0, 1].
    """
    weighted = np.where(signal >= 0.0, signal, loss_aversion * signal)
    return np.clip(level + rate * (level * (1.0 - level)) * weighted, 0.0, 1.0)


def update_trust(
    trust: np.ndarray,
    disposition: np.ndarray,
    neighbours_trust: np.ndarray,
    disconfirmation: np.ndarray,
    procedural: np.ndarray,
    params: Params,
) -> np.ndarray:
    """New trust, float64[n] in [0, 1].

    Experience moves trust (:func:`asymmetric_update`), then it is pulled toward the
    citizen's disposition by ``trust_anchoring`` and toward the neighbours' mean by
    ``trust_social_influence``.

    Args:
        trust: float64[n], last step's trust.
        disposition: float64[n], last step's trust disposition.
        neighbours_trust: float64[n], mean of the neighbours' last-step trust.
        disconfirmation: float64[n], experienced minus expected quality.
        procedural: float64[n], from :func:`procedural_signal`.
    """
    signal = params.outcome_weight * disconfirmation + params.process_weight * procedural
    own = asymmetric_update(trust, signal, params.trust_learning_rate, params.loss_aversion)
    anchored = own + params.trust_anchoring * (disposition - own)
    return (1.0 - params.trust_social_influence) * anchored + (
        params.trust_social_influence * neighbours_trust
    )


def update_disposition(disposition: np.ndarray, trust: np.ndarray, params: Params) -> np.ndarray:
    """New trust dispositions, float64[n] in [0, 1]: a slow trace of lasting experience.

    The disposition moves toward last step's trust by ``disposition_learning_rate``, a
    fall weighted by ``loss_aversion`` (bad experiences leave deeper traces: Slovic 1993).

    Args:
        disposition: float64[n], last step's dispositions.
        trust: float64[n], last step's trust.
    """
    gap = trust - disposition
    weight = np.where(gap >= 0.0, 1.0, params.loss_aversion)
    return np.clip(disposition + params.disposition_learning_rate * weight * gap, 0.0, 1.0)


def social_trust_level(impartiality: float, params: Params) -> float:
    """The level social trust returns to under institutions of this impartiality.

    ``initial_social_trust + impartiality_social_effect x (impartiality -
    fairness_reference)``: impartial institutions create social trust (Rothstein & Stolle
    2008).
    """
    return params.initial_social_trust + params.impartiality_social_effect * (
        impartiality - params.fairness_reference)


def citizen_social_level(
    level: float, resources: np.ndarray, trust: np.ndarray, params: Params
) -> np.ndarray:
    """The level each citizen's social trust returns to, float64[n].

    The institutions' level (:func:`social_trust_level`) plus
    ``social_trust_resource_gradient x (resources - MEAN_RESOURCES)`` (winners trust others
    more: Delhey & Newton 2003) plus ``institutional_social_link x (trust -
    initial_trust)``: a citizen who finds the institutions trustworthy infers that others
    can be trusted too (Rothstein & Stolle 2008, the institutional theory of social trust;
    Zmerli & Newton 2008 on the individual-level link).

    Args:
        level: the institutions' level, from :func:`social_trust_level`.
        resources: float64[n], 0.2-1.
        trust: float64[n], last step's trust in institutions.
    """
    return (level + params.social_trust_resource_gradient * (resources - MEAN_RESOURCES)
            + params.institutional_social_link * (trust - params.initial_trust))


def update_social_trust(
    social_trust: np.ndarray, participants: np.ndarray, observed: np.ndarray, params: Params,
    level: np.ndarray | float | None = None,
) -> np.ndarray:
    """New social trust, float64[n] in [0, 1].

    Participants whose arena cooperated above ``cooperation_norm`` gain, those below lose;
    everyone returns slowly toward ``level`` (float64[n] from :func:`citizen_social_level`,
    or a scalar from :func:`social_trust_level`; default ``initial_social_trust``).

    Args:
        social_trust: float64[n].
        participants: int64[k], indices of the citizens taking part.
        observed: float64[k], mean contribution in each participant's arena.
    """
    level = params.initial_social_trust if level is None else level
    new = social_trust - params.social_capital_decay * (social_trust - level)
    before = social_trust[participants]
    gap = observed - params.cooperation_norm
    new[participants] += np.where(gap >= 0.0, params.social_capital_gain * gap * (1.0 - before),
                                  params.social_capital_loss * gap * before)
    return np.clip(new, 0.0, 1.0, out=new)


def efficacy_anchor(
    resources: np.ndarray | float, disposition: np.ndarray | float,
    civic_motivation: np.ndarray | float, params: Params,
) -> np.ndarray | float:
    """The efficacy each citizen returns to, float64[n] in [0, 1].

    ``initial_efficacy + efficacy_resource_gradient x (resources - MEAN_RESOURCES)
    + efficacy_trust_gradient x (disposition - initial_trust)
    + efficacy_motivation_gradient x (civic_motivation - initial_civic_motivation)``.
    Skills and resources give a lasting sense of being able to have a say (civic
    voluntarism: Verba, Schlozman & Brady 1995); so does a lasting belief that the
    institutions are trustworthy, since external efficacy and trust are related attitudes
    (Craig, Niemi & Silver 1990), and interest in public affairs, the other part of the same
    engagement (Verba, Schlozman & Brady 1995). Each term is a lasting difference between
    citizens that the dynamics keep: the disposition moves slowly with experience, resources
    and civic motivation do not move.

    Args:
        resources: float64[n] (or a scalar), 0.2-1.
        disposition: float64[n] (or a scalar), the lasting trust disposition, 0-1.
        civic_motivation: float32[n] (or a scalar), 0-1; taken as float64.
    """
    return np.clip(params.initial_efficacy
                   + params.efficacy_resource_gradient * (resources - MEAN_RESOURCES)
                   + params.efficacy_trust_gradient * (disposition - params.initial_trust)
                   + params.efficacy_motivation_gradient * (
                       np.asarray(civic_motivation, dtype=np.float64)
                       - params.initial_civic_motivation), 0.0, 1.0)


def update_efficacy(
    efficacy: np.ndarray, participants: np.ndarray, voice: np.ndarray, mobilisation: float,
    params: Params, anchor: np.ndarray | float | None = None,
) -> np.ndarray:
    """New efficacy, float64[n] in [0, 1].

    Participants' efficacy moves with the influence they felt above ``tokenism_threshold``
    (being heard raises it, tokenism lowers it: the same signal that moves their trust;
    Finkel 1985 on participation raising external efficacy, Fledderus 2015 on tokenism),
    scaled by the room left (``1 - efficacy`` up, ``efficacy`` down); politicians who
    mobilise raise everyone's; all return slowly to their own anchor
    (:func:`efficacy_anchor`).

    Args:
        efficacy: float64[n].
        participants: int64[k], indices of the citizens taking part.
        voice: float64[k], the influence each participant felt.
        anchor: float64[n] (or a scalar), each citizen's anchor; default ``initial_efficacy``.
    """
    rate = params.efficacy_rate
    anchor = params.initial_efficacy if anchor is None else anchor
    new = efficacy + (rate * params.mobilisation_efficacy_gain * mobilisation * (1.0 - efficacy)
                      - rate * params.efficacy_reversion * (efficacy - anchor))
    before = efficacy[participants]
    heard = voice - params.tokenism_threshold
    new[participants] += rate * np.where(heard >= 0.0, heard * (1.0 - before), heard * before)
    return np.clip(new, 0.0, 1.0, out=new)
