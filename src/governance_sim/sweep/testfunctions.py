"""Functions with analytically known sensitivity indices, to check the sweep machinery.

They follow the sweep's model contract (a parameter dict, optionally ``seed=``, to a
mapping of outcomes) and are registered models (:mod:`governance_sim.sweep.registry`), so
a spec can name them (``model = "ishigami"``, ``model = "linear"``) and run them through
every executor; the indices that the analysis recovers can then be compared with the exact
ones.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np

__all__ = ["ishigami", "ishigami_indices", "linear", "linear_indices"]


def _pause(params: dict[str, Any]) -> None:
    delay = float(params.get("delay_s", 0.0))
    if delay > 0:
        time.sleep(delay)


def ishigami(params: dict[str, Any]) -> dict[str, float]:
    """The Ishigami function (Ishigami & Homma 1990), x1..x3 uniform on [-pi, pi].

    ``y = sin(x1) + a sin(x2)^2 + b x3^4 sin(x1)``; ``a`` (default 7) and ``b`` (0.1) may
    be given as parameters; ``delay_s`` sleeps that long first (to emulate a slow model).
    """
    _pause(params)
    a = float(params.get("a", 7.0))
    b = float(params.get("b", 0.1))
    x1, x2, x3 = (float(params[k]) for k in ("x1", "x2", "x3"))
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, dict[str, float]]:
    """Exact first-order (``S1``) and total (``ST``) Sobol indices of :func:`ishigami`.

    From the variance decomposition of Sobol & Levitan (1999) / Saltelli et al. (2008)::

        V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,  V1 = (1 + b pi^4/5)^2 / 2,
        V2 = a^2/8,  V3 = 0,  V13 = 8 b^2 pi^8/225.
    """
    pi4, pi8 = math.pi**4, math.pi**8
    v = a**2 / 8 + b * pi4 / 5 + b**2 * pi8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi8 / 225
    return {"S1": {"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}}


def linear(params: dict[str, Any], seed: int | None = None) -> dict[str, float]:
    """An additive linear function ``y = sum_i c_i x_i (+ noise)`` of the keys ``x*``.

    Coefficients come from keys ``c_<name>`` (default 1). ``noise`` adds a normal draw of
    that standard deviation from ``numpy.random.default_rng(seed)`` (so replicates with the
    same seed get the same draw: common random numbers). ``fail_above``: raise ValueError
    when ``y`` exceeds it (to test failure handling); ``crash_above``: end the whole
    process instead (to test a worker that dies): exit code 70, or with ``crash_signal``
    (a signal number, e.g. 11 for SIGSEGV) killed by that signal. ``delay_s`` sleeps
    first.
    """
    _pause(params)
    y = 0.0
    for key, value in params.items():
        if key.startswith("x"):
            y += float(params.get(f"c_{key}", 1.0)) * float(value)
    noise = float(params.get("noise", 0.0))
    if noise > 0:
        y += noise * float(np.random.default_rng(seed).standard_normal())
    limit = params.get("fail_above")
    if limit is not None and y > float(limit):
        raise ValueError(f"y = {y:.4g} is above fail_above = {float(limit):g}")
    crash = params.get("crash_above")
    if crash is not None and y > float(crash):
        signal_number = params.get("crash_signal")
        if signal_number is not None:
            os.kill(os.getpid(), int(signal_number))
        os._exit(70)  # the whole process dies, as after a segfault or the OOM killer
    return {"y": y}


def linear_indices(coefficients: dict[str, float],
                   bounds: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Exact Sobol indices of :func:`linear` (no noise): ``S_i = ST_i = c_i^2 var_i / V``.

    With ``x_i`` uniform on ``[lo, hi]``, ``var_i = (hi - lo)^2 / 12``.
    """
    parts = {k: coefficients[k] ** 2 * (bounds[k][1] - bounds[k][0]) ** 2 / 12
             for k in coefficients}
    total = sum(parts.values())
    return {k: v / total for k, v in parts.items()}
