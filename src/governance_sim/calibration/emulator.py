"""Gaussian-process emulators of the model's statistics, one per target and wave.

An emulator is fitted to one wave's runs of one statistic: inputs are the free parameters
scaled to the unit cube of the *prior* box (so every wave's emulators share one scale),
outputs each sample's seed-mean of the statistic. The kernel is a constant times an
anisotropic Matern 5/2 plus a :class:`~sklearn.gaussian_process.kernels.WhiteKernel`: the
white noise is the seed noise of a mean (the spread of a statistic between runs at the same
parameters), the rest is the emulator's uncertainty about the seed-mean. The seed variance
of one run is the pooled variance between the seeds of each sample.

Validation is leave-one-*sample*-out (all seeds of one sample left out together, so a
sample's other seeds do not give its answer away), in closed form with the fitted
hyperparameters (Rasmussen & Williams 2006, sec. 5.4.2; Bastos & O'Hagan 2009): each
sample's standardised error ``(mean - mean_loo) / sd_loo`` should be within +-2 for about
95 % and +-3 for nearly all samples if the emulator is valid.

Nothing here runs the model; fitting is deterministic (seeded optimiser restarts).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import cho_solve, cholesky

__all__ = ["Emulator", "fit_emulator", "from_unit", "to_unit", "validation_table"]

#: Fewest finite runs (and distinct samples) an emulator is fitted to.
MIN_RUNS = 4


def to_unit(values: np.ndarray, bounds: Sequence[tuple[float, float]]) -> np.ndarray:
    """Scale ``float64[n, d]`` parameter values to the unit cube of ``bounds``."""
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    return (np.asarray(values, dtype=np.float64) - low) / (high - low)


def from_unit(unit: np.ndarray, bounds: Sequence[tuple[float, float]]) -> np.ndarray:
    """Map ``float64[n, d]`` unit-cube points back to parameter values."""
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    return low + np.asarray(unit, dtype=np.float64) * (high - low)


@dataclass
class Emulator:
    """A fitted emulator of one statistic (or the reason there is none).

    Attributes:
        statistic: the target's statistic.
        gp: the fitted ``GaussianProcessRegressor`` (None when not fitted).
        seed_var: the model's seed variance of the statistic for one run (units squared).
        runs: finite runs it was fitted to.
        loo_z: standardised leave-one-sample-out errors of the samples' seed-means.
        reason: why there is no emulator (too few finite runs), else "".
        mean_noise: the fitted white-noise variance (of a sample's seed-mean).
    """

    statistic: str
    gp: object | None
    seed_var: float
    runs: int
    loo_z: np.ndarray
    reason: str = ""
    mean_noise: float = 0.0

    @property
    def ok(self) -> bool:
        """True when fitted."""
        return self.gp is not None

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated seed-mean and its variance at unit-cube points ``float64[n, d]``.

        Returns:
            ``(mean, var)``, each ``float64[n]``; ``var`` is the emulator's own uncertainty
            about the seed-mean (the seed variance is :attr:`seed_var`, apart).
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            mean, sd = self.gp.predict(unit, return_std=True)  # type: ignore[union-attr]
        var = np.maximum(np.asarray(sd, dtype=np.float64) ** 2 - self.mean_noise, 0.0)
        return np.asarray(mean, dtype=np.float64), var

    def validation(self) -> dict[str, float]:
        """Leave-one-out summary: runs, share of ``|z|`` within 2 and 3, RMS of ``z``.

        ``z`` is per sample (its seed-mean left out), so the shares are over samples.
        """
        z = self.loo_z[np.isfinite(self.loo_z)]
        if not self.ok or z.size == 0:
            return {"runs": self.runs, "within_2": math.nan, "within_3": math.nan,
                    "rms_z": math.nan}
        return {"runs": self.runs, "within_2": float(np.mean(np.abs(z) <= 2.0)),
                "within_3": float(np.mean(np.abs(z) <= 3.0)),
                "rms_z": float(np.sqrt(np.mean(z ** 2)))}


def fit_emulator(statistic: str, unit: np.ndarray, values: np.ndarray, groups: np.ndarray,
                 *, seed: int = 0, restarts: int = 1) -> Emulator:
    """Fit one emulator to the runs of a wave and validate it by leave-one-sample-out.

    The GP is fitted to each sample's seed-mean (the runs of a sample share its inputs):
    its white noise then stands for the seed noise of a mean, and the fit costs a fraction
    of one on every run. The seed variance of a single run is the pooled variance between
    a sample's seeds (with one seed per sample: the white noise itself).

    Args:
        statistic: the statistic's name.
        unit: run inputs in the prior's unit cube, ``float64[n, d]``.
        values: the statistic of each run, ``float64[n]`` (non-finite runs are left out).
        groups: the sample each run belongs to, ``int[n]``.
        seed: seeds the optimiser's restarts.
        restarts: extra optimiser restarts from random hyperparameters.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
    from threadpoolctl import threadpool_limits

    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    frame = pd.DataFrame({"g": np.asarray(groups)[finite], "y": values[finite]})
    x_all = np.asarray(unit, dtype=np.float64)[finite]
    if len(frame) < MIN_RUNS or frame["g"].nunique() < 3:
        return Emulator(statistic, None, math.nan, int(len(frame)), np.array([]),
                        reason=f"{len(frame)} finite runs (at least {MIN_RUNS} from 3 samples "
                        "needed)")
    first = pd.Series(np.arange(len(frame))).groupby(frame["g"].to_numpy()).first()
    stats = frame.groupby("g")["y"].agg(["mean", "count", "var"])
    x = x_all[first.loc[stats.index].to_numpy()]
    y = stats["mean"].to_numpy()
    d = x.shape[1]
    kernel = (ConstantKernel(1.0, (1e-3, 1e3))
              * Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5)
              + WhiteKernel(0.1, (1e-8, 1e1)))
    gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True,
                                  n_restarts_optimizer=restarts, random_state=seed)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        gp.fit(x, y)
    scale = float(gp._y_train_std) ** 2  # noqa: SLF001 - normalize_y's scale, to raw units
    noise = float(gp.kernel_.k2.noise_level) * scale
    repeated = stats[stats["count"] > 1]
    if len(repeated):
        within = float(((repeated["count"] - 1) * repeated["var"]).sum()
                       / (repeated["count"] - 1).sum())
    else:
        within = noise
    z = _loo_z(gp, x, y, np.arange(len(y)))
    return Emulator(statistic, gp, within, int(len(frame)), z, mean_noise=noise)


