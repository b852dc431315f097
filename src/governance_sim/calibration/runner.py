"""Run a calibration: emulated history-matching waves, a posterior, its predictive check.

Layout of the output folder::

    OUT/calibration.json         the settings and their fingerprint (a resume must match)
    OUT/wave-01.design.json      wave 1's points (unit cube and values), written before it runs
    OUT/wave-01/                 the sweep of wave 1 (manifest, design, runs/part-*.parquet)
    OUT/wave-01/wave.json        written when wave 1 is complete
    OUT/wave-02.design.json ...  (repeat 1; repeat r >= 2 the same under OUT/repeat-0r/)
    OUT/check-<key>/             the posterior predictive check's sweep (one run per draw)
    OUT/posterior.csv, emulators.csv, waves.csv, coverage.csv, samples.csv,
    OUT/calibrated.toml, pairs.html, provenance.json, report.md

One *repeat* (:func:`_history_match`): wave 1 runs a scrambled Sobol' design over the prior
box; after each wave a Gaussian-process emulator per target is fitted to its runs
(:mod:`.emulator`); the next wave's points are drawn from the space every wave's emulators
find non-implausible, each wave's emulators at that wave's cutoff (``cutoff``, falling wave
by wave), a ``focus`` share of them weighted by the emulated chance of a run inside every
band and the rest spread out (:mod:`.sampling`), run on the same ``seeds`` seeds (common
random numbers). After the last wave the posterior is a rejection sample from that space with the
emulated chance of a run inside every band as likelihood. Repeat 1's posterior is then run,
one run per draw with its own seed, at ``check_citizens``: the share of draws inside each
band is the posterior predictive coverage. Further repeats (other seeds) only serve the
agreement check that "identified" needs.

Every sweep goes through the sweep engine, so a killed calibration started again with the
same command skips complete waves, resumes the interrupted sweep and goes on; each wave's
points are saved before it runs, so a resume never depends on refitting emulators to the
same last digit.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.calibration.config import CalibrationConfig
from governance_sim.calibration.emulator import Emulator, fit_emulator, from_unit, to_unit
from governance_sim.calibration.history import (
    Region,
    best_sample,
    emulated_implausibility,
    identifiability,
    inside_probability,
    summarise_samples,
    target_implausibility,
)
from governance_sim.calibration.model import DRAW, DrawModel, check_statistics, field_model
from governance_sim.calibration.outputs import write_outputs
from governance_sim.calibration.result import (
    CalibrationResult,
    PosteriorCheck,
    Repeat,
    WaveResult,
)
from governance_sim.calibration.sampling import (
    focus_sample,
    pick,
    rejection,
    screen_space,
    sobol_points,
)
from governance_sim.output_folders import claim_folder, clean_temporaries
from governance_sim.results import atomic_write
from governance_sim.sweep import Executor, SweepSpec, make_executor, read_table, run_sweep
from governance_sim.sweep.spec import spec_from_dict
from governance_sim.sweep.store import ResultsError

__all__ = ["MODEL_NAME", "calibrate", "point_spec"]

#: How the calibration sweeps' manifests name their model.
MODEL_NAME = "governance_sim.calibration.model:DrawModel"

#: Rounds of candidate batches gathered at most for the posterior's rejection step.
_POSTERIOR_ROUNDS = 4


class _Runs:
    """Runs sweeps of chosen points on one lazily made executor."""

    def __init__(self, config: CalibrationConfig, executor: Executor | None,
                 workers: int | None, scheduler: str | None, progress: bool,
                 flush_seconds: float, fingerprint: str) -> None:
        self.config = config
        self.active = executor
        self.own = executor is None
        self.workers = workers or config.workers
        self.scheduler = scheduler or config.scheduler
        self.progress = progress
        self.flush_seconds = flush_seconds
        self.fingerprint = fingerprint

    def run(self, spec: SweepSpec, folder: Path, model: DrawModel) -> tuple[pd.DataFrame,
                                                                            int, int, str]:
        """Run (or resume) one sweep; return its table, runs made, runs skipped, its key."""
        key = spec.fingerprint({"calibration": self.fingerprint,
                                "points": _points_hash(model.values)})
        ran = skipped = 0
        if not _complete(folder, key):
            if self.active is None:
                self.active = make_executor(self.workers, self.scheduler)
            report = run_sweep(spec, folder, model=model, executor=self.active,
                               progress=self.progress, flush_seconds=self.flush_seconds)
            ran, skipped = report.ran, report.skipped
        table = read_table(folder)
        return table, ran, skipped, key

    def close(self) -> None:
        if self.own and self.active is not None:
            self.active.close()


def point_spec(config: CalibrationConfig, name: str, n_points: int, replicates: int,
               seed: int, description: str) -> SweepSpec:
    """The sweep over ``n_points`` chosen points: one factor, the point's index."""
    raw = {
        "sweep": {"name": name, "model": MODEL_NAME, "replicates": replicates, "seed": seed,
                  "description": description},
        "design": {"kind": "full_factorial"},
        "uncertainties": {DRAW: {"values": list(range(n_points))}},
        "outcomes": {t.column: {"metric": t.statistic, "stat": "value"}
                     for t in config.targets},
    }
    return spec_from_dict(raw, source=f"{config.source} ({name})")


