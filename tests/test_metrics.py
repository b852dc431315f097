"""Metrics equal their plain definitions, computed the slow way on a small population."""

import numpy as np
import pytest

import governance_sim as gs
from governance_sim.metrics import METRICS, measure, public_value_index


def test_metrics_match_their_definitions():
    model = gs.GovernanceModel(gs.Params(n_citizens=2000, n_units=20, logic="co_creation"),
                               rng=3, agent_views=False)
    for _ in range(6):
        model.step()
    cit, params = model.population.citizens, model.params
    got = measure(model.population, params)
    assert list(got) == [m.name for m in METRICS]
    part = cit.participating
    q1, q5 = cit.quintile == 1, cit.quintile == 5
    assert 0 < part.sum() < cit.n
    expected = {
        "trust_mean": cit.trust.mean(),
        "trust_q1": cit.trust[q1].mean(),
        "participation_rate": part.mean(),
        "participation_gap": part[q5].mean() - part[q1].mean(),
        "voice_trust_gap": cit.trust[part].mean() - cit.trust[~part].mean(),
        "outcome_bottom_quintile": cit.value[q1].mean(),
        "outcome_gap": cit.value[q5].mean() - cit.value[q1].mean(),
        "social_capital": np.mean([cit.social_trust[row].mean() for row in cit.neighbours]),
        "pv_outcomes": np.average(cit.value, weights=6 - cit.quintile),
        "pv_legitimacy": cit.trust.mean(),
        "motivation_mean": model.population.professionals.motivation.mean(),
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name
    assert got["public_value_index"] == pytest.approx(public_value_index(got, params))


@pytest.mark.parametrize("taking_part", [0, 1, 2])
def test_voice_gap_with_none_one_or_two_taking_part(taking_part):
    """The trust gap between participants and the others is defined from one participant
    on (and 0 with none)."""
    model = gs.GovernanceModel(gs.Params(n_citizens=200, n_units=4), rng=3,
                               agent_views=False)
    cit = model.population.citizens
    cit.participating[:] = False
    cit.participating[:taking_part] = True
    got = measure(model.population, model.params)["voice_trust_gap"]
    part = cit.participating
    expected = (cit.trust[part].mean() - cit.trust[~part].mean()) if taking_part else 0.0
    assert got == pytest.approx(expected, abs=1e-12)
    assert taking_part == 0 or got != 0.0


def test_public_value_index_is_the_weighted_mean_of_components():
    params = gs.Params(pv_weight_outcomes=3, pv_weight_equity=0, pv_weight_legitimacy=1,
                       pv_weight_social_capital=0, pv_weight_cost_efficiency=0,
                       pv_weight_future=0)
    components = {"pv_outcomes": 0.8, "pv_equity": 0.1, "pv_legitimacy": 0.4,
                  "pv_social_capital": 0.0, "pv_cost_efficiency": 0.0, "pv_future": 0.0}
    assert public_value_index(components, params) == pytest.approx((3 * 0.8 + 0.4) / 4)


def test_observation_does_not_change_state():
    model = gs.GovernanceModel(gs.Params(n_citizens=500, n_units=5), rng=1, agent_views=False)
    model.step()
    before = {k: v.copy() for k, v in model.population.arrays().items()}
    measure(model.population, model.params)
    for name, array in model.population.arrays().items():
        np.testing.assert_array_equal(array, before[name], err_msg=name)
