"""What the modeller observes (ODD: observation): pure functions of the state.

Nothing here changes state. :data:`METRICS` names every recorded time series with its label
and unit; :func:`measure` computes them all for the current state.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from functools import cache

import numpy as np

from governance_sim.params import Params
from governance_sim.state import Population

__all__ = ["Metric", "METRICS", "PV_COMPONENTS", "measure", "public_value_index"]


@dataclass(frozen=True)
class Metric:
    """One recorded series: column name, label and unit."""

    name: str
    label: str
    unit: str


METRICS: tuple[Metric, ...] = (
    Metric("trust_mean", "Trust in institutions (mean)", "0-1"),
    Metric("trust_q1", "Trust, bottom resource quintile", "0-1"),
    Metric("trust_q5", "Trust, top resource quintile", "0-1"),
    Metric("voice_trust_gap", "Trust of those taking part minus the others", "0-1"),
    Metric("participation_rate", "Share of citizens taking part", "share"),
    Metric("participation_q1", "Taking part, bottom resource quintile", "share"),
    Metric("participation_q5", "Taking part, top resource quintile", "share"),
    Metric("participation_gap", "Taking part: top minus bottom quintile", "share"),
    Metric("invited_share", "Invited this month (of all citizens; not taking part before)",
           "share"),
    Metric("accepted_share", "Invited and took part this month (of all citizens)", "share"),
    Metric("civic_crowding", "Civic motivation crowded out by paying for taking part",
           "0-1"),
    Metric("contribution_mean", "Mean contribution of those taking part", "share"),
    Metric("coproduction", "Co-produced input per citizen", "share"),
    Metric("social_capital", "Social capital (network-weighted social trust)", "0-1"),
    Metric("efficacy_mean", "Political efficacy (mean)", "0-1"),
    Metric("motivation_mean", "Professional motivation (mean)", "0-1"),
    Metric("burnout_mean", "Professional burnout (mean)", "0-1"),
    Metric("autonomy_mean", "Professional autonomy (mean)", "0-1"),
    Metric("leader_control_mean", "Leaders' control intensity (mean)", "0-1"),
    Metric("facilitation_mean", "Leaders' facilitation investment (mean)", "0-1"),
    Metric("reverted_share", "Leaders who fell back to control", "share"),
    Metric("council_pressure", "Politicians demanding control", "share"),
    Metric("approval", "Council approval", "0-1"),
    Metric("budget_factor", "Budget relative to the start", "ratio"),
    Metric("cost", "Spending per citizen (service + facilitation + control)", "budget units"),
    Metric("measured_output", "Measured output (mean over units)", "-"),
    Metric("relational_quality", "Relational quality (mean over units)", "-"),
    Metric("service_value", "Value received (mean)", "0-1"),
    Metric("outcome_bottom_quintile", "Value received, bottom resource quintile", "0-1"),
    Metric("outcome_top_quintile", "Value received, top resource quintile", "0-1"),
    Metric("outcome_gap", "Value received: top minus bottom quintile", "0-1"),
    Metric("pv_outcomes", "Public value: need-weighted outcomes", "0-1"),
    Metric("pv_equity", "Public value: equity (bottom / top quintile outcome)", "0-1"),
    Metric("pv_legitimacy", "Public value: legitimacy (trust)", "0-1"),
    Metric("pv_social_capital", "Public value: social capital", "0-1"),
    Metric("pv_cost_efficiency", "Public value: outcomes per budget unit spent", "0-1"),
    Metric("pv_future", "Public value: future-generations stock", "0-1"),
    Metric("public_value_index", "Public value index (weighted mean of pv_*)", "0-1"),
)

#: Public-value components and the parameter holding each one's weight.
PV_COMPONENTS: dict[str, str] = {
    "pv_outcomes": "pv_weight_outcomes",
    "pv_equity": "pv_weight_equity",
    "pv_legitimacy": "pv_weight_legitimacy",
    "pv_social_capital": "pv_weight_social_capital",
    "pv_cost_efficiency": "pv_weight_cost_efficiency",
    "pv_future": "pv_weight_future",
}


def public_value_index(components: dict[str, float], params: Params) -> float:
    """Weighted mean of the public-value components with the ``pv_weight_*`` parameters."""
    weights, total = _pv_weights(params)
    if total == 0:
        return 0.0
    return sum(weights[name] * components[name] for name in weights) / total


#: (params, (weights, their sum)) of the last parameters asked (:func:`_pv_weights`)
_PV_WEIGHTS: list[tuple[Params, tuple[dict[str, float], float]]] = []


def _pv_weights(params: Params) -> tuple[dict[str, float], float]:
    """Component -> its ``pv_weight_*`` value, and their sum (Python's ``sum``, in order).

    Kept for the last parameters asked (frozen, so the same object has the same weights):
    every step of a run asks with the same object.
    """
    if _PV_WEIGHTS and _PV_WEIGHTS[0][0] is params:
        return _PV_WEIGHTS[0][1]
    weights = {name: getattr(params, weight) for name, weight in PV_COMPONENTS.items()}
    answer = (weights, sum(weights.values()))
    _PV_WEIGHTS[:] = [(params, answer)]
    return answer


def _fixed_order_dot(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> float:
    """Dot product as a product array and numpy's pairwise sum: same bits on any thread count.

    Args:
        out: optional float64 array of the arguments' shape to hold the products (a scratch
            buffer, so that no array of that size is allocated).
    """
    return float(_sum(np.multiply(a, b, out=out, dtype=np.float64)))


_sum = np.add.reduce  # ndarray.sum without its Python wrapper: the same reduction
_LARGEST = float(np.finfo(np.float64).max)


def _mean(values: np.ndarray) -> float:
    """``float(values.mean())`` of a 1-D array, bit for bit, without ``mean``'s overhead.

    numpy's mean is the same pairwise sum (booleans summed as float64, an exact count)
    divided by the number of elements, both float64.
    """
    if values.size == 0 or values.ndim != 1:
        return float(values.mean())
    if values.dtype == np.bool_:
        return int(np.count_nonzero(values)) / values.size
    return float(_sum(values)) / values.size


def _share(total: float, count: float) -> float:
    """``np.nan_to_num(np.float64(total) / count)`` on Python floats.

    ``x / 0`` is infinite with x's sign and ``0 / 0`` NaN, as in numpy; NaN then becomes 0
    and an infinity the largest float64 of its sign.
    """
    if count == 0.0:
        if total == 0.0 or total != total:
            return 0.0
        return math.copysign(_LARGEST, total) * math.copysign(1.0, count)
    ratio = total / count
    if ratio != ratio:
        return 0.0
    if ratio in (math.inf, -math.inf):
        return math.copysign(_LARGEST, ratio)
    return ratio


#: The last quintile sizes computed: (group starts, group quintiles, n, float64[5]), the
#: arrays held weakly. A population's groups never change after it is built, so a run
#: computes them once.
_QUINTILE_SIZES: list[tuple[weakref.ref, weakref.ref, int, np.ndarray]] = []


def _quintile_sizes(starts: np.ndarray, group_q: np.ndarray, n: int) -> np.ndarray:
    """Citizens in each resource quintile, float64[5], from the (unit, quintile) groups."""
    cached = _QUINTILE_SIZES[0] if _QUINTILE_SIZES else None
    if (cached is not None and cached[0]() is starts and cached[1]() is group_q
            and cached[2] == n):
        return cached[3]
    sizes = np.bincount(group_q, weights=np.diff(np.append(starts, n)), minlength=6)[1:]
    sizes.flags.writeable = False
    try:
        _QUINTILE_SIZES[:] = [(weakref.ref(starts), weakref.ref(group_q), n, sizes)]
    except TypeError:  # arrays that take no weak reference: not remembered
        pass
    return sizes


@cache
def _need(gradient: float) -> np.ndarray:
    """Need per quintile, float64[5]: 1 + gradient x (5 - quintile), read-only."""
    need = 1.0 + gradient * (5.0 - np.arange(1, 6))
    need.flags.writeable = False
    return need


def measure(population: Population, params: Params) -> dict[str, float]:
    """Every metric of :data:`METRICS` for the current state.

    Quintile breakdowns are contiguous sums over the runs of citizens of one unit and one
    quintile (the storage order, ``Municipality.group_starts``), so the cost is one pass over
    the citizens per quantity whatever the number of metrics. A quintile without citizens
    has the share 0 (``np.nan_to_num`` of 0 / 0).

    At small sizes the per-call overhead costs more than the passes (this ran once per
    month of every run), so the scalars are Python floats taken from numpy's own reductions
    in the same order: the same bits as ``ndarray.mean`` and ``np.nan_to_num`` on the
    quintile ratios (``tests/test_step_overhead.py`` compares every metric with the former
    numpy formulation, bit for bit).
    """
    cit, prof, lead, mun = (population.citizens, population.professionals, population.leaders,
                            population.municipality)
    n = cit.n
    part = cit.participating
    taking = part.nonzero()[0]  # np.flatnonzero of a 1-D array, without its wrappers
    n_part = int(taking.size)  # = np.count_nonzero(part)
    starts, group_q = mun.group_starts, mun.group_quintile

    def by_quintile(values: np.ndarray) -> np.ndarray:
        """Sums of a per-citizen array by quintile, float64[5].

        Contiguous sums over the (unit, quintile) groups the citizens are stored in, then a
        bincount of the groups.
        """
        sums = np.add.reduceat(values, starts, dtype=np.float64)
        return np.bincount(group_q, weights=sums, minlength=6)[1:]

    per_quintile = _quintile_sizes(starts, group_q, n)  # float64[5]
    low, high = float(per_quintile[0]), float(per_quintile[4])
    trust_s = by_quintile(cit.trust)
    value_sums = by_quintile(cit.value)
    # participants by quintile, counted from their groups: a sum over ``part`` as float64
    # would first copy the whole bool array to float64 (8 bytes a citizen of peak memory);
    # the counts are integers, so the values are the same
    part_s = np.bincount(group_q[starts.searchsorted(taking, side="right") - 1],
                         minlength=6)[1:].astype(np.float64)
    trust_q1, trust_q5 = _share(float(trust_s[0]), low), _share(float(trust_s[4]), high)
    value_q1, value_q5 = _share(float(value_sums[0]), low), _share(float(value_sums[4]), high)
    part_q1, part_q5 = _share(float(part_s[0]), low), _share(float(part_s[4]), high)

    # Every reduction below is numpy's own fixed-order (pairwise) sum, never a BLAS dot
    # product: BLAS splits dots over threads, so the last bit would depend on the thread
    # count (serial, pool and Dask runs must give the same bits).
    trust_sum = float(_sum(cit.trust))
    trust_part = float(_sum(cit.trust[part]))
    voice_gap = 0.0
    if 0 < n_part < n:
        voice_gap = trust_part / n_part - (trust_sum - trust_part) / (n - n_part)

    # need falls with resources by need_gradient per quintile, to 1 for the top quintile
    need = _need(float(params.need_gradient))
    trust_mean = trust_sum / n
    social_capital = (_fixed_order_dot(cit.listened_to, cit.social_trust, out=cit.scratch())
                      / (n * cit.neighbours.shape[1]))
    pv_outcomes = _fixed_order_dot(need, value_sums) / _fixed_order_dot(need, per_quintile)
    out = {
        "trust_mean": trust_mean,
        "trust_q1": trust_q1,
        "trust_q5": trust_q5,
        "voice_trust_gap": voice_gap,
        "participation_rate": n_part / n,
        "participation_q1": part_q1,
        "participation_q5": part_q5,
        "participation_gap": part_q5 - part_q1,
        "invited_share": mun.invited / n,
        "accepted_share": mun.accepted / n,
        "civic_crowding": mun.civic_crowding,
        "contribution_mean": mun.cooperation,
        "coproduction": mun.coproduction,
        # mean over citizens of their neighbours' mean social trust: each citizen's social
        # trust weighted by how often they are listened to
        "social_capital": social_capital,
        "efficacy_mean": _mean(cit.efficacy),
        "motivation_mean": _mean(prof.motivation),
        "burnout_mean": _mean(prof.burnout),
        "autonomy_mean": _mean(prof.autonomy),
        "leader_control_mean": _mean(lead.control),
        "facilitation_mean": _mean(lead.facilitation),
        "reverted_share": _mean(lead.reverted),
        "council_pressure": mun.council_pressure,
        "approval": mun.approval,
        "budget_factor": mun.budget_factor,
        "cost": mun.cost,
        "measured_output": mun.measured_output,
        "relational_quality": mun.relational_quality,
        "service_value": float(_sum(value_sums)) / n,
        "outcome_bottom_quintile": value_q1,
        "outcome_top_quintile": value_q5,
        "outcome_gap": value_q5 - value_q1,
        "pv_outcomes": pv_outcomes,
        "pv_equity": min(1.0, value_q1 / value_q5) if value_q5 > 0 else 1.0,
        "pv_legitimacy": trust_mean,
        "pv_social_capital": social_capital,
        "pv_cost_efficiency": min(1.0, pv_outcomes * params.budget * mun.budget_factor
                                  / mun.cost) if mun.cost > 0 else 0.0,
        "pv_future": mun.future_stock,
    }
    out["public_value_index"] = public_value_index(out, params)
    return out  # in the order of METRICS (tests/test_metrics.py checks it)