def calibrate(config: CalibrationConfig, out: str | os.PathLike[str], *,
              workers: int | None = None, scheduler: str | None = None,
              executor: Executor | None = None, model: Callable[..., Any] | None = None,
              progress: bool = True, flush_seconds: float = 2.0,
              echo: Callable[[str], None] | None = None,
              settings: Mapping[str, Any] | None = None) -> CalibrationResult:
    """Run (or resume) a calibration and write its output folder.

    Args:
        config: the validated targets file.
        out: the output folder (a new or empty folder, or this calibration's own).
        workers: local processes (default: the file's ``workers``, else every core).
        scheduler: a Dask scheduler (``"local"`` or an address; default: the file's).
        executor: an executor to use instead (not closed).
        model: a callable to run instead of the field statistics (params dict, seed ->
            mapping of statistics); module-level so it pickles to workers. It runs the
            predictive check too (it has no population to change).
        progress: progress bars on standard error.
        flush_seconds: write finished runs to disk at least this often.
        echo: where to say what each step found (default: nowhere).
        settings: parameters over the targets file's base (as ``[calibration.params]``;
            ``n_citizens`` sets the population), the keyword ``gs.run``, ``run_many``,
            ``compare`` and ``sweep`` take; not a free parameter.

    Raises:
        CalibrationError: a target names a statistic the model does not report (checked
            with one run before anything is written).
        ResultsError: ``out`` holds another calibration.
        OutputError: ``out`` cannot be written or holds files governance-sim did not write.
        SweepAborted: the executor broke; finished runs are on disk, rerun to resume.
    """
    started = time.perf_counter()
    say = echo or (lambda _message: None)
    config = _with_settings(config, settings)
    check_statistics(config, model)
    folder = claim_folder(out)
    clean_temporaries(folder)
    fingerprint = _check_settings(config, folder)
    fn = model or field_model(config)
    runs = _Runs(config, executor, workers, scheduler, progress, flush_seconds, fingerprint)
    repeats: list[Repeat] = []
    try:
        for index in range(1, config.repeats + 1):
            where = folder if index == 1 else folder / f"repeat-{index:02d}"
            seed = _repeat_seed(config.seed, index)
            repeats.append(_history_match(config, index, seed, where, fn, runs, say))
        first = repeats[0]
        check = None
        if not first.posterior.empty:
            checker = model or field_model(config, config.check_citizens)
            check = _posterior_check(config, first.posterior, folder, checker, runs, say)
    finally:
        runs.close()
    every = pd.concat([w.samples.assign(wave=w.wave) for w in first.waves])
    every = every.reset_index().set_index(["wave", "point_id"])
    ident = identifiability(Region(dict(config.parameters)), [r.posterior for r in repeats],
                            config.identified_below)
    note = _identified_note(repeats, check)
    if note:
        ident["identified"] = False
    result = CalibrationResult(
        out=folder, config=config, repeats=repeats, stopped=first.stopped,
        best=best_sample(every, config.targets), check=check, identifiability=ident,
        identified_note=note)
    result.seconds = time.perf_counter() - started
    result.files = write_outputs(result, every)
    return result


# --- one repeat -------------------------------------------------------------------------

