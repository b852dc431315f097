"""Sampling the non-implausible space with the emulators, and the posterior's rejection step.

History matching's waves need points spread over what is *not yet ruled out*, not over a
box around the last survivors: candidates are drawn uniformly (scrambled Sobol') over the
whole prior box, in batches, and kept only when every earlier wave's emulators find them
non-implausible (the waves' emulators in turn, each judging the region it was trained on).
The share kept estimates the non-implausible volume (as a share of the prior box). When
that volume is so small that the batches find too few survivors, the rest are drawn by
perturbing survivors (a Gaussian step, then screened the same way), and the design says so.

Refocusing: a share of each wave's points (the ``focus`` setting) is drawn from the prior
restricted to the non-implausible space times the emulated chance of a run inside every band
(:func:`focus_sample`): starts drawn from the uniform non-implausible candidates by that
chance (:func:`weighted_draw`, without replacement), then ``focus_steps`` Metropolis steps
of each chain (the prior box and the non-implausible space as the support), because the
region inside every band can be far smaller than the share of candidates that lands in it.
The runs then go where the bands are probably met and the next emulators learn that region;
the rest are spread over the whole non-implausible space (:func:`pick`, maximin, counting
the focused points as chosen).

The posterior draws are a rejection sample: non-implausible candidates accepted with
probability ``p / max p`` where ``p`` is the emulated probability that a run lands inside
every band (:func:`.history.inside_probability`), i.e. the prior restricted to the
non-implausible space times that likelihood (ABC with the bands as the acceptance region,
done on the emulators). Everything is seeded; nothing runs the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

__all__ = ["Screened", "focus_sample", "screen_space", "pick", "rejection", "sobol_points",
           "weighted_draw"]

#: Batches of candidates drawn at most before topping up around survivors.
MAX_BATCHES = 16


def sobol_points(n: int, d: int, seed: int) -> np.ndarray:
    """``n`` scrambled Sobol' points in the unit cube, ``float64[n, d]`` (seeded)."""
    m = max(1, int(np.ceil(np.log2(max(n, 2)))))
    points = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random_base2(m)
    return points[:n]


@dataclass(frozen=True)
class Screened:
    """Non-implausible points found by screening.

    Attributes:
        points: unit-cube points kept, ``float64[k, d]``.
        tried: uniform candidates screened.
        kept_uniform: how many of those were kept (``kept_uniform / tried`` estimates the
            non-implausible share of the prior box).
        topped_up: points added by perturbing survivors (not uniform).
    """

    points: np.ndarray
    tried: int
    kept_uniform: int
    topped_up: int

    @property
    def volume(self) -> float:
        """Estimated non-implausible share of the prior box."""
        return self.kept_uniform / self.tried if self.tried else float("nan")


def screen_space(keep: Callable[[np.ndarray], np.ndarray], d: int, want: int, batch: int,
                 seed: int) -> Screened:
    """Draw uniform candidates in batches and keep those ``keep`` accepts.

    Args:
        keep: unit-cube points ``float64[n, d]`` -> ``bool[n]`` (non-implausible by every
            wave so far).
        d: dimensions.
        want: stop once this many are kept.
        batch: candidates per batch.
        seed: seeds the Sobol' scrambling and the top-up steps.

    Returns:
        The kept points (at least ``want`` if any survivor exists, topping up around the
        survivors after :data:`MAX_BATCHES` batches), and the counts.
    """
    rng = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    tried = found = 0
    for _ in range(MAX_BATCHES):
        points = sobol_points(batch, d, int(rng.integers(2**63)))
        mask = keep(points)
        kept.append(points[mask])
        tried += len(points)
        found += int(mask.sum())
        if found >= want:
            break
    uniform = np.concatenate(kept) if kept else np.empty((0, d))
    topped = 0
    if 0 < len(uniform) < want:
        extra = _top_up(keep, uniform, want - len(uniform), rng)
        topped = len(extra)
        uniform = np.concatenate([uniform, extra])
    return Screened(uniform, tried, found, topped)


def _top_up(keep: Callable[[np.ndarray], np.ndarray], seeds: np.ndarray, need: int,
            rng: np.random.Generator) -> np.ndarray:
    """Points near survivors (Gaussian steps of their spread, clipped), screened by ``keep``."""
    spread = np.maximum(seeds.std(axis=0), 0.02) if len(seeds) > 1 else np.full(
        seeds.shape[1], 0.05)
    out: list[np.ndarray] = []
    have = 0
    for _ in range(50):
        parents = seeds[rng.integers(len(seeds), size=max(need * 4, 64))]
        moved = np.clip(parents + rng.normal(0.0, 1.0, parents.shape) * spread, 0.0, 1.0)
        moved = moved[keep(moved)]
        out.append(moved)
        have += len(moved)
        if have >= need:
            break
    found = np.concatenate(out) if out else np.empty((0, seeds.shape[1]))
    return found[:need]


