"""Group sums and means over units, and neighbour means over the network (vectorised kernels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["unit_sum", "unit_mean", "contiguous_mean", "neighbour_mean"]


def unit_sum(values: np.ndarray, unit: np.ndarray, n_units: int) -> np.ndarray:
    """Sum of ``values`` (float or bool [n]) per unit: float64[n_units]."""
    return np.bincount(unit, weights=values, minlength=n_units)


def unit_mean(values: np.ndarray, unit: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean of ``values`` per unit, given the member count per unit (int64[n_units] > 0)."""
    return unit_sum(values, unit, counts.shape[0]) / counts


def contiguous_mean(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over contiguous groups: group g is ``values[starts[g]:starts[g+1]]``.

    For agents stored group by group (professionals unit by unit); one pass, no index array.

    Args:
        values: float64[n].
        starts: int64[n_groups + 1], increasing from 0 to n; no group may be empty.

    Returns:
        float64[n_groups].
    """
    return np.add.reduceat(values, starts[:-1]) / (starts[1:] - starts[:-1])  # np.diff


def neighbour_mean(values: np.ndarray, network: sparse.csr_array) -> np.ndarray:
    """Mean of ``values`` over each citizen's neighbours: one sparse matrix-vector product.

    Args:
        values: float64 or bool[n_citizens].
        network: the row-normalised network (see ``state.network_matrix``).

    Returns:
        float64[n_citizens].
    """
    return network @ values.astype(np.float64, copy=False)
