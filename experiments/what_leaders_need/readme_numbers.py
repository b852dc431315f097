"""The numbers the README of ``what_leaders_need`` quotes, from its runs and a few model runs.

Usage (from the repository root)::

    python experiments/what_leaders_need/readme_numbers.py              # from result/runs.csv
    python experiments/what_leaders_need/readme_numbers.py --model      # also the illustrations
    python experiments/what_leaders_need/readme_numbers.py --model \
        --out experiments/what_leaders_need/result/readme_numbers.md

Part 1 reads ``result/runs.csv`` (256 design points x 3 replicates; the replicate seeds are
shared by all points, common random numbers) and reports: successes per replicate, how many
points change between success and failure from one seed to another, the seed-to-seed spread
of ``pv_lift``, and the answer on the per-point mean outcomes (PRIM's knee box on the means,
success rates by factor range, linear effects per standard deviation). ``governance-sim
discover`` treats every run as a case; the per-point means are computed here.

Part 2 (``--model``) runs the model at a few points of the spec (every other factor at the
base scenario's value) with each replicate seed of the sweep and with the root seed, and
reports the illustrations: the NPM arm's response to the leader's traits, the timing of the
dip with an impatient, timid leader and a patient, brave one, and what targeting does.
Everything is seeded; the same files give the same numbers.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.conditions import parse_condition
from governance_sim.discovery import box_table, knee_index, prim, resample

HERE = Path(__file__).resolve().parent
SUCCESS = "trust_lift > 0 and pv_lift > 0 and q1_trust_lift > 0 and gap_lift <= 0"
STRICT = SUCCESS + " and q1_value_lift > 0"
OUTCOMES = ["trust_lift", "pv_lift", "q1_value_lift", "q1_trust_lift", "pv_dip", "gap_lift",
            "pv_lift_y10", "reverted_mean"]
SKILL = "facilitation_effectiveness"
CONTROL = "lever_table.co_creation.control_intensity"
TARGETING = "lever_table.co_creation.facilitation_targeting"
HORIZON = "levers.politician_horizon"
#: The sweep's ranges, so that an unrestricted side of a box shows the range, not the data.
BOUNDS = {name: (entry["low"], entry["high"])
          for part in ("levers", "uncertainties")
          for name, entry in tomllib.loads((HERE / "spec.toml").read_text(encoding="utf-8"))[
              part].items()}


def factors_of(runs: pd.DataFrame) -> list[str]:
    """The varied factors: the columns between ``seed`` and the first outcome."""
    columns = list(runs.columns)
    return columns[columns.index("seed") + 1:columns.index(OUTCOMES[0])]


def point_means(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per design point: its factors and the mean of each outcome over replicates."""
    factors = factors_of(runs)
    means = runs.groupby("point_id")[OUTCOMES].mean()
    return runs.groupby("point_id")[factors].first().join(means).reset_index()


def success(frame: pd.DataFrame, where: str = SUCCESS) -> np.ndarray:
    """``bool[N]``: the rows that meet ``where``."""
    return parse_condition(where, OUTCOMES).evaluate(frame)


def knee_box(frame: pd.DataFrame, factors: list[str], where: str) -> dict[str, Any]:
    """PRIM's knee box for ``where`` on ``frame`` (one row per case), as discover chooses it."""
    y = success(frame, where)
    result = prim(frame[factors].reset_index(drop=True), y)
    index = knee_index(result)
    box = result.boxes[index]
    stability = resample(result, index, np.random.default_rng(0), iterations=10)
    table = box_table(result, index, stability, BOUNDS)
    return {"n": int(y.sum()), "index": index, "coverage": box.coverage,
            "density": box.density, "runs": box.n, "table": table}


def describe_box(found: dict[str, Any]) -> list[str]:
    """A knee box in a few lines."""
    lines = [f"  knee box {found['index']}: coverage {found['coverage']:.2f}, density "
             f"{found['density']:.2f}, {found['runs']} cases"]
    for row in found["table"].to_dict("records"):
        lines.append(f"    {row['dimension']}: {row['lower']:.3g} to {row['upper']:.3g}, "
                     f"quasi-p lower {row['qp_lower']:.2g} / upper {row['qp_upper']:.2g}, "
                     f"kept in {row.get('reproduce_coverage', float('nan')):.0f} % of "
                     "resampled boxes")
    return lines