def _history_match(config: CalibrationConfig, index: int, seed: int, folder: Path,
                   fn: Callable[..., Any], runs: _Runs,
                   say: Callable[[str], None]) -> Repeat:
    """The waves of one repeat and its posterior draws."""
    names = config.names
    bounds = [config.parameters[n] for n in names]
    folder.mkdir(parents=True, exist_ok=True)
    waves: list[WaveResult] = []
    label = f"repeat {index}: " if config.repeats > 1 else ""
    stopped = f"ran all {config.waves} waves"
    for wave in range(1, config.waves + 1):
        stream = _stream(seed, wave)
        design = _design(config, folder, wave, waves, stream)
        if design is None:
            cutoffs = ", ".join(f"{config.cutoff_at(w):g}" for w in range(1, wave))
            stopped = (f"wave {wave}: no point of the prior box is non-implausible by the "
                       f"emulators of waves 1-{wave - 1} (cutoff {cutoffs}): the "
                       "targets are not reached")
            break
        unit, volume, topped, focused = design
        values = from_unit(unit, bounds)
        model = DrawModel(fn, tuple(names), tuple(tuple(float(v) for v in row)
                                                  for row in values))
        prefix = config.name if index == 1 else f"{config.name}-repeat-{index:02d}"
        spec = point_spec(config, f"{prefix}-wave-{wave:02d}", len(values), config.seeds,
                          seed, f"wave {wave} of calibration {config.name!r} "
                          f"({config.source}); its points: wave-{wave:02d}.design.json")
        wave_dir = folder / f"wave-{wave:02d}"
        table, ran, skipped, key = runs.run(spec, wave_dir, model)
        table = _with_points(table, names, values)
        samples = summarise_samples(table, names, config.targets, config.cutoff_at(wave))
        emulators = _fit(config, table, bounds, stream)
        failures = [(int(r.run_id), str(r.error)) for r in table.itertuples()
                    if r.status == "failed"]
        result = WaveResult(wave, wave_dir, samples, emulators, volume, topped, ran, skipped,
                            failures, cutoff=config.cutoff_at(wave), focused=focused)
        waves.append(result)
        _mark_complete(result, key)
        say(label + _wave_line(result, config))
    posterior, final, note, clean = _posterior(config, waves, seed)
    volumes = [w.volume for w in waves] + [final]
    say(f"{label}posterior: {len(posterior)} draws ({note}); non-implausible share of the "
        f"prior after the last wave: {_share(final)}")
    return Repeat(index, seed, waves, volumes, posterior, stopped=stopped, note=note,
                  clean=clean)


def _identified_note(repeats: Sequence[Repeat], check: PosteriorCheck | None) -> str:
    """Why the intervals may not be read as identification ("" when they may).

    A posterior that is not a plain rejection sample (the floor not reached, draws
    resampled) or that fails its predictive check has intervals that say nothing about
    what the bands pin down.
    """
    if len(repeats) < 2:
        return "one repeat: identification needs a second, independent repeat that agrees"
    unclean = [str(r.index) for r in repeats if not r.clean]
    if unclean:
        which = (f"repeat {unclean[0]} is" if len(unclean) == 1
                 else f"repeats {', '.join(unclean)} are")
        return (f"the posterior of {which} not a plain rejection sample (no candidate "
                "reached min_inside, or draws were resampled)")
    if check is None or not check.passed:
        return "the posterior predictive check failed"
    return ""


def _design(config: CalibrationConfig, folder: Path, wave: int, waves: list[WaveResult],
            stream: int) -> tuple[np.ndarray, float, int, int] | None:
    """The unit-cube points of a wave (saved before it runs, read back on a resume).

    Wave 1: a Sobol' design of the prior box. Later waves: uniform candidates kept when
    every earlier wave's emulators find them non-implausible (each at its own wave's
    cutoff); ``round(focus * samples)`` of the points are drawn from the non-implausible
    space weighted by the last wave's emulated chance of a run inside every band
    (:func:`.sampling.focus_sample`, ``focus_steps`` Metropolis steps), the rest spread by
    maximin among the candidates.

    Returns:
        ``(unit points, non-implausible share of the prior, points topped up near
        survivors, points drawn by the chance inside)``, or None when no candidate survives.
    """
    path = folder / f"wave-{wave:02d}.design.json"
    names = config.names
    key = hashlib.sha256(json.dumps([config.fingerprint(), wave, stream, names]).encode()
                         ).hexdigest()
    if path.is_file():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("key") == key:
                return (np.asarray(saved["unit"], dtype=np.float64).reshape(-1, len(names)),
                        float(saved["volume"]), int(saved["topped_up"]),
                        int(saved.get("focused", 0)))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    d = len(names)
    if wave == 1:
        unit, volume, topped, focused = sobol_points(config.samples, d, stream), 1.0, 0, 0
    else:
        keep = _keeper(config, waves)
        found = screen_space(keep, d, want=20 * config.samples, batch=config.candidates,
                             seed=stream)
        if len(found.points) == 0:
            return None
        want = min(int(round(config.focus * config.samples)), config.samples)
        last = waves[-1].emulators
        near = focus_sample(
            found.points, lambda unit: inside_probability(last, config.targets, unit), keep,
            want, config.focus_steps, stream) if want else found.points[:0]
        spread = pick(found.points, config.samples - len(near), stream, fixed=near)
        unit = np.concatenate([near, spread])
        volume, topped, focused = found.volume, min(found.topped_up, len(unit)), len(near)
    bounds = [config.parameters[n] for n in names]
    document = {"key": key, "wave": wave, "names": names, "unit": unit.tolist(),
                "values": from_unit(unit, bounds).tolist(), "volume": volume,
                "topped_up": topped, "focused": focused}
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(document),
                                                        encoding="utf-8"))
    return unit, volume, topped, focused


