"""Parameter sweeps and sensitivity designs, from one laptop core to a Dask cluster.

Read a spec (:func:`load_spec`), run it (:func:`run_sweep`) serially, on a local pool of
reused worker processes or on Dask, and read the results back (:func:`read_table`,
:func:`read_manifest`). Modules:

* ``spec``: the TOML spec and its validation (:class:`SpecError`).
* ``design``: design points (full factorial; Latin hypercube, Sobol/Saltelli and Morris
  from SALib) and common-random-number replicate seeds.
* ``models``: what runs (the built-in model or any callable) and how outcomes are read off.
* ``executors``: serial and a local process pool; ``dask_executor``: Dask.
* ``worker``, ``isolation``: the worker side; runs that kill their worker, run alone.
* ``registry``: the models a spec may name (files are data: no module paths).
* ``store``: the Parquet dataset and manifest on disk, resume.
* ``runner``: :func:`run_sweep`.
* ``testfunctions``: functions with known Sobol indices.
"""

from governance_sim.sweep.dask_executor import DaskExecutor
from governance_sim.sweep.design import Design, Task, build_design, replicate_seeds
from governance_sim.sweep.executors import (
    Executor,
    PoolExecutor,
    SerialExecutor,
    make_executor,
)
from governance_sim.sweep.models import ModelRunner, resolve_model
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
]
