"""Sensitivity analysis of saved sweep results (reads the results folder; never runs a model).

The method follows the sweep's design, read from its manifest:

* ``sobol``: Sobol first-order (``S1``) and total (``ST``) indices with bootstrap
  confidence intervals (SALib ``sobol.analyze``, Saltelli 2002 / Jansen 1999 estimators),
  plus second-order indices if the design has them.
* ``morris``: elementary effects ``mu``, ``mu_star`` (with confidence interval) and
  ``sigma`` (SALib ``morris.analyze``, Campolongo et al. 2007).
* ``latin_hypercube``: the moment-independent ``delta`` and a first-order ``S1`` estimate
  (SALib ``delta.analyze``, Borgonovo 2007; Plischke et al. 2013), which work on any sample.

Bootstrap intervals are seeded from the sweep's root seed, so the same results folder always
gives the same tables.
* ``full_factorial``: first-order variance shares of the grid, ``S1 = Var(E[Y|X_i]) /
  Var(Y)`` over the point means (exact for a balanced grid; no interval).

Replicates are averaged per design point before the indices are computed (the indices are
of the mean outcome); :func:`replicate_summary` reports the spread that averaging hides.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.params import UserInputError
from governance_sim.results import atomic_write
from governance_sim.sweep.store import STATUS_OK, read_manifest, read_table

__all__ = [
    "AnalysisError",
    "SweepData",
    "analyse",
    "factorial_indices",
    "load",
    "morris_indices",
    "point_means",
    "precision_notes",
    "replicate_summary",
    "sobol_indices",
    "write_tables",
]


class AnalysisError(UserInputError, ValueError):
    """Results cannot be analysed as asked; the message names the outcome and the reason."""


@dataclass(frozen=True)
class SweepData:
    """A saved sweep: manifest, one row per run, and the design's sample matrix.

    Attributes:
        out: the folder.
        manifest: the sweep's manifest (spec, design, parameters, outcomes, seeds).
        table: one row per recorded run (see ``governance_sim.sweep.read_table``).
        sample: ``float64[P, D]`` raw design sample in point order.
    """

    out: Path
    manifest: dict[str, Any]
    table: pd.DataFrame
    sample: np.ndarray

    @property
    def parameters(self) -> list[str]:
        """Names of the varied parameters."""
        return [p["name"] for p in self.manifest["parameters"]]

    @property
    def outcomes(self) -> list[str]:
        """Names of the outcomes (not the parameters runs drew from a table, ``drawn:``)."""
        return [o["name"] for o in self.manifest["outcomes"]
                if not str(o.get("metric", "")).startswith("drawn:")]

    @property
    def drawn(self) -> list[str]:
        """Columns holding what each run drew from a parameter table (inputs, not outcomes)."""
        return [o["name"] for o in self.manifest["outcomes"]
                if str(o.get("metric", "")).startswith("drawn:")]

    @property
    def design(self) -> str:
        """The design kind."""
        return self.manifest["design"]["kind"]


def load(out: str | os.PathLike[str]) -> SweepData:
    """Read a sweep results folder.

    Raises:
        ResultsError: the folder holds no sweep.
    """
    target = Path(out)
    manifest = read_manifest(target)
    table = read_table(target)
    names = [p["name"] for p in manifest["parameters"]]
    problem = manifest.get("design", {}).get("problem")
    if problem:  # a sampled design's matrix (without a crossed list of policies)
        names = list(problem["names"])
    design_path = target / "design.parquet"
    if design_path.is_file():
        design = pd.read_parquet(design_path).sort_values("point_id")
        sample = _numeric(design[names]) if names else np.empty((len(design), 0))
    else:
        sample = np.empty((0, len(names)))
    return SweepData(out=target, manifest=manifest, table=table, sample=sample)


def _numeric(frame: pd.DataFrame) -> np.ndarray:
    """Columns as float; non-numeric levels become their level index."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            columns.append(column.to_numpy(dtype=np.float64))
        else:
            codes, _ = pd.factorize(column, sort=False)
            columns.append(codes.astype(np.float64))
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def _check_outcome(data: SweepData, outcome: str) -> None:
    if outcome in data.drawn:
        raise AnalysisError(f"{outcome!r} is what each run drew from the parameter table, an "
                            "input, not an outcome; this sweep's outcomes: "
                            f"{', '.join(data.outcomes)}")
    if outcome not in data.outcomes:
        raise AnalysisError(f"unknown outcome {outcome!r}; this sweep has: "
                            f"{', '.join(data.outcomes)}")


