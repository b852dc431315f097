"""Sweep speed-up: serial vs a local pool of reused worker processes (not a test).

Times the same sweep (same spec, same seeds) run serially in this process and on
``--workers`` local worker processes, checks that both give the same table, and prints the
speed-up. Target (docs/performance.md): >= 1.8x on 2 workers for 100 runs of 10 000
citizens x 200 steps. The pool's time includes starting its worker processes (and their
``import governance_sim``); the serial time does not pay an import (done before timing).
The machine is shared: the load average is printed before and after each timing.

Usage::

    .venv/bin/python benchmarks/sweep_speedup.py [--workers 2] [--citizens 10000]
        [--steps 200] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import governance_sim.simulation  # noqa: F401 - imported before timing the serial sweep
from governance_sim.sweep import read_table, run_sweep, spec_from_dict
from governance_sim.sweep.executors import DEFAULT_START_METHOD


def spec(citizens: int, steps: int) -> dict:
    """100 runs: 2 logics x 10 initial-trust levels x 5 replicates."""
    return {
        "sweep": {"name": "speedup", "steps": steps, "replicates": 5, "seed": 2026},
        "levers": {"logic": ["npm", "co_creation"]},
        "uncertainties": {"initial_trust": {"low": 0.3, "high": 0.75, "levels": 10}},
        "constants": {"n_citizens": citizens, "n_units": max(1, citizens // 100)},
        "outcomes": {"trust": {"metric": "trust_mean"},
                     "pv": {"metric": "public_value_index", "stat": "mean",
                            "window": [steps // 2, steps]}},
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def timed(label: str, sweep: dict, out: Path, workers: int,
          start_method: str = DEFAULT_START_METHOD) -> float:
    before = load()
    start = time.perf_counter()
    report = run_sweep(spec_from_dict(sweep), out, workers=workers, progress=False,
                       start_method=start_method)
    elapsed = time.perf_counter() - start
    assert report.ok and report.ran == 100, report
    print(f"{label:<10} {elapsed:7.2f} s   ({before} -> {load()})", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--start-method", default=DEFAULT_START_METHOD,
                        help="how the workers start: forkserver (default where available), "
                        "spawn, fork")
    args = parser.parse_args()
    sweep = spec(args.citizens, args.steps)
    print(f"100 runs x {args.citizens} citizens x {args.steps} steps; "
          f"{os.cpu_count()} cores; {load()}")
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            serial_out = Path(folder) / f"serial{repeat}"
            pool_out = Path(folder) / f"pool{repeat}"
            # alternate the order so a change in the machine's load hits both sides
            if repeat % 2 == 0:
                serial = timed("serial", sweep, serial_out, 1)
                pool = timed(f"{args.workers} workers", sweep, pool_out, args.workers,
                             args.start_method)
            else:
                pool = timed(f"{args.workers} workers", sweep, pool_out, args.workers,
                             args.start_method)
                serial = timed("serial", sweep, serial_out, 1)
            pd.testing.assert_frame_equal(read_table(serial_out).drop(columns="elapsed_s"),
                                          read_table(pool_out).drop(columns="elapsed_s"))
            run_serial = read_table(serial_out)["elapsed_s"].mean()
            run_pool = read_table(pool_out)["elapsed_s"].mean()
            ratios.append(serial / pool)
            # a run that takes longer inside a worker than in the serial sweep means the
            # workers did not get a full core each (other jobs on the machine)
            print(f"speed-up {serial / pool:.2f}x (mean run: serial {run_serial:.3f} s, "
                  f"in a worker {run_pool:.3f} s; tables equal)", flush=True)
    best = statistics.median(ratios)
    print(f"result: median speed-up {best:.2f}x on {args.workers} workers "
          f"({args.start_method}) "
          f"(target >= 1.8x: {'met' if best >= 1.8 else 'NOT met'}); all: "
          + ", ".join(f"{r:.2f}x" for r in ratios))


if __name__ == "__main__":
    main()
