"""The joint structure a scenario produces, set against what surveys show.

:func:`structure_table` runs a scenario (20 000 citizens by default) for several seeds and
measures, at the months asked for, the correlation between every pair of citizens'
quantities (:mod:`governance_sim.structure`): one tidy row per scenario, seed, month and
pair. :func:`survey_structure` reads what surveys show for each pair
(``data/joint_structure.csv``: sign, a band for Pearson's r where a source gives one,
evidence grade); :func:`compare` puts the two side by side. An analysis-level module (it
runs :class:`governance_sim.simulation.Simulation`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from governance_sim.params import ParameterError
from governance_sim.structure import PAIRS, correlations, pair_name

__all__ = ["SurveyPair", "compare", "run_structure", "structure_table", "survey_structure"]

#: The months the survey signs are checked at (from month 24 on: issue 20).
DEFAULT_MONTHS: tuple[int, ...] = (24, 60, 120)
#: Signs a row of ``joint_structure.csv`` may give ("none": no sign is claimed).
SIGNS = ("+", "-", "none")
#: Evidence grades a row may give.
GRADES = ("from a source", "direction only", "assumed")
#: Months of participation that make "took part in the last 12 months".
WINDOW = 12


@dataclass(frozen=True)
class SurveyPair:
    """What surveys show for one pair (a row of ``data/joint_structure.csv``).

    Attributes:
        pair: ``"T-E"`` etc. (:data:`governance_sim.structure.PAIRS`).
        sign: ``"+"``, ``"-"`` or ``"none"`` (no sign claimed; nothing to check).
        r_low, r_high: band for Pearson's r, or None where the sources give a direction only.
        source: the sources, short form (full references in ``joint_structure.md``).
        evidence_grade: ``"from a source"``, ``"direction only"`` or ``"assumed"``.
        notes: what the sources report, in figures where they give them.
    """

    pair: str
    sign: str
    r_low: float | None
    r_high: float | None
    source: str
    evidence_grade: str
    notes: str

    def sign_holds(self, r: float) -> bool:
        """Whether ``r`` has the sign surveys show (always True for ``"none"``)."""
        if self.sign == "+":
            return bool(r > 0.0)
        if self.sign == "-":
            return bool(r < 0.0)
        return True

    def in_band(self, r: float) -> bool | None:
        """Whether ``r`` lies in [r_low, r_high]; None where there is no band."""
        if self.r_low is None or self.r_high is None:
            return None
        return bool(self.r_low <= r <= self.r_high)


def _read_text() -> str:
    packaged = resources.files("governance_sim").joinpath("data/joint_structure.csv")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # an editable install reads the repository's data/ folder
    return (Path(__file__).resolve().parents[2] / "data" / "joint_structure.csv").read_text(
        encoding="utf-8")


def _number(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: expected a number between -1 and 1 or nothing, "
                         f"got {text!r}") from None
    if not -1.0 <= value <= 1.0:
        raise ValueError(f"{where}: a correlation lies between -1 and 1, got {value}")
    return value


def survey_structure(text: str | None = None) -> dict[str, SurveyPair]:
    """The rows of ``joint_structure.csv`` keyed by pair (every pair exactly once).

    Args:
        text: the CSV's text; None reads the file shipped with the package.

    Raises:
        ValueError: a row names an unknown pair, an unknown sign or grade, a band that is
            not a number in -1..1 or whose ends are out of order, or a pair is missing or
            repeated.
    """
    rows = [line for line in (_read_text() if text is None else text).splitlines()
            if line and not line.startswith("#")]
    out: dict[str, SurveyPair] = {}
    for number, row in enumerate(csv.DictReader(rows), start=1):
        where = f"joint_structure.csv row {number}"
        pair = pair_name(row["variable_a"].strip(), row["variable_b"].strip())
        if row["pair"].strip() != pair:
            raise ValueError(f"{where}: pair {row['pair']!r} does not match its variables "
                             f"(expected {pair!r})")
        if pair in out:
            raise ValueError(f"{where}: pair {pair} appears twice")
        sign, grade = row["sign"].strip(), row["evidence_grade"].strip()
        if sign not in SIGNS:
            raise ValueError(f"{where}: sign {sign!r}; allowed: {', '.join(SIGNS)}")
        if grade not in GRADES:
            raise ValueError(f"{where}: evidence_grade {grade!r}; allowed: "
                             f"{', '.join(GRADES)}")
        low, high = _number(row["r_low"], where), _number(row["r_high"], where)
        if (low is None) != (high is None) or (low is not None and low > high):
            raise ValueError(f"{where}: r_low and r_high must both be given, low <= high")
        out[pair] = SurveyPair(pair, sign, low, high, row["source"].strip(), grade,
                               row["notes"].strip())
    missing = [pair for pair in PAIRS if pair not in out]
    if missing:
        raise ValueError(f"joint_structure.csv: pairs missing: {', '.join(missing)}")
    return {pair: out[pair] for pair in PAIRS}


def run_structure(scenario: Any, seed: int, months: Sequence[int] = DEFAULT_MONTHS,
                  n_citizens: int = 20_000, backend: str | None = None,
                  **overrides: Any) -> dict[int, dict[str, float]]:
    """One run: the correlation of every pair at each month in ``months``.

    "Took part in the last 12 months" (P) is true for a citizen who took part in at least
    one of the 12 steps up to and including the month measured (fewer at months below 12).

    Args:
        scenario: a scenario name or path, a Scenario, Params or a mapping.
        seed: the run's seed.
        months: months (steps) to measure at, each >= 0.
        n_citizens: population size.
        backend: ``"auto"``, ``"native"`` or ``"numpy"`` (None: the environment's choice).
        **overrides: further parameter overrides.

    Returns:
        ``{month: {pair: r}}``.

    Raises:
        ParameterError: a month is negative, or a parameter is wrong.
    """
    from governance_sim.simulation import Simulation, as_params

    wanted = sorted({int(month) for month in months})
    if not wanted or wanted[0] < 0:
        raise ParameterError(f"months must be one or more steps >= 0, got {list(months)}")
    params, name = as_params(scenario, {"n_citizens": n_citizens, **overrides})
    sim = Simulation(params, seed, steps=wanted[-1], scenario_name=name, backend=backend)
    last_took_part = np.full(params.n_citizens, -(WINDOW + 1), dtype=np.int64)
    out: dict[int, dict[str, float]] = {}
    for month in range(wanted[-1] + 1):
        if month > 0:
            sim.step()
            last_took_part[sim.population.citizens.participating] = month
        if month in wanted:
            out[month] = correlations(sim.population, last_took_part > month - WINDOW)
    return out


def structure_table(scenarios: Iterable[Any], seeds: Iterable[int],
                    months: Sequence[int] = DEFAULT_MONTHS, n_citizens: int = 20_000,
                    backend: str | None = None):
    """Tidy table of correlations: one row per scenario, seed, month and pair.

    Returns:
        pandas.DataFrame with columns scenario, seed, month, pair, r.
    """
    import pandas as pd

    rows = []
    for scenario in scenarios:
        for seed in seeds:
            for month, table in run_structure(scenario, seed, months, n_citizens,
                                              backend).items():
                rows.extend({"scenario": str(scenario), "seed": seed, "month": month,
                             "pair": pair, "r": r} for pair, r in table.items())
    return pd.DataFrame(rows, columns=["scenario", "seed", "month", "pair", "r"])


def compare(table, survey: dict[str, SurveyPair] | None = None):
    """Model against surveys: per scenario, month and pair, the range of r over seeds.

    Args:
        table: a :func:`structure_table` result.
        survey: :func:`survey_structure` (None reads the shipped file).

    Returns:
        pandas.DataFrame with columns scenario, month, pair, sign, r_min, r_max, r_mean,
        sign_holds (on every seed; True where no sign is claimed), band, in_band (on every
        seed; None where the file gives no band), evidence_grade.
    """
    import pandas as pd

    survey = survey_structure() if survey is None else survey
    rows = []
    for (scenario, month, pair), group in table.groupby(["scenario", "month", "pair"],
                                                        sort=False):
        expected = survey[pair]
        values = group["r"].to_numpy()
        bands = [expected.in_band(r) for r in values]
        rows.append({
            "scenario": scenario, "month": month, "pair": pair, "sign": expected.sign,
            "r_min": float(values.min()), "r_max": float(values.max()),
            "r_mean": float(values.mean()),
            "sign_holds": all(expected.sign_holds(r) for r in values),
            "band": (None if expected.r_low is None
                     else f"{expected.r_low:+.2f}..{expected.r_high:+.2f}"),
            "in_band": None if bands[0] is None else all(bands),
            "evidence_grade": expected.evidence_grade,
        })
    return pd.DataFrame(rows)
