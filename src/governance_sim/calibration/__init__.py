"""Calibration against field bands: ``governance-sim calibrate TARGETS.toml``.

History matching in waves: each wave samples the region of the free parameters not yet
ruled out (a seeded Latin hypercube, run as a sweep through the sweep engine and its
executors, resumable), scores each sample by its implausibility against the bands of the
targets file, and shrinks the region to the survivors. ``docs/calibration.md`` describes
the method, the targets file and the outputs, and why this is not ABC-SMC (pyabc).

Modules:

* ``config``: the targets file (:func:`load_config`, :class:`CalibrationError`).
* ``model``: what one run computes (the field statistics of :mod:`governance_sim.field`).
* ``history``: implausibility, region update, identifiability (pure functions).
* ``runner``: :func:`calibrate`, the waves.
* ``outputs``: calibrated scenario, posterior, provenance, report.
"""

from governance_sim.calibration.config import (
    CalibrationConfig,
    CalibrationError,
    Target,
    config_from_dict,
    load_config,
)
from governance_sim.calibration.model import FieldModel, check_statistics
from governance_sim.calibration.runner import CalibrationResult, calibrate

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
]