def point_means(data: SweepData, outcome: str) -> pd.Series:
    """Mean of ``outcome`` over the successful replicates of each design point.

    Returns:
        Series indexed by ``point_id`` 0..P-1 (NaN where a point has no usable run).
    """
    _check_outcome(data, outcome)
    n_points = int(data.manifest["design"]["n_points"])
    ok = data.table[data.table["status"] == STATUS_OK]
    means = ok.groupby("point_id")[outcome].mean()
    return means.reindex(pd.RangeIndex(n_points, name="point_id"))


def _complete(data: SweepData, outcome: str) -> np.ndarray:
    """Point means as an array, or a clear error if the design is not complete."""
    means = point_means(data, outcome)
    missing = int(means.isna().sum())
    if missing:
        recorded = len(data.table)
        raise AnalysisError(
            f"outcome {outcome!r}: {missing} of {len(means)} design points have no usable "
            f"value ({recorded} of {data.manifest['n_runs']} runs recorded; failed runs and "
            "NaN outcomes such as a threshold never crossed leave gaps). Sobol and Morris "
            "indices need every point: resume or retry the sweep, or pick another outcome")
    return means.to_numpy(dtype=np.float64)


def _seed(data: SweepData, seed: int | None) -> int:
    """The bootstrap seed: given, or derived from the sweep's root seed; never 0.

    SALib treats a seed of 0 as "no seed" and then draws from numpy's global generator, so
    intervals would change from call to call.
    """
    if seed:
        return int(seed)
    return int(data.manifest.get("root_seed", 0)) % (2**31 - 2) + 1


def _problem(data: SweepData) -> dict[str, Any]:
    problem = data.manifest["design"].get("problem")
    if not problem:
        raise AnalysisError(f"{data.out}: the {data.design!r} design has no SALib problem")
    return {"num_vars": problem["num_vars"], "names": list(problem["names"]),
            "bounds": [list(b) for b in problem["bounds"]]}


def sobol_indices(data: SweepData, outcome: str, *, conf_level: float = 0.95,
                  num_resamples: int = 200, seed: int | None = None) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame | None]:
    """Sobol first-order and total indices of ``outcome`` with confidence intervals.

    Returns:
        ``(indices, second_order)``: ``indices`` has one row per parameter and columns
        ``S1, S1_conf, ST, ST_conf`` (``*_conf``: half-width of the ``conf_level``
        bootstrap interval); ``second_order`` (pairs: ``S2, S2_conf``) or None.
    """
    if data.design != "sobol":
        raise AnalysisError(f"Sobol indices need a 'sobol' design; this sweep is "
                            f"{data.design!r}")
    from SALib.analyze import sobol

    y = _complete(data, outcome)
    problem = _problem(data)
    second = bool(data.manifest["design"].get("second_order"))
    result = sobol.analyze(problem, y, calc_second_order=second, conf_level=conf_level,
                           num_resamples=num_resamples, seed=_seed(data, seed))
    table = pd.DataFrame({"S1": result["S1"], "S1_conf": result["S1_conf"],
                          "ST": result["ST"], "ST_conf": result["ST_conf"]},
                         index=pd.Index(problem["names"], name="parameter"))
    pairs = None
    if second:
        names = problem["names"]
        rows = [{"parameter_1": names[i], "parameter_2": names[j],
                 "S2": result["S2"][i, j], "S2_conf": result["S2_conf"][i, j]}
                for i in range(len(names)) for j in range(i + 1, len(names))]
        pairs = pd.DataFrame(rows)
    return table, pairs


