"""The files a calibration leaves: posterior table, diagnostics, scenario, provenance, report.

* ``posterior.csv``: repeat 1's posterior draws in the format of a parameter table
  (``data/parameter_uncertainty.csv``: ``wave``, ``point_id``, the parameters,
  ``implausibility``, ``worst``, ``inside``; the last three from each draw's posterior
  predictive run), so shipping it is a copy.
* ``draws.csv``: every repeat's draws with the emulated chance inside every band and, for
  repeat 1, each check run's statistics.
* ``waves.csv``: per repeat and wave, the non-implausible share of the prior the design came
  from, the wave's cutoff, its samples and how many were focused, the samples inside every
  band and their share (the two columns that show whether the waves refocus);
  ``emulators.csv``: each emulator's leave-one-out validation; ``coverage.csv``: per band,
  the share of check runs inside it.
* ``samples.csv``: every sample of repeat 1's waves with each target's seed-mean, seed SD
  and implausibility.
* ``calibrated.toml``: a scenario file (the format of ``scenarios/*.toml``) holding the base
  and the best wave sample's values; ``governance-sim run calibrated.toml`` runs it.
* ``pairs.html``: pair plots of the posterior (Plotly, works offline).
* ``provenance.json``: the targets file, the base parameters, seeds, budget, versions, the
  git commit of the code (when known) and the date.
* ``report.md``: the verdict, implausibility by wave, emulator validation, the posterior and
  what the targets identify, the posterior predictive coverage per band.
"""

from __future__ import annotations

import json
import math
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from governance_sim.calibration.emulator import validation_table
from governance_sim.calibration.result import CalibrationResult
from governance_sim.params import Params
from governance_sim.results import atomic_write, versions

__all__ = ["calibrated_document", "coverage_table", "emulator_table", "git_commit",
           "pairs_html", "posterior_table", "provenance", "report_markdown", "wave_table",
           "write_outputs"]

#: Columns of a parameter table besides the parameters (governance_sim.uncertainty).
_TABLE_COLUMNS = ("wave", "point_id", "implausibility", "worst", "inside")


def write_outputs(result: CalibrationResult, every: pd.DataFrame) -> list[Path]:
    """Write every output file of a calibration into ``result.out``; return their paths.

    Args:
        result: the calibration's result.
        every: the scored samples of repeat 1's waves, index ``(wave, point_id)``.
    """
    out = result.out
    config = result.config
    header = (f"# Written by `governance-sim calibrate {config.source}`; see report.md.\n"
              f"# Run it with: governance-sim run {out / 'calibrated.toml'}\n")
    texts = {
        "calibrated.toml": header + tomli_w.dumps(calibrated_document(result)),
        "posterior.csv": posterior_table(result).to_csv(index=False),
        "draws.csv": draws_table(result).to_csv(index=False),
        "waves.csv": wave_table(result).to_csv(index=False),
        "emulators.csv": emulator_table(result).to_csv(index=False),
        "coverage.csv": coverage_table(result).to_csv(index=False),
        "samples.csv": every.reset_index().to_csv(index=False),
        "pairs.html": pairs_html(result),
        "provenance.json": json.dumps(provenance(result), indent=2, sort_keys=True,
                                      default=_json_default) + "\n",
        "report.md": report_markdown(result),
    }
    written = []
    for name, text in texts.items():
        written.append(atomic_write(out / name, lambda tmp, text=text: Path(tmp).write_text(
            text, encoding="utf-8")))
    return written


def posterior_table(result: CalibrationResult) -> pd.DataFrame:
    """Repeat 1's draws as a parameter table (``data/parameter_uncertainty.csv``'s format).

    ``wave`` is the last wave, ``point_id`` the draw; ``implausibility``, ``worst`` and
    ``inside`` describe the draw's posterior predictive run (the emulated implausibility
    when there was no check).
    """
    config = result.config
    draws = result.posterior.reset_index(drop=True)
    table = pd.DataFrame({"wave": len(result.waves), "point_id": np.arange(len(draws))})
    for name in config.names:
        table[name] = draws[name].to_numpy() if len(draws) else []
    check = result.check
    if check is not None and len(check.runs) == len(draws):
        table["implausibility"] = check.runs["implausibility"].to_numpy()
        table["worst"] = check.runs["worst"].to_numpy()
        table["inside"] = check.runs["inside"].to_numpy()
    else:
        table["implausibility"] = draws["implausibility"].to_numpy() if len(draws) else []
        table["worst"] = draws["worst"].to_numpy() if len(draws) else []
        table["inside"] = (draws["implausibility"].to_numpy() == 0) if len(draws) else []
    return table[["wave", "point_id", *config.names, "implausibility", "worst", "inside"]]


