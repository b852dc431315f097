"""The compiled step kernels: built, current, chosen as asked, and equal to the numpy path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance_sim import Params, native
from governance_sim.cli import main
from governance_sim.dynamics.schedule import step
from governance_sim.simulation import Simulation
from test_invariants import valid_params

SMALL = dict(n_citizens=2_000, n_units=20, professionals_per_unit=5)

CASES = {
    "co_creation": dict(logic="co_creation"),
    "npm": dict(logic="npm", levers={"choice_exit": 0.9}),
    "bureaucracy, degree 5": dict(logic="bureaucracy", network_degree=5),
    "mix, targeted": dict(logic={"npm": 0.5, "co_creation": 0.5},
                          levers={"facilitation_targeting": 0.8, "sanctions": 0.6}),
    "events and a panel": dict(
        logic="npm",
        events=[
            {"kind": "switch_logic", "step": 5, "logic": "co_creation"},
            {"kind": "citizens_panel", "step": 7, "members": 40, "duration": 10},
            {"kind": "trust_shock", "step": 12, "size": 0.3, "duration": 4},
            {"kind": "compact", "step": 20, "size": 0.5, "duration": 6},
        ],
    ),
    "paid participation": dict(
        logic="npm", levers={"participation_payment": 1.0}, civic_crowding_rate=0.2),
    "mechanisms off": dict(
        logic="co_creation",
        mechanisms={"voice": False, "facilitation": False, "trust_asymmetry": False},
        events=[{"kind": "citizens_panel", "step": 7, "members": 40, "duration": 10}],
    ),
}


def test_kernels_are_built_and_current():
    assert native.library() is not None, native.load_error()
    assert native.backend() in ("native", "numpy")
    assert native.backend("auto") == "native"


@pytest.mark.parametrize("case", sorted(CASES))
def test_native_path_equals_numpy_path(case):
    """Same rules, same order of operations, same exp: equal to 1e-12 (in practice, bit for bit)."""
    fused = Simulation(Params(**SMALL, **CASES[case]), seed=5, backend="native")
    plain = Simulation(Params(**SMALL, **CASES[case]), seed=5, backend="numpy")
    params = fused.dynamics_params
    for _ in range(40):
        step(fused.population, params, fused.streams, "native")
        step(plain.population, params, plain.streams, "numpy")
    fused_arrays, plain_arrays = fused.population.arrays(), plain.population.arrays()
    assert fused_arrays.keys() == plain_arrays.keys()
    for name, expected in plain_arrays.items():
        np.testing.assert_allclose(fused_arrays[name].astype(float), expected.astype(float),
                                   rtol=0, atol=1e-12, err_msg=name)
    for name in ("approval", "cost", "measured_output", "relational_quality", "coproduction",
                 "cooperation", "future_stock", "council_pressure"):
        a = getattr(fused.population.municipality, name)
        b = getattr(plain.population.municipality, name)
        assert abs(a - b) <= 1e-12, name
    assert fused.population.citizens.participating.any()


@pytest.mark.parametrize("case", ["events and a panel", "mix, targeted"])
def test_draws_taken_in_chunks_equal_one_whole_draw(case, monkeypatch):
    """The compiled path draws each step's uniforms a chunk of whole units at a time, into a
    small buffer: the same numbers, bit for bit, as one whole draw (the numpy path's), with
    panel members in several chunks and learned sanction shifts."""
    from governance_sim import state

    monkeypatch.setattr(state, "DRAW_CHUNK", 250)  # units of 100: two units a chunk
    fused = Simulation(Params(**SMALL, **CASES[case]), seed=5, backend="native")
    plain = Simulation(Params(**SMALL, **CASES[case]), seed=5, backend="numpy")
    params = fused.dynamics_params
    for _ in range(25):
        step(fused.population, params, fused.streams, "native")
        step(plain.population, params, plain.streams, "numpy")
    cit = fused.population.citizens
    assert len(cit._chunk_units) == 10 and cit._draw_chunk.size == 250
    for name, expected in plain.population.arrays().items():
        np.testing.assert_array_equal(fused.population.arrays()[name], expected, err_msg=name)
    for name in ("participation", "experience", "panel"):  # the streams are in step
        assert fused.streams[name].random() == plain.streams[name].random(), name


@st.composite
def any_layout(draw):
    """Random valid parameters on populations from one citizen per unit to one unit."""
    params = draw(valid_params())
    n_citizens = draw(st.integers(40, 600))  # a panel in valid_params has 30 members
    return params.replace(n_citizens=n_citizens, n_units=draw(st.integers(1, n_citizens)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=any_layout(), seed=st.integers(0, 2**32 - 1))
def test_native_path_equals_numpy_path_on_random_parameters(params, seed):
    fused = Simulation(params, seed=seed, steps=10, backend="native")
    plain = Simulation(params, seed=seed, steps=10, backend="numpy")
    for _ in range(10):
        fused.step()
        plain.step()
    for name, expected in plain.population.arrays().items():
        np.testing.assert_allclose(fused.population.arrays()[name].astype(float),
                                   expected.astype(float), rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(fused.results().timeseries.to_numpy(),
                               plain.results().timeseries.to_numpy(), rtol=0, atol=1e-12)


def test_backend_is_chosen_and_recorded(monkeypatch):
    assert native.backend("numpy") == "numpy"
    assert Simulation(Params(**SMALL), seed=1, backend="numpy").manifest()["backend"] == "numpy"
    monkeypatch.setenv("GOVERNANCE_SIM_BACKEND", "numpy")
    assert native.backend() == "numpy"
    monkeypatch.setenv("GOVERNANCE_SIM_BACKEND", "native")
    assert Simulation(Params(**SMALL), seed=1).manifest()["backend"] == "native"
    with pytest.raises(native.BackendError, match="allowed: auto, native, numpy"):
        native.backend("fortran")


def test_unavailable_native_backend_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(native, "_LIBRARY", None)
    monkeypatch.setattr(native, "_LOAD_ERROR", "not built here")
    assert native.backend("auto") == "numpy"
    with pytest.raises(native.BackendError, match="not available: not built here"):
        native.backend("native")


def test_a_stale_library_is_not_used(monkeypatch, tmp_path):
    edited = tmp_path / "step_kernels.c"
    edited.write_text(native.SOURCE.read_text() + "\n/* edited */\n")
    monkeypatch.setattr(native, "SOURCE", edited)
    library, reason = native._load()
    assert library is None
    assert "stale" in reason and "hatch_build.py" in reason


def test_unknown_backend_on_the_command_line_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GOVERNANCE_SIM_BACKEND", "gpu")
    code = main(["run", "co_creation", "--steps", "3", "--set", "n_citizens=300",
                 "--set", "n_units=3", "--no-progress", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "GOVERNANCE_SIM_BACKEND" in lines[0] and "allowed: auto, native, numpy" in lines[0]


def test_kernels_refuse_arrays_of_the_wrong_type_or_layout():
    library = native.library()
    assert library is not None, native.load_error()
    table, out = np.zeros((4, 1), dtype=np.int32), np.zeros(4)
    with pytest.raises(TypeError, match="argument 3 must be a C-contiguous float64"):
        library.neighbour_mean(4, 1, table, np.zeros((4, 2))[:, 0], out)
    with pytest.raises(TypeError, match="argument 2 must be a C-contiguous int32"):
        library.neighbour_mean(4, 1, table.astype(np.int64), np.zeros(4), out)
    with pytest.raises(TypeError, match="takes 5 arguments"):
        library.neighbour_mean(4, 1, table, np.zeros(4))
    library.neighbour_mean(4, 1, np.array([[1], [2], [3], [0]], dtype=np.int32),
                           np.array([1.0, 2.0, 3.0, 4.0]), out)
    np.testing.assert_array_equal(out, [2.0, 3.0, 4.0, 1.0])


#: The kernels whose per-citizen loops must stay vectorised in every clone that has vectors.
VECTORISED_KERNELS = ("citizen_step", "value_exponent", "participation_log_odds")


@pytest.mark.parametrize("kernel", VECTORISED_KERNELS)
def test_the_avx2_clone_of_each_hot_kernel_is_vectorised(kernel):
    """GCC's vectoriser gives up on a loop quietly: one more multiply in citizen_step once
    left its AVX2 (x86-64-v3) clone without a single vector instruction, 34 % more
    instructions a step on AVX2 machines while AVX-512 machines saw nothing
    (docs/performance.md, "The service fit"). Read the disassembly of the built library."""
    import shutil
    import subprocess

    objdump = shutil.which("objdump")
    path = Path(native.__file__).resolve().parent / native.LIBRARY_NAME
    if objdump is None or not path.exists():
        pytest.skip("needs objdump and the built kernels")
    listing = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(path)],
                             capture_output=True, text=True, check=True).stdout
    header = f"<{kernel}.arch_x86_64_v3>:"
    if header not in listing:
        pytest.skip("the kernels were built without target clones (not GCC on x86-64)")
    body = listing.split(header, 1)[1].split("\n\n", 1)[0]
    assert "ymm" in body, f"{kernel}'s AVX2 clone has no vector instruction"

