"""What does a leader need to succeed with co-creation? The experiment's answer, per outcome.

Reads the runs of ``spec.toml`` (an NPM municipality that switches to co-creation in month 12,
each run paired with the same municipality staying NPM; the leader's levers crossed with the
world's factors and with draws from the calibrated parameter table) and writes the answer:

* per outcome (trust, each public-value component, the bottom quintile's value and trust,
  cost), how often the switch beats staying NPM, in all runs and in each drawn world;
* the public value index with every component weight at half, equal or double (729
  weightings, as ``experiments/claims_across_worlds.py``);
* per leader lever and outcome, the change per standard deviation of the lever (a linear fit
  on all levers, the world factors and one constant per drawn world), with a 90 % interval
  from a bootstrap over design points, and the same fit inside each drawn world and each
  third of facilitation effectiveness, so each effect is classed "raises/lowers whatever
  the world", "depends on the world" or "no clear effect".

Run from the repository root::

    .venv/bin/python experiments/what_leaders_need/answer.py --quick        # < 2 min, 2 cores
    .venv/bin/governance-sim sweep experiments/what_leaders_need/spec.toml --out out/wln --workers 2
    .venv/bin/python experiments/what_leaders_need/answer.py --sweep out/wln  # result/

``--quick`` runs a smaller sweep of the same spec (48 points x the first 4 draws x the
first seed, 1000 citizens) into ``out/what_leaders_need_quick`` and prints its answer;
``--sweep`` exports that sweep's runs to ``result/runs.csv`` and writes
``result/answer.md`` and ``result/effects.csv``; with neither, the answer is recomputed
from the committed ``result/runs.csv`` (what the test does).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

HERE = Path(__file__).resolve().parent
CELL = "lever_table.co_creation."
#: What the leader controls (short name -> column).
LEVERS: dict[str, str] = {
    "patience": "leader_patience",
    "dip tolerance": "dip_tolerance",
    "control": CELL + "control_intensity",
    "facilitation spending": CELL + "facilitation_investment",
    "targeting": CELL + "facilitation_targeting",
    "arena reach": CELL + "arena_reach",
    "arena rung": CELL + "arnstein_rung",
}
#: What describes the world, besides the drawn parameter set (short name -> column).
WORLD: dict[str, str] = {
    "facilitation effectiveness*": "facilitation_effectiveness",
    "starting trust": "initial_trust",
    "budget": "budget",
}
#: Outcome -> (label, True where a higher lift is better).
OUTCOMES: dict[str, tuple[str, bool]] = {
    "trust_lift": ("trust", True),
    "pv_outcomes_lift": ("PV outcomes", True),
    "pv_equity_lift": ("PV equity", True),
    "pv_legitimacy_lift": ("PV legitimacy", True),
    "pv_social_capital_lift": ("PV social capital", True),
    "pv_cost_efficiency_lift": ("PV cost-efficiency", True),
    "pv_future_lift": ("PV future", True),
    "q1_value_lift": ("bottom quintile's value", True),
    "q1_trust_lift": ("bottom quintile's trust", True),
    "cost_lift": ("cost", False),
    "pv_lift": ("PV index (equal weights)", True),
    "reverted_mean": ("leaders fallen back (share)", False),
}
COMPONENTS = ["pv_outcomes_lift", "pv_equity_lift", "pv_legitimacy_lift",
              "pv_social_capital_lift", "pv_cost_efficiency_lift", "pv_future_lift"]
#: What ``--quick`` writes into its folder.
QUICK_FILES = {"quick_spec.toml", "sweep", "runs.csv", "answer.md"}
BOOTSTRAP = 400
BOOTSTRAP_SEED = 20261207


def load_runs(path: Path) -> pd.DataFrame:
    """The runs table (``runs.csv``), one row per design point x draw x seed."""
    return pd.read_csv(path)


def export_runs(sweep: Path, target: Path) -> None:
    """Write a sweep folder's runs as CSV (without the run-time columns)."""
    from governance_sim.sweep.store import read_table

    table = read_table(sweep)
    failed = table[table["status"] != "ok"]
    if len(failed):
        raise SystemExit(f"{len(failed)} runs of {sweep} failed; rerun the sweep first")
    table.drop(columns=["error", "elapsed_s", "status"]).to_csv(
        target, index=False, float_format="%.7g")


