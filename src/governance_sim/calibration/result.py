"""What a calibration found: its waves, posterior, predictive check and verdicts (data only).

The runner (:mod:`.runner`) makes these; the outputs (:mod:`.outputs`) write them. Neither
imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from governance_sim.calibration.config import DEFAULT_CUTOFFS, CalibrationConfig
from governance_sim.calibration.emulator import Emulator

__all__ = ["CalibrationResult", "PosteriorCheck", "Repeat", "WaveResult"]


@dataclass
class WaveResult:
    """One wave: its design, the scored samples and the emulators fitted to its runs.

    Attributes:
        wave: 1-based.
        folder: the wave's sweep folder.
        samples: scored samples (rows of :func:`.history.summarise_samples`).
        emulators: one per target statistic.
        volume: estimated non-implausible share of the prior box *before* this wave's
            runs (1.0 for wave 1), i.e. the space its design was drawn from.
        topped_up: design points drawn near survivors rather than uniformly.
        ran, skipped: runs executed by this call / already on disk.
        failures: ``(run_id, error)`` of failed runs.
        cutoff: this wave's implausibility cutoff (its emulators rule out points above
            it in later waves and the posterior; its samples above it are not
            non-implausible).
        focused: design points drawn by the emulated chance inside every band (``focus``)
            rather than spread out.
    """

    wave: int
    folder: Path
    samples: pd.DataFrame
    emulators: dict[str, Emulator]
    volume: float = 1.0
    topped_up: int = 0
    ran: int = 0
    skipped: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)
    cutoff: float = DEFAULT_CUTOFFS[0]
    focused: int = 0

    @property
    def inside_share(self) -> float:
        """Share of this wave's samples whose seed-means are inside every band."""
        return float(self.samples["inside"].mean()) if len(self.samples) else float("nan")

    @property
    def runs(self) -> int:
        """Runs of this wave (recorded)."""
        return int(self.samples["seeds_ok"].sum()) + len(self.failures)


@dataclass
class PosteriorCheck:
    """The posterior predictive check: one run per posterior draw at ``n_citizens``.

    Attributes:
        n_citizens: population of the check runs.
        folder: the check's sweep folder.
        runs: one row per draw: ``draw``, the statistics, ``status``.
        coverage: per statistic, the share of draws inside its band.
        joint: share of draws inside every band.
        required: the share the set must reach (``coverage`` setting).
        ran, skipped: runs executed by this call / already on disk.
    """

    n_citizens: int
    folder: Path
    runs: pd.DataFrame
    coverage: pd.Series
    joint: float
    required: float
    ran: int = 0
    skipped: int = 0

    @property
    def passed(self) -> bool:
        """True when at least ``required`` of the draws hold every band."""
        return self.joint >= self.required


@dataclass
class Repeat:
    """One independent history-matching repeat (its own seeds) and its posterior.

    Attributes:
        index: 1-based; repeat 1 is the one shipped and checked.
        seed: its root seed.
        waves: in order.
        volumes: non-implausible share of the prior after each wave's emulators.
        posterior: the posterior draws (parameter columns, ``p_inside``: the emulated
            chance one run lands inside every band); empty when no candidate survived.
        stopped: why its waves stopped.
        note: how the posterior was drawn (floor used or not, candidates seen).
        clean: the posterior is a plain rejection sample (``min_inside`` reached and
            ``draws`` distinct draws accepted, none resampled).
    """

    index: int
    seed: int
    waves: list[WaveResult]
    volumes: list[float]
    posterior: pd.DataFrame
    stopped: str = ""
    note: str = ""
    clean: bool = False


@dataclass
class CalibrationResult:
    """What :func:`.runner.calibrate` found.

    Attributes:
        out: the output folder.
        config: the calibration.
        repeats: every repeat (repeat 1 first).
        stopped: why the waves of repeat 1 stopped.
        best: the best run-scored sample of repeat 1's waves (index ``(wave, point_id)``).
        check: the posterior predictive check of repeat 1 (None when it has no posterior).
        identifiability: per parameter, the repeats' 90 % intervals and the verdict.
        identified_note: why no parameter is called identified (empty when the verdicts
            stand: every repeat's posterior clean and the check passed).
        seconds: wall time of this call.
        files: what was written.
    """

    out: Path
    config: CalibrationConfig
    repeats: list[Repeat]
    stopped: str
    best: pd.Series
    check: PosteriorCheck | None
    identifiability: pd.DataFrame
    identified_note: str = ""
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)

    @property
    def waves(self) -> list[WaveResult]:
        """The waves of repeat 1."""
        return self.repeats[0].waves

    @property
    def posterior(self) -> pd.DataFrame:
        """Repeat 1's posterior draws."""
        return self.repeats[0].posterior

    @property
    def failures(self) -> list[tuple[int, int, str]]:
        """``(wave, run_id, error)`` of every failed wave run of every repeat."""
        return [(w.wave, run_id, error) for r in self.repeats for w in r.waves
                for run_id, error in w.failures]

    @property
    def runs(self) -> int:
        """Model runs used: every wave of every repeat, and the check."""
        total = sum(w.runs for r in self.repeats for w in r.waves)
        return total + (len(self.check.runs) if self.check is not None else 0)

    @property
    def found(self) -> bool:
        """True when repeat 1 has posterior draws."""
        return not self.posterior.empty

    @property
    def accepted(self) -> bool:
        """True when the posterior predictive check holds every band often enough."""
        return self.check is not None and self.check.passed
