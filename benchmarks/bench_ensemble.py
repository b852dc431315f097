"""Ensemble throughput: many small runs (issue 14 item 6; not a test).

A researcher's usual request is 1 000 replicates of 10 000 citizens x 120 months. This
prints, in one table:

1. **Fixed cost per step**: CPU time of one step (the schedule, then the metrics) at
   N = 100 ... 30 000 citizens (100 units, the default), and the least-squares line
   ``t(N) = a + b N``: ``a`` is the cost a step pays whatever the population (Python and
   small unit-level numpy calls), ``b`` the cost per citizen.
2. **One run** of ``--citizens`` x ``--steps`` (``gs.run``): CPU seconds split into building
   the population, the steps and the results table, and runs per CPU second.
3. **A sweep** of ``--replicates`` runs (``gs.sweep``), serial in this process and on
   ``--workers`` local worker processes (the sweep's process executor): wall seconds, CPU
   seconds of this process and of every worker (read with psutil before the pool closes,
   start-up included), runs per second.
4. **Summary**, one table of the figures above and the projection for ``--project``
   replicates: serial CPU minutes, and the wall time on an otherwise idle machine with
   ``--workers`` cores (the pool sweep's CPU per run, divided over the workers).

CPU time (``time.process_time``) is the figure to quote on a shared machine: wall time
there measures the other users as much as the model. The load average is printed with
every timing. The same seed gives the same table on both executors (checked).

Usage::

    .venv/bin/python benchmarks/bench_ensemble.py            # about 2 CPU minutes
    .venv/bin/python benchmarks/bench_ensemble.py --quick    # about 20 CPU seconds
    .venv/bin/python benchmarks/bench_ensemble.py --only fit # just the fixed-cost fit
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import governance_sim as gs
from governance_sim.dynamics import schedule
from governance_sim.metrics import measure
from governance_sim.simulation import Simulation

#: Population sizes of the fixed-cost fit.
FIT_SIZES = (100, 300, 1_000, 3_000, 10_000, 30_000)
#: Units of every run here (the default): the unit-level work is part of the fixed cost.
UNITS = 100


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes)."""
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def step_costs(n: int, steps: int, blocks: int, seed: int = 1) -> tuple[float, float]:
    """Median CPU seconds per step of (the schedule, the metrics) at ``n`` citizens.

    The steps run in ``blocks`` blocks after 5 warm-up steps; the median of the blocks'
    means resists a block slowed by the machine's other users.
    """
    sim = Simulation(gs.Params(n_citizens=n, n_units=min(UNITS, n)), seed,
                     steps=5 + steps * blocks)
    population, params, streams = sim.population, sim.dynamics_params, sim.streams
    for _ in range(5):
        sim.step()
    step_means, measure_means = [], []
    clock = time.process_time
    for _ in range(blocks):
        in_step = in_measure = 0.0
        for _ in range(steps):
            t0 = clock()
            schedule.step(population, params, streams, sim.backend)
            t1 = clock()
            sim.recorder.record(measure(population, params))
            in_step += t1 - t0
            in_measure += clock() - t1
        step_means.append(in_step / steps)
        measure_means.append(in_measure / steps)
    return statistics.median(step_means), statistics.median(measure_means)


