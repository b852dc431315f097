"""Why patterns 4, 8 and 11 do not all hold at a starting trust of 0.36: the measurements.

Run from the repository root (about two minutes on one core)::

    .venv/bin/python experiments/robustness_low_trust.py

Prints the Markdown tables quoted in docs/robustness_low_trust.md. Everything goes through
the model's own trust update (:func:`governance_sim.dynamics.trust.update_trust`) and the
pattern checks of :mod:`governance_sim.validation`, at the validation size (2 000
citizens, 40 units), all else at the defaults:

1. **One month's response** of the initial population to a procedural signal of +0.1 and
   of -0.1 (against a month with no signal, so anchoring and neighbours cancel out): mean
   gain, mean loss, their ratio, and the share of citizens below ``1 / (1 +
   loss_aversion)``, where the update's asymmetry turns round (a gain ``s (1 - T)`` then
   exceeds a loss ``loss_aversion s T``).
2. **Patterns 4 and 11 across starting trust** (seeds 1-3): pattern 4's net change under
   equal +/-0.1 experiences (criterion <= -0.01), the same with symmetric weighting
   (``loss_aversion = 1``) and its half-recovery / fall ratio (criterion > 1); pattern
   11's fall after two years of the OECD-sized shock (criterion in [0.08, 0.12]), the fall
   as a share of mean trust before the shock, and the share regained.
3. **Pattern 8** at starting trust 0.36 and 0.55 on seeds 1-10, and at 0.36 with 10 000
   citizens on seeds 1-5: which of its four conditions fails on which seed.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from governance_sim import validation as v
from governance_sim.dynamics.groups import neighbour_mean
from governance_sim.dynamics.trust import update_trust
from governance_sim.model import GovernanceModel

TRUSTS = (0.25, 0.30, 0.36, 0.40, 0.45, 0.55, 0.64)
SEEDS = (1, 2, 3)


def one_month_response(initial_trust: float, seed: int, signal: float = 0.1
                       ) -> dict[str, float]:
    """Mean one-month gain and loss of the initial population under +/-``signal``."""
    params = v.small_params(initial_trust=initial_trust)
    model = GovernanceModel(params, rng=seed, steps=0, agent_views=False)
    cit = model.population.citizens
    dyn = model.simulation.dynamics_params
    level = cit.trust.copy()
    neighbours = neighbour_mean(level, cit.network)
    zeros = np.zeros_like(level)

    def after(s: float) -> np.ndarray:
        return update_trust(level, cit.trust_disposition, neighbours, zeros,
                            np.full_like(level, s), dyn)

    still = after(0.0)
    gain = after(signal) - still
    loss = still - after(-signal)
    turn = 1.0 / (1.0 + dyn.loss_aversion)
    return {"mean_trust": float(level.mean()), "gain": float(gain.mean()),
            "loss": float(loss.mean()), "ratio": float(loss.mean() / gain.mean()),
            "share_below_turn": float((level < turn).mean()), "turn": turn}


def pattern_4_11(initial_trust: float) -> dict[str, float]:
    """Patterns 4 and 11 on :data:`SEEDS` at this starting trust (means over seeds)."""
    base = v.small_params(initial_trust=initial_trust)
    p4 = v.pattern_4(SEEDS, base)
    p4_sym = v.pattern_4(SEEDS, base.replace(loss_aversion=1.0))
    p11 = v.pattern_11(SEEDS, base)
    plain = p11.curves[p11.curves["series"] == "no shock"]
    before = plain[plain["x"] == 23]["y"].to_numpy()  # the month before the shock
    falls = np.array([d["fall"] for d in p11.details])
    return {
        "p4_net": float(np.mean([d["net_change_equal_signals"] for d in p4.details])),
        "p4_net_symmetric": float(np.mean([d["net_change_equal_signals"]
                                           for d in p4_sym.details])),
        "p4_ratio": float(np.mean(p4.values)),
        "p4_passed": p4.n_passed,
        "p11_fall": float(falls.mean()),
        "p11_trust_before": float(before.mean()),
        "p11_relative_fall": float(np.mean(falls / before)),
        "p11_regained": float(np.mean([d["share_regained"] for d in p11.details])),
        "p11_passed": p11.n_passed,
    }


def pattern_8_conditions(initial_trust: float, seeds: tuple[int, ...],
                         n_citizens: int = v.SMALL["n_citizens"]) -> list[dict]:
    """Pattern 8's four conditions per seed at this starting trust (50 citizens a unit)."""
    result = v.pattern_8(seeds, v.small_params(initial_trust=initial_trust,
                                               n_citizens=n_citizens,
                                               n_units=n_citizens // 50))
    rows = []
    for seed, widening, g in zip(result.seeds, result.values, result.details, strict=True):
        ratio = g["participation_ratio_untargeted"]
        rows.append({
            "seed": seed, "widening": widening,
            "gap_bureaucracy": g["participation_gap_bureaucracy"],
            "gap_untargeted": g["participation_gap_untargeted"],
            "outcome_wider": g["outcome_gap_untargeted"] > g["outcome_gap_bureaucracy"],
            "targeted_ok": 0.8 <= g["participation_ratio_targeted"] <= 1.0 + 0.5 * (ratio - 1),
            "panel_ok": g["participation_ratio_panel"] < ratio,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pattern-8-seeds", type=int, default=10,
                        help="seeds 1..N for pattern 8 (default 10)")
    args = parser.parse_args(argv)
    if args.pattern_8_seeds < 1:
        parser.error("--pattern-8-seeds must be at least 1")
    out = ["### One month's response to a signal of +/-0.1 (seed 1)", "",
           "| starting trust | mean trust | gain from +0.1 | loss from -0.1 | loss / gain | "
           "share of citizens below 1/(1+loss_aversion) |", "|---|---|---|---|---|---|"]
    for t in TRUSTS:
        r = one_month_response(t, 1)
        out.append(f"| {t:.2f} | {r['mean_trust']:.3f} | {r['gain']:.5f} | {r['loss']:.5f} | "
                   f"{r['ratio']:.2f} | {r['share_below_turn']:.0%} (below {r['turn']:.3f}) |")
    out += ["", "### Patterns 4 and 11 across starting trust (seeds 1-3, means)", "",
            "| starting trust | P4 net change, equal +/-0.1 (<= -0.01) | same, loss_aversion 1 "
            "| P4 recovery / fall (> 1) | P4 seeds met | P11 fall ([0.08, 0.12]) | mean trust "
            "before the shock | fall / trust before | share regained (< 1) | P11 seeds met |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for t in TRUSTS:
        r = pattern_4_11(t)
        out.append(f"| {t:.2f} | {r['p4_net']:+.4f} | {r['p4_net_symmetric']:+.4f} | "
                   f"{r['p4_ratio']:.2f} | {r['p4_passed']}/3 | {r['p11_fall']:.4f} | "
                   f"{r['p11_trust_before']:.3f} | {r['p11_relative_fall']:.1%} | "
                   f"{r['p11_regained']:.2f} | {r['p11_passed']}/3 |")
    many = tuple(range(1, args.pattern_8_seeds + 1))
    for t, size, seeds in ((0.36, 2000, many), (0.55, 2000, many),
                           (0.36, 10_000, (1, 2, 3, 4, 5))):
        rows = pattern_8_conditions(t, seeds, size)
        widening = np.array([r["widening"] for r in rows])
        spread = widening.std(ddof=1) if len(rows) > 1 else 0.0
        met = sum(r["widening"] > 0 and r["outcome_wider"] and r["targeted_ok"]
                  and r["panel_ok"] for r in rows)
        people = f"{size:,}".replace(",", " ")
        out += ["", f"### Pattern 8 at starting trust {t}, {people} citizens (seeds "
                f"1-{seeds[-1]})", "",
                "Widening (untargeted co-creation minus bureaucracy, Q5 - Q1 participation): "
                f"mean {widening.mean():+.4f}, SD {spread:.4f}, > 0 on "
                f"{int((widening > 0).sum())}/{len(rows)} seeds; all four conditions on "
                f"{met}/{len(rows)}.", "",
                "| seed | widening (> 0) | gap, bureaucracy | gap, untargeted | outcome gap "
                "wider | targeted ratio in range | panel ratio lower |",
                "|---|---|---|---|---|---|---|"]
        out += [f"| {r['seed']} | {r['widening']:+.4f} | {r['gap_bureaucracy']:.4f} | "
                f"{r['gap_untargeted']:.4f} | {'yes' if r['outcome_wider'] else 'no'} | "
                f"{'yes' if r['targeted_ok'] else 'no'} | {'yes' if r['panel_ok'] else 'no'} |"
                for r in rows]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
