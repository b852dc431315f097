"""The policy view's runs: one replicate at once, the rest in the background.

A change of settings runs replicate 0 of the current settings (and of the baseline, unless
it is cached) in the callback itself, so the figure moves within about half a second at
10 000 citizens x 200 months. The other replicates then run in a background thread, on the
same seeds for settings and baseline (common random numbers, as
:func:`governance_sim.cli.batch.replicate_seeds`); the page polls :meth:`PolicyRuns.progress`
and redraws with replicate bands when they are done. Runs larger than
:data:`FOREGROUND_CITIZEN_STEPS` go wholly to the background, with a progress bar, and are
drawn after replicate 0 and again at the end. A newer change cancels the older job within
one simulated step. Finished runs are cached by (parameters, seed, steps).

**Parameter uncertainty.** With a parameter table (:mod:`governance_sim.uncertainty`),
replicate ``r`` draws its parameter set ``table.draw(seed + r)`` and applies the same draw to
the baseline and to the settings (common random numbers hold for the draws too), except for
what is set explicitly: the baseline scenario's own ``[params]``
(:func:`governance_sim.ensemble.explicit_params`) and, for the settings, also every
parameter the user changed from the baseline. With ``fixed_seed`` every replicate runs on
``seed`` and only the draws differ, so the bands show parameter uncertainty alone.
:meth:`PolicyRuns.bands` says what the bands show
(:func:`governance_sim.uncertainty.bands_label`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.cli.batch import replicate_seeds, run_batch
from governance_sim.ensemble import apply_draw, explicit_params
from governance_sim.params import Params
from governance_sim.scenarios import Scenario
from governance_sim.uncertainty import ParameterTable, bands_label

__all__ = ["PolicyRuns", "Progress", "SETTINGS_LABEL", "FOREGROUND_CITIZEN_STEPS", "readout",
           "user_changed"]

#: Name of the current settings in the figures' legend.
SETTINGS_LABEL = "your settings"

_CACHE_SIZE = 96

#: Runs up to this many citizen-steps run replicate 0 inside the request (10 000 citizens x
#: 300 months, about 0.5 s at ~1.7 ms per step of 10 000 citizens); larger runs go wholly
#: to the background with a progress bar, so the page never waits on them.
FOREGROUND_CITIZEN_STEPS = 3_000_000


class _Cancelled(Exception):
    """Raised inside a run when a newer request has replaced its job."""


@dataclass
class Progress:
    """Where the replicates of the current request stand.

    Attributes:
        version: number of the request (increases with every settings change).
        done: simulated steps so far (all runs of the request).
        total: steps in all runs of the request.
        finished: all replicates are in :attr:`PolicyRuns.frame`.
        error: a message if the background job failed.
        replicates: replicates asked for.
        replicates_done: replicates simulated so far (settings and baseline both).
    """

    version: int = 0
    done: int = 0
    total: int = 0
    finished: bool = True
    error: str | None = None
    replicates: int = 0
    replicates_done: int = 0


@dataclass
class _Job:
    version: int
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


def _key(params: Params, seed: int, steps: int) -> str:
    return json.dumps([params.to_dict(), seed, steps], sort_keys=True)


def user_changed(base: Params, params: Params) -> set[str]:
    """The parameters whose value in ``params`` differs from the baseline's ``base``."""
    before, after = base.to_dict(), params.to_dict()
    return {name for name, value in after.items() if before.get(name) != value}


@dataclass(frozen=True)
class _Replicate:
    """What one replicate runs: the baseline's and the settings' parameters and the seeds."""

    base: Params
    settings: Params
    seed: int
    draw_seed: int | None


