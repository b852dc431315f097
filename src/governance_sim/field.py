"""What a run shows against real populations: the field statistics of ``data/field_targets.csv``.

A pure observer of simulations (it steps them and reads their state; it changes nothing):
:func:`logic_statistics` runs one logic and measures the quantities field studies report
(monthly and yearly participation, the quintile ratio of taking part, acceptance of
invitations, trust's mean, spread, low share and quintile gap, drift and decade change),
plus the fall after a major shock; :func:`field_statistics` runs the three logics and adds
what compares them (the NPM effect on motivation in standard deviations, and the trade-offs
at month 120). The band each statistic should fall in is in :data:`FIELD_BANDS`, read from
``field_targets.csv`` (sources in ``field_targets.md``; the repository's ``data/``,
installed into the package's ``data/``).

Taking part stands for one indicator: *took part in a co-creation arena, citizens' panel or
co-production activity of the municipality this month* (docs/odd.md).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from governance_sim.params import LOGIC_NAMES, Params
from governance_sim.simulation import Simulation

__all__ = ["Band", "FIELD_BANDS", "MAJOR_SHOCK", "TRADE_OFF_METRICS", "TRADE_OFF_MONTH",
           "field_bands", "logic_statistics", "field_statistics", "trade_off_table"]

#: A major trust shock, as the field reports them (Norway 2021 -> 2023, DFØ): a scandal or
#: crisis felt by every citizen for two years. Its size is the procedural signal of a
#: participant in a purely tokenistic arena (influence 0 against the tokenism threshold's
#: default 0.15, Fledderus 2015): everyone feels as unheard as that participant.
MAJOR_SHOCK: dict[str, Any] = {"kind": "trust_shock", "size": 0.15, "duration": 24}

#: Months a run settles before drift is judged (field_targets: "after a 2-year settling").
SETTLE_MONTHS = 24

#: Survey cut-offs on the 0-1 scale. A citizen with trust t would answer round(10 t) on a
#: 0-10 item (the reading of ``initial_trust``: OECD's 51 % at 6-10, a median near 0.55), so
#: "low or no trust" (answers 0-4) is t < 0.45 and OECD's "high or moderately high trust"
#: (answers 6-10) is t >= 0.55 (data/field_targets.md). ``trust_quintile_gap`` keeps the
#: 0.6 it was calibrated with.
LOW_TRUST_BELOW, TRUSTING_FROM = 0.45, 0.55

#: The month at which the logics' trade-offs are compared (issue 11: month 120).
TRADE_OFF_MONTH = 120

#: Metrics of the trade-off table and whether more is better (cost and gaps: less).
TRADE_OFF_METRICS: dict[str, bool] = {
    "trust_mean": True,
    "public_value_index": True,
    "measured_output": True,
    "cost": False,
    "outcome_gap": False,
    "participation_gap": False,
}


@dataclass(frozen=True)
class Band:
    """One field band: the quantity, its low and high bound, unit and where it applies."""

    id: str
    quantity: str
    low: float
    high: float
    unit: str
    applies_to: str

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in [low, high]."""
        return self.low <= value <= self.high


