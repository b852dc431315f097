"""Sampling the non-implausible space with the emulators, and the posterior's rejection step.

History matching's waves need points spread over what is *not yet ruled out*, not over a
box around the last survivors: candidates are drawn uniformly (scrambled Sobol') over the
whole prior box, in batches, and kept only when every earlier wave's emulators find them
non-implausible (the waves' emulators in turn, each judging the region it was trained on).
The share kept estimates the non-implausible volume (as a share of the prior box). When
that volume is so small that the batches find too few survivors, the rest are drawn by
perturbing survivors (a Gaussian step, then screened the same way), and the design says so.

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

__all__ = ["Screened", "screen_space", "pick", "rejection", "sobol_points"]

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


def pick(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    """``k`` of ``points`` spread out: a greedy maximin choice from a random start.

    Args:
        points: candidates, ``float64[n, d]``.
        k: how many (all of them when ``n <= k``).
        seed: seeds the start and the pool.

    Returns:
        ``float64[min(k, n), d]``.
    """
    rng = np.random.default_rng(seed)
    if len(points) <= k:
        return points.copy()
    pool = points[rng.permutation(len(points))[:max(20 * k, 2000)]]
    chosen = [int(rng.integers(len(pool)))]
    nearest = np.linalg.norm(pool - pool[chosen[0]], axis=1)
    for _ in range(k - 1):
        index = int(np.argmax(nearest))
        chosen.append(index)
        nearest = np.minimum(nearest, np.linalg.norm(pool - pool[index], axis=1))
    return pool[chosen]


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
