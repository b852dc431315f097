"""Robustness of the twelve patterns: seeds, +/-20 % on every parameter and lever-table cell.

Run from the repository root::

    .venv/bin/python experiments/robustness.py --workers 2          # writes out/robustness.md
    .venv/bin/python experiments/robustness.py --workers 2 --update-docs  # docs/robustness.md
    .venv/bin/python experiments/robustness.py --seeds 10 --oat-seeds 1 --joint 10  # quicker

Five designs, all through :mod:`governance_sim.validation` (the same checks as the tests
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
4. **Lever table**: every cell of ``logics.LEVER_TABLE`` (lever x logic) at 0.8x and 1.2x
   its value (clipped to the lever's allowed range; ``Params.lever_table``, so a cell acts
   only while its logic governs, also after a switch), each on ``--oat-seeds`` seeds.
5. **Domain of validity**: seeds 1-3 at the ends of the OECD range of starting trust
   (``--initial-trusts``, 0.36 and 0.64), and at larger populations (``--populations``, 50
   citizens per unit as at the validation size; seed 1 only above 10 000 citizens).

The lab-only ``end_game_drop`` is not perturbed (it is not a parameter of the full model).

The page goes to ``--out`` (default ``out/robustness.md``); the repository's own pages in
``docs/`` are written only with ``--update-docs`` (default ``--out`` then
docs/robustness.md), and only the full design set writes docs/robustness.md.
``--designs domain`` alone writes a page of its own (the domain table with each pattern's
statistic and the minutes each column took), e.g. the larger populations::

    .venv/bin/python experiments/robustness.py --designs domain --initial-trusts \
        --populations 200000 1000000 --out out/robustness_population.md
    # the same with --update-docs --out docs/robustness_population.md refreshes that page

Any other partial set must name another ``--out``: a partial run would otherwise replace
the committed page with 0/0 for the designs left out. The script never overwrites a file it
did not write (the first lines carry its marker).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from governance_sim import Params, __version__
from governance_sim import validation as v
from governance_sim.logics import LEVER_TABLE
from governance_sim.params import LEVER_RANGES, LOGIC_NAMES

ROOT = Path(__file__).resolve().parents[1]
FULL_PAGE = ROOT / "docs" / "robustness.md"
DESIGNS = ("seeds", "oat", "joint", "levers", "domain")
MARKER = "<!-- Written by experiments/robustness.py; re-run it to refresh. -->"
#: Pages the full page's domain section links to, when they exist next to it.
POPULATION_PAGE = "robustness_population.md"
LOW_TRUST_PAGE = "robustness_low_trust.md"
GROUPS = {"participation", "contribution", "trust", "social_capital", "motivation",
          "leadership"}
NUMBERS = tuple(range(1, 13))


def behavioural_fields() -> list:
    return [r for r in Params.describe().itertuples()
            if (r.group in GROUPS or r.name == "initial_belief") and r.kind == "float"]


def _bounded(value: float, low: float | None, high: float | None) -> float:
    if low is not None and not math.isnan(low):
        value = max(low, value)
    if high is not None and not math.isnan(high):
        value = min(high, value)
    return value


def scaled(row, factor: float) -> float:
    return _bounded(float(row.default) * factor, row.low, row.high)


def lever_cells() -> list[tuple[str, str, float]]:
    """(logic, lever, value) of every cell of the lever table."""
    return [(logic, row.name, float(getattr(row, logic)))
            for row in LEVER_TABLE for logic in LOGIC_NAMES]


Outcome = dict[int, tuple[list[bool], list[float]]]


def check(task: tuple[str, dict, tuple[int, ...]]) -> tuple[str, Outcome, float]:
    """Run the twelve patterns on one variant.

    Returns:
        The task's label; per pattern number, pass and statistic per seed; seconds taken.
    """
    label, changes, seeds = task
    started = time.perf_counter()
    base = v.small_params(**changes)
    out = {}
    for number in NUMBERS:
        result = v.PATTERNS[number](seeds, base)
        out[number] = (result.passed, result.values)
    return label, out, time.perf_counter() - started


def domain_tasks(initial_trusts: list[float], populations: list[int]
                 ) -> list[tuple[str, dict, tuple[int, ...]]]:
    """(label, parameter changes, seeds) of each column of the domain-of-validity table."""
    tasks = [(f"initial trust {t:g}", {"initial_trust": t}, (1, 2, 3)) for t in initial_trusts]
    for size in populations:
        seeds = (1,) if size > 10_000 else (1, 2, 3)
        tasks.append((f"{size:,} citizens".replace(",", " "),
                      {"n_citizens": size, "n_units": max(1, size // 50)}, seeds))
    return tasks


#: Where the page goes without ``--out`` and ``--update-docs`` (relative to the working folder).
DEFAULT_OUT = Path("out") / "robustness.md"


def writable_out(out: Path, designs: set[str], update_docs: bool = False) -> str | None:
    """Why ``out`` may not be written for this design set, or None when it may.

    A page in the repository's ``docs/`` is written only with ``update_docs``.
    """
    docs = FULL_PAGE.parent.resolve()
    if not update_docs and (out.resolve() == docs or docs in out.resolve().parents):
        return (f"{out} is a page of the repository's docs/; add --update-docs to replace "
                f"it, or write elsewhere (default --out {DEFAULT_OUT})")
    if out.resolve() == FULL_PAGE.resolve() and designs != set(DESIGNS):
        return (f"--designs {','.join(sorted(designs))} would replace {FULL_PAGE.name} with "
                "0/0 for the designs left out; run all five designs or pass --out OTHER.md")
    if out.is_dir():
        return f"{out} is a folder; --out takes a .md file"
    folder = next((d for d in (out.parent, *out.parent.parents) if d.exists()), None)
    if folder is None or not os.access(folder, os.W_OK):
        return f"cannot write {out}: {folder} is not writable"
    if out.exists():
        head = out.read_text(encoding="utf-8", errors="replace")[:2000]
        if MARKER not in head:
            return (f"{out} exists and was not written by this script (no marker line); "
                    "choose another --out")
    return None


def domain_section(labels: list[str], results: dict[str, Outcome], names: dict[int, str],
                   populations: list[int], page_dir: Path) -> list[str]:
    """The full page's domain-of-validity section: table, failures, links."""
    largest = max(populations, default=v.SMALL["n_citizens"])
    lines = [
        "## Domain of validity: starting trust and population",
        "",
        "Each pattern's criterion (seeds met / seeds run) at the ends of the OECD range of "
        "starting trust (0.36 and 0.64; default 0.55) and at larger populations (50 citizens "
        "per unit, as at the validation size of 2 000 citizens in 40 units); all else at the "
        "defaults. This table goes up to " + f"{largest:,}".replace(",", " ") + " citizens.",
    ]
    if (page_dir / POPULATION_PAGE).exists():
        lines[-1] += (f" Larger populations (one seed each): [{POPULATION_PAGE}]"
                      f"({POPULATION_PAGE}), written by `--designs domain`.")
    lines += ["", "| pattern | " + " | ".join(labels) + " |",
              "|---|" + "---|" * len(labels)]
    for n in NUMBERS:
        cells = [f"{sum(results[f'domain:{label}'][n][0])}/"
                 f"{len(results[f'domain:{label}'][n][0])}" for label in labels]
        lines.append(f"| {n}. {names[n]} | " + " | ".join(cells) + " |")
    lines.append("")
    misses = []
    for label in labels:
        failed = [f"{n} ({sum(results[f'domain:{label}'][n][0])}/"
                  f"{len(results[f'domain:{label}'][n][0])})" for n in NUMBERS
                  if not all(results[f"domain:{label}"][n][0])]
        if failed:
            misses.append(f"at {label}: pattern{'s' if len(failed) > 1 else ''} "
                          + ", ".join(failed))
    lines.append("Not met on every seed: " + ("; ".join(misses) if misses else "none") + ".")
    if (page_dir / LOW_TRUST_PAGE).exists():
        lines.append("Why patterns 4, 8 and 11 did not all hold at a starting trust of 0.36 "
                     "(measurements, what each criterion measures, what the literature says): "
                     f"[{LOW_TRUST_PAGE}]({LOW_TRUST_PAGE}).")
    lines.append("")
    return lines


