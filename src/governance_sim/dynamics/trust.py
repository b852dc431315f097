"""Trust in institutions, social trust and efficacy update from what citizens experienced.

Each citizen has a lasting trust disposition, tied to resources at the start (OECD 2024) and
slowly reshaped by experience (Uslaner 2002; Van der Meer & Hakhverdian 2017); monthly
experiences move trust around it and trust is pulled back toward it, so that without a
shock the mean settles instead of drifting for ever, and citizens keep their differences.
Experiences follow expectation-disconfirmation on service quality (Van Ryzin 2004, 2006),
weighted less than process: fair treatment (Van Ryzin 2011) and voice (Folger 1977; Lind &
Tyler 1988). Gains are scaled by the room left
above, losses by the trust there is to lose and weighted by loss aversion, so trust is lost
faster than gained (Slovic 1993). Taking part without visible influence lowers trust
(Fledderus 2015). Network neighbours pull trust toward theirs. Social trust grows with good
cooperation and shrinks with poor (assumed, after Putnam 2000) and returns to a level set by
the institutions' impartiality (Rothstein & Stolle 2008); efficacy follows felt influence.
"""

from __future__ import annotations

import numpy as np

from governance_sim.params import Params

__all__ = ["fair_treatment", "procedural_signal", "asymmetric_update", "update_trust",
           "update_disposition", "social_trust_level", "update_social_trust",
           "update_efficacy"]


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
) -> np.ndarray:
    """Procedural experience of each citizen, float64[n].

    Participants feel their influence minus the tokenism threshold (with weight
    ``voice_weight``; the rest of their experience is the fair treatment everyone feels);
    others feel the fairness of treatment (:func:`fair_treatment`). Compacts add, shocks
    subtract, for everyone.
    """
    heard = voice_weight * (voice - tokenism_threshold) + (1.0 - voice_weight) * fair
    return np.where(participating, heard, fair) + commitment - shock


def asymmetric_update(
    level: np.ndarray, signal: np.ndarray, rate: float, loss_aversion: float
) -> np.ndarray:
    """Move a 0-1 level by a signal, losses faster than gains; float64[n] in [0, 1]."""
    change = np.where(signal >= 0.0, signal * (1.0 - level), loss_aversion * signal * level)
    return np.clip(level + rate * change, 0.0, 1.0)


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


def update_social_trust(
    social_trust: np.ndarray, participants: np.ndarray, observed: np.ndarray, params: Params,
    level: float | None = None,
) -> np.ndarray:
    """New social trust, float64[n] in [0, 1].

    Participants whose arena cooperated above ``cooperation_norm`` gain, those below lose;
    everyone returns slowly toward ``level`` (:func:`social_trust_level`; default
    ``initial_social_trust``).

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


def update_efficacy(
    efficacy: np.ndarray, participants: np.ndarray, voice: np.ndarray, mobilisation: float,
    params: Params,
) -> np.ndarray:
    """New efficacy, float64[n] in [0, 1].

    Participants move toward their felt influence; politicians who mobilise raise
    everyone's; all return slowly to ``initial_efficacy``.

    Args:
        efficacy: float64[n].
        participants: int64[k], indices of the citizens taking part.
        voice: float64[k], the influence each participant felt.
    """
    rate = params.efficacy_rate
    new = efficacy + (rate * params.mobilisation_efficacy_gain * mobilisation * (1.0 - efficacy)
                      - rate * params.efficacy_reversion * (efficacy - params.initial_efficacy))
    new[participants] += rate * (voice - efficacy[participants])
    return np.clip(new, 0.0, 1.0, out=new)