def draws_table(result: CalibrationResult) -> pd.DataFrame:
    """Every repeat's draws; repeat 1's with its check run's statistics (``run:<stat>``)."""
    frames = []
    for repeat in result.repeats:
        frame = repeat.posterior.reset_index(drop=True).copy()
        frame.insert(0, "draw", np.arange(len(frame)))
        frame.insert(0, "repeat", repeat.index)
        frame = frame.rename(columns={"implausibility": "emulated_implausibility",
                                      "worst": "emulated_worst"})
        if repeat.index == 1 and result.check is not None:
            runs = result.check.runs.reset_index(drop=True)
            for target in result.config.targets:
                frame[f"run:{target.statistic}"] = runs[target.column].to_numpy()
            frame["run_inside"] = runs["inside"].to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def wave_table(result: CalibrationResult) -> pd.DataFrame:
    """Per repeat and wave: the space sampled, the runs, and the implausibility they found.

    ``volume`` is the non-implausible share of the prior box the wave's design was drawn
    from (1 for wave 1); the row ``wave = "posterior"`` gives the share left after the last
    wave's emulators. ``cutoff`` is the wave's implausibility cutoff, ``focused`` the design
    points drawn by the emulated chance inside every band, ``inside_share`` the share of the
    wave's samples whose seed-means are inside every band: refocusing waves have a falling
    ``volume`` and a rising ``inside_share``.
    """
    rows = []
    for repeat in result.repeats:
        for wave in repeat.waves:
            implausibility = wave.samples["implausibility"].replace(np.inf, np.nan)
            rows.append({
                "repeat": repeat.index, "wave": str(wave.wave), "volume": wave.volume,
                "cutoff": wave.cutoff, "samples": len(wave.samples), "runs": wave.runs,
                "topped_up": wave.topped_up, "focused": wave.focused,
                "non_implausible": int(wave.samples["non_implausible"].sum()),
                "inside": int(wave.samples["inside"].sum()),
                "inside_share": wave.inside_share,
                "implausibility_min": float(wave.samples["implausibility"].min()),
                "implausibility_median": float(implausibility.median()),
            })
        rows.append({"repeat": repeat.index, "wave": "posterior",
                     "volume": repeat.volumes[-1], "samples": len(repeat.posterior)})
    return pd.DataFrame(rows)


def emulator_table(result: CalibrationResult) -> pd.DataFrame:
    """Leave-one-sample-out validation of every emulator (repeat, wave, statistic)."""
    frames = []
    for repeat in result.repeats:
        for wave in repeat.waves:
            table = validation_table(wave.emulators)
            table.insert(0, "wave", wave.wave)
            table.insert(0, "repeat", repeat.index)
            frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def coverage_table(result: CalibrationResult) -> pd.DataFrame:
    """Per band: the share of posterior predictive runs inside it (and ``all`` bands)."""
    check = result.check
    rows = []
    for target in result.config.targets:
        share = float(check.coverage[target.statistic]) if check is not None else math.nan
        rows.append({"statistic": target.statistic, "low": target.low, "high": target.high,
                     "coverage": share})
    rows.append({"statistic": "all", "low": math.nan, "high": math.nan,
                 "coverage": check.joint if check is not None else math.nan})
    return pd.DataFrame(rows)


