"""Design points and replicate seeds of a sweep.

Sampled designs come from SALib (Latin hypercube, Sobol/Saltelli with scrambled Sobol'
sequences, Morris trajectories), seeded from the spec's root seed; a full factorial is the
Cartesian product of each parameter's levels. Replicate seeds are spawned from the same root
seed and are *shared by every design point* (common random numbers): replicate ``r`` of
every point runs with the same seed, so differences between points are not blurred by
different random draws. A design crossed with ``K`` draws from a parameter table
(``[uncertainty] draws``) runs every point with every draw and every replicate seed; draw
``k`` is the same parameter set at every point (its seed is spawned from the root seed).
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.sweep.spec import DRAW_COLUMN, POLICY_COLUMN, SweepSpec

__all__ = ["Design", "Task", "build_design", "draw_seeds", "replicate_seeds", "salib_problem",
           "tasks"]


@dataclass(frozen=True)
class Design:
    """The design of a sweep.

    Attributes:
        points: one row per design point, index ``point_id`` (0..P-1), one column per
            varied parameter holding the value applied to the model (integers rounded).
        sample: the raw sample matrix in design order, ``float64[P, D]`` (factorial designs
            of non-numeric levels hold the level index), as SALib's analysers need it; a
            sampled design crossed with policies repeats its sample once per policy (the
            policy is not a column of it).
        problem: the SALib problem (``num_vars``, ``names``, ``bounds``) or None for a full
            factorial.
        seeds: the replicate seeds, ``int64[R]``, shared by all points.
        draws: the seeds of the draws from the parameter table that cross the design,
            ``int64[K]`` (empty: no crossing, each run draws with its own seed).
    """

    points: pd.DataFrame
    sample: np.ndarray
    problem: dict[str, Any] | None
    seeds: np.ndarray
    draws: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def n_runs(self) -> int:
        """Design points times draws (when crossed) times replicates."""
        return len(self.points) * max(len(self.draws), 1) * len(self.seeds)


@dataclass(frozen=True)
class Task:
    """One run to do: ``run_id = point_id * runs_per_point + replicate``.

    Crossed with K draws, ``replicate = draw * R + r`` (R replicate seeds) and ``params``
    holds the draw index under ``draw``.
    """

    run_id: int
    point_id: int
    replicate: int
    seed: int
    params: dict[str, Any]


def _child_seed(root: int, name: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(root, spawn_key=(zlib.crc32(name.encode()),))


def replicate_seeds(root: int, replicates: int) -> np.ndarray:
    """Spawn ``replicates`` independent run seeds from the root seed.

    Returns:
        ``int64[replicates]`` non-negative seeds (63-bit), the same for the same root.
    """
    children = _child_seed(root, "replicates").spawn(replicates)
    return np.array([int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children],
                    dtype=np.int64)


def draw_seeds(root: int, draws: int | None) -> np.ndarray:
    """The seeds of ``draws`` parameter draws crossing a design (empty for None).

    Returns:
        ``int64[draws]`` non-negative seeds, spawned from the root seed apart from the
        replicate seeds, so draw ``k`` and replicate ``k`` are unrelated.
    """
    if not draws:
        return np.empty(0, dtype=np.int64)
    children = _child_seed(root, "draws").spawn(int(draws))
    return np.array([int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children],
                    dtype=np.int64)


def _sampled(spec: SweepSpec) -> list[Any]:
    """The dimensions a sampled design samples (not the list of policies)."""
    return [d for d in spec.dimensions if d.section != "policies"]


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sampled design: names and ``[low, high]`` bounds."""
    sampled = _sampled(spec)
    return {
        "num_vars": len(sampled),
        "names": [d.name for d in sampled],
        "bounds": [[d.low, d.high] for d in sampled],
    }


def build_design(spec: SweepSpec) -> Design:
    """Build the design points and replicate seeds of a spec (deterministic in its seeds)."""
    seeds = replicate_seeds(spec.seed, spec.replicates)
    draws = draw_seeds(spec.seed, spec.draws)
    names = spec.names
    if spec.design == "full_factorial":
        levels = [d.values for d in spec.dimensions]
        combos = list(itertools.product(*[range(len(v)) for v in levels]))
        rows = [{name: levels[j][i] for j, (name, i) in enumerate(zip(names, combo, strict=True))}
                for combo in combos]
        sample = np.array(
            [[_as_float(levels[j][i], i) for j, i in enumerate(combo)] for combo in combos],
            dtype=np.float64,
        ).reshape(len(combos), len(names))
        points = pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="point_id"),
                              columns=names)
        return Design(points=points, sample=sample, problem=None, seeds=seeds, draws=draws)

    problem = salib_problem(spec)
    design_seed = spec.design_seed
    if design_seed is None:
        design_seed = int(_child_seed(spec.seed, "design").generate_state(1, np.uint32)[0])
    if spec.design == "latin_hypercube":
        from SALib.sample import latin

        sample = latin.sample(problem, spec.samples, seed=design_seed)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        sample = sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                              scramble=True, seed=design_seed)
    else:  # morris
        from SALib.sample import morris

        sample = morris.sample(problem, spec.samples, num_levels=spec.levels,
                               seed=design_seed)
    sample = np.asarray(sample, dtype=np.float64)
    columns: dict[str, Any] = {}
    for j, dim in enumerate(_sampled(spec)):
        column = sample[:, j]
        columns[dim.name] = np.rint(column).astype(np.int64) if dim.integer else column
    points = pd.DataFrame(columns)
    if spec.policies:
        # every policy with every sampled point (policy-major), as EMA's
        # perform_experiments(scenarios, policies)
        names = list(spec.policies)
        points = pd.concat([points.assign(**{POLICY_COLUMN: name}) for name in names],
                           ignore_index=True)
        points = points[[d.name for d in spec.dimensions]]
        sample = np.tile(sample, (len(names), 1))
    points.index = pd.RangeIndex(len(points), name="point_id")
    return Design(points=points, sample=sample, problem=problem, seeds=seeds, draws=draws)


def _as_float(value: Any, index: int) -> float:
    """A level as a number for the sample matrix (non-numeric levels: their index)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(index)
    return float(value)


def tasks(design: Design) -> list[Task]:
    """All runs of a design, in ``run_id`` order (point-major, then draw, then replicate)."""
    out = []
    replicates = len(design.seeds)
    crossed = len(design.draws) > 0
    per_point = replicates * max(len(design.draws), 1)
    records = design.points.to_dict(orient="records")
    for point_id, params in enumerate(records):
        clean = {key: _plain(value) for key, value in params.items()}
        for draw in range(max(len(design.draws), 1)):
            extra = {DRAW_COLUMN: draw} if crossed else {}
            for r, seed in enumerate(design.seeds):
                replicate = draw * replicates + r
                out.append(Task(run_id=point_id * per_point + replicate, point_id=point_id,
                                replicate=replicate, seed=int(seed),
                                params={**clean, **extra}))
    return out


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python scalars (picklable, JSON- and Params-friendly)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