def morris_indices(data: SweepData, outcome: str, *, conf_level: float = 0.95,
                   num_resamples: int = 200, seed: int | None = None) -> pd.DataFrame:
    """Morris elementary-effect statistics of ``outcome``.

    Returns:
        One row per parameter: ``mu, mu_star, mu_star_conf, sigma``.
    """
    if data.design != "morris":
        raise AnalysisError(f"Morris indices need a 'morris' design; this sweep is "
                            f"{data.design!r}")
    from SALib.analyze import morris

    y = _complete(data, outcome)
    problem = _problem(data)
    result = morris.analyze(problem, data.sample, y, num_resamples=num_resamples,
                            conf_level=conf_level,
                            num_levels=int(data.manifest["design"]["levels"]),
                            seed=_seed(data, seed))
    return pd.DataFrame({"mu": result["mu"], "mu_star": result["mu_star"],
                         "mu_star_conf": result["mu_star_conf"], "sigma": result["sigma"]},
                        index=pd.Index(problem["names"], name="parameter"))


def delta_indices(data: SweepData, outcome: str, *, conf_level: float = 0.95,
                  num_resamples: int = 100, seed: int | None = None) -> pd.DataFrame:
    """Borgonovo's delta and a first-order S1 from a Latin hypercube (any random) sample.

    Returns:
        One row per parameter: ``delta, delta_conf, S1, S1_conf``.
    """
    from SALib.analyze import delta

    means = point_means(data, outcome)
    keep = means.notna().to_numpy()
    if keep.sum() < 10:
        raise AnalysisError(f"outcome {outcome!r}: only {int(keep.sum())} design points "
                            "have a value; delta indices need more")
    problem = _problem(data)
    state = np.random.get_state()  # SALib's delta seeds numpy's global generator
    try:
        result = delta.analyze(problem, data.sample[keep], means.to_numpy()[keep],
                               num_resamples=num_resamples, conf_level=conf_level,
                               seed=_seed(data, seed), method="all")
    finally:
        np.random.set_state(state)
    key = "delta" if "delta" in result else "delta_raw"  # SALib 1.5 vs 1.6 key names
    return pd.DataFrame({"delta": result[key], "delta_conf": result[f"{key}_conf"],
                         "S1": result["S1"], "S1_conf": result["S1_conf"]},
                        index=pd.Index(problem["names"], name="parameter"))


def factorial_indices(data: SweepData, outcome: str) -> pd.DataFrame:
    """First-order variance shares of a full factorial: ``Var(E[Y | X_i]) / Var(Y)``.

    Computed on the point means (replicates averaged); exact for the grid's own
    distribution (each level equally likely). Points without a value are left out.

    Returns:
        One row per parameter: ``S1`` and ``levels`` (the number of levels).
    """
    means = point_means(data, outcome)
    points = pd.read_parquet(data.out / "design.parquet").set_index("point_id")
    frame = points.join(means.rename("__y")).dropna(subset=["__y"])
    total = float(frame["__y"].var(ddof=0))
    rows = []
    for name in data.parameters:
        conditional = frame.groupby(name)["__y"].mean()
        weights = frame.groupby(name)["__y"].size() / len(frame)
        grand = float((conditional * weights).sum())
        between = float((weights * (conditional - grand) ** 2).sum())
        rows.append({"parameter": name, "S1": between / total if total > 0 else np.nan,
                     "levels": len(conditional)})
    return pd.DataFrame(rows).set_index("parameter")


def replicate_summary(data: SweepData, outcome: str) -> pd.DataFrame:
    """Spread of ``outcome`` across replicates at each design point.

    Returns:
        One row per design point: the parameters, ``mean, sd, min, max, n`` (successful
        replicates with a value) and ``failed`` (replicates that raised).
    """
    _check_outcome(data, outcome)
    table = data.table
    ok = table[table["status"] == STATUS_OK]
    stats = ok.groupby("point_id")[outcome].agg(["mean", "std", "min", "max", "count"])
    stats = stats.rename(columns={"std": "sd", "count": "n"})
    failed = (table["status"] != STATUS_OK).groupby(table["point_id"]).sum().rename("failed")
    points = pd.read_parquet(data.out / "design.parquet").set_index("point_id")
    return points[data.parameters].join(stats, how="left").join(failed, how="left").fillna(
        {"n": 0, "failed": 0})


