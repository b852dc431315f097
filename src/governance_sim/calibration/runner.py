"""Run a calibration: waves of history matching, each a resumable sweep in its own folder.

Layout of the output folder::

    OUT/calibration.json     the settings and their fingerprint (a resume must match)
    OUT/wave-01/             the sweep of wave 1 (manifest, design, runs/part-*.parquet)
    OUT/wave-01/wave.json    written when wave 1 is complete: its region and verdicts
    OUT/wave-02/ ...
    OUT/samples.csv, posterior.csv, calibrated.toml, provenance.json, report.md

Each wave samples a Latin hypercube over the current region (the sweep engine's design,
seeded per wave), runs every sample on the same ``seeds`` seeds (common random numbers)
through the sweep engine's executors, and scores the samples (:mod:`.history`). A killed
calibration started again with the same command skips complete waves, resumes the
interrupted wave's sweep (finished runs are not run again) and goes on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.calibration.config import CalibrationConfig
from governance_sim.calibration.history import (
    Region,
    best_sample,
    identifiability,
    next_region,
    summarise_samples,
)
from governance_sim.calibration.model import check_statistics, field_model
from governance_sim.output_folders import claim_folder, clean_temporaries
from governance_sim.results import atomic_write
from governance_sim.sweep import Executor, SweepSpec, make_executor, read_table, run_sweep
from governance_sim.sweep.spec import spec_from_dict
from governance_sim.sweep.store import ResultsError

__all__ = ["CalibrationResult", "WaveResult", "calibrate", "wave_spec", "MODEL_NAME"]

#: How the wave sweeps' manifests name their model.
MODEL_NAME = "governance_sim.calibration.model:FieldModel"


@dataclass
class WaveResult:
    """One wave: where it ran, the region it sampled and the scored samples."""

    wave: int
    folder: Path
    region: Region
    samples: pd.DataFrame
    ran: int = 0
    skipped: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    @property
    def survivors(self) -> pd.DataFrame:
        """The non-implausible samples."""
        return self.samples[self.samples["non_implausible"]]


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found.

    Attributes:
        out: the output folder.
        config: the calibration.
        waves: every wave run (or read back), in order.
        stopped: why the waves stopped.
        best: the best sample over all waves (a row of :func:`.history.summarise_samples`
            with ``wave`` and ``point_id``).
        posterior: the non-implausible samples of the last wave.
        identifiability: per parameter, the share of its prior still non-implausible.
        files: what was written.
    """

    out: Path
    config: CalibrationConfig
    waves: list[WaveResult]
    stopped: str
    best: pd.Series
    posterior: pd.DataFrame
    identifiability: pd.DataFrame
    files: list[Path] = field(default_factory=list)

    @property
    def failures(self) -> list[tuple[int, int, str]]:
        """``(wave, run_id, error)`` of every failed run."""
        return [(w.wave, run_id, error) for w in self.waves for run_id, error in w.failures]

    @property
    def found(self) -> bool:
        """True when the last wave has at least one non-implausible sample."""
        return not self.posterior.empty


def wave_spec(config: CalibrationConfig, region: Region, wave: int) -> SweepSpec:
    """The sweep of one wave: a seeded Latin hypercube over ``region``."""
    sequence = np.random.SeedSequence(config.seed, spawn_key=(0xCA11B, wave))
    raw = {
        "sweep": {"name": f"{config.name}-wave-{wave:02d}", "model": MODEL_NAME,
                  "replicates": config.seeds, "seed": config.seed,
                  "description": f"wave {wave} of calibration {config.name!r} "
                  f"({config.source})"},
        "design": {"kind": "latin_hypercube", "samples": config.samples,
                   "seed": int(sequence.generate_state(1, np.uint32)[0])},
        "uncertainties": {name: {"low": low, "high": high}
                          for name, (low, high) in region.bounds.items()},
        "outcomes": {t.column: {"metric": t.statistic, "stat": "value"}
                     for t in config.targets},
    }
    return spec_from_dict(raw, source=f"{config.source} (wave {wave})")


