"""governance_sim.structure and structure_check: the correlations and the survey file."""

import numpy as np
import pytest

from governance_sim.simulation import Simulation, as_params
from governance_sim.structure import PAIRS, VARIABLES, correlations, pair_name
from governance_sim.structure_check import run_structure, survey_structure


@pytest.fixture(scope="module")
def sim():
    params, _ = as_params("co_creation", {"n_citizens": 2000})
    simulation = Simulation(params, 7, steps=3)
    for _ in range(3):
        simulation.step()
    return simulation


def test_pairs_cover_every_pair_once_in_variable_order():
    assert len(PAIRS) == len(VARIABLES) * (len(VARIABLES) - 1) // 2 == 21
    assert pair_name("E", "T") == pair_name("T", "E") == "T-E"
    with pytest.raises(ValueError, match="unknown variable 'X'"):
        pair_name("X", "T")
    with pytest.raises(ValueError, match="two different"):
        pair_name("T", "T")


def test_correlations_match_numpy_corrcoef(sim):
    cit = sim.population.citizens
    took = np.zeros(cit.n, dtype=bool)
    took[::3] = True
    table = correlations(sim.population, took)
    assert list(table) == list(PAIRS)
    columns = {"T": cit.trust, "G": cit.social_trust, "E": cit.efficacy, "P": took,
               "M": cit.civic_motivation, "R": cit.quintile, "V": cit.value}
    for pair, r in table.items():
        a, b = pair.split("-")
        expected = np.corrcoef(columns[a].astype(float), columns[b].astype(float))[0, 1]
        assert r == pytest.approx(expected, abs=1e-12), pair


def test_a_constant_quantity_gives_nan_and_a_wrong_shape_is_refused(sim):
    n = sim.population.citizens.n
    table = correlations(sim.population, np.zeros(n, dtype=bool))
    assert np.isnan(table["T-P"]) and not np.isnan(table["T-E"])
    with pytest.raises(ValueError, match=r"one value per citizen \(shape \(2000,\)\)"):
        correlations(sim.population, np.zeros(n - 1, dtype=bool))


def test_run_structure_measures_the_months_asked():
    out = run_structure("bureaucracy", 3, months=(0, 2), n_citizens=1000)
    assert sorted(out) == [0, 2]
    assert np.isnan(out[0]["T-P"])  # nobody has taken part before the first step
    assert set(out[2]) == set(PAIRS)


def test_shipped_survey_file_has_every_pair_with_a_grade_and_a_source():
    survey = survey_structure()
    assert list(survey) == list(PAIRS)
    for pair, row in survey.items():
        assert row.sign in {"+", "-", "none"} and row.source, pair
        if row.evidence_grade != "from a source":
            assert row.r_low is None, f"{pair}: a band needs a source"


HEADER = "pair,variable_a,variable_b,sign,r_low,r_high,source,evidence_grade,notes\n"


@pytest.mark.parametrize(("row", "message"), [
    ("T-E,T,E,up,,,s,assumed,n", "sign 'up'; allowed"),
    ("T-E,T,E,+,,,s,guess,n", "evidence_grade 'guess'"),
    ("T-E,T,E,+,0.5,,s,from a source,n", "both be given"),
    ("T-E,T,E,+,0.6,0.5,s,from a source,n", "low <= high"),
    ("T-E,T,E,+,1.5,2,s,from a source,n", "between -1 and 1"),
    ("E-T,E,T,+,,,s,assumed,n", "does not match"),
])
def test_a_malformed_survey_row_is_named(row, message):
    with pytest.raises(ValueError, match=message):
        survey_structure(HEADER + row + "\n")


def test_a_missing_pair_is_named():
    with pytest.raises(ValueError, match="pairs missing: T-G"):
        survey_structure(HEADER + "T-E,T,E,+,,,s,assumed,n\n")
