"""One seed, many named random streams.

Every stochastic process of the model draws from its own :class:`numpy.random.Generator`,
derived from the run's seed and the process's *name* (not its position in a list). So a
change in how many numbers one process draws, for instance because the logic changed,
never shifts the draws of another process: a partial form of common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["STREAM_NAMES", "make_streams", "resolve_seed"]

#: The named streams: population set-up, network, per-step participation and experience
#: draws, sortition for citizens' panels, and politicians' traits.
STREAM_NAMES: tuple[str, ...] = (
    "population",
    "network",
    "participation",
    "experience",
    "panel",
    "professionals",
    "politicians",
)


def resolve_seed(seed: int | None) -> int:
    """Return ``seed``, or fresh OS entropy when ``seed`` is None, so it can be recorded."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def make_streams(seed: int) -> dict[str, np.random.Generator]:
    """Build one independent PCG64 generator per name in :data:`STREAM_NAMES`.

    Args:
        seed: the run's non-negative integer seed.

    Returns:
        Mapping stream name -> generator. Stream ``name`` is seeded from
        ``SeedSequence(seed, spawn_key=(crc32(name),))``, so it depends only on the seed and
        its own name.
    """
    return {
        name: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)))
        )
        for name in STREAM_NAMES
    }