def fit(frame: pd.DataFrame, outcomes: list[str], columns: list[str],
        fixed: pd.Series | None) -> np.ndarray:
    """Least squares of the outcomes on the standardised columns (plus a constant per world).

    Returns:
        ``float64[len(columns), len(outcomes)]``: change of each outcome per standard
        deviation (over ``frame``) of each column.
    """
    x = frame[columns].to_numpy(dtype=np.float64)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - x.mean(axis=0)) / sd
    if fixed is not None and fixed.nunique() > 1:
        dummies = pd.get_dummies(fixed.to_numpy(), dtype=np.float64).to_numpy()
    else:
        dummies = np.ones((len(frame), 1))
    design = np.column_stack([z, dummies])
    coef, *_ = np.linalg.lstsq(design, frame[outcomes].to_numpy(dtype=np.float64), rcond=None)
    return coef[: len(columns)]


def r_squared(frame: pd.DataFrame, outcome: str, columns: list[str], world: bool) -> float:
    """R² of a linear fit of ``outcome`` on ``columns`` (plus a constant per draw if world)."""
    x = frame[columns].to_numpy(dtype=np.float64) if columns else np.empty((len(frame), 0))
    dummies = (pd.get_dummies(frame["draw"].to_numpy(), dtype=np.float64).to_numpy()
               if world else np.ones((len(frame), 1)))
    design = np.column_stack([x, dummies])
    y = frame[outcome].to_numpy(dtype=np.float64)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    total = ((y - y.mean()) ** 2).sum()
    return float(1.0 - (residual ** 2).sum() / total) if total > 0 else float("nan")


def effects(runs: pd.DataFrame) -> pd.DataFrame:
    """Per lever and outcome: effect per SD, 90 % bootstrap interval, per-world signs."""
    outcomes = list(OUTCOMES)
    columns = list(LEVERS.values()) + list(WORLD.values())
    overall = fit(runs, outcomes, columns, runs["draw"])
    points = runs["point_id"].unique()
    rows_of = {p: np.flatnonzero(runs["point_id"].to_numpy() == p) for p in points}
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    boot = np.empty((BOOTSTRAP, *overall.shape))
    for b in range(BOOTSTRAP):
        chosen = rng.choice(points, size=len(points), replace=True)
        sample = runs.iloc[np.concatenate([rows_of[p] for p in chosen])]
        boot[b] = fit(sample, outcomes, columns, sample["draw"])
    low, high = np.quantile(boot, [0.05, 0.95], axis=0)
    # the same fit inside each drawn world and each third of facilitation effectiveness
    subsets: list[tuple[str, pd.DataFrame]] = [
        (f"draw {d}", runs[runs["draw"] == d]) for d in sorted(runs["draw"].unique())]
    skill = runs["facilitation_effectiveness"]
    cuts = np.quantile(skill.unique(), [1 / 3, 2 / 3])
    subsets += [("skill low", runs[skill < cuts[0]]),
                ("skill mid", runs[(skill >= cuts[0]) & (skill < cuts[1])]),
                ("skill high", runs[skill >= cuts[1]])]
    per_world = np.stack([fit(frame, outcomes, columns, frame["draw"]) for _, frame in subsets])
    n_draws = runs["draw"].nunique()
    records = []
    for i, column in enumerate(columns):
        for j, outcome in enumerate(outcomes):
            signs = np.sign(per_world[:, i, j])
            records.append({
                "factor": column, "outcome": outcome, "per_sd": overall[i, j],
                "low90": low[i, j], "high90": high[i, j],
                "worlds_up": int((signs[:n_draws] > 0).sum()),
                "worlds_down": int((signs[:n_draws] < 0).sum()),
                "skill_thirds": "".join("+" if s > 0 else "-" for s in signs[n_draws:]),
                "min_world": per_world[:, i, j].min(), "max_world": per_world[:, i, j].max(),
                "skill_low": per_world[n_draws, i, j], "skill_mid": per_world[n_draws + 1, i, j],
                "skill_high": per_world[n_draws + 2, i, j],
            })
    return pd.DataFrame(records)


