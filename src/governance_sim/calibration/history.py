"""History matching against bands: implausibility, the next wave's region, identifiability.

Pure functions of tables; nothing here runs the model.

* A *sample* is one point of parameter values, run on several seeds. For each target the
  seed-mean of its statistic is compared with the band ``[low, high]``: the
  implausibility of the target is the distance of the mean outside the band divided by a
  scale (the band's half-width, or the target's own ``scale``, plus the seeds' standard
  deviation), 0 inside the band. A sample's implausibility is the largest over targets.
* Samples at or below the cutoff are *non-implausible* (they survive); those at 0 are
  *inside* every band.
* The next wave samples the bounding box of the survivors, widened on each side by
  ``pad`` times the current region's width, and never beyond the prior.
* A parameter is *identified* by the targets when the survivors of the last wave span
  less than ``identified_below`` of its prior range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from governance_sim.calibration.config import Target

__all__ = ["Region", "target_implausibility", "summarise_samples", "next_region",
           "identifiability", "best_sample"]

Box = Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class Region:
    """A box of parameter values: name -> (low, high), in the free parameters' order."""

    bounds: dict[str, tuple[float, float]]

    def width(self, name: str) -> float:
        """``high - low`` of one parameter."""
        low, high = self.bounds[name]
        return high - low


def target_implausibility(mean: np.ndarray, sd: np.ndarray, target: Target) -> np.ndarray:
    """Implausibility of one target for each sample.

    Args:
        mean: seed-mean of the statistic per sample (NaN: not measured).
        sd: standard deviation over seeds per sample (0 for one seed).
        target: the band, its scale and its missing policy.

    Returns:
        ``float64[n]``: 0 inside the band, else distance outside / (scale + sd); ``inf``
        for an infinite mean outside the band or a zero scale; NaN means become ``inf``
        (policy ``implausible``) or 0 (``ignore``).
    """
    mean = np.asarray(mean, dtype=np.float64)
    sd = np.nan_to_num(np.asarray(sd, dtype=np.float64), nan=0.0, posinf=0.0)
    with np.errstate(invalid="ignore"):
        distance = np.maximum.reduce([target.low - mean, mean - target.high,
                                      np.zeros_like(mean)])
    scale = target.scale + sd
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(distance > 0, distance / scale, 0.0)
    out = np.where((distance > 0) & (scale <= 0), math.inf, out)
    missing = np.isnan(mean)
    return np.where(missing, math.inf if target.missing == "implausible" else 0.0, out)


def summarise_samples(table: pd.DataFrame, names: Sequence[str], targets: Sequence[Target],
                      cutoff: float) -> pd.DataFrame:
    """One row per sample: parameter values, statistics, implausibilities, verdicts.

    Args:
        table: runs of one wave (a sweep table: ``point_id``, ``status``, the parameter
            columns and one column per target, :attr:`Target.column`).
        names: the free parameters.
        targets: the bands.
        cutoff: the largest implausibility that survives.

    Returns:
        Index ``point_id``; columns: the parameters, ``seeds_ok`` (runs that finished),
        ``mean:<statistic>`` and ``sd:<statistic>`` and ``I:<statistic>`` per target,
        ``implausibility`` (largest over targets; ``inf`` when no run of the sample
        finished), ``worst`` (the target that sets it), ``non_implausible`` and
        ``inside`` (every band met).
    """
    ok = table[table["status"] == "ok"]
    points = table.groupby("point_id")[list(names)].first()
    counts = ok.groupby("point_id").size().reindex(points.index, fill_value=0)
    columns: dict[str, pd.Series | np.ndarray] = {"seeds_ok": counts.astype(int)}
    implausible: dict[str, np.ndarray] = {}
    for target in targets:
        values = ok.groupby("point_id")[target.column]
        mean = values.mean().reindex(points.index)
        sd = values.std(ddof=1).reindex(points.index).fillna(0.0)
        score = target_implausibility(mean.to_numpy(), sd.to_numpy(), target)
        score = np.where(counts.to_numpy() > 0, score, math.inf)
        columns[f"mean:{target.statistic}"] = mean
        columns[f"sd:{target.statistic}"] = sd
        columns[f"I:{target.statistic}"] = score
        implausible[target.statistic] = score
    scores = pd.DataFrame(implausible, index=points.index)
    worst = scores.max(axis=1)
    columns["implausibility"] = worst
    columns["worst"] = scores.idxmax(axis=1).where(worst > 0, "")
    columns["non_implausible"] = worst <= cutoff
    columns["inside"] = worst == 0
    extra = pd.DataFrame({k: np.asarray(v) for k, v in columns.items()}, index=points.index)
    return pd.concat([points, extra], axis=1)


def next_region(prior: Region, current: Region, survivors: pd.DataFrame, pad: float) -> Region:
    """The region of the next wave: the survivors' bounding box, padded, within the prior.

    Args:
        prior: the prior ranges.
        current: the region the survivors were sampled from.
        survivors: their parameter values (one column per parameter).
        pad: each side is widened by this share of the current region's width.

    Raises:
        ValueError: there are no survivors.
    """
    if survivors.empty:
        raise ValueError("no surviving samples to refine the region around")
    bounds = {}
    for name, (p_low, p_high) in prior.bounds.items():
        margin = pad * current.width(name)
        low = max(p_low, float(survivors[name].min()) - margin)
        high = min(p_high, float(survivors[name].max()) + margin)
        if not high > low:  # one survivor and no padding: keep a sliver to sample
            sliver = max(1e-9 * (p_high - p_low), 1e-12)
            low, high = max(p_low, low - sliver), min(p_high, high + sliver)
        bounds[name] = (low, high)
    return Region(bounds)


def identifiability(prior: Region, survivors: pd.DataFrame,
                    identified_below: float) -> pd.DataFrame:
    """How much of each prior range the survivors of the last wave still span.

    Returns:
        Index: parameter; columns ``prior_low``, ``prior_high``, ``low``, ``high`` (the
        survivors' range; NaN when none survived), ``share`` (of the prior's width) and
        ``identified`` (share below ``identified_below``; False when none survived).
    """
    rows = []
    for name, (p_low, p_high) in prior.bounds.items():
        if survivors.empty:
            low = high = share = math.nan
        else:
            low, high = float(survivors[name].min()), float(survivors[name].max())
            share = (high - low) / (p_high - p_low)
        rows.append({"parameter": name, "prior_low": p_low, "prior_high": p_high,
                     "low": low, "high": high, "share": share,
                     "identified": bool(share < identified_below) if not survivors.empty
                     else False})
    return pd.DataFrame(rows).set_index("parameter")


def best_sample(samples: pd.DataFrame, targets: Sequence[Target]) -> pd.Series:
    """The sample with the lowest implausibility; ties go to the one nearest the bands' centres.

    Args:
        samples: rows of :func:`summarise_samples` (any waves).
        targets: the bands (their centres and half-widths break ties).

    Raises:
        ValueError: ``samples`` is empty.
    """
    if samples.empty:
        raise ValueError("no samples")
    centre = np.zeros(len(samples))
    for target in targets:
        mean = samples[f"mean:{target.statistic}"].to_numpy(dtype=np.float64)
        half = (target.high - target.low) / 2.0
        mid = (target.high + target.low) / 2.0
        centre += np.nan_to_num(((mean - mid) / half) ** 2, nan=0.0, posinf=1e300)
    order = np.lexsort((centre, samples["implausibility"].to_numpy(dtype=np.float64)))
    return samples.iloc[int(order[0])]