def rate(mask: np.ndarray | pd.Series, y: np.ndarray) -> str:
    """Share of ``y`` inside ``mask``, with the count."""
    mask = np.asarray(mask, dtype=bool)
    return f"{y[mask].mean():.0%} of {mask.sum()}" if mask.any() else "none"


def per_sd(frame: pd.DataFrame, factors: list[str], outcome: str) -> tuple[pd.Series, float]:
    """Linear fit of ``outcome`` on the standardised factors: coefficients and R²."""
    x = frame[factors].to_numpy(dtype=np.float64)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    design = np.column_stack([np.ones(len(z)), z])
    target = frame[outcome].to_numpy(dtype=np.float64)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    fitted = design @ coef
    r2 = 1.0 - ((target - fitted) ** 2).sum() / ((target - target.mean()) ** 2).sum()
    return pd.Series(coef[1:], index=factors), float(r2)


def sweep_numbers(runs: pd.DataFrame) -> list[str]:
    """Part 1: the numbers from the runs table."""
    factors = factors_of(runs)
    out = ["## From result/runs.csv", ""]
    reps = sorted(runs["replicate"].unique())
    seeds = runs.groupby("replicate")["seed"].first()
    out.append(f"{runs['point_id'].nunique()} design points x {len(reps)} replicates; replicate "
               "seeds (shared by all points): " + ", ".join(str(s) for s in seeds))
    wide = {r: runs[runs["replicate"] == r].set_index("point_id").sort_index() for r in reps}
    ok = {r: success(wide[r]) for r in reps}
    strict = {r: success(wide[r], STRICT) for r in reps}
    for r in reps:
        frame = wide[r]
        other = (frame["trust_lift"] > 0) & (frame["q1_trust_lift"] > 0) & (
            frame["gap_lift"] <= 0)
        less = ok[r] & (frame["q1_value_lift"].to_numpy() <= 0)
        out.append(f"replicate {r}: {ok[r].sum()} successes, {strict[r].sum()} strict; trust, "
                   f"bottom-quintile trust and gap hold in {int(other.sum())} of {len(frame)}; "
                   f"{less.sum()} successes give the bottom quintile less value than NPM")
    count = sum(ok[r].astype(int) for r in reps)
    out.append("points succeeding in k of the replicates: " + ", ".join(
        f"k={k}: {(count == k).sum()}" for k in range(len(reps) + 1)))
    flips = {r: int((ok[r] != ok[reps[0]]).sum()) for r in reps[1:]}
    out.append("points whose verdict differs from replicate 0: " + ", ".join(
        f"replicate {r}: {n}" for r, n in flips.items()))
    pv = np.column_stack([wide[r]["pv_lift"].to_numpy() for r in reps])
    spread = pv.std(axis=1, ddof=1)
    out.append(f"seed-to-seed SD of pv_lift per point: median {np.median(spread):.4f}, "
               f"5-95 % {np.quantile(spread, 0.05):.4f}-{np.quantile(spread, 0.95):.4f}; "
               f"pv_lift ranges {pv.min():.3f} to {pv.max():.3f}")
    close = ok[reps[0]] & (wide[reps[0]]["pv_lift"].to_numpy() < 0.002)
    out.append(f"replicate-0 successes with pv_lift < 0.002: {close.sum()}")
    out.append("")

    for r in reps:
        found = knee_box(wide[r], factors, SUCCESS)
        limits = "; ".join(f"{row['dimension']} {row['lower']:.3g}-{row['upper']:.3g} "
                           f"(quasi-p {row['quasi_p']:.2g})"
                           for row in found["table"].to_dict("records"))
        out.append(f"replicate {r} alone: knee box {found['index']}, coverage "
                   f"{found['coverage']:.2f}, density {found['density']:.2f}: {limits}")
    out.append("")
    out.append("### Discover's reading: every run a case (as in result/box.md)")
    out += describe_box(knee_box(runs, factors, SUCCESS))
    out.append("")
    means = point_means(runs)
    y = success(means)
    ys = success(means, STRICT)
    out.append("### Per-point mean outcomes")
    every = (means["trust_lift"] > 0) & (means["q1_trust_lift"] > 0) & (means["gap_lift"] <= 0)
    out.append(f"{y.sum()} of {len(means)} points succeed on the mean ({y.mean():.0%}); trust, "
               f"bottom-quintile trust and gap hold in {int(every.sum())}; "
               f"{(y & (means['q1_value_lift'] <= 0).to_numpy()).sum()} of the successes give "
               "the bottom quintile less value than NPM")
    out.append(f"pv_lift > 0.005 in {(means['pv_lift'] > 0.005).sum()}, > 0.01 in "
               f"{(means['pv_lift'] > 0.01).sum()}; ranges {means['pv_lift'].min():.3f} to "
               f"{means['pv_lift'].max():.3f}")
    for name in ("trust_lift", "q1_trust_lift", "gap_lift", "pv_dip", "q1_value_lift"):
        out.append(f"  {name}: {means[name].min():+.3f} to {means[name].max():+.3f}")
    out.append("Success (all four conditions):")
    out += describe_box(knee_box(means, factors, SUCCESS))
    skill = means[SKILL]
    edges = [0.3, 0.45, 0.57, 0.7, 0.85, 1.0001]
    out.append("  success by skill: " + "; ".join(
        f"{a:.2f}-{min(b, 1):.2f}: {rate((skill >= a) & (skill < b), y)}"
        for a, b in zip(edges[:-1], edges[1:], strict=True)))
    for threshold in (0.75, 0.8, 0.85):
        out.append(f"  skill >= {threshold}: {rate(skill >= threshold, y)} succeed")
    middling = (skill >= 0.45) & (skill < 0.7)
    control, trust = means[CONTROL], means["initial_trust"]
    out.append(f"  at skill 0.45-0.7 ({middling.sum()} points), by control under co-creation: "
               + "; ".join(f"{a}-{b}: {rate(middling & (control >= a) & (control < b), y)}"
                           for a, b in ((0.1, 0.3), (0.3, 0.5), (0.5, 0.7001))))
    out.append("  ... by starting trust: " + "; ".join(
        f"{a}-{b}: {rate(middling & (trust >= a) & (trust < b), y)}"
        for a, b in ((0.36, 0.45), (0.45, 0.55), (0.55, 0.6401))))
    out.append("Strict success (also q1_value_lift > 0):")
    out.append(f"  {ys.sum()} points; lowest skill among them "
               f"{skill[ys].min():.3f}; share with skill >= 0.85: {rate(skill >= 0.85, ys)}")
    out += describe_box(knee_box(means, factors, STRICT))
    for outcome in ("pv_lift", "q1_value_lift", "reverted_mean", "pv_lift_y10"):
        coef, r2 = per_sd(means, factors, outcome)
        out.append(f"Per SD, {outcome} (linear fit on the means, R² {r2:.2f}): " + ", ".join(
            f"{name} {value:+.4f}" for name, value in coef.items()))
    rev = means["reverted_mean"]
    tol, hor = means["dip_tolerance"], means[HORIZON]
    out.append(f"Reversion (mean over months 13-180): tolerance < 0.02 {rev[tol < 0.02].mean():.2f}"
               f", > 0.05 {rev[tol > 0.05].mean():.2f}; horizon < 24 {rev[hor < 24].mean():.2f},"
               f" > 72 {rev[hor > 72].mean():.2f}; patience < 12 "
               f"{rev[means['leader_patience'] < 12].mean():.2f}, > 36 "
               f"{rev[means['leader_patience'] > 36].mean():.2f}")
    y10 = (means["pv_lift_y10"] > 0).to_numpy()
    out.append(f"Year 10 (pv_lift_y10 > 0): {y10.sum()} points ({y10.mean():.0%})")
    out += describe_box(knee_box(means, factors, "pv_lift_y10 > 0"))
    top = skill >= 0.85
    for label, mask in (("tolerance >= 0.03", tol >= 0.03), ("horizon >= 48", hor >= 48),
                        ("starting trust >= 0.5", trust >= 0.5)):
        out.append(f"  skill >= 0.85: {label} {rate(top & mask, y10)}, below "
                   f"{rate(top & ~mask, y10)}")
    return out


