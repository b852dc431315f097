"""Calibration against field bands: ``governance-sim calibrate TARGETS.toml``.

History matching with Gaussian-process emulators (Vernon et al. 2010; Andrianakis et al.
2015): each wave runs the model (a sweep through the sweep engine, resumable) at points
drawn from the space earlier waves' emulators have not ruled out, and fits an emulator per
target to its runs. After the last wave, a posterior is drawn by rejection on the
emulators and checked by running the model at every draw (posterior predictive coverage of
each band). ``docs/calibration.md`` describes the method, the targets file and the outputs.

Modules:

* ``config``: the targets file (:func:`load_config`, :class:`CalibrationError`).
* ``model``: what one run computes (the field statistics of :mod:`governance_sim.field`).
* ``emulator``: one Gaussian-process emulator per statistic, validated leave-one-out.
* ``history``: implausibility of runs and emulators, chance inside the bands,
  identifiability (pure functions).
* ``sampling``: the non-implausible space sampled through the emulators; rejection.
* ``result``: what a calibration found (data only).
* ``runner``: :func:`calibrate`, the waves, the posterior and its check.
* ``outputs``: posterior table, diagnostics, scenario, pair plots, provenance, report.
"""

from governance_sim.calibration.config import (
    CalibrationConfig,
    CalibrationError,
    Target,
    config_from_dict,
    load_config,
    quick_config,
)
from governance_sim.calibration.model import FieldModel, check_statistics
from governance_sim.calibration.result import CalibrationResult
from governance_sim.calibration.runner import calibrate

__all__ = [
    "CalibrationConfig",
    "CalibrationError",
    "CalibrationResult",
    "FieldModel",
    "Target",
    "calibrate",
    "check_statistics",
    "config_from_dict",
    "load_config",
    "quick_config",
]