def field_bands() -> dict[str, Band]:
    """The bands of ``field_targets.csv`` shipped with the package, keyed by id."""
    packaged = resources.files("governance_sim").joinpath("data/field_targets.csv")
    if packaged.is_file():
        text = packaged.read_text(encoding="utf-8")
    else:  # an editable install reads the repository's data/ folder
        text = (Path(__file__).resolve().parents[2] / "data" / "field_targets.csv").read_text(
            encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    bands = {}
    for row in csv.DictReader(rows):
        bands[row["id"]] = Band(row["id"], row["quantity"], float(row["low"]),
                                float(row["high"]), row["unit"], row["applies_to"])
    return bands


FIELD_BANDS: dict[str, Band] = field_bands()


def _share_trusting_gap(trust: np.ndarray, quintile: np.ndarray, level: float = 0.6) -> float:
    """Share with trust >= ``level`` in the top resource quintile minus the bottom one."""
    top = trust[quintile == 5]
    bottom = trust[quintile == 1]
    return float((top >= level).mean() - (bottom >= level).mean())


def logic_statistics(params: Params, seed: int, steps: int = 240,
                     shock: bool = True) -> dict[str, float]:
    """Run ``params`` for ``steps`` months and measure the field statistics of one logic.

    Args:
        params: the parameters (logic, levers, population).
        seed: the run's seed.
        steps: months to run (at least 36: two settling years and one to judge).
        shock: also run the same seed with :data:`MAJOR_SHOCK` from month 24 and report the
            fall of mean trust after two years (``shock_two_year_fall``).

    Returns:
        Statistic name -> value: ``participation_monthly`` (mean share per month after
        settling), ``participation_yearly`` (share who took part at least once in twelve
        months, mean over the years after settling), ``participation_quintile_ratio`` (top
        over bottom quintile, months after settling), ``invitation_acceptance`` (accepted
        over invited), ``trust_mean_min``, ``trust_mean_max``, ``trust_sd_min`` (over every
        month), ``trust_sd``, ``trust_low_share`` (share below :data:`LOW_TRUST_BELOW`,
        answers 0-4), ``trust_trusting_share`` (at or above :data:`TRUSTING_FROM`, answers
        6-10), ``trust_quintile_gap`` (at
        the end),
        ``trust_drift_per_year`` (largest change of mean trust over a year after settling),
        ``trust_decade_change`` (largest change over any 120 months), ``motivation_mean``,
        ``motivation_sd`` (professionals at month 60), the trade-off metrics at month 120
        (``*_at_120``), and ``shock_two_year_fall``.
    """
    if steps < SETTLE_MONTHS + 12:
        raise ValueError(f"steps must be at least {SETTLE_MONTHS + 12}, got {steps}")
    sim = Simulation(params, seed, steps=steps)
    cit = sim.population.citizens
    quintile = np.asarray(cit.quintile)
    last_taken_part = np.full(cit.n, -10_000, dtype=np.int64)
    yearly: list[float] = []
    sd_series = [float(cit.trust.std())]
    motivation_60 = np.asarray(sim.population.professionals.motivation).copy()
    invited = accepted = 0.0
    for month in range(1, steps + 1):
        sim.step()
        last_taken_part[cit.participating] = month
        sd_series.append(float(cit.trust.std()))
        if month > SETTLE_MONTHS:
            invited += sim.latest["invited_share"]
            accepted += sim.latest["accepted_share"]
        if month > SETTLE_MONTHS and (month - SETTLE_MONTHS) % 12 == 0:
            yearly.append(float((last_taken_part > month - 12).mean()))
        if month == 60:
            motivation_60 = np.asarray(sim.population.professionals.motivation).copy()
    ts = sim.results().timeseries
    after = ts.iloc[SETTLE_MONTHS + 1:]
    trust = ts["trust_mean"].to_numpy()
    yearly_change = np.abs(trust[SETTLE_MONTHS + 12:] - trust[SETTLE_MONTHS:-12])
    decade = min(120, steps)
    q1, q5 = float(after["participation_q1"].mean()), float(after["participation_q5"].mean())
    final_trust = np.asarray(cit.trust)
    out = {
        "participation_monthly": float(after["participation_rate"].mean()),
        "participation_yearly": float(np.mean(yearly)),
        "participation_quintile_ratio": q5 / q1 if q1 > 0 else float("inf"),
        "invitation_acceptance": accepted / invited if invited > 0 else float("nan"),
        "trust_mean_min": float(trust.min()),
        "trust_mean_max": float(trust.max()),
        "trust_sd_min": float(min(sd_series)),
        "trust_sd": float(final_trust.std()),
        "trust_low_share": float((final_trust < LOW_TRUST_BELOW).mean()),
        "trust_trusting_share": float((final_trust >= TRUSTING_FROM).mean()),
        "trust_quintile_gap": _share_trusting_gap(final_trust, quintile),
        "trust_drift_per_year": float(yearly_change.max()),
        "trust_decade_change": float(np.abs(trust[decade:] - trust[:-decade]).max()),
        "motivation_mean": float(motivation_60.mean()),
        "motivation_sd": float(motivation_60.std()),
    }
    if steps >= TRADE_OFF_MONTH:
        row = ts.loc[TRADE_OFF_MONTH]
        for name in TRADE_OFF_METRICS:
            out[f"{name}_at_120"] = float(row[name])
    if shock:
        start = SETTLE_MONTHS
        shocked = Simulation(params.replace(events=[*params.to_dict()["events"],
                                                    {**MAJOR_SHOCK, "step": start}]),
                             seed, steps=start + MAJOR_SHOCK["duration"])
        for _ in range(start + MAJOR_SHOCK["duration"]):
            shocked.step()
        end = start + MAJOR_SHOCK["duration"]
        out["shock_two_year_fall"] = float(trust[end] - shocked.results().timeseries[
            "trust_mean"].iloc[end])
    return out


def field_statistics(base: Params | None = None, seed: int = 1, steps: int = 240,
                     logics: Sequence[str] = LOGIC_NAMES,
                     shock: bool = True) -> dict[str, float]:
    """The field statistics of each logic at its default levers, and what compares them.

    Args:
        base: parameters over which ``logic`` is set (default: ``Params()``); levers the base
            overrides stay overridden in every logic.
        seed: the seed, the same for every logic (common random numbers).
        steps: months per run.
        logics: the logics to run (the NPM effect needs ``bureaucracy`` and ``npm``).
        shock: also measure the shock response of each logic.

    Returns:
        Flat mapping ``"<logic>.<statistic>"`` (see :func:`logic_statistics`) plus
        ``motivation_npm_effect``: bureaucracy's mean motivation at month 60 minus NPM's, in
        standard deviations of bureaucracy's professionals (the cross-sectional SD).
    """
    base = base or Params()
    out: dict[str, float] = {}
    for logic in logics:
        stats = logic_statistics(base.replace(logic=logic), seed, steps, shock=shock)
        out.update({f"{logic}.{name}": value for name, value in stats.items()})
    if "bureaucracy" in logics and "npm" in logics:
        sd = out["bureaucracy.motivation_sd"]
        gap = out["bureaucracy.motivation_mean"] - out["npm.motivation_mean"]
        out["motivation_npm_effect"] = gap / sd if sd > 0 else float("inf")
    return out


def trade_off_table(stats: Mapping[str, float],
                    logics: Sequence[str] = LOGIC_NAMES) -> dict[str, str]:
    """Which logic is best on each trade-off metric at month 120.

    Args:
        stats: from :func:`field_statistics` (or means of it over seeds).

    Returns:
        Metric -> name of the best logic (highest, or lowest for cost and gaps; for gaps
        the smallest absolute value).
    """
    best = {}
    for metric, more_is_better in TRADE_OFF_METRICS.items():
        values = {logic: stats[f"{logic}.{metric}_at_120"] for logic in logics}
        if metric.endswith("_gap"):
            best[metric] = min(values, key=lambda logic: abs(values[logic]))
        elif more_is_better:
            best[metric] = max(values, key=values.__getitem__)
        else:
            best[metric] = min(values, key=values.__getitem__)
    return best
