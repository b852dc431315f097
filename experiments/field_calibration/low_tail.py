"""Why the low tail of trust is heavy under the Nordic baseline: measurements.

The field check ``test_nordic_baseline_low_trust_share_held_out`` (a strict expected failure
in ``tests/test_field_targets.py``) finds 0.27-0.28 of citizens below 0.45 (answers 0-4)
under the model's bureaucracy, against a band of 0.12-0.25 (data/field_targets.csv). This
script measures where that tail comes from and whether any parameter set the field
calibration left non-implausible puts it inside the band while every other band holds.

Usage (from the repository root; about 5 minutes on one core)::

    python experiments/field_calibration/low_tail.py
    python experiments/field_calibration/low_tail.py --seeds 1 --out /tmp/low_tail.md

Sections of the table it writes (default ``result/low_tail.md`` beside this file):

A. The tail month by month (bureaucracy at the defaults): mean, SD, low and trusting
   shares, the low share a normal curve with the same mean and SD would give, skewness and
   excess kurtosis (a normal has 0, a uniform -1.2).
B. Who is in the tail at month 240: by resource quintile, by having taken part in the 240
   months, by unit, and by where each citizen started (dispositions).
C. Mechanism switches and one-at-a-time changes: what moves the low share, and whether
   the SD stays in its band (0.18-0.26) and the trusting share in its (0.51-0.62).
D. The window the shape leaves: with the model's own distribution shape (standardised
   final trust of A), the means at which the low share is at most 0.25 and the trusting
   share at most 0.62, for each SD; the same for a normal curve.
E. The calibration's 22 non-implausible sets (``data/parameter_uncertainty.csv``): the
   low share, trusting share and every other band as ``tests/test_field_targets.py`` checks
   them (every band on every seed), at 20 000 citizens, 240 months.
F. A few changes of parameters the calibration held fixed (raising the mean), checked
   the same way.

Everything is seeded (seeds 1-3 unless ``--seeds`` says otherwise); the same command gives
the same table. The script only observes runs; it changes no default.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from governance_sim import field
from governance_sim.params import LOGIC_NAMES, Params
from governance_sim.simulation import Simulation

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
POSTERIOR = REPO / "data" / "parameter_uncertainty.csv"
DEFAULT_OUT = HERE / "result" / "low_tail.md"
HEADER = "# Why the low tail of trust is heavy (written by low_tail.py)"
LOW, TRUSTING = field.LOW_TRUST_BELOW, field.TRUSTING_FROM
BANDS = field.FIELD_BANDS
MONTHS = 240
TRACE_MONTHS = (0, 12, 24, 60, 120, 180, 240)

#: Section C: name -> changes to the defaults (mechanism switches, then one at a time).
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    **{f"off: {m}": {"mechanisms": {m: False}}
       for m in ("trust_asymmetry", "contagion", "voice", "trust_threshold",
                 "process_over_outcome")},
    **{f"{name} = {value}": {name: value}
       for name, values in {
           "initial_trust_sd": (0.0, 0.18, 0.22, 0.30),
           "trust_resource_gradient": (0.0, 0.24),
           "loss_aversion": (1.0, 4.0),
           "trust_anchoring": (0.01, 0.06, 0.10),
           "disposition_learning_rate": (0.0, 0.003, 0.005),
           "trust_social_influence": (0.0, 0.02),
           "trust_learning_rate": (0.03, 0.12),
           "fairness_weight": (0.10, 0.40),
           "initial_trust": (0.52, 0.58),
       }.items() for value in values},
    "initial_trust_sd = 0.20, trust_anchoring = 0.10": {"initial_trust_sd": 0.20,
                                                        "trust_anchoring": 0.10},
    "same, initial_trust = 0.57": {"initial_trust_sd": 0.20, "trust_anchoring": 0.10,
                                   "initial_trust": 0.57},
}


#: Section F: changes of parameters the calibration held fixed (mean-raising, the only lever
#: section D leaves), each with every band checked.
CANDIDATES: dict[str, dict[str, Any]] = {
    "initial_trust = 0.57": {"initial_trust": 0.57},
    "initial_trust = 0.57, participation_intercept = -4.9": {
        "initial_trust": 0.57, "participation_intercept": -4.9},
    "fairness_weight = 0.33": {"fairness_weight": 0.33},
    "initial_trust_sd = 0.21, trust_anchoring = 0.10, initial_trust = 0.58": {
        "initial_trust_sd": 0.21, "trust_anchoring": 0.10, "initial_trust": 0.58},
}


def base_params(**changes: Any) -> Params:
    """Bureaucracy at 20 000 citizens in 100 units (the field test's population)."""
    return Params(n_citizens=20_000, n_units=100, logic="bureaucracy").replace(**changes)


def shape(trust: np.ndarray) -> dict[str, float]:
    """Mean, SD, low and trusting shares, the normal curve's low share, skew, kurtosis.

    Args:
        trust: float64[n], trust of every citizen.
    """
    mean, sd = float(trust.mean()), float(trust.std())
    return {"mean": mean, "sd": sd, "low": float((trust < LOW).mean()),
            "trusting": float((trust >= TRUSTING).mean()),
            "normal_low": float(sps.norm.cdf(LOW, mean, sd)) if sd > 0 else float(mean < LOW),
            "skew": float(sps.skew(trust)), "kurtosis": float(sps.kurtosis(trust))}


def traced_run(params: Params, seed: int) -> dict[str, Any]:
    """One run with what sections A and B need.

    Returns:
        ``trace`` (month -> :func:`shape`), the final ``trust`` and ``disposition``
        (float64[n]), the ``start`` trust (float64[n]), ``quintile`` (int8[n]), ``unit``
        (int32[n]), ``ever`` (bool[n], took part at least once) and ``sd_min``.
    """
    sim = Simulation(params, seed, steps=MONTHS)
    cit = sim.population.citizens
    start = np.asarray(cit.trust).copy()
    ever = np.zeros(cit.n, dtype=bool)
    trace = {0: shape(start)}
    sd_min = trace[0]["sd"]
    for month in range(1, MONTHS + 1):
        sim.step()
        ever |= np.asarray(cit.participating)
        sd_min = min(sd_min, float(cit.trust.std()))
        if month in TRACE_MONTHS:
            trace[month] = shape(np.asarray(cit.trust))
    return {"trace": trace, "trust": np.asarray(cit.trust).copy(),
            "disposition": np.asarray(cit.trust_disposition).copy(), "start": start,
            "quintile": np.asarray(cit.quintile).copy(), "unit": np.asarray(cit.unit).copy(),
            "ever": ever, "sd_min": sd_min}


def table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A markdown table; floats with three decimals."""
    def cell(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)]


def mean_over(runs: Sequence[dict[str, float]], key: str) -> float:
    """Mean of ``key`` over runs."""
    return float(np.mean([run[key] for run in runs]))


def section_a(runs: Sequence[dict[str, Any]]) -> list[str]:
    """The tail month by month, mean over seeds."""
    keys = ("mean", "sd", "low", "trusting", "normal_low", "skew", "kurtosis")
    rows = [[month, *(mean_over([r["trace"][month] for r in runs], k) for k in keys)]
            for month in TRACE_MONTHS]
    return ["## A. The tail month by month (bureaucracy, defaults, mean over seeds)", "",
            *table(["month", *keys], rows), ""]


def section_b(runs: Sequence[dict[str, Any]]) -> list[str]:
    """Who is in the tail at month 240, pooled over seeds."""
    trust = np.concatenate([r["trust"] for r in runs])
    start = np.concatenate([r["start"] for r in runs])
    disp = np.concatenate([r["disposition"] for r in runs])
    quintile = np.concatenate([r["quintile"] for r in runs])
    ever = np.concatenate([r["ever"] for r in runs])
    low = trust < LOW
    rows = [[f"quintile {q}", float((quintile == q).mean()), float(low[quintile == q].mean()),
             float((low & (quintile == q)).sum() / low.sum()),
             float((start[quintile == q] < LOW).mean())] for q in range(1, 6)]
    for name, group in (("took part in 240 months", ever), ("never took part", ~ever)):
        rows.append([name, float(group.mean()), float(low[group].mean()),
                     float((low & group).sum() / low.sum()), float((start[group] < LOW).mean())])
    lines = ["## B. Who is in the tail at month 240 (bureaucracy, defaults, seeds pooled)", "",
             *table(["group", "share of citizens", "low share at 240", "share of the tail",
                     "low share at month 0"], rows), ""]
    unit_low, unit_noise = [], []
    for r in runs:
        counts = np.bincount(r["unit"])
        shares = np.bincount(r["unit"], weights=(r["trust"] < LOW)) / counts
        unit_low.append(shares)
        p = shares.mean()
        unit_noise.append(np.sqrt(p * (1 - p) / counts.mean()))
    shares = np.concatenate(unit_low)
    p10, p50, p90 = np.percentile(shares, [10, 50, 90])
    still = float((start[low] < LOW).mean())
    stayed = float((trust[start < LOW] < LOW).mean())
    corr = float(np.corrcoef(trust, disp)[0, 1])
    corr_start = float(np.corrcoef(trust, start)[0, 1])
    lines += [
        f"- Units: low share across units p10 {p10:.3f}, median {p50:.3f}, p90 {p90:.3f}; SD "
        f"{shares.std():.3f} against {float(np.mean(unit_noise)):.3f} from sampling alone "
        f"(binomial, {int(np.bincount(runs[0]['unit']).mean())} citizens a unit).",
        f"- Anchoring: {still:.3f} of the month-240 tail were already below {LOW} at month 0, "
        f"and {stayed:.3f} of the month-0 tail are still in it at month 240; correlation of "
        f"trust at 240 with the disposition {corr:.3f}, with trust at month 0 "
        f"{corr_start:.3f}.",
        "- Mean change from month 0 to 240 by start decile (low starters rise, high ones "
        "fall: a near-linear compression toward one level):", ""]
    edges = np.quantile(start, np.linspace(0.1, 0.9, 9))
    decile = np.digitize(start, edges)
    rows = [[d + 1, float(start[decile == d].mean()), float(trust[decile == d].mean()),
             float((trust - start)[decile == d].mean()), float(ever[decile == d].mean())]
            for d in range(10)]
    slope = float(np.polyfit(start, trust, 1)[0])
    lines += [*table(["start decile", "trust at 0", "trust at 240", "change",
                      "share who took part"], rows), "",
              f"Least-squares slope of trust at 240 on trust at 0: {slope:.3f} (an affine map "
              "keeps the shape: kurtosis and skew are unchanged by it).", ""]
    return lines


def variant_stats(changes: dict[str, Any], seeds: Sequence[int]) -> dict[str, float]:
    """Section C: the final shape of bureaucracy with ``changes``, mean over seeds."""
    runs = []
    for seed in seeds:
        run = traced_run(base_params(**changes), seed)
        runs.append({**run["trace"][MONTHS], "sd_min": run["sd_min"]})
    return {key: mean_over(runs, key) for key in runs[0]}


def section_c(seeds: Sequence[int], log: Callable[[str], None]) -> tuple[list[str], dict]:
    """Mechanism switches and one-at-a-time changes."""
    rows, results = [], {}
    sd_band, trusting_band = BANDS["trust_sd"], BANDS["trust_trusting_share"]
    low_band = BANDS["trust_low_share"]
    for name, changes in VARIANTS.items():
        s = variant_stats(changes, seeds)
        results[name] = s
        log(f"C {name}: low {s['low']:.3f} sd {s['sd']:.3f}")
        ok = [band.contains(round(s[key], 4)) for band, key in
              ((sd_band, "sd"), (trusting_band, "trusting"), (low_band, "low"))]
        rows.append([name, s["mean"], s["sd"], s["low"], s["normal_low"],
                     s["low"] - s["normal_low"], s["trusting"], s["kurtosis"],
                     " ".join(flag for flag, good in zip(("sd", "trusting", "low"), ok,
                                                          strict=True) if not good) or "-"])
    head = ["variant (bureaucracy, month 240)", "mean", "SD", "low", "normal low",
            "excess", "trusting", "kurtosis", "outside band"]
    return ["## C. What moves the low share (mean over seeds)", "",
            "`excess` = low share minus the normal curve's with the same mean and SD; "
            "`outside band` names which of SD (0.18-0.26), trusting (0.51-0.62) and low "
            "(0.12-0.25) miss their band.", "", *table(head, rows), ""], results


def section_d(runs: Sequence[dict[str, Any]]) -> list[str]:
    """The window of means the model's shape leaves, against a normal curve's."""
    z = np.concatenate([(r["trust"] - r["trust"].mean()) / r["trust"].std() for r in runs])
    low_q = float(np.quantile(z, BANDS["trust_low_share"].high))
    trusting_q = float(np.quantile(z, 1.0 - BANDS["trust_trusting_share"].high))
    n_low = float(sps.norm.ppf(BANDS["trust_low_share"].high))
    n_trusting = float(sps.norm.ppf(1.0 - BANDS["trust_trusting_share"].high))
    rows = []
    for sd in (0.18, 0.19, 0.20, 0.22, 0.24):
        lo, hi = LOW - sd * low_q, TRUSTING - sd * trusting_q
        nlo, nhi = LOW - sd * n_low, TRUSTING - sd * n_trusting
        rows.append([sd, lo, hi, "yes" if lo <= hi else "no", nlo, nhi,
                     "yes" if nlo <= nhi else "no"])
    return ["## D. The window of means the shape leaves", "",
            "Low share <= 0.25 needs mean >= 0.45 - SD x q(0.25); trusting share <= 0.62 "
            "needs mean <= 0.55 - SD x q(0.38), q the quantile of standardised trust "
            "(the model's: bureaucracy at month 240, seeds pooled; or a normal curve's).", "",
            *table(["SD", "model: mean from", "model: mean to", "window",
                    "normal: mean from", "normal: mean to", "window"], rows), ""]


def band_failures(seed_stats: Sequence[dict[str, float]]) -> list[str]:
    """The bands ``tests/test_field_targets.py`` checks that miss on some seed (not the low
    share, reported apart; not its two tests that make runs of their own).

    Args:
        seed_stats: :func:`governance_sim.field.field_statistics` of each seed.
    """
    failed: set[str] = set()

    def check(label: str, good: bool) -> None:
        if not good:
            failed.add(label)

    for s in seed_stats:
        v = {key: round(value, 4) for key, value in s.items()}
        for logic in LOGIC_NAMES:
            for name in ("participation_monthly", "participation_yearly",
                         "invitation_acceptance", "trust_sd", "trust_quintile_gap",
                         "shock_two_year_fall"):
                check(f"{logic}.{name}", BANDS[name].contains(v[f"{logic}.{name}"]))
            low, high = (0.45, 0.70) if logic != "npm" else (0.30, 0.77)
            check(f"{logic}.trust_mean", v[f"{logic}.trust_mean_min"] >= low
                  and v[f"{logic}.trust_mean_max"] <= high)
            check(f"{logic}.trust_sd_min", v[f"{logic}.trust_sd_min"] >= 0.15)
            check(f"{logic}.trust_drift", v[f"{logic}.trust_drift_per_year"]
                  <= BANDS["trust_drift_per_year"].high)
            check(f"{logic}.trust_decade", v[f"{logic}.trust_decade_change"]
                  <= BANDS["trust_decade_change"].high)
        for logic in ("bureaucracy", "npm"):
            name = "participation_quintile_ratio"
            check(f"{logic}.{name}", BANDS[name].contains(v[f"{logic}.{name}"]))
        check("bureaucracy.trust_trusting_share",
              BANDS["trust_trusting_share"].contains(v["bureaucracy.trust_trusting_share"]))
        check("motivation_npm_effect",
              BANDS["motivation_npm_effect"].contains(v["motivation_npm_effect"]))
        best = field.trade_off_table(s)
        check("trade_offs", len(set(best.values())) >= 3
              and (best["cost"] == "npm" or best["measured_output"] == "npm")
              and best["outcome_gap"] == "bureaucracy"
              and (best["trust_mean"] == "co_creation"
                   or best["public_value_index"] == "co_creation"))
    return sorted(failed)


def band_rows(candidates: Sequence[tuple[str, dict[str, Any]]], seeds: Sequence[int],
              log: Callable[[str], None]) -> tuple[list[list[Any]], list[str]]:
    """Sections E and F: each parameter set against the low share and every other band.

    Returns:
        Table rows, and the lines naming the sets that put the low share in its band with
        every other band held (with their differences from the defaults).
    """
    defaults = Params()
    rows, hits = [], []
    for name, values in candidates:
        seed_stats = [field.field_statistics(Params(n_citizens=20_000, n_units=100, **values),
                                             seed=seed, steps=MONTHS) for seed in seeds]
        low = [round(s["bureaucracy.trust_low_share"], 4) for s in seed_stats]
        trusting = [round(s["bureaucracy.trust_trusting_share"], 4) for s in seed_stats]
        sd = [round(s["bureaucracy.trust_sd"], 4) for s in seed_stats]
        failed = band_failures(seed_stats)
        low_ok = all(BANDS["trust_low_share"].contains(x) for x in low)
        log(f"{name}: low {low} failed {failed}")
        if low_ok and not failed:
            diffs = ", ".join(f"{k} {getattr(defaults, k):.4g} -> {v:.4g}"
                              for k, v in values.items())
            hits.append(f"- **{name}** puts the low share in its band with every other band "
                        f"held; against the defaults: {diffs or 'none'}.")
        rows.append([name, f"{min(low):.3f}-{max(low):.3f}",
                     f"{min(trusting):.3f}-{max(trusting):.3f}", f"{min(sd):.3f}-{max(sd):.3f}",
                     float(np.mean([s["bureaucracy.trust_mean_max"] for s in seed_stats])),
                     "yes" if low_ok else "no", len(failed), ", ".join(failed) or "-"])
    return rows, hits


BAND_HEAD = ["parameters", "low (bureaucracy)", "trusting", "SD", "mean (max)", "low in band",
             "other bands missed", "which"]


def posterior_sets() -> list[dict[str, str]]:
    """The rows of ``data/parameter_uncertainty.csv``."""
    with POSTERIOR.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def section_e(seeds: Sequence[int], log: Callable[[str], None]) -> list[str]:
    """The calibration's non-implausible sets against every band."""
    rows_in = posterior_sets()
    free = [key for key in rows_in[0] if key not in
            ("wave", "point_id", "implausibility", "worst", "inside")]
    candidates = [("defaults", {})] + [(f"set {r['point_id']}", {k: float(r[k]) for k in free})
                                       for r in rows_in]
    rows, hits = band_rows(candidates, seeds, log)
    return ["## E. The calibration's non-implausible sets (data/parameter_uncertainty.csv)", "",
            f"Seeds {', '.join(map(str, seeds))}; 20 000 citizens, {MONTHS} months; every "
            "band as tests/test_field_targets.py checks it (every seed), except its two tests "
            "with runs of their own (targeting, supportive controls). Ranges are over seeds.",
            "", *table(BAND_HEAD, rows), "",
            *(hits or ["- No set puts the low share in its band while every other band "
                       "holds."]), ""]


def section_f(seeds: Sequence[int], log: Callable[[str], None]) -> list[str]:
    """Changes outside the calibration's free parameters, against every band."""
    rows, hits = band_rows(list(CANDIDATES.items()), seeds, log)
    return ["## F. Candidates outside the calibrated parameters (checked as in E)", "",
            *table(BAND_HEAD, rows), "",
            *(hits or ["- No candidate puts the low share in its band while every other band "
                       "holds."]), ""]


def write(path: Path, lines: Sequence[str]) -> None:
    """Write the table, refusing to replace a file this script did not write."""
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            first = handle.readline().rstrip("\n")
        if first != HEADER:
            raise SystemExit(f"error: {path} exists and was not written by low_tail.py "
                             "(its first line differs); choose another --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--skip-posterior", action="store_true",
                        help="leave out sections E and F (the slowest: 27 sets x 3 logics)")
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds):
        parser.error("--seeds must be non-negative integers")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    runs = [traced_run(base_params(), seed) for seed in args.seeds]
    lines = [HEADER, "",
             f"Command: `python experiments/field_calibration/low_tail.py --seeds "
             f"{' '.join(map(str, args.seeds))}`. Bureaucracy (the Nordic baseline), 20 000 "
             f"citizens, 100 units, {MONTHS} months. Low = trust < {LOW} (answers 0-4), "
             f"trusting = trust >= {TRUSTING} (answers 6-10).", ""]
    lines += section_a(runs) + section_b(runs)
    c_lines, _ = section_c(args.seeds, log)
    lines += c_lines + section_d(runs)
    if not args.skip_posterior:
        lines += section_e(args.seeds, log) + section_f(args.seeds, log)
    write(args.out, lines)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
