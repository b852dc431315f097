"""How close the vectorised step is to the machine's limit, and how far ahead of per-agent code.

Prints one table: citizens N, ms per step, ns per agent-step, bytes per citizen (peak RSS / N
and the marginal bytes above the interpreter with its imports), the computed floor of the
step (the bytes it must move at the measured memory bandwidth plus the random draws it
makes), the ratio to that floor, and the ratio to the per-agent reference implementation
where that is affordable. Medians after warm-up; the reference and the vectorised step are
timed alternately in the same process.

Usage::

    python benchmarks/bench_step.py            # N = 1 000 ... 1 000 000
    python benchmarks/bench_step.py --quick    # small sizes, under a minute (CI runs this)

Each size runs in a fresh subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

CITIZENS_PER_UNIT = 100


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_bandwidth(n_bytes: int = 256 * 2**20, repeats: int = 5) -> float:
    """Memory bandwidth in bytes/s of a numpy copy (read + write) of a large array."""
    source = np.ones(n_bytes // 8)
    target = np.empty_like(source)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        times.append(time.perf_counter() - start)
    return 2 * source.nbytes / float(np.median(times))


def measure_draw_seconds(n: int, repeats: int = 5) -> float:
    """Seconds for one bulk uniform draw of n float64 numbers."""
    rng = np.random.default_rng(0)
    out = np.empty(n)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        rng.random(out=out)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


#: What one step reads and writes once at least (citizens' state arrays as stored). The unit
#: of each citizen need not be read: citizens are stored unit by unit.
CITIZEN_READS = ("trust", "social_trust", "efficacy", "civic_motivation", "resources",
                 "coop_type", "belief", "expectation", "value", "participating")
CITIZEN_WRITES = ("trust", "social_trust", "efficacy", "belief", "expectation", "value",
                  "contribution", "participating")
PROFESSIONAL_ARRAYS = ("motivation", "autonomy", "scar", "burnout", "skill")


def step_floor_bytes(population) -> tuple[int, int]:
    """Bytes one step must move, as (state bytes, network bytes).

    State: read every citizen array the rules use once, write every one they update once,
    and the same for the professionals. Network: one pass over the neighbour table, gathering
    last step's participation and trust (the ties need no weights: each counts 1/degree).
    """
    cit, prof = population.citizens, population.professionals
    state = sum(getattr(cit, name).nbytes for name in CITIZEN_READS)
    state += sum(getattr(cit, name).nbytes for name in CITIZEN_WRITES)
    state += 2 * sum(getattr(prof, name).nbytes for name in PROFESSIONAL_ARRAYS)
    network = cit.neighbours.nbytes + cit.participating.nbytes + cit.trust.nbytes
    return state, network


#: A tie reads a 64-byte line of trust of its own when its target is in another unit and more
#: than this many places away. Ties inside the own unit (2 x degree places either way, or
#: wrapped round the unit: state.build_network) fall in the unit's few lines, which the step
#: reads once while it sweeps that unit. Ties drawn from the whole municipality land
#: anywhere: each costs a line.
FAR = 64


def far_ties(neighbours: np.ndarray, unit: np.ndarray, chunk: int = 1 << 16) -> int:
    """Ties whose target is in another unit and more than :data:`FAR` places away."""
    far = 0
    for first in range(0, neighbours.shape[0], chunk):
        block = neighbours[first:first + chunk]
        rows = np.arange(first, first + block.shape[0])[:, None]
        other_unit = unit[block] != unit[first:first + chunk, None]
        far += int(np.count_nonzero(other_unit & (np.abs(block - rows) > FAR)))
    return far


def measure_gather_seconds(population, repeats: int = 5) -> float:
    """Seconds for the cheapest neighbour mean of a float64 vector over this network: the
    compiled loop where it is built, else scipy's CSR mat-vec (the numpy path's way)."""
    from governance_sim import native
    from governance_sim.dynamics.groups import neighbour_mean

    cit = population.citizens
    out = np.empty(cit.n)
    library = native.library()
    if library is not None:
        def gather() -> None:
            library.neighbour_mean(cit.n, cit.neighbours.shape[1], cit.neighbours, cit.trust,
                                   out)
    else:
        def gather() -> None:
            neighbour_mean(cit.trust, cit.network)
    gather()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gather()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def run_size(n: int, repeats: int, reference_repeats: int, backend: str | None) -> dict:
    """Measure one population size (called in a fresh subprocess).

    Only the Mesa-free core is imported unless the reference is timed, so that the peak RSS
    is the model's (the Mesa model wraps the same arrays; ``import mesa`` adds about 32 MB).
    """
    baseline = peak_rss_bytes()
    import governance_sim.params as gp
    from governance_sim.dynamics.schedule import begin_step, draw_step, step
    from governance_sim.simulation import Simulation

    imported = peak_rss_bytes()
    params = gp.Params(n_citizens=n, n_units=max(1, n // CITIZENS_PER_UNIT),
                       logic="co_creation")
    simulation = Simulation(params, seed=1, steps=0, backend=backend)
    population, streams = simulation.population, simulation.streams
    for _ in range(3):  # warm-up
        step(population, params, streams, simulation.backend)

    reference = None
    if reference_repeats:
        from governance_sim.reference import ReferenceSimulation

        reference = ReferenceSimulation(population.copy(), params)
    vector_times, reference_times = [], []
    for index in range(max(repeats, reference_repeats)):
        if index < repeats:
            start = time.perf_counter()
            step(population, params, streams, simulation.backend)
            vector_times.append(time.perf_counter() - start)
        if reference is not None and index < reference_repeats:
            start = time.perf_counter()  # events and draws included, as in step()
            ctx = begin_step(reference.population_for_events(), params, streams)
            draws = draw_step(streams, n)
            reference.step(ctx, draws)
            reference_times.append(time.perf_counter() - start)
    step_seconds = float(np.median(vector_times))
    peak = peak_rss_bytes()  # before the probes below allocate their own arrays
    bandwidth = measure_bandwidth()
    draws_seconds = 2 * measure_draw_seconds(n)
    state_bytes, network_bytes = step_floor_bytes(population)
    floor_seconds = (state_bytes + network_bytes) / bandwidth + draws_seconds
    line_bytes = 64 * far_ties(population.citizens.neighbours, population.citizens.unit)
    lines_floor_seconds = (state_bytes + network_bytes + line_bytes) / bandwidth + draws_seconds
    gather_seconds = measure_gather_seconds(population)
    gather_floor_seconds = state_bytes / bandwidth + draws_seconds + gather_seconds
    return {
        "n": n,
        "backend": simulation.backend,
        "ms_per_step": 1e3 * step_seconds,
        "ns_per_agent_step": 1e9 * step_seconds / n,
        "bytes_per_citizen": peak / n,
        "marginal_bytes_per_citizen": (peak - imported) / n,
        "interpreter_mb": imported / 2**20,
        "baseline_mb": baseline / 2**20,
        "floor_ms": 1e3 * floor_seconds,
        "ratio_to_floor": step_seconds / floor_seconds,
        "floor_lines_ms": 1e3 * lines_floor_seconds,
        "ratio_to_floor_lines": step_seconds / lines_floor_seconds,
        "far_ties_per_citizen": line_bytes / 64 / n,
        "gather_ms": 1e3 * gather_seconds,
        "floor_with_gather_ms": 1e3 * gather_floor_seconds,
        "ratio_to_floor_with_gather": step_seconds / gather_floor_seconds,
        "draws_ms": 1e3 * draws_seconds,
        "bandwidth_gb_s": bandwidth / 1e9,
        "reference_ms_per_step": 1e3 * float(np.median(reference_times))
        if reference_times else None,
        "speedup_over_reference": float(np.median(reference_times)) / step_seconds
        if reference_times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--backend", choices=["auto", "native", "numpy"],
                        help="compiled kernels or numpy (default: GOVERNANCE_SIM_BACKEND, "
                             "else auto)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--reference-repeats", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        print(json.dumps(run_size(args.one, args.repeats, args.reference_repeats,
                                  args.backend)))
        return

    if args.quick:
        plan = [(1_000, 7, 3), (10_000, 7, 3)]
    else:
        plan = [(1_000, 15, 5), (10_000, 15, 5), (100_000, 9, 3), (1_000_000, 7, 0)]
    rows = []
    for n, repeats, reference_repeats in plan:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--repeats", str(repeats),
             "--reference-repeats", str(reference_repeats),
             *(["--backend", args.backend] if args.backend else [])],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}; step backend: "
          f"{rows[-1]['backend']}")
    print(f"memory bandwidth (numpy copy): {rows[-1]['bandwidth_gb_s']:.1f} GB/s; "
          f"interpreter with imports: {rows[-1]['interpreter_mb']:.0f} MB")
    header = (f"{'N':>9} {'ms/step':>9} {'ns/agent':>9} {'B/cit':>8} {'B/cit+':>8} "
              f"{'floor ms':>9} {'x floor':>8} {'floor+l':>8} {'x fl+l':>7} {'floor+g':>8} "
              f"{'x fl+g':>7} {'ref ms':>9} {'x ref':>7}")
    print(header)
    for row in rows:
        ref_ms = f"{row['reference_ms_per_step']:.0f}" if row["reference_ms_per_step"] else "-"
        speedup = (f"{row['speedup_over_reference']:.0f}"
                   if row["speedup_over_reference"] else "-")
        print(f"{row['n']:>9} {row['ms_per_step']:>9.2f} {row['ns_per_agent_step']:>9.1f} "
              f"{row['bytes_per_citizen']:>8.0f} {row['marginal_bytes_per_citizen']:>8.0f} "
              f"{row['floor_ms']:>9.2f} {row['ratio_to_floor']:>8.2f} "
              f"{row['floor_lines_ms']:>8.2f} {row['ratio_to_floor_lines']:>7.2f} "
              f"{row['floor_with_gather_ms']:>8.2f} {row['ratio_to_floor_with_gather']:>7.2f} "
              f"{ref_ms:>9} {speedup:>7}")
    print("B/cit = peak RSS / N; B/cit+ = (peak RSS - RSS after imports) / N\n"
          "floor = bytes the step must move / bandwidth + its random draws, each tie's value "
          "counted as 8 bytes;\nfloor+l = the same with a 64-byte cache line for each tie to "
          f"another unit more than {FAR} places away "
          f"({rows[-1]['far_ties_per_citizen']:.2f} per citizen at N = {rows[-1]['n']});\n"
          "floor+g = the floor with the network pass at the measured time of the cheapest "
          f"neighbour mean ({rows[-1]['gather_ms']:.2f} ms at N = {rows[-1]['n']})")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
