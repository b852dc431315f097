"""Design points and replicate seeds of a sweep.

Sampled designs come from SALib (Latin hypercube, Sobol/Saltelli with scrambled Sobol'
sequences, Morris trajectories), seeded from the spec's root seed; a full factorial is the
Cartesian product of each parameter's levels. Replicate seeds are spawned from the same root
seed and are *shared by every design point* (common random numbers): replicate ``r`` of
every point runs with the same seed, so differences between points are not blurred by
different random draws.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.sweep.spec import SweepSpec

__all__ = ["Design", "Task", "build_design", "replicate_seeds", "salib_problem", "tasks"]


@dataclass(frozen=True)
class Design:
    """The design of a sweep.

    Attributes:
        points: one row per design point, index ``point_id`` (0..P-1), one column per
            varied parameter holding the value applied to the model (integers rounded).
        sample: the raw sample matrix in design order, ``float64[P, D]`` (factorial designs
            of non-numeric levels hold the level index), as SALib's analysers need it.
        problem: the SALib problem (``num_vars``, ``names``, ``bounds``) or None for a full
            factorial.
        seeds: the replicate seeds, ``int64[R]``, shared by all points.
    """

    points: pd.DataFrame
    sample: np.ndarray
    problem: dict[str, Any] | None
    seeds: np.ndarray

    @property
    def n_runs(self) -> int:
        """Design points times replicates."""
        return len(self.points) * len(self.seeds)


@dataclass(frozen=True)
class Task:
    """One run to do: ``run_id = point_id * replicates + replicate``."""

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


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sampled design: names and ``[low, high]`` bounds."""
    return {
        "num_vars": len(spec.dimensions),
        "names": [d.name for d in spec.dimensions],
        "bounds": [[d.low, d.high] for d in spec.dimensions],
    }


def build_design(spec: SweepSpec) -> Design:
    """Build the design points and replicate seeds of a spec (deterministic in its seeds)."""
    seeds = replicate_seeds(spec.seed, spec.replicates)
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
        return Design(points=points, sample=sample, problem=None, seeds=seeds)

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
    for j, dim in enumerate(spec.dimensions):
        column = sample[:, j]
        columns[dim.name] = np.rint(column).astype(np.int64) if dim.integer else column
    points = pd.DataFrame(columns, index=pd.RangeIndex(len(sample), name="point_id"))
    return Design(points=points, sample=sample, problem=problem, seeds=seeds)


def _as_float(value: Any, index: int) -> float:
    """A level as a number for the sample matrix (non-numeric levels: their index)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float(index)
    return float(value)


def tasks(design: Design) -> list[Task]:
    """All runs of a design, in ``run_id`` order (point-major, replicate-minor)."""
    out = []
    replicates = len(design.seeds)
    records = design.points.to_dict(orient="records")
    for point_id, params in enumerate(records):
        clean = {key: _plain(value) for key, value in params.items()}
        for replicate, seed in enumerate(design.seeds):
            out.append(Task(run_id=point_id * replicates + replicate, point_id=point_id,
                            replicate=replicate, seed=int(seed), params=dict(clean)))
    return out


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python scalars (picklable, JSON- and Params-friendly)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