def model_numbers(spec_path: Path) -> list[str]:
    """Part 2: the illustrations, from model runs at chosen points of the spec."""
    from governance_sim.simulation import run
    from governance_sim.sweep.design import replicate_seeds
    from governance_sim.sweep.models import resolve_model
    from governance_sim.sweep.spec import load_spec

    spec = load_spec(spec_path)
    runner = resolve_model(spec)
    steps = spec.steps
    seeds = [("root seed", spec.seed)] + [
        (f"replicate {r}", int(s)) for r, s in enumerate(replicate_seeds(spec.seed,
                                                                         spec.replicates))]
    cache: dict[tuple[Any, ...], tuple[pd.DataFrame, pd.DataFrame]] = {}

    def pair(point: dict[str, Any], seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        key = (tuple(sorted(point.items())), seed)
        if key not in cache:
            params = runner.params(point)
            switched = run(params, steps=steps, seed=seed).timeseries
            stayed = run(params.replace(events=[]), steps=steps, seed=seed).timeseries
            cache[key] = (switched, stayed)
        return cache[key]

    def window(series: pd.Series, first: int, last: int) -> float:
        return float(series.to_numpy()[first:last + 1].mean())

    out = ["## Model runs (every factor not named at the base scenario's value)", ""]
    for label, seed in seeds:
        out.append(f"### {label} ({seed})")
        for factor, low, high in ((SKILL, 0.3, 1.0), ("leader_patience", 3.0, 48.0),
                                  ("dip_tolerance", 0.005, 0.08), (HORIZON, 12.0, 96.0)):
            a = window(pair({factor: low}, seed)[1]["public_value_index"], 169, 180)
            b = window(pair({factor: high}, seed)[1]["public_value_index"], 169, 180)
            out.append(f"NPM arm, public value months 169-180: {factor} {low:g} -> {high:g}: "
                       f"{a:.4f} -> {b:.4f} ({b - a:+.5f})")
        for patience, tolerance in ((3.0, 0.005), (48.0, 0.08)):
            switched, stayed = pair({SKILL: 1.0, "leader_patience": patience,
                                     "dip_tolerance": tolerance}, seed)
            diff = (switched["public_value_index"] - stayed["public_value_index"]).to_numpy()
            below = np.flatnonzero(diff[13:] < 0) + 13
            reverted = switched["reverted_share"].to_numpy()
            out.append(
                f"skill 1.0, patience {patience:g}, tolerance {tolerance:g}: reverted share "
                f"{reverted[13:181].mean():.2f} (months 13-180), {reverted[180]:.2f} at month "
                f"180; any unit ever reverted: {bool((reverted[13:] > 0).any())}; public value "
                f"last below NPM in month {int(below[-1]) if below.size else 'none'}; "
                f"months 169-180: {window(switched['public_value_index'], 169, 180):.4f} vs "
                f"NPM {window(stayed['public_value_index'], 169, 180):.4f} "
                f"(lift {diff[169:181].mean():+.4f})")
        for targeting in (0.0, 1.0):
            switched, stayed = pair({SKILL: 1.0, TARGETING: targeting}, seed)
            out.append(
                f"skill 1.0, targeting {targeting:g} (months 169-180, switched arm): "
                f"participation q1 {window(switched['participation_q1'], 169, 180):.3f}, "
                f"gap {window(switched['participation_gap'], 169, 180):+.3f}; lift over NPM: "
                f"q1 value {window(switched['outcome_bottom_quintile'] - stayed['outcome_bottom_quintile'], 169, 180):+.4f}, "  # noqa: E501
                f"public value {window(switched['public_value_index'] - stayed['public_value_index'], 169, 180):+.4f}")  # noqa: E501
        out.append("")
    return out


def main(argv: list[str] | None = None) -> int:
    """Print (or write) the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=HERE / "result" / "runs.csv")
    parser.add_argument("--spec", type=Path, default=HERE / "spec.toml")
    parser.add_argument("--model", action="store_true", help="also run the illustrations")
    parser.add_argument("--out", type=Path, help="write the numbers to this file")
    args = parser.parse_args(argv)
    lines = ["# what_leaders_need: the README's numbers", "",
             "Written by `experiments/what_leaders_need/readme_numbers.py`.", ""]
    lines += sweep_numbers(pd.read_csv(args.runs))
    if args.model:
        lines += ["", *model_numbers(args.spec)]
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
