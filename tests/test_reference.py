"""The vectorised step equals the readable per-agent reference, to 1e-9, for every logic."""

import numpy as np
import pytest

from governance_sim import Params
from governance_sim.dynamics.schedule import advance, begin_step, draw_step, prepare
from governance_sim.mechanisms import effective_params
from governance_sim.reference import ReferenceSimulation
from governance_sim.rng import make_streams
from governance_sim.state import build_population

SMALL = dict(n_citizens=300, n_units=6, professionals_per_unit=4, n_politicians=7,
             network_degree=5)

CASES = {
    "bureaucracy": dict(logic="bureaucracy"),
    "npm": dict(logic="npm"),
    "co_creation": dict(logic="co_creation", initial_trust=0.6),
    "mix": dict(logic={"bureaucracy": 0.3, "npm": 0.5, "co_creation": 0.2}),
    "events": dict(
        logic="npm", leader_patience=2.0,
        levers={"facilitation_targeting": 0.7},
        events=[
            {"kind": "switch_logic", "step": 4, "logic": "co_creation"},
            {"kind": "trust_shock", "step": 6, "size": 0.3, "duration": 3},
            {"kind": "budget_change", "step": 2, "factor": 0.7, "duration": 5},
            {"kind": "compact", "step": 8, "size": 0.6, "duration": 4},
            {"kind": "citizens_panel", "step": 3, "members": 20, "duration": 6},
            {"kind": "set_levers", "step": 10, "levers": {"sanctions": 0.8}},
        ],
    ),
    "paid participation": dict(
        logic="co_creation", levers={"participation_payment": 0.8, "payment_to_cause": 0.25},
        civic_crowding_rate=0.3,
    ),
    "mechanisms off": dict(
        logic="co_creation", initial_trust=0.6,
        mechanisms={"voice": False, "facilitation": False, "conditional_cooperation": False,
                    "trust_asymmetry": False, "contagion": False},
        events=[{"kind": "citizens_panel", "step": 3, "members": 20, "duration": 6}],
    ),
}


@pytest.mark.parametrize("backend", ["numpy", "native"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_vectorised_step_equals_per_agent_reference(case, backend):
    given = Params(**SMALL, **CASES[case])
    params = effective_params(given)  # what the dynamics run with (mechanisms' neutral forms)
    streams = make_streams(11)
    population = build_population(params, streams)
    prepare(population, params)
    reference = ReferenceSimulation(population.copy(), given)  # applies them itself
    ref_streams = make_streams(11)
    for name in streams:  # the reference consumes the same numbers: same generator states
        ref_streams[name].bit_generator.state = streams[name].bit_generator.state
    for _ in range(16):
        ctx = begin_step(population, params, streams)
        draws = draw_step(streams, population.citizens.n)
        advance(population, params, ctx, draws, backend)
        ref_ctx = begin_step(reference.population_for_events(), params, ref_streams)
        assert ref_ctx == ctx or ref_ctx.levers == ctx.levers
        reference.step(ref_ctx, draw_step(ref_streams, reference.n_citizens))
    vector_arrays = population.arrays()
    reference_arrays = reference.to_arrays()
    for name, expected in reference_arrays.items():
        np.testing.assert_allclose(
            vector_arrays[name].astype(float), expected.astype(float), rtol=0, atol=1e-9,
            err_msg=f"{case}: {name} differs")
    for name in ("cost", "measured_output", "relational_quality", "coproduction",
                 "cooperation", "future_stock", "approval", "council_pressure"):
        a = getattr(population.municipality, name)
        b = getattr(reference.municipality, name)
        assert abs(a - b) <= 1e-9, f"{case}: municipality.{name} {a} != {b}"
    # the step moved things: an equivalence between two frozen states would prove nothing
    assert population.citizens.participating.any()
    assert not np.allclose(population.citizens.trust, build_population(
        params, make_streams(11)).citizens.trust)