def pairs_html(result: CalibrationResult) -> str:
    """Pair plots of the posterior draws of every repeat (Plotly, works offline)."""
    import plotly.graph_objects as go

    config = result.config
    figure = go.Figure()
    for repeat in result.repeats:
        draws = repeat.posterior
        if draws.empty:
            continue
        figure.add_trace(go.Splom(
            dimensions=[{"label": name, "values": draws[name]} for name in config.names],
            name=f"repeat {repeat.index}", text=[f"chance inside {p:.2f}"
                                                  for p in draws["p_inside"]],
            marker={"size": 4, "opacity": 0.6}, diagonal_visible=False, showupperhalf=False))
    size = max(500, 160 * len(config.names))
    figure.update_layout(title=f"Posterior of calibration {config.name} (pairs of "
                         "parameters; each point one draw)", width=size, height=size,
                         dragmode="select")
    return figure.to_html(include_plotlyjs=True, full_html=True)


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

    config = result.config
    found = versions()
    for package in ("SALib", "pyarrow", "scikit-learn", "scipy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    check = result.check
    return {
        "kind": "governance_sim.calibration",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "targets_file": config.source,
        "targets_file_content": config.text,
        "fingerprint": config.fingerprint(),
        "method": ("history matching with Gaussian-process emulators in waves, posterior by "
                   "rejection on the emulators, posterior predictive check "
                   "(docs/calibration.md)"),
        "quick": config.quick,
        "base": {"label": config.base_label, "params": config.base},
        "settings": {
            "n_citizens": config.n_citizens, "steps": config.steps,
            "logics": list(config.logics), "shock": config.shock, "seeds": config.seeds,
            "root_seed": config.seed, "waves": config.waves, "samples": config.samples,
            "cutoff": list(config.cutoff), "focus": config.focus,
            "candidates": config.candidates, "draws": config.draws,
            "min_inside": config.min_inside, "check_citizens": config.check_citizens,
            "coverage": config.coverage, "repeats": config.repeats,
            "identified_below": config.identified_below,
        },
        "parameters": {name: list(bounds) for name, bounds in config.parameters.items()},
        "targets": [{"statistic": t.statistic, "low": t.low, "high": t.high,
                     "scale": t.scale, "missing": t.missing, "written": t.written}
                    for t in config.targets],
        "repeats": [{"repeat": r.index, "seed": r.seed, "stopped": r.stopped,
                     "posterior": r.note, "draws": len(r.posterior),
                     "volumes": [_finite(v) for v in r.volumes],
                     "waves": [{"wave": w.wave, "folder": str(w.folder.relative_to(result.out)),
                                "volume": _finite(w.volume), "cutoff": w.cutoff,
                                "samples": len(w.samples), "focused": w.focused,
                                "runs": w.runs, "topped_up": w.topped_up,
                                "non_implausible": int(w.samples["non_implausible"].sum()),
                                "inside": int(w.samples["inside"].sum()),
                                "failed_runs": len(w.failures)} for w in r.waves]}
                    for r in result.repeats],
        "check": None if check is None else {
            "folder": check.folder.name, "n_citizens": check.n_citizens,
            "draws": len(check.runs), "joint": _finite(check.joint),
            "required": check.required, "passed": check.passed,
            "coverage": {k: _finite(float(v)) for k, v in check.coverage.items()}},
        "accepted": result.accepted,
        "runs": result.runs,
        "seconds": round(result.seconds, 1),
        "identified": [n for n in result.identifiability.index
                       if result.identifiability.loc[n, "identified"]],
        "identified_note": result.identified_note,
        "best": {name: float(result.best[name]) for name in config.names}
        | {"implausibility": _finite(float(result.best["implausibility"]))},
        "versions": found,
        "git": git_commit(),
    }


def report_markdown(result: CalibrationResult) -> str:
    """The report: verdict, budget, implausibility by wave, emulators, posterior, coverage."""
    config = result.config
    lines = [f"# Calibration `{config.name}`", ""]
    if config.description:
        lines += [config.description, ""]
    if config.quick:
        lines += ["**Quick run** (`--quick`): a small population, few waves and draws; it "
                  "shows the method works end to end and is not a calibration to ship.", ""]
    lines += [
        f"Targets file `{config.source}`; base `{config.base_label}`; logics "
        f"{', '.join(config.logics)}; waves at {config.n_citizens} citizens, "
        f"{config.steps} months, {_seeds(config.seeds)} per sample (root seed {config.seed}),"
        f" {config.samples} samples per wave, implausibility cutoff {config.cutoff_text()}, "
        f"focus {config.focus:g}; "
        f"{config.draws} posterior draws checked at {config.check_citizens} citizens; "
        f"{config.repeats} independent repeat(s).", "",
        "## Verdict", "", *_verdict(result), "",
        "## Budget", "",
        f"{result.runs} model runs: "
        + "; ".join(f"repeat {r.index}: {sum(w.runs for w in r.waves)} in "
                    f"{len(r.waves)} waves" for r in result.repeats)
        + (f"; posterior check: {len(result.check.runs)} at {result.check.n_citizens} "
           "citizens" if result.check is not None else "")
        + f". Wall time of this call: {result.seconds:.0f} s (runs already on disk are not "
        "redone).", "",
        "## Implausibility by wave", "",
        "`space` is the non-implausible share of the prior box the wave's design was drawn "
        "from (estimated from uniform candidates screened by every earlier wave's "
        "emulators, each at its own wave's cutoff); `posterior` is the share left after the "
        "last wave. `cutoff`: the wave's implausibility cutoff (its samples above it are not "
        "non-implausible; its emulators rule out points above it from then on). `focused`: "
        "design points drawn by the emulated chance inside every band (the rest are spread "
        "over the space). `inside every band`: the samples whose seed-means hold every band, "
        "and their share of the wave. Waves that refocus have a falling `space` and a rising "
        "share inside. Implausibility of a sample: distance of its seed-mean outside the band "
        "over sqrt(scale^2 + seed SD^2).",
        "", "| repeat | wave | space | cutoff | samples (focused) | non-implausible | "
        "inside every band | min implausibility | median |",
        "|---|---|---|---|---|---|---|---|---|"]
    for row in wave_table(result).itertuples():
        if row.wave == "posterior":
            lines.append(f"| {row.repeat} | posterior | {_share(row.volume)} | | "
                         f"{row.samples} draws | | | | |")
            continue
        topped = f" ({int(row.topped_up)} near survivors)" if row.topped_up else ""
        lines.append(f"| {row.repeat} | {row.wave} | {_share(row.volume)}{topped} | "
                     f"{row.cutoff:g} | {int(row.samples)} ({int(row.focused)}) | "
                     f"{int(row.non_implausible)} | {int(row.inside)} "
                     f"({_pct(row.inside_share)}) | {_number(row.implausibility_min)} | "
                     f"{_number(row.implausibility_median)} |")
    lines += ["", "## Emulator validation", "",
              "Leave-one-sample-out (all seeds of a sample left out together), standardised "
              "errors z = (sample's seed-mean - LOO mean) / LOO SD. A valid emulator has "
              "about 95 % of |z| <= 2 and nearly all <= 3. Per wave, over its emulators:", "",
              "| repeat | wave | emulators | median share within 2 SD | median within 3 SD | "
              "worst within 3 SD (statistic) |", "|---|---|---|---|---|---|"]
    table = emulator_table(result)
    for (repeat, wave), group in table.groupby(["repeat", "wave"]):
        fitted = group.dropna(subset=["within_3"])
        if fitted.empty:
            lines.append(f"| {repeat} | {wave} | 0 | | | |")
            continue
        worst = fitted.loc[fitted["within_3"].idxmin()]
        lines.append(f"| {repeat} | {wave} | {len(fitted)} of {len(group)} | "
                     f"{fitted['within_2'].median():.0%} | {fitted['within_3'].median():.0%} "
                     f"| {worst['within_3']:.0%} ({worst['statistic']}) |")
    last = table[(table["repeat"] == 1) & (table["wave"] == len(result.waves))]
    if not last.empty:
        lines += ["", f"Repeat 1, wave {len(result.waves)} (the emulators the posterior "
                  "uses):", "", "| statistic | runs | within 2 SD | within 3 SD | RMS z | "
                  "seed SD | note |", "|---|---|---|---|---|---|---|"]
        for row in last.itertuples():
            lines.append(f"| {row.statistic} | {row.runs} | {_pct(row.within_2)} | "
                         f"{_pct(row.within_3)} | {_number(row.rms_z)} | "
                         f"{_number(row.seed_sd)} | {row.note} |")
    lines += ["", "## Posterior and identifiability", ""]
    for repeat in result.repeats:
        lines.append(f"- Repeat {repeat.index} (seed {repeat.seed}): {repeat.stopped}; "
                     f"{len(repeat.posterior)} draws: {repeat.note}.")
    lines += ["", f"Central 90 % interval of each parameter's posterior per repeat, as a share "
              f"of its prior range. *Identified*: narrower than {config.identified_below:.0%}"
              " of the prior in every repeat, with the repeats' intervals overlapping (needs "
              "at least two repeats). A parameter that is not identified on its own may still "
              "be constrained jointly with others: see `pairs.html`.", ""]
    if result.identified_note:
        lines += [f"**Nothing is called identified**: {result.identified_note}. The "
                  "intervals below describe the draws only.", ""]
    ident = result.identifiability
    columns = " | ".join(f"repeat {r.index} 90 % interval (share)" for r in result.repeats)
    header = f"| parameter | prior | {columns} | overlap | identified |"
    lines += [header, "|" + "---|" * (4 + len(result.repeats))]
    for name, row in ident.iterrows():
        cells = []
        for r in result.repeats:
            share = row[f"share_{r.index}"]
            cells.append("none" if math.isnan(share) else
                         f"{_number(row[f'low_{r.index}'])}..{_number(row[f'high_{r.index}'])}"
                         f" ({share:.0%})")
        lines.append(f"| {name} | {_number(row['prior_low'])}..{_number(row['prior_high'])} | "
                     + " | ".join(cells) + f" | {'yes' if row['overlap'] else 'no'} | "
                     f"{'yes' if row['identified'] else 'no'} |")
    lines += ["", "Pair plots of the draws: [`pairs.html`](pairs.html).", "",
              "## Posterior predictive check", ""]
    check = result.check
    if check is None:
        lines.append("Not run: repeat 1 has no posterior draws.")
    else:
        lines += [f"One run per draw of repeat 1 ({len(check.runs)} draws, each with its own "
                  f"seed) at {check.n_citizens} citizens; share of draws inside each band "
                  f"(bands below {check.required:.0%} first). Inside every band: "
                  f"**{check.joint:.0%}** (need {check.required:.0%}).", "",
                  "| statistic | band | coverage |", "|---|---|---|"]
        for target in sorted(config.targets, key=lambda t: check.coverage[t.statistic]):
            share = check.coverage[target.statistic]
            mark = " **fails**" if share < check.required else ""
            lines.append(f"| {target.statistic} | {_number(target.low)}.."
                         f"{_number(target.high)} | {_pct(share)}{mark} |")
    best = result.best
    wave, point = best.name if isinstance(best.name, tuple) else ("?", best.name)
    lines += ["", "## Best wave sample", "",
              f"Wave {wave}, sample {point} of repeat 1, implausibility "
              f"{_number(best['implausibility'])} (written to `calibrated.toml`; the "
              "posterior, not this point, is the calibration's answer).", "",
              "| parameter | value | prior |", "|---|---|---|"]
    for name, (low, high) in config.parameters.items():
        lines.append(f"| {name} | {_number(best[name])} | {_number(low)}..{_number(high)} |")
    failures = result.failures
    if failures:
        lines += ["", "## Failed runs", "", f"{len(failures)} runs failed (left out of the "
                  "emulators; their samples count as implausible); the first:", ""]
        lines += [f"- wave {w}, run {r}: {e}" for w, r, e in failures[:10]]
    lines += ["", "Files: `posterior.csv` (the draws as a parameter table), `draws.csv`, "
              "`waves.csv`, `emulators.csv`, `coverage.csv`, `samples.csv`, `pairs.html`, "
              "`provenance.json`, `wave-NN/` and `check-*/` (the sweeps).", ""]
    return "\n".join(lines)


def _verdict(result: CalibrationResult) -> list[str]:
    """The verdict lines: accepted or not, and what fails."""
    config = result.config
    check = result.check
    if check is None:
        return ["**Not accepted**: no posterior draws (" + result.stopped + ")."]
    if check.passed:
        text = (f"**Accepted**: {check.joint:.0%} of {len(check.runs)} posterior draws hold "
                f"every band at {check.n_citizens} citizens (need {check.required:.0%}).")
    else:
        fails = [f"{k} ({v:.0%})" for k, v in check.coverage.sort_values().items()
                 if v < check.required]
        text = (f"**Not accepted**: {check.joint:.0%} of {len(check.runs)} posterior draws "
                f"hold every band at {check.n_citizens} citizens (need "
                f"{check.required:.0%}). Bands held by fewer than {check.required:.0%} of "
                f"draws: {', '.join(fails) or 'none singly (they fail in combination)'}.")
    out = [text]
    if len(result.posterior) < 200:
        out.append(f"Only {len(result.posterior)} draws: a shipped table needs at least 200.")
    if config.quick:
        out.append("Quick run: not for shipping.")
    return out


def _pct(value: Any) -> str:
    value = float(value)
    return "n/a" if math.isnan(value) else f"{value:.0%}"


def _share(value: Any) -> str:
    value = float(value)
    return "n/a" if math.isnan(value) else f"{value:.3g}"


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
