"""Scenario discovery with PRIM: which boxes of levers and uncertainties give an outcome.

PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in
high-dimensional data", Statistics and Computing 9: 123-143), as used for scenario
discovery (Bryant & Lempert 2010, Technological Forecasting and Social Change 77: 34-49)
and implemented in the EMA Workbench (Kwakkel 2017, ``ema_workbench.analysis.prim``,
BSD-3). This is an own implementation that follows the Workbench's choices, so that its
boxes can be compared with the Workbench's (``tests/test_discover.py`` does, when
``ema_workbench`` is installed):

* **peeling**: each step considers, for every factor, cutting off the ``peel_alpha`` share
  of the box's points below its lower or above its upper limit (quantiles as in sdtoolkit;
  an integer factor loses at least one level; a categorical or boolean factor loses one of
  its categories: subset peeling) and keeps the cut with the largest gain in the share of
  cases of interest per point removed (the Workbench's "lenient 1" objective; ties go to
  the cut that leaves more factors unrestricted). Peeling stops when no cut raises the
  share or the box would hold less than ``mass_min`` of the runs;
* **pasting**: then the restricted limits are widened again (by ``paste_alpha`` of the
  points outside each limit, or one category back) while that raises the share;
* every box, peeled or pasted, is a step of the **peeling trajectory**: coverage (share of
  all cases of interest inside), density (share of the box's runs that are of interest),
  mass (share of all runs inside), the restricted dimensions and the limits;
* a box is **chosen** on the trajectory at the knee of the coverage-density trade-off or as
  the box of largest coverage whose density reaches a threshold the user gives;
* each restricted limit gets a **quasi-p-value** (Bryant & Lempert 2010): the one-sided
  binomial probability of finding the box's cases of interest, or more, if that limit were
  removed; and the restricted dimensions get **resampling stability** (the Workbench's
  ``resample``): how often PRIM on random halves of the runs restricts the same dimension
  in its box nearest in coverage (and in density).

Randomness (only in :func:`resample`) comes from a generator the caller passes in.
Arrays: ``x`` is ``float64[N, D]`` (categorical factors as category codes), ``y`` is
``bool[N]``. This module reads sweep folders through :mod:`governance_sim.sweep.store`
and imports nothing of the model.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from governance_sim.conditions import Condition, ConditionError, parse_condition
from governance_sim.params import UserInputError
from governance_sim.results import atomic_write
from governance_sim.sweep.store import STATUS_OK, read_manifest, read_table

__all__ = [
    "DRAWN_MODES",
    "DiscoveryError",
    "Discovery",
    "Factor",
    "PrimResult",
    "box_markdown",
    "box_table",
    "discover",
    "drawn_columns",
    "knee_index",
    "lever_worlds",
    "lever_worlds_markdown",
    "per_world",
    "prepare_factors",
    "prim",
    "resample",
    "threshold_index",
    "write_discovery",
]

#: Kinds of factor PRIM handles.
FACTOR_KINDS: tuple[str, ...] = ("real", "integer", "categorical")

#: What :func:`discover` does with the parameters each run drew from a parameter table:
#: ``ignore`` them, treat them as ``factors`` of the runs (which worlds give the outcome),
#: or ``integrate`` over them (per design point, the share of its runs, each its own draw,
#: that meet the condition; PRIM on the design's factors for the points where that share
#: reaches ``robust``: which levers give the outcome whatever the world is).
DRAWN_MODES: tuple[str, ...] = ("ignore", "factors", "integrate")


class DiscoveryError(UserInputError, ValueError):
    """Scenario discovery cannot run as asked; the message says why and what is allowed."""


@dataclass(frozen=True)
class Factor:
    """One candidate box dimension.

    Attributes:
        name: column name.
        kind: ``real``, ``integer`` or ``categorical`` (text or boolean values).
        low, high: smallest and largest value in the data (numeric factors).
        categories: the values of a categorical factor; its column in ``x`` holds their
            index.
    """

    name: str
    kind: str
    low: float = math.nan
    high: float = math.nan
    categories: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Box:
    """One box of the peeling trajectory.

    Attributes:
        index: its step on the trajectory (0: the whole space).
        phase: ``start``, ``peel`` or ``paste``.
        lower, upper: ``float64[D]`` limits of numeric factors (NaN for categorical ones).
        allowed: per factor, the category indices the box keeps (None for numeric).
        inside: ``bool[N]`` the runs in the box.
        n: runs inside; k: cases of interest inside.
        coverage, density, mass: see the module docstring.
        restricted: names of the restricted factors.
    """

    index: int
    phase: str
    lower: np.ndarray
    upper: np.ndarray
    allowed: tuple[frozenset[int] | None, ...]
    inside: np.ndarray = field(repr=False)
    n: int
    k: int
    coverage: float
    density: float
    mass: float
    restricted: tuple[str, ...]


@dataclass(frozen=True)
class PrimResult:
    """A PRIM run: the data it saw and its peeling trajectory.

    Attributes:
        factors: the candidate dimensions, in column order of ``x``.
        x: ``float64[N, D]`` the factors (category codes for categorical ones).
        y: ``bool[N]`` the cases of interest.
        boxes: the trajectory, box 0 the whole space.
        peel_alpha, paste_alpha, mass_min: the settings used.
    """

    factors: tuple[Factor, ...]
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    boxes: tuple[Box, ...]
    peel_alpha: float
    paste_alpha: float
    mass_min: float

    def trajectory(self) -> pd.DataFrame:
        """The peeling trajectory, one row per box.

        Columns: ``box, phase, coverage, density, mass, n, k, res_dim, restricted`` and,
        per factor, its limits (``<name>_lower``/``<name>_upper``, or ``<name>_values``
        for categorical factors).
        """
        rows = []
        for box in self.boxes:
            row: dict[str, Any] = {
                "box": box.index, "phase": box.phase, "coverage": box.coverage,
                "density": box.density, "mass": box.mass, "n": box.n, "k": box.k,
                "res_dim": len(box.restricted), "restricted": " ".join(box.restricted)}
            for j, factor in enumerate(self.factors):
                if factor.kind == "categorical":
                    row[f"{factor.name}_values"] = _categories(factor, box.allowed[j])
                else:
                    row[f"{factor.name}_lower"] = float(box.lower[j])
                    row[f"{factor.name}_upper"] = float(box.upper[j])
            rows.append(row)
        return pd.DataFrame(rows)

    def quasi_p(self, index: int) -> dict[str, tuple[float, float]]:
        """Quasi-p-values of box ``index``'s restricted limits (Bryant & Lempert 2010).

        Returns:
            factor name -> ``(p of the lower limit, p of the upper limit)``; NaN where that
            side is not restricted (a categorical factor's value is in the first place).
        """
        box = self.boxes[index]
        out = {}
        for j, factor in enumerate(self.factors):
            if factor.name not in box.restricted:
                continue
            sides = []
            if factor.kind == "categorical":
                sides.append(self._release(box, j, "values"))
                sides.append(math.nan)
            else:
                for side in ("lower", "upper"):
                    bound = box.lower[j] if side == "lower" else box.upper[j]
                    full = factor.low if side == "lower" else factor.high
                    sides.append(self._release(box, j, side) if bound != full else math.nan)
            out[factor.name] = (sides[0], sides[1])
        return out

    def _release(self, box: Box, j: int, side: str) -> float:
        lower, upper, allowed = box.lower.copy(), box.upper.copy(), list(box.allowed)
        factor = self.factors[j]
        if side == "lower":
            lower[j] = factor.low
        elif side == "upper":
            upper[j] = factor.high
        else:
            allowed[j] = frozenset(range(len(factor.categories)))
        wider = _inside(self.x, self.factors, lower, upper, tuple(allowed))
        share = float(self.y[wider].mean())
        return float(binomtest(box.k, box.n, share, alternative="greater").pvalue)


def prepare_factors(frame: pd.DataFrame) -> tuple[np.ndarray, tuple[Factor, ...]]:
    """Encode a table of factors for :func:`prim`.

    Float columns are ``real``, integer columns ``integer``; text, categorical and boolean
    columns are ``categorical`` (coded by the sorted distinct values). A column with a
    single value cannot bound a box and is left out.

    Args:
        frame: one row per run, one column per factor; no missing values.

    Returns:
        ``x`` (``float64[N, D']``) and the factors kept.

    Raises:
        DiscoveryError: a column has missing values, or no column varies.
    """
    columns, factors = [], []
    for name in frame.columns:
        values = frame[name]
        if values.isna().any():
            raise DiscoveryError(f"factor {name!r} has missing values in "
                                 f"{int(values.isna().sum())} runs; PRIM needs every run's "
                                 "factors")
        if values.nunique() < 2:
            continue
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            categories = tuple(sorted(values.unique(), key=str))
            codes = {value: i for i, value in enumerate(categories)}
            columns.append(values.map(codes).to_numpy(dtype=np.float64))
            factors.append(Factor(str(name), "categorical", categories=categories))
            continue
        numbers = values.to_numpy(dtype=np.float64)
        kind = "integer" if pd.api.types.is_integer_dtype(values) else "real"
        columns.append(numbers)
        factors.append(Factor(str(name), kind, float(numbers.min()), float(numbers.max())))
    if not factors:
        raise DiscoveryError("no factor varies across the runs; PRIM needs at least one "
                             "varied lever or uncertainty")
    x = np.column_stack(columns) if columns else np.empty((len(frame), 0))
    return x, tuple(factors)


def prim(x: np.ndarray | pd.DataFrame, y: np.ndarray, factors: tuple[Factor, ...] | None = None,
         *, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
         mass_min: float = 0.05) -> PrimResult:
    """Find one box by peeling and pasting; return the whole trajectory.

    Args:
        x: a DataFrame of factors (encoded with :func:`prepare_factors`), or ``float64[N,
            D]`` already encoded, then with ``factors``.
        y: ``bool[N]`` (or 0/1): the runs of interest.
        factors: the factors of an encoded ``x``.
        peel_alpha: share of a box's points each peel removes (0 < alpha < 0.5).
        paste_alpha: share of the points beyond a limit each paste adds back.
        mass_min: smallest share of all runs a box may hold.

    Raises:
        DiscoveryError: bad settings, shapes, or no run / every run of interest.
    """
    if isinstance(x, pd.DataFrame):
        x, factors = prepare_factors(x)
    if factors is None:
        raise DiscoveryError("prim: an encoded x needs its factors (see prepare_factors)")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y).astype(bool)
    for name, value, high in (("peel_alpha", peel_alpha, 0.5), ("paste_alpha", paste_alpha, 0.5),
                              ("mass_min", mass_min, 1.0)):
        if not 0.0 < value < high:
            raise DiscoveryError(f"{name} must be between 0 and {high} (exclusive), "
                                 f"got {value}")
    if x.ndim != 2 or x.shape != (len(y), len(factors)):
        raise DiscoveryError(f"x must be [runs, factors] = [{len(y)}, {len(factors)}], "
                             f"got {list(x.shape)}")
    if not len(y):
        raise DiscoveryError("no runs to analyse")
    if not y.any():
        raise DiscoveryError(f"none of the {len(y)} runs is of interest; PRIM needs some")
    n_all, k_all = len(y), int(y.sum())
    lower = np.array([f.low for f in factors])
    upper = np.array([f.high for f in factors])
    allowed = tuple(frozenset(range(len(f.categories))) if f.kind == "categorical" else None
                    for f in factors)
    boxes = [_box(0, "start", lower, upper, allowed, np.ones(n_all, bool), y, factors, k_all)]
    while True:  # peeling
        current = boxes[-1]
        best = _best(_peels(x, factors, current, peel_alpha), current, y, factors)
        if best is None:
            break
        lo, hi, keep, inside = best
        if not (inside.sum() / n_all >= mass_min and inside.sum() < current.n):
            break
        boxes.append(_box(len(boxes), "peel", lo, hi, keep, inside, y, factors, k_all))
    while len(boxes) > 1:  # pasting
        current = boxes[-1]
        best = _best(_pastes(x, factors, current, paste_alpha), current, y, factors)
        if best is None:
            break
        lo, hi, keep, inside = best
        if not (inside.sum() / n_all >= mass_min and inside.sum() > current.n
                and y[inside].mean() > current.density):
            break
        boxes.append(_box(len(boxes), "paste", lo, hi, keep, inside, y, factors, k_all))
    return PrimResult(factors=factors, x=x, y=y, boxes=tuple(boxes), peel_alpha=peel_alpha,
                      paste_alpha=paste_alpha, mass_min=mass_min)


def _box(index: int, phase: str, lower: np.ndarray, upper: np.ndarray,
         allowed: tuple[frozenset[int] | None, ...], inside: np.ndarray, y: np.ndarray,
         factors: tuple[Factor, ...], k_all: int) -> Box:
    n, k = int(inside.sum()), int(y[inside].sum())
    return Box(index=index, phase=phase, lower=lower, upper=upper, allowed=allowed,
               inside=inside, n=n, k=k, coverage=k / k_all, density=k / n if n else 0.0,
               mass=n / len(y), restricted=_restricted(factors, lower, upper, allowed))


def _restricted(factors: tuple[Factor, ...], lower: np.ndarray, upper: np.ndarray,
                allowed: tuple[frozenset[int] | None, ...]) -> tuple[str, ...]:
    out = []
    for j, factor in enumerate(factors):
        if factor.kind == "categorical":
            if len(allowed[j] or ()) < len(factor.categories):
                out.append(factor.name)
        elif lower[j] != factor.low or upper[j] != factor.high:
            out.append(factor.name)
    return tuple(out)


def _quantile(data: np.ndarray, quantile: float) -> float:
    """A peel or paste limit: the sdtoolkit quantile the EMA Workbench uses.

    Between two order statistics, stepping past ties so that a limit never sits on a
    value shared by points on both sides.
    """
    data = np.sort(data)
    position = (len(data) - 1) * quantile
    low, high = math.floor(position), math.ceil(position)
    if quantile > 0.5:
        while data[low] == data[high] and low > 0:
            low -= 1
    else:
        while data[low] == data[high] and high < len(data) - 1:
            high += 1
    return float((data[low] + data[high]) / 2)


_Candidate = tuple[np.ndarray, np.ndarray, tuple[frozenset[int] | None, ...], np.ndarray]


def _peels(x: np.ndarray, factors: tuple[Factor, ...], box: Box,
           alpha: float) -> list[_Candidate]:
    """Every candidate peel of ``box``.

    In the Workbench's order: real, integer, then categorical factors; upper before lower.
    """
    out: list[_Candidate] = []
    inside = box.inside
    for kind in FACTOR_KINDS:
        for j, factor in enumerate(factors):
            if factor.kind != kind:
                continue
            xj = x[:, j]
            values = xj[inside]
            if kind == "categorical":
                kept = box.allowed[j] or frozenset()
                if len(kept) < 2:
                    continue
                for code in sorted(kept):
                    allowed = list(box.allowed)
                    allowed[j] = kept - {code}
                    out.append((box.lower, box.upper, tuple(allowed), inside & (xj != code)))
                continue
            for side in ("upper", "lower"):
                lower, upper = box.lower.copy(), box.upper.copy()
                cut = _quantile(values, 1 - alpha if side == "upper" else alpha)
                if kind == "integer":
                    cut = float(int(cut))
                    if side == "upper":
                        new = xj <= cut if cut != upper[j] else xj < upper[j]
                        new = new & (xj >= lower[j]) & inside
                        remaining = xj[new]
                        upper[j] = remaining.max() if len(remaining) else values.max()
                    else:
                        new = xj >= cut if cut != lower[j] else xj > lower[j]
                        new = new & (xj <= upper[j]) & inside
                        remaining = xj[new]
                        lower[j] = remaining.min() if len(remaining) else values.min()
                elif side == "upper":
                    new = inside & (xj <= cut)
                    upper[j] = cut
                else:
                    new = inside & (xj >= cut)
                    lower[j] = cut
                out.append((lower, upper, box.allowed, new))
    return out


def _pastes(x: np.ndarray, factors: tuple[Factor, ...], box: Box,
            alpha: float) -> list[_Candidate]:
    """Every candidate paste of ``box``'s restricted dimensions."""
    out: list[_Candidate] = []
    for kind in FACTOR_KINDS:
        for j, factor in enumerate(factors):
            if factor.kind != kind or factor.name not in box.restricted:
                continue
            if kind == "categorical":
                kept = box.allowed[j] or frozenset()
                for code in sorted(set(range(len(factor.categories))) - kept):
                    allowed = list(box.allowed)
                    allowed[j] = kept | {code}
                    allowed_t = tuple(allowed)
                    out.append((box.lower, box.upper, allowed_t,
                                _inside(x, factors, box.lower, box.upper, allowed_t)))
                continue
            for side in ("lower", "upper"):
                lower, upper = box.lower.copy(), box.upper.copy()
                region_lo, region_hi = lower.copy(), upper.copy()
                if side == "lower":
                    region_lo[j], region_hi[j] = factor.low, box.lower[j]
                else:
                    region_lo[j], region_hi[j] = box.upper[j], factor.high
                region = _inside(x, factors, region_lo, region_hi, box.allowed)
                data = x[region, j]
                if side == "lower":
                    lower[j] = _quantile(data, 1 - alpha) if len(data) else factor.low
                    lower[j] = min(lower[j], box.lower[j])
                else:
                    upper[j] = _quantile(data, alpha) if len(data) else factor.high
                    upper[j] = max(upper[j], box.upper[j])
                out.append((lower, upper, box.allowed,
                            _inside(x, factors, lower, upper, box.allowed)))
    return out


def _best(candidates: list[_Candidate], box: Box, y: np.ndarray,
          factors: tuple[Factor, ...]) -> _Candidate | None:
    """The candidate with the largest objective, or None when none is positive.

    Ties go to the candidate with more unrestricted dimensions, then to the first.
    """
    best, best_key = None, None
    old_n, old_mean = box.n, box.density
    for candidate in candidates:
        lower, upper, allowed, inside = candidate
        new_n = int(inside.sum())
        if new_n == old_n:
            objective = 0.0
        else:
            new_mean = float(y[inside].mean()) if new_n else 0.0
            objective = (new_mean - old_mean) / abs(old_n - new_n)
        free = len(factors) - len(_restricted(factors, lower, upper, allowed))
        key = (objective, free)
        if best_key is None or key > best_key:
            best, best_key = candidate, key
    if best is None or best_key is None or not best_key[0] > 0:
        return None
    return best


def _inside(x: np.ndarray, factors: tuple[Factor, ...], lower: np.ndarray,
            upper: np.ndarray, allowed: tuple[frozenset[int] | None, ...]) -> np.ndarray:
    """``bool[N]``: the rows of ``x`` inside the limits."""
    keep = np.ones(len(x), dtype=bool)
    for j, factor in enumerate(factors):
        if factor.kind == "categorical":
            keep &= np.isin(x[:, j], np.fromiter(allowed[j] or (), dtype=np.float64))
        else:
            keep &= (x[:, j] >= lower[j]) & (x[:, j] <= upper[j])
    return keep


def _categories(factor: Factor, allowed: frozenset[int] | None) -> str:
    return " ".join(str(factor.categories[i]) for i in sorted(allowed or ()))


# --- choosing a box -------------------------------------------------------------------------

def knee_index(result: PrimResult) -> int:
    """The box at the knee of the coverage-density trade-off.

    The knee is taken as the box nearest (Euclidean distance) to the ideal corner,
    coverage 1 and density 1: the compromise that gives up least of either. On a planted
    box with noise this is the box that holds the planted region (see the tests); a
    chord-distance knee on scaled axes stops far too early when the first peels remove
    mostly noise. Ties go to the earlier box (fewer restrictions).
    """
    coverage = np.array([b.coverage for b in result.boxes])
    density = np.array([b.density for b in result.boxes])
    distance = np.hypot(1.0 - coverage, 1.0 - density)
    return int(np.argmin(np.round(distance, 12)))


def threshold_index(result: PrimResult, density: float) -> int:
    """The box of largest coverage whose density is at least ``density``.

    Raises:
        DiscoveryError: no box on the trajectory reaches that density.
    """
    if not 0.0 < density <= 1.0:
        raise DiscoveryError(f"the density threshold must be in (0, 1], got {density}")
    fitting = [b for b in result.boxes if b.density >= density]
    if not fitting:
        top = max(b.density for b in result.boxes)
        raise DiscoveryError(f"no box reaches density {density:g}; the densest box on the "
                             f"trajectory has {top:.3f}: give a lower --threshold")
    return max(fitting, key=lambda b: (b.coverage, -b.index)).index


# --- statistics of a box --------------------------------------------------------------------

def resample(result: PrimResult, index: int, rng: np.random.Generator, *,
             iterations: int = 10, fraction: float = 0.5) -> pd.DataFrame:
    """Resampling stability of box ``index``'s restricted dimensions (EMA's ``resample``).

    PRIM runs again (same settings) on ``iterations`` random subsets of ``fraction`` of the
    runs; in each, the box nearest in coverage and the box nearest in density are taken.

    Args:
        result: a PRIM run.
        index: the box on its trajectory.
        rng: the seeded generator that draws the subsets.
        iterations: number of subsets.
        fraction: share of the runs in each subset.

    Returns:
        One row per factor (index ``dimension``): ``reproduce_coverage`` and
        ``reproduce_density``, the percentage of subsets whose box restricts it.
    """
    box = result.boxes[index]
    names = [f.name for f in result.factors]
    counts = {"reproduce_coverage": dict.fromkeys(names, 0.0),
              "reproduce_density": dict.fromkeys(names, 0.0)}
    size = int(len(result.y) * fraction)
    done = 0
    for _ in range(iterations):
        pick = np.sort(rng.choice(len(result.y), size=size, replace=False))
        if not result.y[pick].any():
            continue
        again = prim(result.x[pick], result.y[pick], _refit(result.factors, result.x[pick]),
                     peel_alpha=result.peel_alpha, paste_alpha=result.paste_alpha,
                     mass_min=result.mass_min)
        done += 1
        near_c = min(again.boxes, key=lambda b: abs(b.coverage - box.coverage))
        near_d = min(again.boxes, key=lambda b: abs(b.density - box.density))
        for column, near in (("reproduce_coverage", near_c), ("reproduce_density", near_d)):
            for name in near.restricted:
                counts[column][name] += 1.0
    frame = pd.DataFrame(counts) * (100.0 / max(done, 1))
    frame.index.name = "dimension"
    return frame


def _refit(factors: tuple[Factor, ...], x: np.ndarray) -> tuple[Factor, ...]:
    """The factors with their numeric range taken from a subset ``x``."""
    out = []
    for j, factor in enumerate(factors):
        if factor.kind == "categorical":
            out.append(factor)
        else:
            out.append(Factor(factor.name, factor.kind, float(x[:, j].min()),
                              float(x[:, j].max())))
    return tuple(out)


def box_table(result: PrimResult, index: int, stability: pd.DataFrame | None = None,
              full_range: dict[str, tuple[Any, Any]] | None = None) -> pd.DataFrame:
    """The limits of box ``index``: one row per restricted dimension.

    Columns: ``dimension, kind, lower, upper, full_lower, full_upper, qp_lower, qp_upper,
    quasi_p`` (the larger of the two: the weaker side) and, with ``stability``, its two
    columns. For a categorical factor ``lower`` lists the kept values and ``full_lower``
    all values. ``full_range`` overrides the data's range (e.g. the sweep's bounds).
    Rows are ordered by quasi-p (most significant first).
    """
    box = result.boxes[index]
    p_values = result.quasi_p(index)
    rows = []
    for j, factor in enumerate(result.factors):
        if factor.name not in box.restricted:
            continue
        qp_lower, qp_upper = p_values[factor.name]
        if factor.kind == "categorical":
            row = {"lower": _categories(factor, box.allowed[j]), "upper": "",
                   "full_lower": " ".join(str(c) for c in factor.categories),
                   "full_upper": ""}
        else:
            low, high = (full_range or {}).get(factor.name, (factor.low, factor.high))
            # a side that is not restricted shows the full range, not the data's extreme
            lower = float(box.lower[j]) if box.lower[j] != factor.low else float(low)
            upper = float(box.upper[j]) if box.upper[j] != factor.high else float(high)
            row = {"lower": lower, "upper": upper, "full_lower": low, "full_upper": high}
        rows.append({"dimension": factor.name, "kind": factor.kind, **row,
                     "qp_lower": qp_lower, "qp_upper": qp_upper,
                     "quasi_p": float(np.nanmax([qp_lower, qp_upper]))})
    columns = ["dimension", "kind", "lower", "upper", "full_lower", "full_upper", "qp_lower",
               "qp_upper", "quasi_p"]
    table = pd.DataFrame(rows, columns=columns)
    if stability is not None and len(table):
        table = table.join(stability, on="dimension")
    return table.sort_values("quasi_p", kind="stable").reset_index(drop=True)


# --- a sweep folder -------------------------------------------------------------------------

@dataclass(frozen=True)
class Discovery:
    """Scenario discovery on a sweep: the selection, PRIM's trajectory, the chosen box.

    Attributes:
        sweep: the sweep's name; folder: its folder.
        condition: the ``--where`` condition.
        result: the PRIM run.
        chosen: index of the chosen box; how: ``knee``, ``threshold <d>`` or ``box <i>``.
        table: :func:`box_table` of the chosen box (with resampling stability).
        n_runs, n_interest: runs used and runs meeting the condition.
        n_skipped: runs left out (failed, or a missing outcome).
        seed: seed of the resampling.
        drawn: what was done with the drawn parameters (see :data:`DRAWN_MODES`).
        robust: with ``integrate``: the share of a point's runs (draws) that must meet
            the condition for the point to count.
        n_points: with ``integrate``: the design points PRIM saw (``n_runs`` runs).
    """

    sweep: str
    folder: Path
    condition: Condition
    result: PrimResult
    chosen: int
    how: str
    table: pd.DataFrame
    n_runs: int
    n_interest: int
    n_skipped: int
    seed: int
    drawn: str = "ignore"
    robust: float = 0.8
    n_points: int = 0

    def summary(self) -> str:
        """The finding in plain words, a few lines."""
        box = self.result.boxes[self.chosen]
        unit = "runs"
        if self.drawn == "integrate":
            unit = "design points"
            lines = [f"{self.n_interest} of {self.n_points} design points have "
                     f"{self.condition.text} in at least {self.robust:.0%} of their runs "
                     f"(each its own parameter draw; {self.n_runs} runs in all): integrated "
                     "over the worlds."]
        else:
            lines = [f"{self.n_interest} of {self.n_runs} runs have {self.condition.text} "
                     f"({self.n_interest / self.n_runs:.0%})."]
        if not box.restricted:
            lines.append("PRIM found no box that concentrates them: no lever or uncertainty "
                         "range makes the outcome more likely than in the sweep as a whole.")
            return "\n".join(lines)
        lines.append(f"A box with coverage {box.coverage:.2f} and density {box.density:.2f} "
                     f"(box {box.index} of {len(self.result.boxes)} on the trajectory, "
                     f"chosen by {self.how}; {box.n} {unit}) restricts:")
        for row in self.table.itertuples():
            if row.kind == "categorical":
                limits = f"one of {row.lower} (of {row.full_lower})"
            else:
                limits = (f"{_fmt(row.lower)} to {_fmt(row.upper)} (of {_fmt(row.full_lower)}"
                          f" to {_fmt(row.full_upper)})")
            lines.append(f"  {row.dimension}: {limits}, quasi-p {row.quasi_p:.2g}")
        lines.append(f"Coverage: the box holds {box.coverage:.0%} of the {unit} with the "
                     f"outcome; density: {box.density:.0%} of the {unit} in the box have it.")
        return "\n".join(lines)

    def manifest(self) -> dict[str, Any]:
        """What was asked and found, for ``discovery.json``."""
        box = self.result.boxes[self.chosen]
        return {
            "kind": "governance_sim.discover", "sweep": self.sweep, "folder": str(self.folder),
            "where": self.condition.text, "n_runs": self.n_runs, "n_interest": self.n_interest,
            "n_skipped": self.n_skipped,
            "factors": [{"name": f.name, "kind": f.kind} for f in self.result.factors],
            "peel_alpha": self.result.peel_alpha, "paste_alpha": self.result.paste_alpha,
            "mass_min": self.result.mass_min, "chosen_box": self.chosen, "chosen_by": self.how,
            "box": {"coverage": box.coverage, "density": box.density, "mass": box.mass,
                    "n": box.n, "k": box.k, "restricted": list(box.restricted)},
            "resample_seed": self.seed, "n_boxes": len(self.result.boxes),
            "drawn": self.drawn, "robust": self.robust if self.drawn == "integrate" else None,
            "n_points": self.n_points if self.drawn == "integrate" else None,
            "method": "PRIM (Friedman & Fisher 1999) as in the EMA Workbench: lenient-1 "
                      "objective, peeling then pasting; quasi-p after Bryant & Lempert 2010",
        }


def drawn_columns(manifest: dict[str, Any]) -> list[str]:
    """The columns holding the parameters each run drew from a parameter table.

    Outcomes whose metric is ``drawn:<parameter>`` (``drawn_<parameter>``), without the
    draw index (``draw``), in the manifest's order.
    """
    return [o["name"] for o in manifest.get("outcomes", [])
            if str(o.get("metric", "")).startswith("drawn:") and o.get("name") != "draw"]


def discover(folder: str | os.PathLike[str], where: str, *, threshold: float | None = None,
             box: int | None = None, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
             mass_min: float = 0.05, resamples: int = 10, seed: int = 0,
             drawn: str = "ignore", robust: float = 0.8) -> Discovery:
    """PRIM on a sweep folder's runs: which factor ranges give ``where``.

    Args:
        folder: a folder written by ``governance-sim sweep``.
        where: the condition of interest (see :mod:`governance_sim.conditions`) over the
            sweep's outcomes and factors.
        threshold: choose the box of largest coverage with at least this density (default:
            the knee of the trade-off).
        box: choose this box of the trajectory instead.
        peel_alpha, paste_alpha, mass_min: PRIM's settings (see :func:`prim`).
        resamples: subsets for resampling stability (0: none).
        seed: seed of the resampling's generator.
        drawn: ``ignore`` the drawn parameters, add them to the ``factors``, or
            ``integrate`` over them (see :data:`DRAWN_MODES`).
        robust: with ``integrate``, the share of a design point's runs that must meet
            ``where`` (0 < robust <= 1).

    Raises:
        ResultsError: the folder holds no sweep.
        ConditionError: ``where`` cannot be read or names an unknown column.
        DiscoveryError: no usable run, none or all of interest, a bad box or threshold.
    """
    if drawn not in DRAWN_MODES:
        raise DiscoveryError(f"--drawn {drawn!r}: allowed: {', '.join(DRAWN_MODES)}")
    if not 0.0 < robust <= 1.0:
        raise DiscoveryError(f"--robust must be a share in (0, 1], got {robust}")
    target = Path(folder)
    manifest = read_manifest(target)
    factors = [p["name"] for p in manifest.get("parameters", [])]
    outcomes = [o["name"] for o in manifest.get("outcomes", [])]
    worlds = drawn_columns(manifest)
    if drawn != "ignore" and not worlds:
        raise DiscoveryError(f"--drawn {drawn}: {target} records no drawn parameters (the "
                             "sweep drew from no parameter table); use --drawn ignore")
    if drawn == "factors":
        factors = factors + worlds
    if not factors:
        raise DiscoveryError(f"{target}: the sweep varies nothing; PRIM needs levers or "
                             "uncertainties that vary")
    table = read_table(target)
    if not len(table):
        raise DiscoveryError(f"{target}: no runs recorded yet; run the sweep first")
    text_columns = [name for name in factors + outcomes if name in table.columns
                    and (pd.api.types.is_bool_dtype(table[name])
                         or not pd.api.types.is_numeric_dtype(table[name]))]
    try:
        condition = parse_condition(where, outcomes + factors, text_columns)
    except ConditionError as error:
        raise ConditionError(f"--where: {error}") from None
    ok = table[table["status"] == STATUS_OK]
    needed = [n for n in condition.names() if n in outcomes]
    usable = ok.dropna(subset=needed) if needed else ok
    skipped = len(table) - len(usable)
    if not len(usable):
        raise DiscoveryError(f"{target}: none of the {len(table)} recorded runs is usable "
                             "(failed, or the outcome is missing)")
    y = condition.evaluate(usable)
    n_runs, n_points = len(usable), 0
    rows = usable
    what = "runs"
    if drawn == "integrate":
        share = pd.Series(y, index=usable.index).groupby(usable["point_id"]).mean()
        rows = usable.groupby("point_id")[factors].first().loc[share.index]
        y = (share >= robust - 1e-12).to_numpy()
        n_points = len(rows)
        what = (f"design points (a point counts when at least {robust:.0%} of its runs, "
                "each its own parameter draw, have it)")
    if not y.any():
        raise DiscoveryError(f"none of the {len(y)} {what} has {where}; nothing to "
                             "discover (loosen the condition)")
    if y.all():
        raise DiscoveryError(f"all {len(y)} {what} have {where}; nothing to discover "
                             "(tighten the condition)")
    x, kept = prepare_factors(rows[factors].reset_index(drop=True))
    result = prim(x, y, kept, peel_alpha=peel_alpha, paste_alpha=paste_alpha,
                  mass_min=mass_min)
    if box is not None:
        if not 0 <= box < len(result.boxes):
            raise DiscoveryError(f"--box {box}: the trajectory has boxes 0 to "
                                 f"{len(result.boxes) - 1}")
        chosen, how = box, f"box {box}"
    elif threshold is not None:
        chosen, how = threshold_index(result, threshold), f"density threshold {threshold:g}"
    else:
        chosen, how = knee_index(result), "the knee of the trade-off"
    stability = (resample(result, chosen, np.random.default_rng(seed), iterations=resamples)
                 if resamples > 0 and result.boxes[chosen].restricted else None)
    bounds = {p["name"]: (p["low"], p["high"]) for p in manifest.get("parameters", [])
              if p.get("low") is not None and p.get("high") is not None}
    table_out = box_table(result, chosen, stability, bounds)
    return Discovery(sweep=str(manifest.get("name", target.name)), folder=target,
                     condition=condition, result=result, chosen=chosen, how=how,
                     table=table_out, n_runs=n_runs, n_interest=int(y.sum()),
                     n_skipped=skipped, seed=seed, drawn=drawn, robust=robust,
                     n_points=n_points)


#: Quasi-p below which a restriction counts when levers are classified by world.
WORLD_P_MAX = 0.05

#: Share of worlds in which a lever must be restricted to matter "whatever the world is".
WHATEVER_SHARE = 0.9


def per_world(folder: str | os.PathLike[str], where: str, levers: list[str], *,
              peel_alpha: float = 0.05, paste_alpha: float = 0.05, mass_min: float = 0.05,
              p_max: float = WORLD_P_MAX) -> pd.DataFrame:
    """PRIM within each world: the runs that share one parameter draw.

    A world is one draw from the parameter table: the column ``draw`` of a design crossed
    with draws, else the replicate (replicate ``r`` of every point draws with the same
    seed). In each world PRIM runs on that world's runs with the design's factors, and the
    knee box's restrictions with quasi-p below ``p_max`` are kept.

    Returns:
        One row per world: ``world``, ``n_runs``, ``n_interest`` and one boolean column per
        lever (restricted in that world's box). A world in which no run, or every run, has
        the outcome restricts nothing.
    """
    target = Path(folder)
    manifest = read_manifest(target)
    factors = [p["name"] for p in manifest.get("parameters", [])]
    outcomes = [o["name"] for o in manifest.get("outcomes", [])]
    table = read_table(target)
    ok = table[table["status"] == STATUS_OK]
    condition = parse_condition(where, outcomes + factors, [
        name for name in factors + outcomes if name in table.columns
        and (pd.api.types.is_bool_dtype(table[name])
             or not pd.api.types.is_numeric_dtype(table[name]))])
    needed = [n for n in condition.names() if n in outcomes]
    ok = ok.dropna(subset=needed) if needed else ok
    world = "draw" if "draw" in ok.columns and ok["draw"].notna().all() else "replicate"
    rows = []
    for key, runs in ok.groupby(world, sort=True):
        y = condition.evaluate(runs)
        row: dict[str, Any] = {"world": int(key), "n_runs": len(runs),
                               "n_interest": int(y.sum())}
        row.update(dict.fromkeys(levers, False))
        if y.any() and not y.all():
            try:
                x, kept = prepare_factors(runs[factors].reset_index(drop=True))
            except DiscoveryError:
                kept = ()
            if kept:
                result = prim(x, y, kept, peel_alpha=peel_alpha, paste_alpha=paste_alpha,
                              mass_min=mass_min)
                chosen = knee_index(result)
                for name, (low, high) in result.quasi_p(chosen).items():
                    if name in row and float(np.nanmin([low, high])) < p_max:
                        row[name] = True
        rows.append(row)
    return pd.DataFrame(rows, columns=["world", "n_runs", "n_interest", *levers])


def lever_worlds(across: Discovery, robust: Discovery | None, worlds: pd.DataFrame,
                 levers: list[str]) -> pd.DataFrame:
    """Which levers matter whatever the world is, and which only in some worlds.

    Args:
        across: PRIM on the runs with the drawn parameters as factors (``drawn="factors"``).
        robust: PRIM on the design points integrated over the draws (``drawn="integrate"``),
            or None when no design point, or every one, met the condition robustly.
        worlds: :func:`per_world`.
        levers: the sweep's levers (what a decision maker sets).

    Returns:
        One row per lever: ``lever``; ``share_of_worlds``, the share of worlds whose own
        box restricts it (quasi-p < 0.05); ``verdict``: ``whatever the world`` (at least
        :data:`WHATEVER_SHARE` of the worlds), ``only in some worlds`` or ``in no world``;
        ``integrated_limits`` (its limits in the box of the points integrated over the
        draws, empty when that box leaves it free) and ``runs_limits`` (in the box of the
        runs with the drawn parameters as factors), and ``worlds``: the drawn parameters
        that box restricts.
    """
    def limits(found: Discovery) -> dict[str, str]:
        out = {}
        for row in found.table.itertuples():
            if row.kind == "categorical":
                out[row.dimension] = f"one of {row.lower}"
            else:
                out[row.dimension] = f"{_fmt(row.lower)} to {_fmt(row.upper)}"
        return out

    robust_limits = limits(robust) if robust is not None else {}
    across_limits = limits(across)
    drawn_restricted = " ".join(f"{name} {value}" for name, value in across_limits.items()
                                if name.startswith("drawn_"))
    rows = []
    for lever in levers:
        share = float(worlds[lever].mean()) if len(worlds) and lever in worlds else 0.0
        verdict = ("whatever the world" if share >= WHATEVER_SHARE else
                   "only in some worlds" if share > 0 else "in no world")
        rows.append({"lever": lever, "share_of_worlds": share, "verdict": verdict,
                     "integrated_limits": robust_limits.get(lever, ""),
                     "runs_limits": across_limits.get(lever, ""),
                     "worlds": drawn_restricted})
    return pd.DataFrame(rows, columns=["lever", "share_of_worlds", "verdict",
                                       "integrated_limits", "runs_limits", "worlds"])


def lever_worlds_markdown(table: pd.DataFrame, across: Discovery, robust: Discovery | None,
                          robust_note: str = "") -> str:
    """:func:`lever_worlds` as a short Markdown text.

    ``robust_note`` says why ``robust`` is None (no point, or every point, robust).
    """
    integrated = (f"- *Whatever the world is*: PRIM on the {robust.n_points} design points, "
                  f"a point counting when at least {robust.robust:.0%} of its runs (each its "
                  f"own parameter draw) have the outcome ({robust.n_interest} points do)."
                  if robust is not None else f"- *Whatever the world is*: {robust_note}")
    lines = [f"# Levers and worlds: {across.sweep}", "",
             f"Outcome: `{across.condition.text}`.", "",
             integrated,
             f"- *Across worlds*: PRIM on the {across.n_runs} runs with the drawn parameters "
             f"as factors ({across.n_interest} runs have the outcome).",
             "- *In each world*: PRIM on the runs of one parameter draw.", ""]
    if not len(table):
        lines.append("The sweep varies no lever.")
        return "\n".join(lines) + "\n"
    lines += ["| lever | verdict | share of worlds | integrated box | runs' box |",
              "|---|---|---|---|---|"]
    for row in table.itertuples():
        lines.append(f"| {row.lever} | {row.verdict} | {row.share_of_worlds:.0%} | "
                     f"{row.integrated_limits} | {row.runs_limits} |")
    worlds = table["worlds"].iloc[0] if len(table) else ""
    lines += ["", f"Share of worlds: in how many of the worlds (one parameter draw each) PRIM "
              f"on that world's runs restricts the lever with quasi-p < {WORLD_P_MAX:g}; "
              f"'whatever the world' means at least {WHATEVER_SHARE:.0%} of them.",
              f"The runs' box restricts the drawn parameters: {worlds or 'none'}."]
    return "\n".join(lines) + "\n"


def write_discovery(found: Discovery, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``box.csv``, ``box.md``, ``trajectory.csv`` and ``discovery.json``.

    The folder must already be claimed (see :mod:`governance_sim.output_folders`).

    Returns:
        The paths written.
    """
    import json

    target = Path(folder)
    trajectory = found.result.trajectory()
    paths = [
        atomic_write(target / "box.csv", lambda tmp: found.table.to_csv(tmp, index=False)),
        atomic_write(target / "box.md", lambda tmp: Path(tmp).write_text(
            box_markdown(found), encoding="utf-8")),
        atomic_write(target / "trajectory.csv",
                     lambda tmp: trajectory.to_csv(tmp, index=False)),
        atomic_write(target / "discovery.json", lambda tmp: Path(tmp).write_text(
            json.dumps(found.manifest(), indent=2, default=str), encoding="utf-8")),
    ]
    return paths


def box_markdown(found: Discovery) -> str:
    """The chosen box as a short Markdown text: selection, box statistics, limits table."""
    box = found.result.boxes[found.chosen]
    if found.drawn == "integrate":
        selected = (f"Design points of interest: `{found.condition.text}` in at least "
                    f"{found.robust:.0%} of a point's runs (each its own parameter draw): "
                    f"{found.n_interest} of {found.n_points} points ({found.n_runs} runs).")
    else:
        selected = (f"Runs of interest: `{found.condition.text}`: {found.n_interest} of "
                    f"{found.n_runs} runs.")
    lines = [f"# Scenario discovery: {found.sweep}", "", selected, "",
             f"Box {box.index} (chosen by {found.how}): coverage {box.coverage:.3f}, density "
             f"{box.density:.3f}, mass {box.mass:.3f} ({box.n} runs, {box.k} of interest).", ""]
    if not len(found.table):
        lines.append("The box restricts no dimension.")
        return "\n".join(lines) + "\n"
    extra = [c for c in ("reproduce_coverage", "reproduce_density") if c in found.table]
    header = ["dimension", "lower", "upper", "full lower", "full upper", "quasi-p",
              *[c.replace("_", " ") + " %" for c in extra]]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in found.table.to_dict("records"):
        cells = [row["dimension"], _fmt(row["lower"]), _fmt(row["upper"]),
                 _fmt(row["full_lower"]), _fmt(row["full_upper"]), f"{row['quasi_p']:.2g}",
                 *[f"{row[c]:.0f}" for c in extra]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "Quasi-p: one-sided binomial probability of the box's cases of interest if "
              "that limit were removed (Bryant & Lempert 2010); reproduce %: share of PRIM "
              f"runs on random halves of the runs (seed {found.seed}) whose box restricts "
              "the dimension."]
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)