def pick(points: np.ndarray, k: int, seed: int, fixed: np.ndarray | None = None) -> np.ndarray:
    """``k`` of ``points`` spread out: a greedy maximin choice from a random start.

    Args:
        points: candidates, ``float64[n, d]``.
        k: how many (all of them when ``n <= k``).
        seed: seeds the start and the pool.
        fixed: points already chosen, ``float64[m, d]``: the choice keeps away from them
            too (there is then no random start); they are not returned.

    Returns:
        ``float64[min(k, n), d]``.
    """
    rng = np.random.default_rng(seed)
    if len(points) <= k:
        return points.copy()
    pool = points[rng.permutation(len(points))[:max(20 * k, 2000)]]
    if k <= 0:
        return pool[:0]
    if fixed is not None and len(fixed):
        chosen: list[int] = []
        nearest = np.min(np.linalg.norm(pool[:, None, :] - fixed[None, :, :], axis=2), axis=1)
    else:
        chosen = [int(rng.integers(len(pool)))]
        nearest = np.linalg.norm(pool - pool[chosen[0]], axis=1)
    while len(chosen) < k:
        index = int(np.argmax(nearest))
        chosen.append(index)
        nearest = np.minimum(nearest, np.linalg.norm(pool - pool[index], axis=1))
    return pool[chosen]


def weighted_draw(points: np.ndarray, weights: np.ndarray, k: int,
                  seed: int) -> np.ndarray:
    """``k`` of ``points`` drawn without replacement with probability proportional to weight.

    Args:
        points: candidates, ``float64[n, d]`` (uniform over the space they cover).
        weights: ``float64[n]``, >= 0 (the emulated chance inside every band).
        k: how many at most.
        seed: seeds the draw.

    Returns:
        ``float64[m, d]`` with ``m = min(k, number of positive weights)``: fewer when too
        few candidates have any weight (the caller spreads the rest).
    """
    weights = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0)
    weights = np.clip(weights, 0.0, None)
    total = float(weights.sum())
    share = weights / total if total > 0 else weights
    positive = np.flatnonzero(share > 0)
    m = min(k, len(positive))
    if m <= 0:
        return points[:0]
    rng = np.random.default_rng(seed)
    share = share[positive] / share[positive].sum()
    index = rng.choice(positive, size=m, replace=False, p=share)
    return points[np.sort(index)]


def rejection(points: np.ndarray, weights: np.ndarray, draws: int,
              seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Accept each point with probability ``weight / max weight`` until ``draws`` accepted.

    Args:
        points: candidates in random order, ``float64[n, d]``.
        weights: their likelihood, ``float64[n]`` (>= 0).
        draws: how many to accept at most.
        seed: seeds the uniform numbers.

    Returns:
        ``(accepted points, their indices into points)``; fewer than ``draws`` when the
        candidates run out (the caller draws more).
    """
    rng = np.random.default_rng(seed)
    top = float(np.max(weights)) if len(weights) else 0.0
    if top <= 0.0:
        return np.empty((0, points.shape[1])), np.empty(0, dtype=np.int64)
    accept = rng.random(len(points)) < weights / top
    index = np.flatnonzero(accept)[:draws]
    return points[index], index


def focus_sample(points: np.ndarray, chance: Callable[[np.ndarray], np.ndarray],
                 keep: Callable[[np.ndarray], np.ndarray], k: int, steps: int,
                 seed: int) -> np.ndarray:
    """``k`` points from the non-implausible space weighted by the chance inside every band.

    The target density is the prior (uniform on the unit cube) restricted to the points
    ``keep`` accepts, times ``chance``. Chains start at ``k`` of ``points`` drawn by
    :func:`weighted_draw` and take ``steps`` random-walk Metropolis steps (Gaussian, per
    dimension ``2.38 / sqrt(d)`` times the chance-weighted spread of ``points``, the
    optimal scaling of Roberts, Gelman & Gilks 1997; a move outside the cube or to a point
    ``keep`` refuses is rejected).

    Args:
        points: uniform non-implausible candidates, ``float64[n, d]``.
        chance: unit points ``float64[m, d]`` -> the emulated chance inside every band.
        keep: unit points -> ``bool[m]``, non-implausible by every wave so far.
        k: how many points.
        steps: Metropolis steps per chain (0: the weighted starts themselves).
        seed: seeds the starts and the steps.

    Returns:
        ``float64[m, d]``, ``m <= k`` (fewer when fewer than ``k`` candidates have any
        chance inside).
    """
    rng = np.random.default_rng(seed)
    weights = np.nan_to_num(np.clip(chance(points), 0.0, None), nan=0.0)
    current = weighted_draw(points, weights, k, int(rng.integers(2**63)))
    if len(current) == 0 or steps <= 0:
        return current
    d = points.shape[1]
    share = weights / weights.sum()
    centre = share @ points
    spread = np.sqrt(np.maximum(share @ (points - centre) ** 2, 1e-8))
    step = 2.38 / np.sqrt(d) * spread
    level = chance(current)
    for _ in range(steps):
        moved = current + rng.normal(0.0, 1.0, current.shape) * step
        inside = np.all((moved >= 0.0) & (moved <= 1.0), axis=1)
        ok = np.zeros(len(moved), dtype=bool)
        ok[inside] = keep(moved[inside])
        proposed = np.zeros(len(moved))
        if ok.any():
            proposed[ok] = chance(moved[ok])
        u = rng.random(len(moved))
        accept = ok & (u * level < proposed)
        current = np.where(accept[:, None], moved, current)
        level = np.where(accept, proposed, level)
    return current