def analyse(data: SweepData, outcomes: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """The design's indices for each outcome (see the module docstring for the method).

    Returns:
        Mapping ``"<outcome>_<method>"`` -> index table (``_sobol``, ``_sobol_s2``,
        ``_morris``, ``_delta``, ``_factorial``) plus ``"<outcome>_replicates"``.
    """
    out: dict[str, pd.DataFrame] = {}
    for outcome in outcomes or data.outcomes:
        _check_outcome(data, outcome)
        if data.design == "sobol":
            first, pairs = sobol_indices(data, outcome)
            out[f"{outcome}_sobol"] = first
            if pairs is not None:
                out[f"{outcome}_sobol_s2"] = pairs
        elif data.design == "morris":
            out[f"{outcome}_morris"] = morris_indices(data, outcome)
        elif data.design == "latin_hypercube":
            out[f"{outcome}_delta"] = delta_indices(data, outcome)
        elif data.parameters:
            out[f"{outcome}_factorial"] = factorial_indices(data, outcome)
        out[f"{outcome}_replicates"] = replicate_summary(data, outcome)
    return out


#: Per method: the (index, interval half-width) columns :func:`precision_notes` checks.
INTERVAL_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"),),
    "delta": (("delta", "delta_conf"), ("S1", "S1_conf")),
}

#: Smallest |index| a ratio interval/|index| is taken against (an index of 0 would make it
#: infinite; below this size an index is "about zero" anyway).
_INDEX_FLOOR = 0.01

_SAMPLE_WORDS = {"sobol": "base samples N", "morris": "trajectories",
                 "latin_hypercube": "points"}


def precision_notes(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> list[str]:
    """Warnings for indices whose confidence intervals are wider than the indices.

    For each index table (Sobol ``S1``/``ST``, Morris ``mu_star``, delta ``delta``/``S1``)
    where the interval's half-width exceeds ``|index|`` for most factors (more than half),
    one line says so and suggests a sample size: intervals shrink as ``1/sqrt(n)``, so
    ``n * (2 r)**2``, with ``r`` the median ratio half-width / ``max(|index|, 0.01)``, makes
    the median interval half its index (for Sobol the next power of two).

    Args:
        tables: ``analyse``'s tables (``<outcome>_<method>`` -> index table).
        manifest: the sweep's manifest (its design's ``samples`` and ``kind``).

    Returns:
        One line per table and index that is too imprecise (empty when none is).
    """
    design = manifest.get("design", {})
    samples = design.get("samples")
    kind = design.get("kind", "")
    notes = []
    for name, frame in tables.items():
        outcome, _, method = name.rpartition("_")
        for index, conf in INTERVAL_COLUMNS.get(method, ()):
            if index not in frame.columns or conf not in frame.columns or not len(frame):
                continue
            size = frame[index].abs().to_numpy(dtype=np.float64)
            half = frame[conf].to_numpy(dtype=np.float64)
            wide = int(np.sum(half > size))
            if 2 * wide <= len(frame):
                continue
            ratio = float(np.nanmedian(half / np.maximum(size, _INDEX_FLOOR)))
            line = (f"{outcome}: {conf} > |{index}| for {wide} of {len(frame)} factors: the "
                    f"confidence intervals are wider than the indices, so these {index} "
                    "cannot be told from zero or ranked.")
            if samples and math.isfinite(ratio) and ratio > 0:
                wanted = int(math.ceil(samples * (2.0 * ratio) ** 2))
                wanted = max(wanted, 2 * int(samples))
                if kind == "sobol":
                    wanted = 1 << (wanted - 1).bit_length()
                word = _SAMPLE_WORDS.get(kind, "samples")
                line += (f" Intervals shrink as 1/sqrt(n): about {word} = {wanted:,} (now "
                         f"{int(samples):,}) would make the median interval half its index.")
            notes.append(line)
    return notes


def write_tables(tables: dict[str, pd.DataFrame], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each table as ``<folder>/<name>.csv`` (atomically); return the paths."""
    paths = []
    for name, frame in tables.items():
        target = Path(folder) / f"{name}.csv"
        paths.append(atomic_write(target, lambda tmp, f=frame: f.to_csv(tmp)))
    return paths