def classify(row: pd.Series, n_draws: int, scale: float) -> str:
    """'raises'/'lowers' whatever the world, 'depends on the world' or 'no clear effect'.

    A clear effect has a 90 % interval that excludes zero and an effect of at least 5 % of
    the outcome's spread (SD over runs) per SD of the lever; it holds "whatever the world"
    when it has that sign inside every drawn world and every third of facilitation
    effectiveness.
    """
    clear = (row["low90"] > 0 or row["high90"] < 0) and abs(row["per_sd"]) >= 0.05 * scale
    if not clear:
        return "no clear effect"
    up = row["per_sd"] > 0
    if up and row["worlds_up"] == n_draws and row["skill_thirds"] == "+++":
        return "raises, whatever the world"
    if not up and row["worlds_down"] == n_draws and row["skill_thirds"] == "---":
        return "lowers, whatever the world"
    return ("raises" if up else "lowers") + " on average; depends on the world"


def seed_spread(runs: pd.DataFrame) -> list[str]:
    """How much the seed moves each lift: SD over seeds of the same point and draw."""
    cell = [runs["point_id"], runs["draw"]]
    out = ["Seed-to-seed spread (SD over the seeds of the same point and world; median, 95th "
           "percentile; and the outcome's SD over all runs):"]
    for outcome in ("trust_lift", "pv_lift", "q1_value_lift", "cost_lift"):
        sd = runs[outcome].groupby(cell).std()
        out.append(f"- {OUTCOMES[outcome][0]}: {sd.median():.4f}, {sd.quantile(0.95):.4f} "
                   f"(over runs {runs[outcome].std():.4f})")
    for outcome in ("pv_lift", "q1_value_lift"):
        above = (runs[outcome] > 0).groupby(cell).mean()
        split = ((above > 0) & (above < 1)).mean()
        out.append(f"- {OUTCOMES[outcome][0]} above NPM with one seed and not the other: "
                   f"{split:.1%} of point-world pairs")
    return [*out, ""]


def weightings() -> np.ndarray:
    """``float64[729, 6]``: each component's weight at half, equal or double."""
    return np.array(list(itertools.product((0.5, 1.0, 2.0), repeat=len(COMPONENTS))))


