"""The per-step fixed cost cuts change no number and drop no safety check.

The kernels' wrapper remembers array addresses and coefficient arrays, and ``measure``
computes its scalars with Python floats: the checks still run on every call, and the metrics
are the former numpy formulation's, bit for bit.
"""

import gc
import math
import warnings

import numpy as np
import pytest

import governance_sim as gs
from governance_sim import metrics, native
from governance_sim.metrics import METRICS, measure, public_value_index
from governance_sim.simulation import Simulation

pytestmark = pytest.mark.skipif(native.library() is None,
                                reason=f"native kernels not built: {native.load_error()}")


@pytest.fixture
def lib():
    return native.library()


def _table():
    return np.array([[1], [2], [3], [0]], dtype=np.int32)


def test_every_call_checks_its_arrays_even_when_their_address_is_remembered(lib):
    x, out = np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4)
    lib.neighbour_mean(4, 1, _table(), x, out)  # remembered from here on
    assert id(x) in native._ADDRESSES
    np.testing.assert_array_equal(out, [2.0, 3.0, 4.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # in-place dtype/strides change
        x.dtype = np.int64  # same bytes, another type
        with pytest.raises(TypeError, match="argument 3 must be a C-contiguous float64"):
            lib.neighbour_mean(4, 1, _table(), x, out)
        x.dtype = np.float64
        lib.neighbour_mean(4, 1, _table(), x, out)
        y = np.zeros((4, 2))
        lib.neighbour_mean(4, 1, _table(), y[:, 0].copy(), out)
        wide = np.zeros(8)
        lib.neighbour_mean(4, 1, _table(), wide[:4], out)
        view = wide[:4]
        lib.neighbour_mean(4, 1, _table(), view, out)
        view.strides = (16,)  # now every other element: not contiguous
        with pytest.raises(TypeError, match="contiguous: False"):
            lib.neighbour_mean(4, 1, _table(), view, out)


def test_wrong_arrays_and_non_arrays_are_refused(lib):
    out = np.zeros(4)
    with pytest.raises(TypeError, match="argument 3 must be a C-contiguous float64 array, "
                       "got list"):
        lib.neighbour_mean(4, 1, _table(), [1.0, 2.0, 3.0, 4.0], out)
    # a numpy scalar has a float64 dtype and C-contiguous flags, but no array behind it
    with pytest.raises(TypeError, match="argument 3 must be a C-contiguous float64 array, "
                       "got float64"):
        lib.neighbour_mean(4, 1, _table(), np.float64(1.0), out)
    swapped = np.zeros(4, dtype=">f8" if np.little_endian else "<f8")
    with pytest.raises(TypeError, match="argument 3 must be a C-contiguous float64"):
        lib.neighbour_mean(4, 1, _table(), swapped, out)
    # an equal dtype that is another object (metadata) takes the full check and passes
    tagged = np.ones(4, dtype=np.dtype(np.float64, metadata={"unit": "share"}))
    lib.neighbour_mean(4, 1, _table(), tagged, out)
    np.testing.assert_array_equal(out, np.ones(4))


def test_an_address_is_remembered_while_its_array_lives_and_pins_it(lib):
    a = np.arange(5.0)
    key = id(a)
    assert native.address(a) == a.__array_interface__["data"][0]
    assert native._ADDRESSES[key].address == a.__array_interface__["data"][0]
    with pytest.raises(ValueError, match="resize"):  # the address cannot move under us
        a.resize(1000, refcheck=False)
    del a
    gc.collect()
    assert key not in native._ADDRESSES or native._ADDRESSES[key]() is not None


def test_coefficient_arrays_are_shared_read_only_and_keep_the_sign_of_zero(lib):
    names = lib.coefficient_names["professional_step"]
    zeros = lib.coefficients("professional_step", dict.fromkeys(names, 0.0))
    again = lib.coefficients("professional_step", dict.fromkeys(names, 0.0))
    negative = lib.coefficients("professional_step", dict.fromkeys(names, -0.0))
    assert zeros is again and negative is not zeros
    assert np.signbit(negative).all() and not np.signbit(zeros).any()
    assert not zeros.flags.writeable and zeros.dtype == np.float64
    ordered = lib.coefficients("professional_step",
                               {name: i for i, name in enumerate(names)})
    np.testing.assert_array_equal(ordered, np.arange(len(names), dtype=float))
    with pytest.raises(KeyError, match="missing"):
        lib.coefficients("professional_step", dict.fromkeys(names[1:], 0.0))
    with pytest.raises(KeyError, match="unknown"):
        lib.coefficients("professional_step", {**dict.fromkeys(names, 0.0), "extra": 1.0})


def _former_measure(population, params):
    """``measure`` as it was written before the fixed-cost cut: numpy means and nan_to_num."""
    cit, prof, lead, mun = (population.citizens, population.professionals,
                            population.leaders, population.municipality)
    n = cit.n
    part = cit.participating
    n_part = int(np.count_nonzero(part))
    starts, group_q = mun.group_starts, mun.group_quintile

    def by_quintile(values):
        sums = np.add.reduceat(values, starts, dtype=np.float64)
        return np.bincount(group_q, weights=sums, minlength=6)[1:]

    group_sizes = np.diff(np.append(starts, n))
    per_quintile = np.bincount(group_q, weights=group_sizes, minlength=6)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        trust_q = by_quintile(cit.trust) / per_quintile
        value_sums = by_quintile(cit.value)
        value_q = value_sums / per_quintile
        part_q = by_quintile(part.view(np.uint8)) / per_quintile
    trust_q, value_q, part_q = (np.nan_to_num(a) for a in (trust_q, value_q, part_q))
    trust_sum = float(cit.trust.sum())
    trust_part = float(cit.trust[part].sum())
    voice_gap = 0.0
    if 0 < n_part < n:
        voice_gap = trust_part / n_part - (trust_sum - trust_part) / (n - n_part)
    need = 1.0 + params.need_gradient * (5.0 - np.arange(1, 6))

    def dot(a, b):
        return float(np.multiply(a, b, dtype=np.float64).sum())

    out = {
        "trust_mean": trust_sum / n, "trust_q1": float(trust_q[0]),
        "trust_q5": float(trust_q[4]), "voice_trust_gap": voice_gap,
        "participation_rate": n_part / n, "participation_q1": float(part_q[0]),
        "participation_q5": float(part_q[4]),
        "participation_gap": float(part_q[4] - part_q[0]),
        "invited_share": mun.invited / n, "accepted_share": mun.accepted / n,
        "civic_crowding": mun.civic_crowding, "contribution_mean": mun.cooperation,
        "coproduction": mun.coproduction,
        "social_capital": dot(cit.listened_to, cit.social_trust)
        / (n * cit.neighbours.shape[1]),
        "efficacy_mean": float(cit.efficacy.mean()),
        "motivation_mean": float(prof.motivation.mean()),
        "burnout_mean": float(prof.burnout.mean()),
        "autonomy_mean": float(prof.autonomy.mean()),
        "leader_control_mean": float(lead.control.mean()),
        "facilitation_mean": float(lead.facilitation.mean()),
        "reverted_share": float(lead.reverted.mean()),
        "council_pressure": mun.council_pressure, "approval": mun.approval,
        "budget_factor": mun.budget_factor, "cost": mun.cost,
        "measured_output": mun.measured_output,
        "relational_quality": mun.relational_quality,
        "service_value": float(value_sums.sum()) / n,
        "outcome_bottom_quintile": float(value_q[0]),
        "outcome_top_quintile": float(value_q[4]),
        "outcome_gap": float(value_q[4] - value_q[0]),
        "pv_outcomes": dot(need, value_sums) / dot(need, per_quintile),
    }
    top = out["outcome_top_quintile"]
    out["pv_equity"] = min(1.0, out["outcome_bottom_quintile"] / top) if top > 0 else 1.0
    out["pv_legitimacy"] = out["trust_mean"]
    out["pv_social_capital"] = out["social_capital"]
    out["pv_cost_efficiency"] = min(1.0, out["pv_outcomes"] * params.budget
                                    * mun.budget_factor / mun.cost) if mun.cost > 0 else 0.0
    out["pv_future"] = mun.future_stock
    out["public_value_index"] = public_value_index(out, params)
    return {metric.name: out[metric.name] for metric in METRICS}


def _same_bits(a, b):
    return type(a) is type(b) and np.float64(a).tobytes() == np.float64(b).tobytes()


@pytest.mark.parametrize("scenario,citizens,units", [
    ("co_creation", 300, 3), ("npm_reform", 120, 120), ("trondheimsloftet", 500, 5),
    ("leave_no_one_behind", 700, 7), ("wigan_deal", 60, 2),
])
def test_measure_gives_the_former_formulation_bit_for_bit(scenario, citizens, units):
    params = gs.load_scenario(scenario).params.replace(n_citizens=citizens, n_units=units)
    sim = Simulation(params, 4, steps=25)
    for _ in range(25):
        sim.step()
        got = measure(sim.population, sim.dynamics_params)
        expected = _former_measure(sim.population, sim.dynamics_params)
        assert list(got) == list(expected)
        wrong = [k for k in got if not _same_bits(got[k], expected[k])]
        assert not wrong, {k: (got[k], expected[k]) for k in wrong}


def test_an_empty_quintile_has_the_share_nan_to_num_gives():
    sim = Simulation(gs.Params(n_citizens=200, n_units=2), 1, steps=3)
    sim.step()
    population = sim.population
    mun = population.municipality
    # no citizen in the bottom quintile: relabel its groups as the second quintile
    mun.group_quintile = np.where(mun.group_quintile == 1, 2, mun.group_quintile)
    got = measure(population, sim.dynamics_params)
    expected = _former_measure(population, sim.dynamics_params)
    assert got["trust_q1"] == 0.0 and got["participation_q1"] == 0.0
    assert all(_same_bits(got[k], expected[k]) for k in got)


@pytest.mark.parametrize("total,count", [
    (0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (2.0, -0.0), (math.nan, 3.0), (math.nan, 0.0),
    (1e308, 1e-10), (-1e308, 1e-10), (3.0, 7.0), (-0.0, 5.0), (math.inf, 2.0),
])
def test_share_is_numpys_division_then_nan_to_num(total, count):
    with np.errstate(all="ignore"):
        expected = float(np.nan_to_num(np.float64(total) / np.float64(count)))
    assert _same_bits(metrics._share(total, count), expected)


@pytest.mark.parametrize("values", [
    np.random.default_rng(1).random(1001), np.random.default_rng(2).random(7) > 0.5,
    np.array([1e16, 1.0, -1e16, 3.0]), np.zeros((3, 4)),
])
def test_mean_is_numpys_mean(values):
    assert _same_bits(metrics._mean(values), float(values.mean()))


def test_schedule_nan_to_num_and_weighted_mean_are_numpys_bit_for_bit():
    from governance_sim.dynamics import schedule

    rng = np.random.default_rng(5)
    values = rng.random(301)
    values[::7] = np.nan
    values[3], values[5], values[11], values[13] = np.inf, -np.inf, -0.0, 1e308
    got = schedule._nan_to_num(values)
    assert got is not values and got.dtype == np.float64
    assert got.tobytes() == np.nan_to_num(values).tobytes()
    weights = rng.integers(1, 400, size=301)
    finite = rng.random(301)
    total = float(weights.sum(dtype=np.float64))
    assert _same_bits(schedule._weighted_mean(finite, weights, total),
                      float(np.average(finite, weights=weights)))