def _keeper(config: CalibrationConfig,
            waves: Sequence[WaveResult]) -> Callable[[np.ndarray], np.ndarray]:
    """Unit points -> non-implausible by every wave's emulators, in turn.

    Each wave's emulators judge at their own wave's cutoff (:meth:`CalibrationConfig.cutoff_at`).
    """
    def keep(unit: np.ndarray) -> np.ndarray:
        mask = np.ones(len(unit), dtype=bool)
        for wave in waves:
            if not mask.any():
                break
            score = emulated_implausibility(wave.emulators, config.targets, unit[mask])
            mask[mask] = score.max(axis=1, initial=0.0) <= config.cutoff_at(wave.wave)
        return mask
    return keep


def _fit(config: CalibrationConfig, table: pd.DataFrame, bounds: list[tuple[float, float]],
         stream: int) -> dict[str, Emulator]:
    """One emulator per target, fitted to the wave's finished runs."""
    ok = table[table["status"] == "ok"]
    unit = to_unit(ok[config.names].to_numpy(dtype=np.float64), bounds)
    groups = ok["point_id"].to_numpy()
    out = {}
    for j, target in enumerate(config.targets):
        values = ok[target.column].to_numpy(dtype=np.float64)
        out[target.statistic] = fit_emulator(target.statistic, unit, values, groups,
                                             seed=(stream + j) % 2**32,
                                             restarts=0 if config.quick else 1)
    return out


def _posterior(config: CalibrationConfig, waves: list[WaveResult],
               seed: int) -> tuple[pd.DataFrame, float, str, bool]:
    """Rejection sample of the non-implausible space by the emulated chance inside the bands.

    Returns:
        ``(draws, non-implausible share of the prior, how they were drawn, clean)``;
        ``clean``: ``min_inside`` reached and every draw accepted, none resampled.
    """
    names = config.names
    bounds = [config.parameters[n] for n in names]
    empty = pd.DataFrame(columns=[*names, "p_inside", "implausibility", "worst"])
    if not waves:
        return empty, math.nan, "no wave ran", False
    keep = _keeper(config, waves)
    last = waves[-1].emulators
    pools, weights = [], []
    tried = kept = 0
    for round_ in range(_POSTERIOR_ROUNDS):
        found = screen_space(keep, len(names), want=config.candidates,
                             batch=config.candidates, seed=_stream(seed, 1000 + round_))
        tried += found.tried
        kept += found.kept_uniform
        if len(found.points) == 0:
            break
        pools.append(found.points)
        weights.append(inside_probability(last, config.targets, found.points))
        p = np.concatenate(weights)
        usable = p >= config.min_inside if (p >= config.min_inside).any() else p > 0
        if usable.any() and (p[usable] / p[usable].max()).sum() >= 1.5 * config.draws:
            break
    volume = kept / tried if tried else math.nan
    if not pools:
        return empty, volume, "no non-implausible candidate", False
    points = np.concatenate(pools)
    p = np.concatenate(weights)
    floor = (p >= config.min_inside).any()
    usable = p >= config.min_inside if floor else np.ones(len(p), dtype=bool)
    order = np.random.default_rng(_stream(seed, 2000)).permutation(len(points))
    candidates, likelihood = points[order][usable[order]], p[order][usable[order]]
    unit, _ = rejection(candidates, likelihood, config.draws, _stream(seed, 3000))
    note = (f"rejection on {len(candidates)} non-implausible candidates with emulated "
            f"chance inside every band >= {config.min_inside:g}" if floor else
            f"no candidate reached the emulated chance {config.min_inside:g} inside every "
            f"band (highest {float(p.max()):.3g}); drawn from all {len(candidates)} "
            "non-implausible candidates")
    clean = bool(floor) and len(unit) >= config.draws
    if 0 < len(unit) < config.draws:
        # too few accepted: importance resampling (draws may repeat), said in the note
        rng = np.random.default_rng(_stream(seed, 4000))
        extra = rng.choice(len(candidates), size=config.draws - len(unit),
                           p=likelihood / likelihood.sum())
        note += (f"; only {len(unit)} accepted, {len(extra)} more resampled by weight "
                 "(repeats)")
        unit = np.concatenate([unit, candidates[extra]])
    if len(unit) == 0:
        return empty, volume, note + "; none accepted", False
    values = from_unit(unit, bounds)
    frame = pd.DataFrame(values, columns=names)
    for name in config.integer:
        frame[name] = np.rint(frame[name]).astype(np.int64)
    frame["p_inside"] = inside_probability(last, config.targets, unit)
    scores = emulated_implausibility(last, config.targets, unit)
    frame["implausibility"] = scores.max(axis=1, initial=0.0)
    worst = np.array([t.statistic for t in config.targets])[scores.argmax(axis=1)] \
        if config.targets else np.array([""] * len(unit))
    frame["worst"] = np.where(frame["implausibility"] > 0, worst, "")
    return frame, volume, note, clean