def answer(runs: pd.DataFrame,
           source: str = "result/runs.csv") -> tuple[list[str], pd.DataFrame]:
    """The answer's lines (``answer.md``) and the effects table (``effects.csv``)."""
    n_points = runs["point_id"].nunique()
    n_draws = runs["draw"].nunique()
    drawn = [c for c in runs.columns if c.startswith("drawn_") and c != "drawn_draw"]
    worlds = runs.groupby("draw")[drawn].first().round(12).drop_duplicates()
    lines = ["# what_leaders_need: the answer", "",
             f"Written by `experiments/what_leaders_need/answer.py` from `{source}`.", "",
             f"{len(runs)} runs: {n_points} design points x {n_draws} draws of the calibrated "
             f"table ({len(worlds)} distinct parameter sets) x "
             f"{runs['seed'].nunique()} seed(s), shared by all points and draws.", ""]
    if runs["seed"].nunique() > 1:
        lines += seed_spread(runs)

    lines += ["## 1. Does switching beat staying NPM? Share of runs, per outcome", "",
              "| outcome | better than NPM | share by drawn world (min-max) | median lift "
              "| 5-95 % of runs |", "|---|---|---|---|---|"]
    for outcome, (label, up) in OUTCOMES.items():
        if outcome == "reverted_mean":
            continue
        better = runs[outcome] > 0 if up else runs[outcome] < 0
        by_world = better.groupby(runs["draw"]).mean()
        q = runs[outcome].quantile([0.05, 0.5, 0.95])
        lines.append(f"| {label}{'' if up else ' (lower is better)'} | {better.mean():.0%} | "
                     f"{by_world.min():.0%}-{by_world.max():.0%} | {q[0.5]:+.4f} | "
                     f"{q[0.05]:+.4f} to {q[0.95]:+.4f} |")
    both = (runs["pv_lift"] > 0) & (runs["q1_value_lift"] > 0)
    lines += ["", "By drawn world (draw: share of runs above NPM on the index / on the bottom "
              "quintile's value):"]
    index_by = (runs["pv_lift"] > 0).groupby(runs["draw"]).mean()
    q1_by = (runs["q1_value_lift"] > 0).groupby(runs["draw"]).mean()
    lines.append(", ".join(f"{d}: {index_by[d]:.0%} / {q1_by[d]:.0%}" for d in index_by.index)
                 + ".")
    lines += ["", f"Public value index and the bottom quintile's value both above NPM: "
              f"{both.mean():.0%} of runs "
              f"({both.groupby(runs['draw']).mean().min():.0%}-"
              f"{both.groupby(runs['draw']).mean().max():.0%} by drawn world).", ""]

    grid = weightings()
    comp = runs[COMPONENTS].to_numpy(dtype=np.float64)
    index = comp @ grid.T / grid.sum(axis=1)
    share = (index > 0).mean(axis=0)
    lowest, highest = grid[share.argmin()], grid[share.argmax()]
    names = [c.removeprefix("pv_").removesuffix("_lift") for c in COMPONENTS]

    def spell(w: np.ndarray) -> str:
        return ", ".join(f"{n} x{v:g}" for n, v in zip(names, w, strict=True) if v != 1.0)

    lines += ["## 2. The public value index, weights from half to double", "",
              f"Over the {len(grid)} weightings the index is above NPM's in "
              f"{share.min():.0%}-{share.max():.0%} of runs (equal weights: "
              f"{(runs['pv_lift'] > 0).mean():.0%}). Lowest with {spell(lowest)}; highest "
              f"with {spell(highest)}.", ""]

    table = effects(runs)
    scale = runs[list(OUTCOMES)].std()
    table["class"] = [classify(row, n_draws, scale[row["outcome"]])
                      for _, row in table.iterrows()]
    # the index's effects under every weighting: linear in the component effects
    comp_effects = table[table["outcome"].isin(COMPONENTS)].pivot(
        index="factor", columns="outcome", values="per_sd")[COMPONENTS].to_numpy()
    factor_order = table[table["outcome"].isin(COMPONENTS)].pivot(
        index="factor", columns="outcome", values="per_sd").index
    weighted = comp_effects @ grid.T / grid.sum(axis=1)

    lines += ["## 3. Which levers raise which outcomes", "",
              "Change in each lift per standard deviation of the factor (linear fit on all "
              "levers and world factors, one constant per drawn world), 90 % interval from "
              f"{BOOTSTRAP} bootstrap resamples of the design points; then the sign inside "
              f"each of the {n_draws} drawn worlds (up/down) and each third of facilitation "
              "effectiveness (low, mid, high). * = an uncalibrated assumption.", ""]
    for outcome, (label, up) in OUTCOMES.items():
        part = table[table["outcome"] == outcome].set_index("factor")
        lines.append(f"### {label} (`{outcome}`, SD over runs {scale[outcome]:.4f}; "
                     f"{'higher' if up else 'lower'} is better)")
        lines.append("")
        lines.append("| factor | per SD | 90 % interval | worlds up/down | skill thirds | "
                     "reading |")
        lines.append("|---|---|---|---|---|---|")
        for short, column in list(LEVERS.items()) + list(WORLD.items()):
            row = part.loc[column]
            reading = row["class"] if short in LEVERS else "(world factor)"
            lines.append(f"| {short} | {row['per_sd']:+.4f} | {row['low90']:+.4f} to "
                         f"{row['high90']:+.4f} | {row['worlds_up']}/{row['worlds_down']} | "
                         f"{row['skill_thirds']} | {reading} |")
        lev = r_squared(runs, outcome, list(LEVERS.values()), world=False)
        wor = r_squared(runs, outcome, list(WORLD.values()), world=True)
        full = r_squared(runs, outcome, list(LEVERS.values()) + list(WORLD.values()), True)
        lines += ["", f"Variance explained (R²): leader's levers alone {lev:.2f}, world "
                  f"(factors and drawn set) alone {wor:.2f}, both {full:.2f}.", ""]

    lines += ["### The index under every weighting", "",
              "Per SD of each factor, the index's change over the 729 weightings (min to max):",
              ""]
    for short, column in list(LEVERS.items()) + list(WORLD.items()):
        k = list(factor_order).index(column)
        values = weighted[k]
        sign = ("always +" if (values > 0).all() else "always -" if (values < 0).all()
                else "sign depends on the weights")
        lines.append(f"- {short}: {values.min():+.4f} to {values.max():+.4f} ({sign})")
    lines.append("")

    thirds = np.quantile(runs["facilitation_effectiveness"].unique(), [1 / 3, 2 / 3])
    lines += ["### Conditional on facilitation effectiveness (an assumption)", "",
              "Per SD of each lever, inside each third of facilitation effectiveness "
              f"(low < {thirds[0]:.2f} <= mid < {thirds[1]:.2f} <= high), low / mid / high:",
              ""]
    for outcome in ("pv_lift", "q1_value_lift", "cost_lift"):
        part = table[table["outcome"] == outcome].set_index("factor")
        lines.append(f"- {OUTCOMES[outcome][0]}: " + "; ".join(
            f"{short} {part.loc[column, 'skill_low']:+.4f} / "
            f"{part.loc[column, 'skill_mid']:+.4f} / {part.loc[column, 'skill_high']:+.4f}"
            for short, column in LEVERS.items()))
    lines.append("")
    lines += ["## 4. Summary: levers x outcomes", "",
              "| lever | " + " | ".join(OUTCOMES[o][0] for o in OUTCOMES) + " |",
              "|---|" + "---|" * len(OUTCOMES)]
    mark = {"raises, whatever the world": "++", "lowers, whatever the world": "--",
            "raises on average; depends on the world": "+?",
            "lowers on average; depends on the world": "-?", "no clear effect": "0"}
    for short, column in LEVERS.items():
        part = table[table["factor"] == column].set_index("outcome")
        lines.append(f"| {short} | " + " | ".join(mark[part.loc[o, 'class']] for o in OUTCOMES)
                     + " |")
    lines += ["", "`++`/`--`: raises/lowers the lift, with the same sign in every drawn world "
              "and every third of facilitation effectiveness; `+?`/`-?`: on average, not in "
              "every world; `0`: no clear effect (interval includes 0, or below 5 % of the "
              "outcome's SD per SD). For cost and leaders fallen back, `+` means more cost or "
              "more fallen back (worse)."]
    return lines, table


