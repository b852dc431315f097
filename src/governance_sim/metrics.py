"""What the modeller observes (ODD: observation): pure functions of the state.

Nothing here changes state. :data:`METRICS` names every recorded time series with its label
and unit; :func:`measure` computes them all for the current state.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    weights = {name: getattr(params, weight) for name, weight in PV_COMPONENTS.items()}
    total = sum(weights.values())
    if total == 0:
        return 0.0
    return sum(weights[name] * components[name] for name in weights) / total


def _fixed_order_dot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product as a product array and numpy's pairwise sum: same bits on any thread count."""
    return float(np.multiply(a, b, dtype=np.float64).sum())


def measure(population: Population, params: Params) -> dict[str, float]:
    """Every metric of :data:`METRICS` for the current state.

    Quintile breakdowns are contiguous sums over the runs of citizens of one unit and one
    quintile (the storage order, ``Municipality.group_starts``), so the cost is one pass over
    the citizens per quantity whatever the number of metrics.
    """
    cit, prof, lead, mun = (population.citizens, population.professionals, population.leaders,
                            population.municipality)
    n = cit.n
    part = cit.participating
    n_part = int(np.count_nonzero(part))
    starts, group_q = mun.group_starts, mun.group_quintile

    def by_quintile(values: np.ndarray) -> np.ndarray:
        """Sums of a per-citizen array by quintile, float64[5].

        Contiguous sums over the (unit, quintile) groups the citizens are stored in, then a
        bincount of the groups.
        """
        sums = np.add.reduceat(values, starts, dtype=np.float64)
        return np.bincount(group_q, weights=sums, minlength=6)[1:]

    group_sizes = np.diff(np.append(starts, n))
    per_quintile = np.bincount(group_q, weights=group_sizes, minlength=6)[1:]  # [5]
    with np.errstate(invalid="ignore", divide="ignore"):
        trust_q = by_quintile(cit.trust) / per_quintile
        value_sums = by_quintile(cit.value)
        value_q = value_sums / per_quintile
        part_q = by_quintile(part.view(np.uint8)) / per_quintile
    trust_q, value_q, part_q = (np.nan_to_num(a) for a in (trust_q, value_q, part_q))

    # Every reduction below is numpy's own fixed-order (pairwise) sum, never a BLAS dot
    # product: BLAS splits dots over threads, so the last bit would depend on the thread
    # count (serial, pool and Dask runs must give the same bits).
    trust_sum = float(cit.trust.sum())
    trust_part = float(cit.trust[part].sum())
    voice_gap = 0.0
    if 0 < n_part < n:
        voice_gap = trust_part / n_part - (trust_sum - trust_part) / (n - n_part)

    # need falls with resources by need_gradient per quintile, to 1 for the top quintile
    need = 1.0 + params.need_gradient * (5.0 - np.arange(1, 6))
    out = {
        "trust_mean": trust_sum / n,
        "trust_q1": float(trust_q[0]),
        "trust_q5": float(trust_q[4]),
        "voice_trust_gap": voice_gap,
        "participation_rate": n_part / n,
        "participation_q1": float(part_q[0]),
        "participation_q5": float(part_q[4]),
        "participation_gap": float(part_q[4] - part_q[0]),
        "invited_share": mun.invited / n,
        "accepted_share": mun.accepted / n,
        "civic_crowding": mun.civic_crowding,
        "contribution_mean": mun.cooperation,
        "coproduction": mun.coproduction,
        # mean over citizens of their neighbours' mean social trust: each citizen's social
        # trust weighted by how often they are listened to
        "social_capital": _fixed_order_dot(cit.listened_to, cit.social_trust)
        / (n * cit.neighbours.shape[1]),
        "efficacy_mean": float(cit.efficacy.mean()),
        "motivation_mean": float(prof.motivation.mean()),
        "burnout_mean": float(prof.burnout.mean()),
        "autonomy_mean": float(prof.autonomy.mean()),
        "leader_control_mean": float(lead.control.mean()),
        "facilitation_mean": float(lead.facilitation.mean()),
        "reverted_share": float(lead.reverted.mean()),
        "council_pressure": mun.council_pressure,
        "approval": mun.approval,
        "budget_factor": mun.budget_factor,
        "cost": mun.cost,
        "measured_output": mun.measured_output,
        "relational_quality": mun.relational_quality,
        "service_value": float(value_sums.sum()) / n,
        "outcome_bottom_quintile": float(value_q[0]),
        "outcome_top_quintile": float(value_q[4]),
        "outcome_gap": float(value_q[4] - value_q[0]),
        "pv_outcomes": _fixed_order_dot(need, value_sums) / _fixed_order_dot(need, per_quintile),
    }
    top_outcome = out["outcome_top_quintile"]
    out["pv_equity"] = (min(1.0, out["outcome_bottom_quintile"] / top_outcome)
                        if top_outcome > 0 else 1.0)
    out["pv_legitimacy"] = out["trust_mean"]
    out["pv_social_capital"] = out["social_capital"]
    out["pv_cost_efficiency"] = min(1.0, out["pv_outcomes"] * params.budget * mun.budget_factor
                                    / mun.cost) if mun.cost > 0 else 0.0
    out["pv_future"] = mun.future_stock
    out["public_value_index"] = public_value_index(out, params)
    return {metric.name: out[metric.name] for metric in METRICS}
