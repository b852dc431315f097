"""The files a calibration leaves: calibrated scenario, posterior, provenance, report.

* ``calibrated.toml``: a scenario file (the format of ``scenarios/*.toml``) holding the
  base and the best sample's values; ``governance-sim run calibrated.toml`` runs it.
* ``posterior.csv``: the non-implausible samples of the last wave (parameter values,
  implausibility, the target that sets it, whether every band is met).
* ``samples.csv``: every sample of every wave with each target's seed-mean, seed SD and
  implausibility.
* ``provenance.json``: the targets file, the base parameters, seeds, waves, versions, the
  git commit of the code (when known) and the date.
* ``report.md``: the waves, the best sample against each band, and which parameters the
  targets identify.
"""

from __future__ import annotations

import json
import math
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import tomli_w

from governance_sim.params import Params
from governance_sim.results import atomic_write, versions

if TYPE_CHECKING:
    from governance_sim.calibration.runner import CalibrationResult

__all__ = ["calibrated_document", "git_commit", "provenance", "report_markdown",
           "write_outputs"]


def write_outputs(result: CalibrationResult, every: pd.DataFrame) -> list[Path]:
    """Write every output file of a calibration into ``result.out``; return their paths.

    Args:
        result: the calibration's result.
        every: the scored samples of all waves, index ``(wave, point_id)``.
    """
    out = result.out
    config = result.config
    document = calibrated_document(result)
    header = (f"# Written by `governance-sim calibrate {config.source}`; see report.md.\n"
              f"# Run it with: governance-sim run {out / 'calibrated.toml'}\n")
    posterior = result.posterior.assign(wave=result.waves[-1].wave).reset_index()
    columns = ["wave", "point_id", *config.names, "implausibility", "worst", "inside"]
    texts = {
        "calibrated.toml": header + tomli_w.dumps(document),
        "posterior.csv": posterior[columns].to_csv(index=False),
        "samples.csv": every.reset_index().to_csv(index=False),
        "provenance.json": json.dumps(provenance(result), indent=2, sort_keys=True,
                                      default=_json_default) + "\n",
        "report.md": report_markdown(result),
    }
    written = []
    for name, text in texts.items():
        written.append(atomic_write(out / name, lambda tmp, text=text: Path(tmp).write_text(
            text, encoding="utf-8")))
    return written


def calibrated_document(result: CalibrationResult) -> dict[str, Any]:
    """The calibrated scenario: ``[scenario]``, ``[params]`` and the base's ``[[events]]``.

    ``[params]`` holds what the base sets over the defaults (its own population, not the
    calibration's, which is a speed choice) and the best sample's values.
    """
    config = result.config
    best = result.best
    values: dict[str, Any] = {}
    for name in config.names:
        value = float(best[name])
        values[name] = int(round(value)) if name in config.integer else value
    base = {key: value for key, value in config.base.items() if key != "events"}
    params = Params.from_dict({**base, **values, "events": list(config.base_events)})
    defaults = Params().to_dict()
    data = params.to_dict()
    over: dict[str, Any] = {"logic": data["logic"]}
    for key, value in data.items():
        if key in ("logic", "events"):
            continue
        if key == "levers":
            if value:
                over["levers"] = dict(value)
        elif key in values or value != defaults[key]:
            over[key] = value
    met = "inside every band" if best["implausibility"] == 0 else (
        f"implausibility {_number(best['implausibility'])}, worst target {best['worst']}")
    wave, point = best.name if isinstance(best.name, tuple) else ("?", best.name)
    document: dict[str, Any] = {
        "scenario": {
            "name": f"{config.name}_calibrated",
            "description": (
                f"The base '{config.base_label}' with the free parameters "
                f"({', '.join(config.names)}) set to the best sample of calibration "
                f"'{config.name}' (wave {wave}, sample {point}: {met}), fitted at "
                f"{config.n_citizens} citizens over {config.steps} months on "
                f"{_seeds(config.seeds)} for the logics {', '.join(config.logics)}; the "
                f"values apply to every logic (set 'logic' to run another)."),
            "question": (f"Do runs with the calibrated parameters stay inside the bands of "
                         f"{Path(config.source).name}?"),
            "steps": int(config.steps),
            "sources": [f"governance-sim calibrate {config.source} (history matching; "
                        "provenance.json and report.md beside this file)"],
        },
        "params": over,
    }
    if config.base_events:
        document["events"] = data["events"]
    return document


def git_commit() -> dict[str, Any] | None:
    """The commit of the code that ran, and whether the work tree had changes; None if unknown."""
    root = Path(__file__).resolve().parents[3]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], timeout=10,
                              capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"], timeout=10, capture_output=True,
                                text=True, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "modified_files": bool(status.strip())} if head else None


