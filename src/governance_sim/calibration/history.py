"""History matching against bands: implausibility of runs and of emulators, identifiability.

Pure functions of tables and fitted emulators; nothing here runs the model.

* A *sample* is one point of parameter values, run on several seeds. For each target the
  seed-mean of its statistic is compared with the band ``[low, high]``: the implausibility
  is the distance of the mean outside the band over ``sqrt(scale^2 + sd^2)``, with
  ``scale`` the band's tolerance (its half-width, or the target's own ``scale``) and ``sd``
  the seeds' standard deviation; 0 inside the band.
* An *emulated* implausibility is the same for a point no run has visited: the emulator's
  mean replaces the seed-mean and its variance is added,
  ``sqrt(scale^2 + seed_var + emulator_var)`` (Vernon et al. 2010; Andrianakis et al. 2015).
* A point at or below the cutoff for every target is *non-implausible*.
* The *probability inside* a band is that of one run landing in it, the statistic being
  normal with the emulator's mean and variance plus the seed variance; the product over the
  targets is the likelihood the posterior's rejection step uses.
* A parameter is *identified* when its posterior's central 90 % interval is narrower than
  ``identified_below`` of the prior range in every independent repeat, and the repeats'
  intervals overlap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from governance_sim.calibration.config import Target
from governance_sim.calibration.emulator import Emulator

__all__ = ["Region", "target_implausibility", "summarise_samples", "emulated_implausibility",
           "inside_probability", "identifiability", "best_sample", "band_distance"]

Box = Mapping[str, tuple[float, float]]


@dataclass(frozen=True)
class Region:
    """A box of parameter values: name -> (low, high), in the free parameters' order."""

    bounds: dict[str, tuple[float, float]]

    def width(self, name: str) -> float:
        """``high - low`` of one parameter."""
        low, high = self.bounds[name]
        return high - low


def band_distance(values: np.ndarray, target: Target) -> np.ndarray:
    """How far each value lies outside the band (0 inside; NaN stays NaN)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.maximum.reduce([target.low - values, values - target.high,
                                  np.zeros_like(values)])


def emulated_implausibility(emulators: Mapping[str, Emulator], targets: Sequence[Target],
                            unit: np.ndarray) -> np.ndarray:
    """Implausibility of unit-cube points by the emulators, one column per target.

    Args:
        emulators: fitted emulators by statistic (targets without a fitted one get 0:
            that wave's runs cannot judge them).
        targets: the bands.
        unit: points in the prior's unit cube, ``float64[n, d]``.

    Returns:
        ``float64[n, len(targets)]``: distance of the emulated mean outside the band over
        ``sqrt(scale^2 + seed_var + emulator_var)``.
    """
    out = np.zeros((len(unit), len(targets)))
    for j, target in enumerate(targets):
        emulator = emulators.get(target.statistic)
        if emulator is None or not emulator.ok:
            continue
        mean, var = emulator.predict(unit)
        out[:, j] = band_distance(mean, target) / np.sqrt(
            target.scale ** 2 + emulator.seed_var + var)
    return out


def inside_probability(emulators: Mapping[str, Emulator], targets: Sequence[Target],
                       unit: np.ndarray) -> np.ndarray:
    """Probability that one run at each point lands inside every band (emulated).

    Each statistic is taken as normal with the emulator's mean and its variance plus the
    seed variance, independent across targets; targets without a fitted emulator count 1.

    Returns:
        ``float64[n]`` in [0, 1].
    """
    out = np.ones(len(unit))
    for target in targets:
        emulator = emulators.get(target.statistic)
        if emulator is None or not emulator.ok:
            continue
        mean, var = emulator.predict(unit)
        sd = np.sqrt(np.maximum(var + emulator.seed_var, 1e-300))
        out *= np.clip(ndtr((target.high - mean) / sd) - ndtr((target.low - mean) / sd),
                       0.0, 1.0)
    return out


def target_implausibility(mean: np.ndarray, sd: np.ndarray, target: Target) -> np.ndarray:
    """Implausibility of one target for each sample.

    Args:
        mean: seed-mean of the statistic per sample (NaN: not measured).
        sd: standard deviation over seeds per sample (0 for one seed).
        target: the band, its scale and its missing policy.

    Returns:
        ``float64[n]``: 0 inside the band, else distance outside /
        ``sqrt(scale^2 + sd^2)``; ``inf`` for an infinite mean outside the band or a zero
        scale; NaN means become ``inf`` (policy ``implausible``) or 0 (``ignore``).
    """
    mean = np.asarray(mean, dtype=np.float64)
    sd = np.nan_to_num(np.asarray(sd, dtype=np.float64), nan=0.0, posinf=0.0)
    distance = band_distance(mean, target)
    scale = np.sqrt(target.scale ** 2 + sd ** 2)
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


def identifiability(prior: Region, posteriors: Sequence[pd.DataFrame],
                    identified_below: float) -> pd.DataFrame:
    """Per parameter: the posterior's central 90 % interval in each repeat, and the verdict.

    Args:
        prior: the prior ranges.
        posteriors: the posterior draws of each independent repeat (one column per
            parameter; an empty frame when a repeat found none).
        identified_below: largest share of the prior width an identified interval spans.

    Returns:
        Index: parameter; columns ``prior_low``, ``prior_high``, ``low_<r>``, ``high_<r>``
        and ``share_<r>`` per repeat ``r`` (1-based; NaN when that repeat has no draws),
        ``overlap`` (every pair of intervals overlaps) and ``identified`` (narrower than
        ``identified_below`` in every repeat, at least two repeats, and overlapping).
    """
    rows = []
    for name, (p_low, p_high) in prior.bounds.items():
        row: dict[str, object] = {"parameter": name, "prior_low": p_low, "prior_high": p_high}
        spans = []
        for r, draws in enumerate(posteriors, start=1):
            if draws.empty:
                low = high = share = math.nan
            else:
                low, high = (float(v) for v in np.quantile(draws[name], [0.05, 0.95]))
                share = (high - low) / (p_high - p_low)
                spans.append((low, high))
            row.update({f"low_{r}": low, f"high_{r}": high, f"share_{r}": share})
        complete = len(spans) == len(posteriors) and spans
        overlap = bool(complete) and max(s[0] for s in spans) <= min(s[1] for s in spans)
        narrow = bool(complete) and all(row[f"share_{r}"] < identified_below
                                        for r in range(1, len(posteriors) + 1))
        row["overlap"] = overlap
        row["identified"] = bool(narrow and overlap and len(posteriors) >= 2)
        rows.append(row)
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