# --- the posterior predictive check --------------------------------------------------------

def _posterior_check(config: CalibrationConfig, posterior: pd.DataFrame, folder: Path,
                     fn: Callable[..., Any], runs: _Runs,
                     say: Callable[[str], None]) -> PosteriorCheck:
    """One run per posterior draw, each with its own seed, at ``check_citizens``.

    The sweep's folder is ``check-<key>`` under ``folder``: another posterior (more waves,
    other draws) gets a folder of its own.
    """
    names = config.names
    values = tuple(tuple(float(v) for v in row) for row in posterior[names].to_numpy())
    model = DrawModel(fn, tuple(names), values, own_seeds=True)
    spec = point_spec(config, f"{config.name}-check", len(values), 1, config.seed,
                      f"posterior predictive check of calibration {config.name!r}: one run "
                      f"per draw at {config.check_citizens} citizens")
    name = _points_hash((*values, (float(config.check_citizens),)))[:10]
    folder = folder / f"check-{name}"
    table, ran, skipped, key = runs.run(spec, folder, model)
    table = table.sort_values("point_id").reset_index(drop=True)
    ok = table["status"] == "ok"
    inside_all = ok.to_numpy().copy()
    coverage = {}
    for target in config.targets:
        column = table[target.column].to_numpy(dtype=np.float64)
        inside = (column >= target.low) & (column <= target.high) & ok.to_numpy()
        if target.missing == "ignore":
            counted = ~np.isnan(column) & ok.to_numpy()
            coverage[target.statistic] = float(inside[counted].mean()) if counted.any() \
                else math.nan
            inside = inside | ~counted
        else:
            coverage[target.statistic] = float(inside.mean()) if len(inside) else math.nan
        inside_all &= inside
    scores = np.column_stack([target_implausibility(table[t.column].to_numpy(), np.zeros(
        len(table)), t) for t in config.targets]) if config.targets else np.zeros((len(table),
                                                                                  0))
    scores[~ok.to_numpy()] = math.inf
    table["implausibility"] = scores.max(axis=1, initial=0.0)
    table["worst"] = np.where(table["implausibility"] > 0, np.array(
        [t.statistic for t in config.targets])[scores.argmax(axis=1)], "")
    table["inside"] = inside_all
    joint = float(inside_all.mean()) if len(inside_all) else math.nan
    check = PosteriorCheck(config.check_citizens, folder, table, pd.Series(coverage),
                           joint, config.coverage, ran, skipped)
    _write_json(folder / "wave.json", {"fingerprint": key, "draws": len(values),
                                       "joint": _finite(joint)})
    verdict = "accepted" if check.passed else "NOT accepted"
    say(f"posterior check: {len(values)} draws at {config.check_citizens} citizens, "
        f"{joint:.0%} inside every band (need {config.coverage:.0%}): {verdict}")
    return check


# --- helpers ------------------------------------------------------------------------------