def _loo_z(gp: object, x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Standardised leave-one-group-out errors of a fitted GP (closed form, fixed kernel).

    With ``K`` the kernel matrix (noise included) and ``a = K^-1 y``, leaving group ``B``
    out gives residuals ``(K^-1)_BB^-1 a_B`` with covariance ``(K^-1)_BB^-1``
    (in normalised units, the GP's own).
    """
    kernel = gp.kernel_  # type: ignore[attr-defined]
    mean, std = float(gp._y_train_mean), float(gp._y_train_std)  # type: ignore[attr-defined]  # noqa: SLF001
    target = (y - mean) / std
    k = kernel(x)
    k[np.diag_indices_from(k)] += 1e-10
    try:
        factor = cholesky(k, lower=True)
    except np.linalg.LinAlgError:
        return np.full(len(y), math.nan)
    inverse = cho_solve((factor, True), np.eye(len(y)))
    alpha = inverse @ target
    z = np.full(len(y), math.nan)
    for group in np.unique(groups):
        index = np.flatnonzero(groups == group)
        block = inverse[np.ix_(index, index)]
        try:
            cov = np.linalg.inv(block)
        except np.linalg.LinAlgError:
            continue
        residual = cov @ alpha[index]
        sd = np.sqrt(np.maximum(np.diag(cov), 1e-300))
        z[index] = residual / sd
    return z


def validation_table(emulators: dict[str, Emulator]) -> pd.DataFrame:
    """One row per statistic: runs, LOO shares within +-2 and +-3 SD, RMS z, seed SD."""
    rows = []
    for name, emulator in emulators.items():
        row = {"statistic": name, **emulator.validation(),
               "seed_sd": math.sqrt(emulator.seed_var) if emulator.ok else math.nan,
               "note": emulator.reason}
        rows.append(row)
    return pd.DataFrame(rows)
