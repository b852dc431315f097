"""Joint structure of citizens' variables: the correlations between them at one step.

Surveys show how citizens' quantities go together, person by person: people who feel they
have a say trust institutions more, people with more resources take part more
(``data/joint_structure.csv``, sources in ``data/joint_structure.md``). This module measures
the same pairs in a model population: for each pair of

====  ==============================================================================
T     institutional trust (``Citizens.trust``)
G     social / generalised trust (``Citizens.social_trust``)
E     political efficacy, having a say (``Citizens.efficacy``)
P     took part at least once in the last 12 months (a bool[n] the caller accumulates)
M     civic motivation (``Citizens.civic_motivation``)
R     resources: the resource quintile 1-5 (``Citizens.quintile``)
V     value received from services last step (``Citizens.value``)
====  ==============================================================================

the Pearson correlation across citizens (for P, a 0/1 variable, that is the point-biserial
correlation). A metrics-layer module: it reads the state and imports only numpy.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from governance_sim.state import Population

__all__ = ["PAIRS", "VARIABLES", "VARIABLE_NAMES", "citizen_variables", "correlations",
           "within_quintiles",
           "pair_name"]

#: The citizen-level quantities, in the order pairs are named (``"T-G"``, ``"T-E"``, ...).
VARIABLES: tuple[str, ...] = ("T", "G", "E", "P", "M", "R", "V")

#: What each letter stands for.
VARIABLE_NAMES: dict[str, str] = {
    "T": "institutional trust",
    "G": "social (generalised) trust",
    "E": "political efficacy (having a say)",
    "P": "took part in the last 12 months",
    "M": "civic motivation",
    "R": "resources (quintile)",
    "V": "value received from services",
}


def pair_name(a: str, b: str) -> str:
    """The name of a pair in :data:`VARIABLES` order, e.g. ``pair_name("E", "T") == "T-E"``.

    Raises:
        ValueError: a letter is not one of :data:`VARIABLES`, or both are the same.
    """
    for letter in (a, b):
        if letter not in VARIABLES:
            raise ValueError(f"unknown variable {letter!r}: expected one of "
                             f"{', '.join(VARIABLES)}")
    if a == b:
        raise ValueError(f"a pair needs two different variables, got {a!r} twice")
    first, second = sorted((a, b), key=VARIABLES.index)
    return f"{first}-{second}"


#: Every pair, named as :func:`pair_name` names it (21 pairs).
PAIRS: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in combinations(VARIABLES, 2))


def citizen_variables(population: Population, took_part: np.ndarray) -> dict[str, np.ndarray]:
    """The seven quantities per citizen, as float64[n] arrays keyed by letter.

    Args:
        population: the model's state.
        took_part: bool[n_citizens], whether each citizen took part at least once in the
            last 12 months (the caller accumulates it over the steps it runs).

    Raises:
        ValueError: ``took_part`` is not one value per citizen.
    """
    cit = population.citizens
    took_part = np.asarray(took_part)
    if took_part.shape != (cit.n,):
        raise ValueError(f"took_part must have one value per citizen (shape ({cit.n},)), "
                         f"got shape {took_part.shape}")
    return {
        "T": np.asarray(cit.trust, dtype=np.float64),
        "G": np.asarray(cit.social_trust, dtype=np.float64),
        "E": np.asarray(cit.efficacy, dtype=np.float64),
        "P": took_part.astype(np.float64),
        "M": np.asarray(cit.civic_motivation, dtype=np.float64),
        "R": cit.quintile.astype(np.float64),
        "V": np.asarray(cit.value, dtype=np.float64),
    }


def correlations(population: Population, took_part: np.ndarray) -> dict[str, float]:
    """Pearson correlation across citizens for every pair of :data:`PAIRS`.

    Args:
        population: the model's state.
        took_part: bool[n_citizens], took part at least once in the last 12 months.

    Returns:
        ``{pair: r}`` for the 21 pairs in :data:`PAIRS` order; r is NaN where one of the two
        quantities does not vary across citizens (for example nobody took part).
    """
    values = citizen_variables(population, took_part)
    matrix = np.vstack([values[letter] for letter in VARIABLES])
    centred = matrix - matrix.mean(axis=1, keepdims=True)
    norms = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    out: dict[str, float] = {}
    for i, j in combinations(range(len(VARIABLES)), 2):
        denominator = norms[i] * norms[j]
        if denominator == 0.0:
            r = float("nan")
        else:
            r = float(np.clip(centred[i] @ centred[j] / denominator, -1.0, 1.0))
        out[f"{VARIABLES[i]}-{VARIABLES[j]}"] = r
    return out


def within_quintiles(x: np.ndarray, y: np.ndarray, quintile: np.ndarray) -> float:
    """Pearson's r of two citizen arrays inside resource quintiles.

    Each array is centred on its quintile's mean, so r says what goes together beyond
    resources.

    Args:
        x, y: float arrays [n_citizens] (any numeric dtype; taken as float64).
        quintile: int8[n_citizens], 1-5.
    """
    sizes = np.maximum(np.bincount(quintile), 1)
    centred = []
    for values in (x, y):
        values = np.asarray(values, dtype=np.float64)
        centred.append(values - (np.bincount(quintile, weights=values) / sizes)[quintile])
    return float(np.corrcoef(*centred)[0, 1])