def _with_points(table: pd.DataFrame, names: list[str], values: np.ndarray) -> pd.DataFrame:
    """Add the parameter values of each run's point (the sweep records only its index)."""
    index = table[DRAW].to_numpy(dtype=np.int64)
    table = table.copy()
    for j, name in enumerate(names):
        table[name] = values[index, j]
    return table


def _repeat_seed(root: int, index: int) -> int:
    """Repeat 1 runs with the file's seed; repeat r with a seed spawned from it."""
    if index == 1:
        return int(root)
    state = np.random.SeedSequence(root, spawn_key=(0xCA11B, index)).generate_state(
        1, np.uint64)[0]
    return int(state >> np.uint64(1))


def _stream(seed: int, wave: int) -> int:
    """A 32-bit seed for one wave's sampling and fitting."""
    return int(np.random.SeedSequence(seed, spawn_key=(0x5A3, wave)).generate_state(
        1, np.uint32)[0])


def _points_hash(values: tuple[tuple[float, ...], ...]) -> str:
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()


def _share(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.3g}"


def _with_settings(config: CalibrationConfig,
                   settings: Mapping[str, Any] | None) -> CalibrationConfig:
    """``config`` with ``settings`` over its base parameters (validated)."""
    from dataclasses import replace

    from governance_sim.calibration.config import CalibrationError
    from governance_sim.params import ParameterError
    from governance_sim.simulation import with_settings

    if settings is None:
        return config
    if not isinstance(settings, Mapping):
        raise CalibrationError(f"settings: expected a mapping of parameter names to values, "
                               f"got {type(settings).__name__}")
    free = [name for name in settings if name in config.parameters]
    if free:
        raise CalibrationError(f"settings: {free[0]!r} is a free parameter of this "
                               "calibration; settings set the base, not what is calibrated")
    from governance_sim.params import Params

    changes = dict(settings)
    n_citizens = changes.pop("n_citizens", config.n_citizens)
    try:
        Params.from_dict({**config.base, "n_citizens": n_citizens})  # checks the population
        base = with_settings(Params.from_dict(config.base), changes).to_dict()
    except ParameterError as error:
        raise CalibrationError(f"settings: {error}") from None
    return replace(config, base=base, n_citizens=int(n_citizens))


def _wave_line(wave: WaveResult, config: CalibrationConfig) -> str:
    samples = wave.samples
    runs = f"{wave.ran} run, {wave.skipped} already recorded" if wave.ran or wave.skipped \
        else "already complete"
    best = float(samples["implausibility"].min())
    seeds = f"{config.seeds} seed" + ("s" if config.seeds != 1 else "")
    valid = [e.validation()["within_3"] for e in wave.emulators.values() if e.ok]
    loo = f"{np.nanmean(valid):.0%}" if valid and not np.isnan(valid).all() else "n/a"
    focused = f", {wave.focused} drawn by the chance inside" if wave.focused else ""
    return (f"wave {wave.wave}: {len(samples)} samples x {seeds} ({runs}) from "
            f"{_share(wave.volume)} of the prior{focused}; cutoff {wave.cutoff:g}: "
            f"{int(samples['non_implausible'].sum())} non-implausible, "
            f"{int(samples['inside'].sum())} inside every band, best "
            f"implausibility {best:.3g}; emulators' LOO errors within 3 SD: {loo}")


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
    _write_json(path, {"kind": "governance_sim.calibration", "fingerprint": fingerprint,
                       "source": config.source, "targets_file": config.text,
                       "base": config.base, "n_citizens": config.n_citizens})
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


def _write_json(path: Path, document: dict[str, Any]) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(
        json.dumps(document, indent=2, sort_keys=True, default=str), encoding="utf-8"))


def _complete(folder: Path, key: str) -> bool:
    path = folder / "wave.json"
    if not path.is_file():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("fingerprint") == key
    except (OSError, ValueError, AttributeError):
        return False


def _mark_complete(wave: WaveResult, key: str) -> None:
    samples = wave.samples
    _write_json(wave.folder / "wave.json", {
        "wave": wave.wave, "fingerprint": key, "volume": _finite(wave.volume),
        "cutoff": wave.cutoff, "focused": wave.focused,
        "samples": len(samples), "non_implausible": int(samples["non_implausible"].sum()),
        "inside": int(samples["inside"].sum()),
        "best_implausibility": _finite(float(samples["implausibility"].min())),
        "failed_runs": len(wave.failures),
    })