def quick_sweep(out: Path, workers: int) -> Path:
    """Run the spec made small (48 points, first 4 draws, one seed, 1000 citizens)."""
    from governance_sim.sweep import run_sweep

    raw = tomllib.loads((HERE / "spec.toml").read_text(encoding="utf-8"))
    raw["design"]["samples"] = 48
    raw["uncertainty"]["draws"] = 4
    raw["sweep"]["replicates"] = 1
    raw["constants"]["n_citizens"] = 1000
    raw["sweep"]["name"] = "what_leaders_need_quick"
    out.mkdir(parents=True, exist_ok=True)
    spec = out / "quick_spec.toml"
    spec.write_text(tomli_w.dumps(raw), encoding="utf-8")
    run_sweep(spec, out / "sweep", workers=workers, progress=False)
    return out / "sweep"


def main(argv: list[str] | None = None) -> int:
    """Write (or print) the answer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="run a small sweep (under two minutes on two cores) and print")
    parser.add_argument("--sweep", type=Path, help="a finished sweep of spec.toml: export "
                        "its runs to result/runs.csv and write result/")
    parser.add_argument("--out", type=Path, default=Path("out/what_leaders_need_quick"),
                        help="folder for --quick (default out/what_leaders_need_quick)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = HERE / "result"
    if args.quick and args.out.exists():
        foreign = sorted(p.name for p in args.out.iterdir() if p.name not in QUICK_FILES)
        if foreign:
            parser.error(f"--out {args.out} holds files answer.py did not write "
                         f"({', '.join(foreign[:3])}); give a new or empty folder")
    if args.sweep is not None and not (args.sweep / "manifest.json").is_file():
        parser.error(f"--sweep {args.sweep} is not a sweep folder (no manifest.json); run "
                     "governance-sim sweep experiments/what_leaders_need/spec.toml first")
    if args.quick:
        sweep = quick_sweep(args.out, args.workers)
        export_runs(sweep, args.out / "runs.csv")
        runs = load_runs(args.out / "runs.csv")
    else:
        if args.sweep is not None:
            export_runs(args.sweep, result / "runs.csv")
        runs = load_runs(result / "runs.csv")
    lines, table = answer(runs, str(args.out / "runs.csv") if args.quick else
                          "result/runs.csv")
    text = "\n".join(lines) + "\n"
    if args.quick:
        (args.out / "answer.md").write_text(text, encoding="utf-8")
    elif args.sweep is not None:
        (result / "answer.md").write_text(text, encoding="utf-8")
        table.to_csv(result / "effects.csv", index=False, float_format="%.6g")
    sys.stdout.write(text)
    sys.stderr.write(f"answer.py: {time.perf_counter() - started:.0f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