def fit(sizes: tuple[int, ...], quick: bool) -> dict[str, float]:
    """Per-step CPU cost at each size and the fitted line; prints one row per size."""
    print(f"\n1. CPU per step (schedule + metrics), {UNITS} units, seed 1   [{load()}]")
    print(f"{'citizens':>10} {'step ms':>9} {'metrics ms':>11} {'total ms':>9}")
    totals = []
    for n in sizes:
        steps = max(10, min(400, 2_000_000 // (n * (8 if quick else 2))))
        step_s, measure_s = step_costs(n, steps, 3 if quick else 5)
        totals.append(step_s + measure_s)
        print(f"{n:>10} {step_s * 1e3:>9.3f} {measure_s * 1e3:>11.3f} "
              f"{(step_s + measure_s) * 1e3:>9.3f}", flush=True)
    slope, intercept = np.polyfit(np.array(sizes, float), np.array(totals), 1)
    print(f"fit t = a + b N:  a = {intercept * 1e3:.3f} ms per step (fixed),  "
          f"b = {slope * 1e9:.1f} ns per citizen-step")
    return {"fixed_s": float(intercept), "per_citizen_s": float(slope),
            "small_s": totals[0]}


def one_run(citizens: int, steps: int, repeats: int) -> dict[str, float]:
    """CPU and wall seconds of ``gs.run``-equivalent runs, median over ``repeats`` seeds."""
    print(f"\n2. one run: {citizens} citizens x {steps} months, median of {repeats} seeds"
          f"   [{load()}]")
    rows = []
    for seed in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        sim = Simulation(gs.Params(n_citizens=citizens), seed, steps=steps)
        c1 = time.process_time()
        for _ in range(steps):
            sim.step()
        c2 = time.process_time()
        sim.results().timeseries  # noqa: B018 - building the table is part of a run
        c3, w3 = time.process_time(), time.perf_counter()
        rows.append((c1 - c0, c2 - c1, c3 - c2, c3 - c0, w3 - w0))
    build, stepping, table, cpu, wall = (statistics.median(col) for col in zip(*rows, strict=True))
    print(f"CPU s per run {cpu:.3f}  (build {build:.3f}, steps {stepping:.3f} = "
          f"{stepping / steps * 1e3:.2f} ms/step, results {table:.3f});  wall s {wall:.3f}")
    print(f"runs per CPU second {1 / cpu:.2f}")
    return {"cpu": cpu, "wall": wall, "step": stepping / steps}


def sweep_args(citizens: int, steps: int, replicates: int) -> dict:
    """The sweep: ``replicates`` seeds of one design point, final trust and mean PV."""
    return {"constants": {"n_citizens": citizens},
            "outcomes": {"trust": "trust_mean",
                         "pv": {"metric": "public_value_index", "stat": "mean",
                                "window": [steps // 2, steps]}},
            "steps": steps, "replicates": replicates, "seed": 2026, "progress": False}


def descendants_cpu() -> float:
    """User + system CPU seconds of every live descendant process.

    psutil comes with ``dask[distributed]``, a dependency of the package.
    """
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def sweeps(citizens: int, steps: int, replicates: int, workers: int) -> dict[str, float]:
    """The same sweep serial and on a pool of ``workers`` processes; wall and CPU."""
    from governance_sim.sweep.executors import PoolExecutor

    print(f"\n3. sweep of {replicates} replicates x {citizens} citizens x {steps} months")
    print(f"{'executor':>12} {'wall s':>8} {'CPU s':>8} {'CPU s/run':>10} {'runs/s wall':>12} "
          f"{'runs/CPU s':>11}  load before -> after")
    args = sweep_args(citizens, steps, replicates)
    gs.sweep(**sweep_args(citizens, 2, 1), workers=1)  # the imports, before timing
    before = load()
    c0, w0 = time.process_time(), time.perf_counter()
    serial = gs.sweep(**args, workers=1)
    cpu_s, wall_s = time.process_time() - c0, time.perf_counter() - w0
    print(f"{'serial':>12} {wall_s:>8.2f} {cpu_s:>8.2f} {cpu_s / replicates:>10.3f} "
          f"{replicates / wall_s:>12.2f} {replicates / cpu_s:>11.2f}  {before} -> {load()}",
          flush=True)
    before = load()
    c0, w0 = time.process_time(), time.perf_counter()
    pool = PoolExecutor(workers)
    try:
        parallel = gs.sweep(**args, executor=pool)
        wall_p = time.perf_counter() - w0
        cpu_p = time.process_time() - c0 + descendants_cpu()
    finally:
        pool.close()
    print(f"{f'{workers} workers':>12} {wall_p:>8.2f} {cpu_p:>8.2f} {cpu_p / replicates:>10.3f} "
          f"{replicates / wall_p:>12.2f} {replicates / cpu_p:>11.2f}  {before} -> {load()}")
    same = serial[["seed", "trust", "pv"]].equals(parallel[["seed", "trust", "pv"]])
    print(f"wall speed-up {wall_s / wall_p:.2f}x; same table on both: {same}")
    return {"serial_cpu_run": cpu_s / replicates, "pool_cpu_run": cpu_p / replicates,
            "serial_wall": wall_s, "pool_wall": wall_p}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--replicates", type=int, default=40, help="runs in the sweep")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--project", type=int, default=1_000,
                        help="replicates of the projection")
    parser.add_argument("--quick", action="store_true",
                        help="fewer steps in the fit, 3 seeds, 8 replicates")
    parser.add_argument("--only", choices=("fit", "run", "sweep"),
                        help="run one part of the table")
    args = parser.parse_args()
    if args.quick and args.replicates == 40:
        args.replicates = 8
    print(f"governance-sim {gs.__version__ if hasattr(gs, '__version__') else ''} "
          f"backend {Simulation(gs.Params(n_citizens=10, n_units=1), 0, 0).backend}; "
          f"{os.cpu_count()} cores; {load()}")
    line = run = swept = None
    if args.only in (None, "fit"):
        line = fit(FIT_SIZES, args.quick)
        share = line["fixed_s"] / (line["fixed_s"] + line["per_citizen_s"] * args.citizens)
        print(f"fixed share of a step at {args.citizens} citizens: {share:.0%}")
    if args.only in (None, "run"):
        run = one_run(args.citizens, args.steps, 3 if args.quick else 5)
    if args.only in (None, "sweep"):
        swept = sweeps(args.citizens, args.steps, args.replicates, args.workers)
    rows: list[tuple[str, str]] = []
    if line:
        rows += [("fixed CPU per step, a of the fit (ms)", f"{line['fixed_s'] * 1e3:.3f}"),
                 ("CPU per citizen-step, b of the fit (ns)", f"{line['per_citizen_s'] * 1e9:.1f}"),
                 (f"CPU per step at {FIT_SIZES[0]} citizens (ms)", f"{line['small_s'] * 1e3:.3f}")]
    label = f"{args.citizens} x {args.steps}"
    if run:
        rows += [(f"CPU s per run, {label}", f"{run['cpu']:.3f}"),
                 ("runs per CPU second, serial", f"{1 / run['cpu']:.2f}"),
                 (f"{args.project} replicates serial (CPU min)",
                  f"{args.project * run['cpu'] / 60:.1f}")]
    if swept:
        pool_wall = args.project * swept["pool_cpu_run"] / args.workers
        rows += [(f"sweep of {args.replicates}, serial: CPU s per run",
                  f"{swept['serial_cpu_run']:.3f}"),
                 (f"sweep of {args.replicates}, {args.workers} workers: CPU s per run "
                  "(start-up included)", f"{swept['pool_cpu_run']:.3f}"),
                 (f"sweep wall speed-up, {args.workers} workers (load-dependent)",
                  f"{swept['serial_wall'] / swept['pool_wall']:.2f}x"),
                 ("workers' start-up, estimated: pool CPU - runs x serial CPU per run (s)",
                  f"{(swept['pool_cpu_run'] - swept['serial_cpu_run']) * args.replicates:.2f}"),
                 (f"{args.project} replicates, {args.workers} workers on an idle "
                  f"{args.workers}-core machine (min; start-up as in {args.replicates} runs)",
                  f"{pool_wall / 60:.1f}"),
                 (f"{args.project} replicates at this machine's measured wall rate (min)",
                  f"{args.project * swept['pool_wall'] / args.replicates / 60:.1f}")]
    width = max(len(name) for name, _ in rows)
    print(f"\nSummary ({args.citizens} citizens, {args.steps} months; CPU = process time; "
          f"{load()})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>8}")

if __name__ == "__main__":
    main()