class PolicyRuns:
    """Runs of one browser session's policy view (settings vs baseline on the same seeds).

    Attributes:
        frame: the long frame drawn now (``scenario`` is the baseline label or
            :data:`SETTINGS_LABEL`; ``replicate``, ``seed``, ``step``, metrics).
        frame_version: the request number :attr:`frame` belongs to.
        last_seconds: wall time of the last :meth:`update` (replicate 0, both scenarios).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._cache: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self._job: _Job | None = None
        self._progress = Progress()
        self.frame: pd.DataFrame | None = None
        self.frame_version = 0
        self.last_seconds = 0.0
        self.context: dict[str, Any] = {}

    # --- running -------------------------------------------------------------------------
    def _cached(self, params: Params, seed: int, steps: int) -> pd.DataFrame | None:
        with self._lock:
            frame = self._cache.get(_key(params, seed, steps))
            if frame is not None:
                self._cache.move_to_end(_key(params, seed, steps))
            return frame

    def _store(self, params: Params, seed: int, steps: int, frame: pd.DataFrame) -> None:
        with self._lock:
            self._cache[_key(params, seed, steps)] = frame
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)

    def _one(self, params: Params, seed: int, steps: int, job: _Job | None) -> pd.DataFrame:
        """One run (cached), its time series with ``replicate``/``seed``/``step`` columns."""
        cached = self._cached(params, seed, steps)
        if cached is not None:
            if job is not None:
                self._advance(job, steps)
            return cached

        def on_step() -> None:
            if job is not None:
                if job.cancel.is_set():
                    raise _Cancelled
                self._advance(job, 1)

        scenario = Scenario(name="run", params=params, steps=steps)
        frame = run_batch([scenario], [seed], steps=steps, progress=False, on_step=on_step)
        frame = frame.drop(columns="scenario")
        self._store(params, seed, steps, frame)
        return frame

    def _advance(self, job: _Job, steps: int) -> None:
        with self._lock:
            if self._progress.version == job.version:
                self._progress.done += steps

    @staticmethod
    def _label(frame: pd.DataFrame, name: str, replicate: int, params: Params,
               draw_seed: int | None, table: ParameterTable | None) -> pd.DataFrame:
        """One run's frame with its scenario label, replicate and, with a table, the draw.

        With a table the frame gets ``draw_seed`` (int64) and one float64 column per table
        parameter holding the value the run used (drawn, or set explicitly).
        """
        out = frame.copy()
        out.insert(0, "scenario", name)
        out["replicate"] = replicate
        if table is not None and draw_seed is not None:
            out["draw_seed"] = np.int64(draw_seed)
            for parameter in table.names:
                out[parameter] = float(getattr(params, parameter))
        return out

    def update(self, base: Scenario, params: Params, *, steps: int, seed: int,
               replicates: int, baseline_label: str,
               foreground: bool | None = None, uncertainty: ParameterTable | None = None,
               fixed_seed: bool = False) -> pd.DataFrame | None:
        """Run replicate 0 now (small runs) and the other replicates in the background.

        Args:
            base: the baseline scenario (run with its own parameters on the same seeds).
            params: the current settings.
            steps: months to simulate.
            seed: seed of replicate 0; replicate r uses seed + r.
            replicates: number of replicates.
            baseline_label: the baseline's name in the frame.
            foreground: run replicate 0 before returning; default: when one run costs at
                most :data:`FOREGROUND_CITIZEN_STEPS` citizen-steps. Otherwise every
                replicate runs in the background and :attr:`frame` is published after
                replicate 0 and again at the end.
            uncertainty: a parameter table; replicate r draws ``uncertainty.draw(seed + r)``
                for the baseline and the settings (see the module docs for what it does not
                override).
            fixed_seed: with a table, every replicate runs on ``seed``; only the draws
                differ.

        Returns:
            The frame of replicate 0 of both (also kept in :attr:`frame`), or None when
            everything runs in the background.

        Raises:
            ParameterError: a draw makes the baseline's or the settings' parameters invalid.
        """
        start = time.perf_counter()
        plan, table, only_baseline_draws = self._plan(base, params, seed, replicates,
                                                      uncertainty, fixed_seed)
        if foreground is None:
            foreground = params.n_citizens * steps <= FOREGROUND_CITIZEN_STEPS
        with self._lock:
            if self._job is not None:
                self._job.cancel.set()
            version = self._progress.version + 1
            self._progress = Progress(version=version, done=0, total=2 * steps * len(plan),
                                      finished=False, replicates=len(plan))
            job = _Job(version=version)
            self._job = job
            self.context = {"base": base, "params": params, "steps": steps, "seed": seed,
                            "replicates": replicates, "baseline_label": baseline_label,
                            "table": table, "fixed_seed": fixed_seed and table is not None,
                            "asked_table": uncertainty,
                            "only_baseline_draws": only_baseline_draws}
        frame = None
        parts: list[pd.DataFrame] = []
        if foreground:
            parts = self._pair(plan[0], 0, steps, None, baseline_label, table)
            frame = pd.concat(parts, ignore_index=True)
            with self._lock:
                if self._job is job:
                    self.frame = frame
                    self.frame_version = version
                    self._progress.done = 2 * steps
                    self._progress.replicates_done = 1
                    self._progress.finished = len(plan) == 1
        if not foreground or len(plan) > 1:
            job.thread = threading.Thread(
                target=self._rest, args=(job, plan, steps, baseline_label, table, parts),
                name=f"replicates-{version}", daemon=True)
            job.thread.start()
        self.last_seconds = time.perf_counter() - start
        return frame

    @staticmethod
    def _plan(base: Scenario, params: Params, seed: int, replicates: int,
              uncertainty: ParameterTable | None, fixed_seed: bool
              ) -> tuple[list[_Replicate], ParameterTable | None, bool]:
        """Each replicate's parameters and seeds, the table in effect, and a flag.

        The table in effect is None when the baseline scenario sets every parameter of it
        (then nothing is drawn). The flag says that only the baseline draws from it: the
        settings set every parameter of the table.
        """
        seeds = replicate_seeds(seed, replicates)
        if uncertainty is None:
            return [_Replicate(base.params, params, s, None) for s in seeds], None, False
        names = set(uncertainty.names)
        fixed_base = explicit_params(base) & names
        fixed_settings = fixed_base | (user_changed(base.params, params) & names)
        if fixed_base == names:
            return [_Replicate(base.params, params, s, None) for s in seeds], None, False
        plan = []
        for replicate, draw_seed in enumerate(seeds):
            drawn = uncertainty.draw(draw_seed)
            where = f"replicate {replicate} with its draw from {uncertainty.name}"
            plan.append(_Replicate(
                apply_draw(base.params, drawn, fixed_base, f"the baseline, {where}"),
                apply_draw(params, drawn, fixed_settings, f"your settings, {where}"),
                seeds[0] if fixed_seed else draw_seed, draw_seed))
        return plan, uncertainty, fixed_settings == names

    def _pair(self, replicate: _Replicate, index: int, steps: int, job: _Job | None,
              baseline_label: str, table: ParameterTable | None) -> list[pd.DataFrame]:
        """The baseline's and the settings' runs of one replicate, labelled."""
        return [self._label(self._one(params, replicate.seed, steps, job), name, index,
                            params, replicate.draw_seed, table)
                for name, params in ((baseline_label, replicate.base),
                                     (SETTINGS_LABEL, replicate.settings))]

    def bands(self, replicates: int | None = None) -> str:
        """What the bands across replicates show (:func:`~governance_sim.uncertainty.bands_label`).

        Args:
            replicates: replicates in the frame described (default: those asked for).
        """
        context = self.context
        if not context:
            return ""
        count = int(context["replicates"] if replicates is None else replicates)
        return bands_label(count, context["table"], fixed_seed=context["fixed_seed"])

    def _publish(self, job: _Job, parts: list[pd.DataFrame], baseline_label: str,
                 finished: bool) -> None:
        frame = pd.concat(parts, ignore_index=True)
        order = {baseline_label: 0, SETTINGS_LABEL: 1}
        frame = frame.sort_values(["scenario", "replicate", "step"],
                                  key=lambda s: s.map(order) if s.name == "scenario" else s,
                                  kind="stable").reset_index(drop=True)
        with self._lock:
            if self._job is job and not job.cancel.is_set():
                self.frame = frame
                self.frame_version = job.version
                if finished:
                    self._progress.done = self._progress.total
                    self._progress.replicates_done = self._progress.replicates
                    self._progress.finished = True

    def _rest(self, job: _Job, plan: list[_Replicate], steps: int, baseline_label: str,
              table: ParameterTable | None, first: list[pd.DataFrame]) -> None:
        """Background: the replicates not in ``first``; publish after the first and at the end."""
        parts = list(first)
        try:
            for replicate, planned in enumerate(plan):
                if replicate == 0 and first:
                    continue
                parts.extend(self._pair(planned, replicate, steps, job, baseline_label,
                                        table))
                with self._lock:
                    if self._progress.version == job.version:
                        self._progress.replicates_done = replicate + 1
                if replicate == 0 and len(plan) > 1:
                    self._publish(job, parts, baseline_label, finished=False)
        except _Cancelled:
            return
        except Exception as error:  # report in the page instead of dying silently
            with self._lock:
                if self._progress.version == job.version:
                    self._progress.error = f"background runs failed: {error}"
                    self._progress.finished = True
            return
        self._publish(job, parts, baseline_label, finished=True)

    @property
    def stamp(self) -> str:
        """Which frame is current: request number and replicates in it (``"7:5"``)."""
        return self.snapshot()[1]

    def snapshot(self) -> tuple[pd.DataFrame | None, str]:
        """The current frame and its :attr:`stamp`, read together."""
        with self._lock:
            if self.frame is None:
                return None, ""
            return self.frame, f"{self.frame_version}:{self.frame['replicate'].nunique()}"

    # --- observing -------------------------------------------------------------------------
    def progress(self) -> Progress:
        """A copy of the current request's progress."""
        with self._lock:
            p = self._progress
            return Progress(p.version, p.done, p.total, p.finished, p.error, p.replicates,
                            p.replicates_done)

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the background job ends (tests); True if it finished in time."""
        job = self._job
        if job is None or job.thread is None:
            return True
        job.thread.join(timeout)
        return not job.thread.is_alive()

    def close(self) -> None:
        """Cancel the background job (the session is being dropped)."""
        with self._lock:
            if self._job is not None:
                self._job.cancel.set()


def readout(frame: pd.DataFrame, month: int, metrics: Sequence[str], *,
            baseline_label: str, quantiles: tuple[float, float] = (0.1, 0.9)
            ) -> pd.DataFrame:
    """The key metrics at one month: median and band of the settings and of the baseline.

    Args:
        frame: the long frame drawn (:attr:`PolicyRuns.frame`: ``scenario``, ``replicate``,
            ``step`` and the metric columns).
        month: the month (step) to read; clipped to the months simulated.
        metrics: metric columns, one row each.
        baseline_label: the baseline's name in ``frame``.
        quantiles: lower and upper quantile of the band across replicates.

    Returns:
        One row per metric (index ``metric``), columns ``month`` (int), ``replicates``
        (int), and for ``settings`` and ``baseline`` each the ``_median``, ``_low`` and
        ``_high`` (float64), and ``difference`` (settings minus baseline, of the medians;
        for a paired difference per seed see the report).
    """
    steps = frame["step"].to_numpy()
    month = int(min(max(int(month), int(steps.min())), int(steps.max())))
    at = frame[frame["step"] == month]
    rows = []
    for metric in metrics:
        row: dict[str, Any] = {"metric": metric, "month": month,
                               "replicates": int(at["replicate"].nunique())}
        for key, name in (("settings", SETTINGS_LABEL), ("baseline", baseline_label)):
            values = at.loc[at["scenario"] == name, metric].to_numpy(dtype=np.float64)
            if values.size == 0:
                row.update({f"{key}_median": np.nan, f"{key}_low": np.nan,
                            f"{key}_high": np.nan})
                continue
            row[f"{key}_median"] = float(np.median(values))
            row[f"{key}_low"] = float(np.quantile(values, quantiles[0]))
            row[f"{key}_high"] = float(np.quantile(values, quantiles[1]))
        row["difference"] = row["settings_median"] - row["baseline_median"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")
