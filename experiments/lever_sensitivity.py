"""How much the main conclusions depend on the lever table: Morris screening over all cells.

Run from the repository root::

    .venv/bin/python experiments/lever_sensitivity.py --workers 2  # docs/lever_sensitivity.md
    .venv/bin/python experiments/lever_sensitivity.py --trajectories 4 --citizens 2000  # quicker

Every cell of ``logics.LEVER_TABLE`` (14 levers x 3 logics = 42 factors) varies over its
plausible range (``LeverRow.ranges``, with the reason in ``docs/parameters.md``). Each design
point is one whole lever table: the three logics are run with their cells of that point as
lever overrides (same seed for all: common random numbers), and the main conclusions of the
model at month 120 are measured as margins (positive: the conclusion holds):

* ``npm_cost_lead``: the cheapest other logic's cost minus NPM's (NPM cheapest);
* ``npm_output_lead``: NPM's measured output minus the best other's;
* ``bureaucracy_gap_lead``: the smallest other absolute outcome gap minus bureaucracy's;
* ``co_creation_pv_lead``: co-creation's public value index minus the best other's;
* ``co_creation_trust_lead``: co-creation's mean trust minus the best other's.

Morris elementary effects (SALib; ``mu_star`` in the margin's units, ``sigma`` for
interactions and non-linearity) rank the cells for each conclusion, and the share of design
points at which each conclusion (and "no logic best on everything") holds says how robust
it is to the whole lever table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from governance_sim import Params, __version__
from governance_sim.field import TRADE_OFF_METRICS, trade_off_table
from governance_sim.logics import LEVER_TABLE
from governance_sim.params import LOGIC_NAMES
from governance_sim.simulation import run

ROOT = Path(__file__).resolve().parents[1]
MONTH = 120
#: The levers varied: those with a range in at least one logic (policy levers outside the
#: three logics, such as paying for participation, have none and stay at their cells).
VARIED = [row for row in LEVER_TABLE if any(high > low for low, high in row.ranges)]
CONCLUSIONS = ("npm_cost_lead", "npm_output_lead", "bureaucracy_gap_lead",
               "co_creation_pv_lead", "co_creation_trust_lead")


def factors() -> tuple[list[str], list[list[float]]]:
    """Factor names ``lever[logic]`` and their bounds, from the lever table's ranges."""
    names, bounds = [], []
    for row in VARIED:
        for logic, (low, high) in zip(LOGIC_NAMES, row.ranges, strict=True):
            names.append(f"{row.name}[{logic}]")
            bounds.append([low, high])
    return names, bounds


def evaluate(task: tuple[np.ndarray, int, int]) -> dict[str, float]:
    """Run the three logics with one lever table; return the metrics at month 120."""
    point, citizens, seed = task
    out: dict[str, float] = {}
    for k, logic in enumerate(LOGIC_NAMES):
        levers = {row.name: float(point[3 * i + k]) for i, row in enumerate(VARIED)}
        params = Params(n_citizens=citizens, n_units=max(1, citizens // 100), logic=logic,
                        levers=levers)
        row = run(params, steps=MONTH, seed=seed).timeseries.loc[MONTH]
        for metric in TRADE_OFF_METRICS:
            out[f"{logic}.{metric}_at_120"] = float(row[metric])
    return out


def margins(stats: dict[str, float]) -> dict[str, float]:
    """The conclusions as margins (positive: the conclusion holds)."""
    def value(logic: str, metric: str) -> float:
        return stats[f"{logic}.{metric}_at_120"]

    others = {logic: [o for o in LOGIC_NAMES if o != logic] for logic in LOGIC_NAMES}
    return {
        "npm_cost_lead": min(value(o, "cost") for o in others["npm"]) - value("npm", "cost"),
        "npm_output_lead": value("npm", "measured_output")
        - max(value(o, "measured_output") for o in others["npm"]),
        "bureaucracy_gap_lead": min(abs(value(o, "outcome_gap")) for o in others["bureaucracy"])
        - abs(value("bureaucracy", "outcome_gap")),
        "co_creation_pv_lead": value("co_creation", "public_value_index")
        - max(value(o, "public_value_index") for o in others["co_creation"]),
        "co_creation_trust_lead": value("co_creation", "trust_mean")
        - max(value(o, "trust_mean") for o in others["co_creation"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=10)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--citizens", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "lever_sensitivity.md")
    args = parser.parse_args()

    names, bounds = factors()
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    design = morris_sample.sample(problem, args.trajectories, num_levels=args.levels, seed=2026)
    tasks = [(point, args.citizens, args.seed) for point in design]
    started = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(evaluate, tasks, chunksize=4))
    else:
        results = [evaluate(task) for task in tasks]
    elapsed = time.perf_counter() - started
    table = {name: np.array([margins(r)[name] for r in results]) for name in CONCLUSIONS}
    no_dominance = np.mean([len(set(trade_off_table(r).values())) >= 2 for r in results])

    lines = [
        "# Sensitivity of the main conclusions to the lever table",
        "",
        "<!-- Written by experiments/lever_sensitivity.py; rerun it to refresh. -->",
        "",
        f"Morris screening (SALib) over all {len(names)} cells of the lever table, each over "
        "its plausible range (`docs/parameters.md`, *Plausible range of each cell*): "
        f"{args.trajectories} trajectories, {args.levels} levels, {len(design)} lever tables, "
        f"each run for the three logics at {args.citizens} citizens for {MONTH} months, seed "
        f"{args.seed} (common random numbers). governance-sim {__version__}, "
        f"{dt.date.today().isoformat()}, {elapsed:.0f} s on {args.workers} worker(s).",
        "",
        "Each conclusion is a margin at month 120 (positive: it holds). *Holds* is the share "
        "of the sampled lever tables in which it holds; `mu*` is the mean absolute elementary "
        "effect of a cell over its whole range, in the margin's units; `sigma` large against "
        "`mu*` means interactions or non-linearity.",
        "",
        "| conclusion | holds | mean margin (min to max) |",
        "|---|---|---|",
    ]
    for name in CONCLUSIONS:
        values = table[name]
        lines.append(f"| `{name}` | {np.mean(values > 0):.0%} | {np.mean(values):+.4f} "
                     f"({values.min():+.4f} to {values.max():+.4f}) |")
    lines += ["", f"No logic is best on all six trade-off metrics in {no_dominance:.0%} of "
              "the sampled lever tables.", ""]
    for name in CONCLUSIONS:
        result = morris_analyze.analyze(problem, design, table[name], num_levels=args.levels,
                                        seed=2026)
        order = np.argsort(result["mu_star"])[::-1][:8]
        lines += [f"## `{name}`: the eight most influential cells", "",
                  "| cell | mu* | sigma |", "|---|---|---|"]
        for i in order:
            lines.append(f"| `{names[i]}` | {result['mu_star'][i]:.4f} | "
                         f"{result['sigma'][i]:.4f} |")
        lines.append("")
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out} ({len(design)} lever tables, {elapsed:.0f} s)")


if __name__ == "__main__":
    main()