def provenance(result: CalibrationResult) -> dict[str, Any]:
    """Everything needed to reproduce and judge the calibration, as JSON-friendly data."""
    from importlib.metadata import PackageNotFoundError, version

    from governance_sim.sweep import replicate_seeds

    config = result.config
    found = versions()
    for package in ("SALib", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return {
        "kind": "governance_sim.calibration",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets_file": config.source,
        "targets_file_content": config.text,
        "fingerprint": config.fingerprint(),
        "method": "history matching in waves against bands (docs/calibration.md)",
        "base": {"label": config.base_label, "params": config.base},
        "settings": {
            "n_citizens": config.n_citizens, "steps": config.steps,
            "logics": list(config.logics), "shock": config.shock, "seeds": config.seeds,
            "root_seed": config.seed,
            "replicate_seeds": [int(s) for s in replicate_seeds(config.seed, config.seeds)],
            "waves": config.waves, "samples": config.samples,
            "cutoff": config.cutoff, "stop_inside": config.stop_inside, "pad": config.pad,
            "identified_below": config.identified_below,
        },
        "parameters": {name: list(bounds) for name, bounds in config.parameters.items()},
        "targets": [{"statistic": t.statistic, "low": t.low, "high": t.high,
                     "scale": t.scale, "missing": t.missing, "written": t.written}
                    for t in config.targets],
        "waves": [{"wave": w.wave, "folder": w.folder.name,
                   "region": {n: list(b) for n, b in w.region.bounds.items()},
                   "samples": len(w.samples),
                   "non_implausible": int(w.samples["non_implausible"].sum()),
                   "inside": int(w.samples["inside"].sum()),
                   "failed_runs": len(w.failures)} for w in result.waves],
        "stopped": result.stopped,
        "best": {name: float(result.best[name]) for name in config.names}
        | {"implausibility": _finite(float(result.best["implausibility"]))},
        "versions": found,
        "git": git_commit(),
    }


def report_markdown(result: CalibrationResult) -> str:
    """The calibration report: waves, the best sample against the bands, identifiability."""
    config = result.config
    best = result.best
    lines = [f"# Calibration `{config.name}`", ""]
    if config.description:
        lines += [config.description, ""]
    lines += [
        f"Targets file `{config.source}`; base `{config.base_label}`; logics "
        f"{', '.join(config.logics)}; {config.n_citizens} citizens, {config.steps} months, "
        f"{_seeds(config.seeds)} per sample (root seed {config.seed}), {config.samples} "
        f"samples per wave, cutoff {config.cutoff:g}.",
        "", f"Stopped: {result.stopped}.", "",
        "## Waves", "",
        "| wave | region | samples | non-implausible | inside every band | best "
        "implausibility |",
        "|---|---|---|---|---|---|",
    ]
    for wave in result.waves:
        region = "; ".join(f"{n} {_number(lo)}..{_number(hi)}"
                           for n, (lo, hi) in wave.region.bounds.items())
        samples = wave.samples
        lines.append(f"| {wave.wave} | {region} | {len(samples)} | "
                     f"{int(samples['non_implausible'].sum())} | {int(samples['inside'].sum())} "
                     f"| {_number(samples['implausibility'].min())} |")
    wave, point = best.name if isinstance(best.name, tuple) else ("?", best.name)
    lines += ["", "## Best sample", "",
              f"Wave {wave}, sample {point}, implausibility "
              f"{_number(best['implausibility'])} (written to `calibrated.toml`).", "",
              "| parameter | value | prior |", "|---|---|---|"]
    for name, (low, high) in config.parameters.items():
        lines.append(f"| {name} | {_number(best[name])} | {_number(low)}..{_number(high)} |")
    lines += ["", "| statistic | seed mean | seed SD | band | implausibility |",
              "|---|---|---|---|---|"]
    for target in config.targets:
        stat = target.statistic
        lines.append(f"| {stat} | {_number(best[f'mean:{stat}'])} | "
                     f"{_number(best[f'sd:{stat}'])} | {_number(target.low)}.."
                     f"{_number(target.high)} | {_number(best[f'I:{stat}'])} |")
    last = result.waves[-1].samples
    lines += ["", "## Which bands rule samples out", "",
              f"Share of the last wave's {len(last)} samples outside each band by more than "
              f"the cutoff, and how often each band is the worst one.", "",
              "| statistic | ruled out | worst for |", "|---|---|---|"]
    worst = last["worst"].value_counts()
    for target in sorted(config.targets,
                         key=lambda t: -(last[f"I:{t.statistic}"] > config.cutoff).mean()):
        stat = target.statistic
        lines.append(f"| {stat} | {(last[f'I:{stat}'] > config.cutoff).mean():.0%} | "
                     f"{int(worst.get(stat, 0))} |")
    lines += ["", "## Identifiability", "",
              f"The share of each prior range the non-implausible samples of the last wave "
              f"still span; below {config.identified_below:g} the targets identify the "
              "parameter. A parameter whose range does not shrink is not constrained by these "
              "targets on its own (it may still be constrained jointly with others: see "
              "`posterior.csv`).", "",
              "| parameter | prior | non-implausible range | share of prior | identified |",
              "|---|---|---|---|---|"]
    for name, row in result.identifiability.iterrows():
        if math.isnan(row["share"]):
            span, share, verdict = "none survived", "-", "not determined"
        else:
            span = f"{_number(row['low'])}..{_number(row['high'])}"
            share = f"{row['share']:.0%}"
            verdict = "yes" if row["identified"] else "no"
        lines.append(f"| {name} | {_number(row['prior_low'])}..{_number(row['prior_high'])} "
                     f"| {span} | {share} | {verdict} |")
    failures = result.failures
    if failures:
        lines += ["", "## Failed runs", "", f"{len(failures)} runs failed (their samples "
                  "count as implausible); the first:", ""]
        lines += [f"- wave {w}, run {r}: {e}" for w, r, e in failures[:10]]
    lines += ["", "Files: `posterior.csv` (non-implausible samples of the last wave), "
              "`samples.csv` (every sample with each statistic), `provenance.json`, "
              "`wave-NN/` (the sweeps).", ""]
    return "\n".join(lines)


def _seeds(count: int) -> str:
    return f"{count} seed" + ("s" if count != 1 else "")


def _number(value: Any) -> str:
    """A number for the report: four significant digits, inf and NaN spelled out."""
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4g}"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
