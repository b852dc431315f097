"""Robustness of the twelve patterns: 50 seeds, and +/-20 % on every behavioural parameter.

Run from the repository root::

    .venv/bin/python experiments/robustness.py --workers 2          # writes docs/robustness.md
    .venv/bin/python experiments/robustness.py --seeds 10 --oat-seeds 1 --joint 10  # quicker

Three designs, all through :mod:`governance_sim.validation` (the same checks as the tests
and ``governance-sim validate``), at the validation size (2 000 citizens, 40 units):

1. **Seeds**: default parameters, seeds 1..N (N = 50): share of seeds on which each
   pattern's criterion is met.
2. **One at a time**: every behavioural parameter (groups participation, contribution,
   trust, social_capital, motivation, leadership, plus ``initial_belief``) set to 0.8x and
   1.2x its default (clipped to its allowed range), each on ``--oat-seeds`` seeds; a
   pattern survives a variant when it holds on all of them. Lists the variants that break
   each pattern.
3. **Joint**: ``--joint`` parameter sets with every behavioural parameter drawn at once,
   independently and uniformly in [0.8, 1.2] x default (``numpy.random.default_rng(2026)``),
   one seed each (seed 1000 + i).

The lab-only ``end_game_drop`` is not perturbed (it is not a parameter of the full model).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from governance_sim import Params, __version__
from governance_sim import validation as v

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {"participation", "contribution", "trust", "social_capital", "motivation",
          "leadership"}
NUMBERS = tuple(range(1, 13))


def behavioural_fields() -> list:
    return [r for r in Params.describe()
            if (r.group in GROUPS or r.name == "initial_belief") and r.kind == "float"]


def scaled(row, factor: float) -> float:
    value = float(row.default) * factor
    if row.low is not None:
        value = max(row.low, value)
    if row.high is not None:
        value = min(row.high, value)
    return value


def check(task: tuple[str, dict, tuple[int, ...]]) -> tuple[str, dict[int, list[bool]]]:
    label, changes, seeds = task
    base = v.small_params(**changes)
    out = {}
    for number in NUMBERS:
        result = v.PATTERNS[number](seeds, base)
        out[number] = result.passed
    return label, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--oat-seeds", type=int, default=2)
    parser.add_argument("--joint", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "robustness.md")
    args = parser.parse_args()
    started = time.time()
    fields = behavioural_fields()
    tasks = []
    # 1. seeds, in chunks of 5 so the work spreads over workers
    all_seeds = list(range(1, args.seeds + 1))
    for i in range(0, len(all_seeds), 5):
        tasks.append((f"seeds:{i}", {}, tuple(all_seeds[i:i + 5])))
    # 2. one at a time
    oat_seeds = tuple(range(1, args.oat_seeds + 1))
    for row in fields:
        for factor in (0.8, 1.2):
            value = scaled(row, factor)
            tasks.append((f"oat:{row.name}:{factor}", {row.name: value}, oat_seeds))
    # 3. joint
    rng = np.random.default_rng(2026)
    for i in range(args.joint):
        factors = rng.uniform(0.8, 1.2, size=len(fields))
        changes = {row.name: scaled(row, f) for row, f in zip(fields, factors, strict=True)}
        tasks.append((f"joint:{i}", changes, (1000 + i,)))

    results: dict[str, dict[int, list[bool]]] = {}
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            for label, out in pool.map(check, tasks, chunksize=1):
                results[label] = out
    else:
        for task in tasks:
            label, out = check(task)
            results[label] = out
    elapsed = time.time() - started

    lines = [
        "# Robustness of the patterns",
        "",
        "<!-- Written by experiments/robustness.py; re-run it to refresh. -->",
        "",
        f"Generated {dt.date.today().isoformat()} by `experiments/robustness.py "
        f"--seeds {args.seeds} --oat-seeds {args.oat_seeds} --joint {args.joint}` "
        f"(governance-sim {__version__}) in {elapsed / 60:.1f} min. Every run: "
        f"{v.SMALL['n_citizens']} citizens, {v.SMALL['n_units']} units. Criteria: "
        "`governance_sim.validation` (the same as `tests/patterns/` and `governance-sim "
        "validate`).",
        "",
        f"* **Seeds**: default parameters on seeds 1-{args.seeds}; share of seeds that meet "
        "the pattern's criterion.",
        f"* **One at a time**: each of the {len(fields)} behavioural parameters at 0.8x and "
        f"1.2x its default ({2 * len(fields)} variants), each on seeds "
        f"{', '.join(map(str, oat_seeds))}; a variant keeps the pattern when every seed meets "
        "the criterion.",
        f"* **Joint**: {args.joint} draws with every behavioural parameter at once uniform in "
        "[0.8, 1.2] x default (one seed each).",
        "",
        "Verdict: *survives* when each of the three shares is >= 95 %, *mostly survives* "
        "when each is >= 80 %, *fails* when all are below 50 %, otherwise *fragile*.",
        "",
        "| pattern | verdict | seeds | one at a time: variants kept | joint: draws kept | "
        "variants that break it (one at a time) |",
        "|---|---|---|---|---|---|",
    ]
    names = {n: v.PATTERNS[n].__doc__.strip().splitlines()[0].rstrip(".") for n in NUMBERS}
    for n in NUMBERS:
        seed_pass = [p for label, out in results.items() if label.startswith("seeds:")
                     for p in out[n]]
        oat = {label: all(out[n]) for label, out in results.items() if label.startswith("oat:")}
        joint = [all(out[n]) for label, out in results.items() if label.startswith("joint:")]
        broken = sorted(label[4:].replace(":", " x") for label, ok in oat.items() if not ok)
        if broken and len(broken) == len(oat):
            broken_text = "all (the pattern fails at the defaults too)"
        else:
            broken_text = ", ".join(f"`{b}`" for b in broken) if broken else "none"
        shares = [np.mean(seed_pass), np.mean(list(oat.values())), np.mean(joint)]
        verdict = ("survives" if min(shares) >= 0.95 else
                   "mostly survives" if min(shares) >= 0.8 else
                   "fails" if max(shares) < 0.5 else "fragile")
        lines.append(
            f"| {n}. {names[n]} | {verdict} | {sum(seed_pass)}/{len(seed_pass)} | "
            f"{sum(oat.values())}/{len(oat)} | {sum(joint)}/{len(joint)} | {broken_text} |")
    lines += ["", "Parameters perturbed: " + ", ".join(f"`{r.name}`" for r in fields) + ".",
              "`unconditional_contribution` is calibrated to 0, so scaling leaves it at 0.", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(args.out)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