def calibrate(config: CalibrationConfig, out: str | os.PathLike[str], *,
              workers: int | None = None, scheduler: str | None = None,
              executor: Executor | None = None, model: Callable[..., Any] | None = None,
              progress: bool = True, flush_seconds: float = 2.0,
              echo: Callable[[str], None] | None = None) -> CalibrationResult:
    """Run (or resume) a calibration and write its output folder.

    Args:
        config: the validated targets file.
        out: the output folder (a new or empty folder, or this calibration's own).
        workers: local processes (default: the file's ``workers``, else every core).
        scheduler: a Dask scheduler (``"local"`` or an address; default: the file's).
        executor: an executor to use instead (not closed).
        model: a callable to run instead of the field statistics (params dict, seed ->
            mapping of statistics); module-level so it pickles to workers.
        progress: progress bars on standard error.
        flush_seconds: write finished runs to disk at least this often.
        echo: where to say what each wave found (default: nowhere).

    Raises:
        CalibrationError: a target names a statistic the model does not report (checked
            with one run before anything is written).
        ResultsError: ``out`` holds another calibration.
        OutputError: ``out`` cannot be written or holds files governance-sim did not write.
        SweepAborted: the executor broke; finished runs are on disk, rerun to resume.
    """
    from governance_sim.calibration.outputs import write_outputs

    say = echo or (lambda _message: None)
    check_statistics(config, model)
    folder = claim_folder(out)
    clean_temporaries(folder)
    fingerprint = _check_settings(config, folder)
    fn = model or field_model(config)
    prior = Region(dict(config.parameters))
    region = prior
    own = executor is None
    active = executor
    waves: list[WaveResult] = []
    stopped = f"ran all {config.waves} waves"
    try:
        for wave in range(1, config.waves + 1):
            spec = wave_spec(config, region, wave)
            wave_dir = folder / f"wave-{wave:02d}"
            key = spec.fingerprint({"calibration": fingerprint})
            ran = skipped = 0
            if not _complete(wave_dir, key):
                if active is None:
                    active = make_executor(workers or config.workers,
                                           scheduler or config.scheduler)
                report = run_sweep(spec, wave_dir, model=fn, executor=active,
                                   progress=progress, flush_seconds=flush_seconds)
                ran, skipped = report.ran, report.skipped
            table = read_table(wave_dir)
            samples = summarise_samples(table, config.names, config.targets, config.cutoff)
            failures = [(int(r.run_id), str(r.error)) for r in table.itertuples()
                        if r.status == "failed"]
            result = WaveResult(wave, wave_dir, region, samples, ran, skipped, failures)
            waves.append(result)
            _mark_complete(result, key)
            inside = int(samples["inside"].sum())
            say(_wave_line(result, config))
            if result.survivors.empty:
                stopped = (f"wave {wave} has no sample with implausibility <= "
                           f"{config.cutoff:g}: the targets are not reached in this region")
                break
            if inside >= config.stop_inside:
                stopped = (f"wave {wave} has {inside} samples inside every band "
                           f"(stop_inside = {config.stop_inside})")
                break
            region = next_region(prior, region, result.survivors[config.names], config.pad)
    finally:
        if own and active is not None:
            active.close()
    every = pd.concat([w.samples.assign(wave=w.wave) for w in waves])
    every = every.reset_index().set_index(["wave", "point_id"])
    best = best_sample(every, config.targets)
    posterior = waves[-1].survivors
    result = CalibrationResult(
        out=folder, config=config, waves=waves, stopped=stopped, best=best,
        posterior=posterior,
        identifiability=identifiability(prior, posterior[config.names],
                                        config.identified_below))
    result.files = write_outputs(result, every)
    return result


def _wave_line(wave: WaveResult, config: CalibrationConfig) -> str:
    samples = wave.samples
    runs = f"{wave.ran} run, {wave.skipped} already recorded" if wave.ran or wave.skipped \
        else "already complete"
    best = float(samples["implausibility"].min())
    seeds = f"{config.seeds} seed" + ("s" if config.seeds != 1 else "")
    return (f"wave {wave.wave}: {len(samples)} samples x {seeds} ({runs}); "
            f"{int(samples['non_implausible'].sum())} non-implausible, "
            f"{int(samples['inside'].sum())} inside every band, best implausibility "
            f"{best:.3g}")


def _check_settings(config: CalibrationConfig, folder: Path) -> str:
    """Write ``calibration.json``, or check that the folder holds this calibration."""
    fingerprint = config.fingerprint()
    path = folder / "calibration.json"
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        stored = stored if isinstance(stored, dict) else {}
        if stored.get("fingerprint") != fingerprint:
            raise ResultsError(f"{folder} holds another calibration ({_difference(stored, config)}"
                               "); give a new --out folder or remove the old one")
        return fingerprint
    document = {"kind": "governance_sim.calibration", "fingerprint": fingerprint,
                "source": config.source, "targets_file": config.text,
                "base": config.base, "n_citizens": config.n_citizens}
    atomic_write(path, lambda tmp: Path(tmp).write_text(
        json.dumps(document, indent=2, sort_keys=True, default=str), encoding="utf-8"))
    return fingerprint


def _difference(stored: dict[str, Any], config: CalibrationConfig) -> str:
    """What differs between a folder's calibration and ``config``, in a few words."""
    base = stored.get("base")
    if isinstance(base, dict) and base != config.base:
        changed = sorted(k for k in set(base) | set(config.base)
                         if base.get(k) != config.base.get(k))
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more"
                                          if len(changed) > 5 else "")
        return f"made with other base parameters or model defaults: {shown}"
    if stored.get("targets_file") != config.text:
        return "made from a different targets file"
    return "made with other settings"


def _finite(value: float) -> float | None:
    """``value``, or None when it is infinite or NaN (JSON has no infinity)."""
    return value if np.isfinite(value) else None


def _complete(wave_dir: Path, key: str) -> bool:
    path = wave_dir / "wave.json"
    if not path.is_file():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("fingerprint") == key
    except (OSError, ValueError, AttributeError):
        return False


def _mark_complete(wave: WaveResult, key: str) -> None:
    samples = wave.samples
    document = {
        "wave": wave.wave, "fingerprint": key,
        "region": {name: list(bounds) for name, bounds in wave.region.bounds.items()},
        "samples": len(samples), "non_implausible": int(samples["non_implausible"].sum()),
        "inside": int(samples["inside"].sum()),
        "best_implausibility": _finite(float(samples["implausibility"].min())),
        "failed_runs": len(wave.failures),
    }
    atomic_write(wave.folder / "wave.json", lambda tmp: Path(tmp).write_text(
        json.dumps(document, indent=2, sort_keys=True), encoding="utf-8"))