def domain_page(labels: list[str], tasks: dict[str, tuple[int, ...]],
                results: dict[str, Outcome], seconds: dict[str, float],
                names: dict[int, str], command: str, workers: int = 1) -> list[str]:
    """A page holding only the domain table, with each pattern's statistic per seed."""
    lines = [
        "# Domain of validity of the patterns" + (
            ": larger populations" if all(label.endswith("citizens") for label in labels)
            else ""),
        "",
        MARKER,
        "",
        f"Generated {dt.date.today().isoformat()} by `{command}` (governance-sim "
        f"{__version__}), {workers} worker{'s' if workers > 1 else ''}. Each column: "
        "every one of the twelve pattern checks of `governance_sim.validation` (the same "
        "as `tests/patterns/` and `governance-sim validate`), 50 citizens per unit as at "
        "the validation size (2 000 citizens in 40 units), all else at the defaults. A "
        "cell: seeds met / seeds run, then the pattern's statistic on each seed (what it "
        "is and its threshold: `governance-sim validate` or `governance_sim.validation`). "
        "Patterns 1 and 2 run in lab mode (280 groups of 4) and do not depend on the "
        "population. For the same statistics at the validation size, add `2000` to "
        "`--populations` or run `governance-sim validate`; the full robustness study is in "
        "[robustness.md](robustness.md).",
        "",
        "| column | seeds | minutes (12 patterns) |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {', '.join(map(str, tasks[label]))} | "
              f"{seconds[label] / 60:.1f} |" for label in labels]
    lines += ["", "| pattern | " + " | ".join(labels) + " |",
              "|---|" + "---|" * len(labels)]
    for n in NUMBERS:
        cells = []
        for label in labels:
            passed, values = results[f"domain:{label}"][n]
            cells.append(f"{sum(passed)}/{len(passed)} ("
                         + ", ".join(f"{x:.3g}" for x in values) + ")")
        lines.append(f"| {n}. {names[n]} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def write_page(out: Path, lines: list[str]) -> None:
    """Write ``lines`` to ``out`` atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--oat-seeds", type=int, default=2)
    parser.add_argument("--joint", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--populations", type=int, nargs="*", default=[10_000, 100_000],
                        help="populations of the domain-of-validity table")
    parser.add_argument("--initial-trusts", type=float, nargs="*", default=[0.36, 0.64],
                        help="starting trusts of the domain-of-validity table (none: leave "
                        "them out)")
    parser.add_argument("--designs", default=",".join(DESIGNS),
                        help="comma-separated designs to run; only all five may write "
                        "docs/robustness.md, 'domain' alone writes a page of its own")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"the page to write (default: {DEFAULT_OUT}; with --update-docs "
                        "docs/robustness.md)")
    parser.add_argument("--update-docs", action="store_true",
                        help="write the repository's page in docs/ (only the full design set "
                        "may replace docs/robustness.md)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = FULL_PAGE if args.update_docs else DEFAULT_OUT
    started = time.time()
    designs = set(args.designs.split(","))
    unknown = designs - set(DESIGNS)
    if unknown:
        parser.error(f"unknown design(s) {sorted(unknown)}; allowed: {', '.join(DESIGNS)}")
    if any(size < 50 for size in args.populations):
        parser.error("--populations: each must be at least 50 (one unit of 50 citizens)")
    if any(not 0.0 <= t <= 1.0 for t in args.initial_trusts):
        parser.error("--initial-trusts: each must be in [0, 1]")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    refusal = writable_out(args.out, designs, args.update_docs)
    if refusal:
        parser.error(refusal)
    fields = behavioural_fields()
    tasks = []
    # 1. seeds, in chunks of 5 so the work spreads over workers
    all_seeds = list(range(1, args.seeds + 1)) if "seeds" in designs else []
    for i in range(0, len(all_seeds), 5):
        tasks.append((f"seeds:{i}", {}, tuple(all_seeds[i:i + 5])))
    # 2. one at a time
    oat_seeds = tuple(range(1, args.oat_seeds + 1))
    for row in fields if "oat" in designs else []:
        for factor in (0.8, 1.2):
            value = scaled(row, factor)
            tasks.append((f"oat:{row.name}:{factor}", {row.name: value}, oat_seeds))
    # 3. joint
    rng = np.random.default_rng(2026)
    for i in range(args.joint if "joint" in designs else 0):
        factors = rng.uniform(0.8, 1.2, size=len(fields))
        changes = {row.name: scaled(row, f) for row, f in zip(fields, factors, strict=True)}
        tasks.append((f"joint:{i}", changes, (1000 + i,)))

    # 4. lever table, one cell at a time
    cells = lever_cells() if "levers" in designs else []
    for logic, lever, value in cells:
        for factor in (0.8, 1.2):
            changed = _bounded(value * factor, *LEVER_RANGES[lever])
            tasks.append((f"lever:{lever}[{logic}]:{factor}",
                          {"lever_table": {logic: {lever: changed}}}, oat_seeds))
    # 5. domain of validity
    domain = (domain_tasks(args.initial_trusts, args.populations) if "domain" in designs
              else [])
    for label, changes, seeds in domain:
        tasks.append((f"domain:{label}", changes, seeds))

    results: dict[str, Outcome] = {}
    seconds: dict[str, float] = {}
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            for label, out, took in pool.map(check, tasks, chunksize=1):
                results[label], seconds[label] = out, took
    else:
        for task in tasks:
            label, out, took = check(task)
            results[label], seconds[label] = out, took
            print(f"{label}: {took:.0f} s", file=sys.stderr, flush=True)
    elapsed = time.time() - started
    names = {n: v.PATTERNS[n].__doc__.strip().splitlines()[0].rstrip(".") for n in NUMBERS}
    domain_labels = [label for label, _, _ in domain]

    if designs == {"domain"}:
        command = ("experiments/robustness.py --designs domain --initial-trusts "
                   + " ".join(f"{t:g}" for t in args.initial_trusts) + " --populations "
                   + " ".join(map(str, args.populations)))
        lines = domain_page(domain_labels, {label: s for label, _, s in domain}, results,
                            {label: seconds[f"domain:{label}"] for label in domain_labels},
                            names, " ".join(command.split()), args.workers)
        write_page(args.out, lines)
        print("\n".join(lines))
        return 0

    lines = [
        "# Robustness of the patterns",
        "",
        MARKER,
        "",
        f"Generated {dt.date.today().isoformat()} by `experiments/robustness.py "
        f"--seeds {args.seeds} --oat-seeds {args.oat_seeds} --joint {args.joint} "
        f"--designs {args.designs} --populations {' '.join(map(str, args.populations))}"
        + ("" if args.initial_trusts == [0.36, 0.64] else " --initial-trusts "
           + " ".join(f"{t:g}" for t in args.initial_trusts)) + "` "
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
        f"* **Lever table**: each of the {len(cells)} cells of the lever table (lever x "
        f"logic) at 0.8x and 1.2x its value ({2 * len(cells)} variants, clipped to the "
        "lever's allowed range; a cell at 0 stays 0), each on the one-at-a-time seeds.",
        "",
        "Verdict (over the designs run): *survives* when each share is >= 95 %, *mostly survives* "
        "when each is >= 80 %, *fails* when all are below 50 %, otherwise *fragile*.",
        "",
        "Designs not run show 0/0.",
        "",
        "| pattern | verdict | seeds | one at a time: variants kept | joint: draws kept | "
        "lever cells: variants kept | variants that break it (one at a time, lever cells) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in NUMBERS:
        seed_pass = [p for label, out in results.items() if label.startswith("seeds:")
                     for p in out[n][0]]
        oat = {label: all(out[n][0]) for label, out in results.items()
               if label.startswith("oat:")}
        joint = [all(out[n][0]) for label, out in results.items() if label.startswith("joint:")]
        levers = {label: all(out[n][0]) for label, out in results.items()
                  if label.startswith("lever:")}
        broken = sorted(label.split(":", 1)[1].replace(":", " x")
                        for label, ok in {**oat, **levers}.items() if not ok)
        if broken and len(broken) == len(oat) + len(levers):
            broken_text = "all (the pattern fails at the defaults too)"
        else:
            broken_text = ", ".join(f"`{b}`" for b in broken) if broken else "none"
        shares = [float(np.mean(kept)) for kept in
                  (seed_pass, list(oat.values()), joint, list(levers.values())) if kept]
        verdict = ("survives" if min(shares) >= 0.95 else
                   "mostly survives" if min(shares) >= 0.8 else
                   "fails" if max(shares) < 0.5 else "fragile") if shares else "not run"
        lines.append(
            f"| {n}. {names[n]} | {verdict} | {sum(seed_pass)}/{len(seed_pass)} | "
            f"{sum(oat.values())}/{len(oat)} | {sum(joint)}/{len(joint)} | "
            f"{sum(levers.values())}/{len(levers)} | {broken_text} |")
    lines += ["", "Parameters perturbed: " + ", ".join(f"`{r.name}`" for r in fields) + ".",
              ""]
    if domain:
        lines += domain_section(domain_labels, results, names, args.populations,
                                args.out.parent)
    write_page(args.out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
