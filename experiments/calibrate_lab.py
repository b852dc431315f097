"""Calibrate the citizens' contribution rule to the Herrmann et al. (2008) no-punishment series.

Run from the repository root::

    .venv/bin/python experiments/calibrate_lab.py          # fit, print, write the JSON
    .venv/bin/python experiments/calibrate_lab.py --check  # fit and compare, write nothing

Data: ``data/public_goods_herrmann2008.csv`` (mean contribution per period, no-punishment
condition, pooled over 16 subject pools; Herrmann, Thoeni & Gaechter 2008, Science
319:1362). The model: :func:`governance_sim.lab.expected_series` (exact expectation over
group composition with the Fischbacher, Gaechter & Fehr 2001 type shares, so the objective
has no sampling noise). Fitted: cooperation_slope, belief_learning_rate,
unconditional_contribution, initial_belief and the lab-only end_game_drop, by
``scipy.optimize.differential_evolution`` (fixed seed, hence reproducible) minimising the
sum of squared errors in share of endowment, then polished with L-BFGS-B. Targets: RMSE <=
0.03 of endowment and decay shape (period 10 / period 1) within 0.1 of the data's.

Writes ``src/governance_sim/data/lab_calibration.json``; the Params defaults of the four
shared fields must then be set to the printed values (``tests/test_lab.py`` checks they
agree).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import differential_evolution

from governance_sim import Params
from governance_sim.lab import LabDesign, expected_series

ROOT = Path(__file__).resolve().parents[1]
DATA_CANDIDATES = (ROOT / "data" / "public_goods_herrmann2008.csv",
                   ROOT.parent / "shared" / "data" / "public_goods_herrmann2008.csv")
OUT = ROOT / "src" / "governance_sim" / "data" / "lab_calibration.json"
SEED = 2008
FITTED = ("cooperation_slope", "belief_learning_rate", "unconditional_contribution",
          "initial_belief", "end_game_drop")
BOUNDS = ((0.3, 1.5), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.0, 1.0))


def load_data() -> pd.Series:
    for path in DATA_CANDIDATES:
        if path.exists():
            frame = pd.read_csv(path, comment="#")
            return frame.set_index("period")["share_of_endowment"].rename(str(path))
    raise SystemExit("error: public_goods_herrmann2008.csv not found in "
                     + " or ".join(str(p) for p in DATA_CANDIDATES))


def simulate(x: np.ndarray) -> np.ndarray:
    params = Params(**dict(zip(FITTED[:4], (float(v) for v in x[:4]), strict=True)))
    design = LabDesign(end_game_drop=float(x[4]))
    return expected_series(params, design).by_period["contribution"].to_numpy()


def fit(target: np.ndarray) -> tuple[np.ndarray, float]:
    def sse(x: np.ndarray) -> float:
        return float(np.sum((simulate(x) - target) ** 2))

    result = differential_evolution(sse, BOUNDS, seed=SEED, tol=1e-10, maxiter=400,
                                    popsize=30, polish=True, updating="immediate")
    return result.x, float(result.fun)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fit and report; write nothing")
    args = parser.parse_args()
    data = load_data()
    target = data.to_numpy()
    x, _ = fit(target)
    model = simulate(x)
    errors = model - target
    rmse = float(np.sqrt(np.mean(errors ** 2)))
    decay_data = float(target[-1] / target[0])
    decay_model = float(model[-1] / model[0])
    values = {name: round(float(v), 4) for name, v in zip(FITTED, x, strict=True)}
    rounded = simulate(np.array([values[n] for n in FITTED]))
    rounded_err = rounded - target
    print("fitted:", values)
    print(f"{'period':>6} {'data':>7} {'model':>7} {'error':>7}")
    for period, (d, m, e) in enumerate(zip(target, rounded, rounded_err, strict=True), start=1):
        print(f"{period:>6} {d:7.3f} {m:7.3f} {e:+7.3f}")
    rmse_r = float(np.sqrt(np.mean(rounded_err ** 2)))
    decay_r = float(rounded[-1] / rounded[0])
    print(f"RMSE {rmse_r:.4f} of endowment (target <= 0.03); decay period10/period1 model "
          f"{decay_r:.3f} vs data {decay_data:.3f} (target within 0.1)")
    ok = rmse_r <= 0.03 and abs(decay_r - decay_data) <= 0.1
    if args.check:
        return 0 if ok else 1
    record = {
        "script": "experiments/calibrate_lab.py",
        "date": dt.date.today().isoformat(),
        "data": "public_goods_herrmann2008.csv: Herrmann, Thoeni & Gaechter (2008), Science "
                "319:1362, no-punishment condition, mean contribution per period pooled "
                "over 16 subject pools (values as tabulated by CORE Doing Economics, "
                "Empirical Project 2)",
        "model": "governance_sim.lab.expected_series: groups of 4, endowment 20, MPCR 0.4, "
                 "10 periods; type shares Fischbacher, Gaechter & Fehr (2001) 50/30/14/6",
        "optimiser": f"scipy {scipy.__version__} differential_evolution(seed={SEED}, "
                     "popsize=30, tol=1e-10) + L-BFGS-B polish; objective: SSE in share "
                     "of endowment; values rounded to 4 decimals",
        "params": {name: values[name] for name in FITTED[:4]},
        "lab_only": {"end_game_drop": values["end_game_drop"]},
        "fit": {
            "period": list(range(1, len(target) + 1)),
            "data": [round(float(v), 4) for v in target],
            "model": [round(float(v), 4) for v in rounded],
            "error": [round(float(v), 4) for v in rounded_err],
            "rmse": round(rmse_r, 5),
            "decay_ratio_model": round(decay_r, 4),
            "decay_ratio_data": round(decay_data, 4),
        },
        "unrounded_rmse": round(rmse, 6),
        "unrounded_decay_ratio": round(decay_model, 6),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    tmp.replace(OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
