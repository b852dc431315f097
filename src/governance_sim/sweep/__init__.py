"""Parameter sweeps and sensitivity designs, from one laptop core to a Dask cluster.

From Python, call the package: ``governance_sim.sweep(levers=..., outcomes=..., ...)`` (or
``gs.sweep("spec.toml")``) runs :func:`governance_sim.sweep.notebook.sweep` and returns the
results as a DataFrame.

Read a spec (:func:`load_spec`), run it (:func:`run_sweep`) serially, on a local pool of
reused worker processes or on Dask, and read the results back (:func:`read_table`,
:func:`read_manifest`). Modules:

* ``spec``: the TOML spec and its validation (:class:`SpecError`).
* ``design``: design points (full factorial; Latin hypercube, Sobol/Saltelli and Morris
  from SALib) and common-random-number replicate seeds.
* ``models``: what runs (the built-in model or any callable) and how outcomes are read off.
* ``executors``: serial and a local process pool, and the registry ``dask_executor``
  (Dask) adds itself to; ``limits``: most runs and workers; ``mainguard``: no worker
  pool from a script's unguarded top level.
* ``worker``, ``isolation``: the worker side; runs that kill their worker, run alone.
* ``registry``: the models a spec may name (files are data: no module paths).
* ``store``: the Parquet dataset and manifest on disk, resume; ``lock``: one sweep per
  folder.
* ``runner``: :func:`run_sweep`.
* ``notebook``: :func:`sweep`, the same from Python, returning a DataFrame.
* ``testfunctions``: functions with known Sobol indices.
"""

import inspect as _inspect
import sys as _sys
import types as _types

from governance_sim.sweep.dask_executor import DaskExecutor
from governance_sim.sweep.design import Design, Task, build_design, replicate_seeds
from governance_sim.sweep.executors import (
    Executor,
    PoolExecutor,
    SerialExecutor,
    make_executor,
)
from governance_sim.sweep.models import ModelRunner, resolve_model
from governance_sim.sweep.notebook import sweep
from governance_sim.sweep.runner import SweepReport, run_sweep
from governance_sim.sweep.spec import SpecError, SweepSpec, load_spec, spec_from_dict
from governance_sim.sweep.store import ResultsError, read_manifest, read_table

__all__ = [
    "DaskExecutor",
    "Design",
    "Executor",
    "ModelRunner",
    "PoolExecutor",
    "ResultsError",
    "SerialExecutor",
    "SpecError",
    "SweepReport",
    "SweepSpec",
    "Task",
    "build_design",
    "load_spec",
    "make_executor",
    "read_manifest",
    "read_table",
    "replicate_seeds",
    "resolve_model",
    "run_sweep",
    "spec_from_dict",
    "sweep",
]


class _CallablePackage(_types.ModuleType):
    """This package, callable: ``governance_sim.sweep(...)`` is :func:`sweep`.

    ``import governance_sim.sweep`` binds the package as the ``sweep`` attribute of
    ``governance_sim``, so ``gs.sweep`` is this package; calling it runs a sweep.
    """

    def __call__(self, *args: object, **kwargs: object) -> object:
        return sweep(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallablePackage
__signature__ = _inspect.signature(sweep)  # what help() and notebooks show for gs.sweep
