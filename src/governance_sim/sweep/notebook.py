"""``governance_sim.sweep(...)``: a sweep from Python that returns a tidy DataFrame.

A thin layer over :func:`governance_sim.sweep.run_sweep` for notebooks and scripts: it
takes a spec file, a spec mapping or the spec's parts as keywords, runs the sweep with the
same machinery as ``governance-sim sweep`` (same design, same seeds, same executors, so the
same numbers) and returns the results table. Calling the package, ``gs.sweep(...)``, calls
:func:`sweep` here.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance_sim.sweep.spec import BUILTIN_MODEL, SpecError, SweepSpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_OUTCOMES", "sweep", "spec_from_keywords"]

#: Outcomes of a keyword sweep of the built-in model that names none: each metric's value
#: at the last step.
DEFAULT_OUTCOMES: tuple[str, ...] = ("trust_mean", "participation_rate", "public_value_index")


def _outcome_table(outcomes: Mapping[str, Any] | Sequence[str]) -> dict[str, Any]:
    """Outcomes as a spec table: names (metric = name) or name -> metric or table."""
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    if isinstance(outcomes, Mapping):
        return {name: {"metric": entry} if isinstance(entry, str) else entry
                for name, entry in outcomes.items()}
    if isinstance(outcomes, Sequence):
        return {name: {} for name in outcomes}
    raise SpecError(f"gs.sweep(): outcomes: expected metric names or a mapping of outcome "
                    f"name -> metric or {{metric=, stat=, ...}}, got {type(outcomes).__name__}")


def spec_from_keywords(
    *,
    levers: Mapping[str, Any] | None = None,
    uncertainties: Mapping[str, Any] | None = None,
    factors: Mapping[str, Any] | None = None,
    outcomes: Mapping[str, Any] | Sequence[str] | None = None,
    constants: Mapping[str, Any] | None = None,
    events: Sequence[Mapping[str, Any]] | None = None,
    scenario: str | None = None,
    uncertainty: str | os.PathLike[str] | None = None,
    steps: int | None = None,
    replicates: int = 1,
    seed: int = 1,
    design: str = "full_factorial",
    samples: int | None = None,
    name: str = "sweep",
    model: str | Callable[..., Any] | None = None,
    draws: int | None = None,
) -> SweepSpec:
    """A validated spec from the parts of a spec file given as Python values.

    The values are those of the TOML spec (:mod:`governance_sim.sweep.spec`): a list is the
    levels of a full factorial, ``{"low": , "high": [, "levels": ]}`` a range; ``factors``
    are varied parameters recorded as uncertainties (use ``levers=`` for what a decision
    maker sets: scenario discovery tells the two apart). ``uncertainty`` is a parameter
    table (``"calibrated"`` or a .csv/.toml file, :mod:`governance_sim.uncertainty`) from
    which every run draws its parameters, seeded with its seed (default: the base
    scenario's table; ``"none"``: seeds only); ``draws`` crosses the design with that many
    draws from it.

    Raises:
        SpecError: the first problem, naming the keyword and what is allowed.
    """
    builtin = model is None or model == BUILTIN_MODEL
    if outcomes is None:
        if not builtin:
            raise SpecError("gs.sweep(): outcomes: name the outcomes a custom model returns")
        outcomes = DEFAULT_OUTCOMES
    varied = dict(uncertainties or {})
    for key, value in (factors or {}).items():
        if key in varied:
            raise SpecError(f"gs.sweep(): {key!r} is in both factors= and uncertainties=")
        varied[key] = value
    if callable(model):
        label = getattr(model, "__name__", "")
        model_name = label if label.isidentifier() and label != BUILTIN_MODEL else "model"
    else:
        model_name = model or BUILTIN_MODEL
    table: dict[str, Any] = {"name": name, "model": model_name, "replicates": replicates,
                             "seed": seed}
    if steps is not None:
        table["steps"] = steps
    if scenario is not None:
        table["scenario"] = scenario
    raw: dict[str, Any] = {"sweep": table, "design": {"kind": design},
                           "outcomes": _outcome_table(outcomes)}
    if samples is not None:
        raw["design"]["samples"] = samples
    for section, value in (("levers", levers), ("uncertainties", varied),
                           ("constants", constants)):
        if value:
            raw[section] = dict(value)
    if events:
        raw["events"] = [dict(event) for event in events]
    base_dir = None
    if draws is not None:
        raw["uncertainty"] = {"draws": draws}
    if uncertainty is not None:
        from governance_sim.sweep.spec import NO_TABLE
        from governance_sim.uncertainty import BUILTIN_TABLES

        if str(uncertainty) in (*BUILTIN_TABLES, NO_TABLE):
            raw.setdefault("uncertainty", {})["table"] = str(uncertainty)
        else:  # a file named from Python: the spec reads it from its folder
            path = Path(uncertainty).resolve()
            raw.setdefault("uncertainty", {})["table"] = path.name
            base_dir = path.parent
    from governance_sim.sweep.spec import spec_from_dict

    return spec_from_dict(raw, source="gs.sweep()", base_dir=base_dir)


def sweep(
    spec: SweepSpec | str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    levers: Mapping[str, Any] | None = None,
    uncertainties: Mapping[str, Any] | None = None,
    factors: Mapping[str, Any] | None = None,
    outcomes: Mapping[str, Any] | Sequence[str] | None = None,
    constants: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    events: Sequence[Mapping[str, Any]] | None = None,
    scenario: str | None = None,
    uncertainty: str | os.PathLike[str] | None = None,
    steps: int | None = None,
    replicates: int = 1,
    seed: int = 1,
    design: str = "full_factorial",
    samples: int | None = None,
    name: str = "sweep",
    model: str | Callable[..., Any] | None = None,
    draws: int | None = None,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = 1,
    scheduler: Any = None,
    executor: Any = None,
    progress: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Run a parameter sweep and return its results as a tidy DataFrame.

    Give either ``spec`` (a spec file path, a mapping of the spec's tables or a
    :class:`SweepSpec`) or the spec's parts as keywords::

        import governance_sim as gs
        table = gs.sweep(levers={"logic": ["npm", "co_creation"]},
                         uncertainties={"initial_trust": [0.35, 0.55, 0.75]},
                         settings={"n_citizens": 2000, "n_units": 20},
                         outcomes={"trust_final": "trust_mean"},
                         steps=60, replicates=3, seed=7)
        table.groupby(["logic", "initial_trust"])["trust_final"].mean()

    Nothing is written unless ``out`` is given: without it the sweep runs in a temporary
    folder that is removed afterwards. With ``out`` the results folder stays (the same
    layout as ``governance-sim sweep --out``: manifest, design, Parquet runs), and calling
    again with the same spec and folder resumes, running only the missing runs. The same
    spec and seed give the same table (all but ``elapsed_s``) whatever the executor.

    Args:
        spec: a spec file (TOML), a mapping of its tables, a :class:`SweepSpec`, or None
            to build the spec from the keywords below.
        levers: parameters a decision maker sets: name -> list of values, or
            ``{"low": , "high": [, "levels": ]}``.
        uncertainties: parameters nobody controls, in the same form.
        factors: other varied parameters (recorded as uncertainties).
        outcomes: metric names (each summarised by its final value), or a mapping outcome
            name -> metric name or ``{"metric": , "stat": , "window": , ...}``; default for
            the built-in model: :data:`DEFAULT_OUTCOMES`.
        constants: deprecated name of ``settings`` (a DeprecationWarning says so).
        settings: parameters held fixed for every run (the spec's ``[constants]``; with
            a spec, over its constants), the same keyword as ``gs.run``, ``run_many`` and
            ``compare``.
        events: scheduled events added to the base scenario's.
        scenario: base scenario name or path (built-in model).
        uncertainty: a parameter table every run draws its parameters from
            (``"calibrated"`` or a .csv/.toml path; built-in model); the drawn values are
            ``drawn_<name>`` columns. Default: the base scenario's table (``calibrated``
            for the shipped scenarios; none without a scenario); ``"none"``: seeds only.
        steps: months per run (default: the scenario's, else 120).
        replicates: seeds per design point (common random numbers across points).
        seed: root seed of the replicate seeds and of sampled designs.
        design: ``full_factorial``, ``latin_hypercube``, ``sobol`` or ``morris``.
        samples: points of a sampled design (see the spec format).
        name: the sweep's name (manifest, progress bar).
        model: a registered model name or a callable ``params dict [, seed=] -> mapping of
            outcomes or a time-series DataFrame``; overrides the spec's model.
        draws: cross the design with this many draws from the parameter table (every
            point runs with every draw; the draw index is the column ``draw``).
        out: results folder to keep; None: a temporary folder, removed.
        workers: local processes; 1 (the default) runs in this process, None uses every
            core.
        scheduler: run on Dask: ``"local"``, a scheduler address or file, or a
            ``distributed.Client`` / cluster object (see :func:`run_sweep`).
        executor: an executor object instead of ``workers`` / ``scheduler``.
        progress: show a progress bar.
        **options: passed to :func:`governance_sim.sweep.run_sweep` (``retry_failed``,
            ``chunk``, ``start_method``, ``allow_code``, ``worker_timeout``, ...).

    Returns:
        One row per run, sorted by ``run_id``: ``run_id, point_id, replicate, seed``, the
        varied parameters, the outcomes, ``status`` (``ok``/``failed``), ``error`` and
        ``elapsed_s``. ``table.attrs["sweep"]`` holds the spec name, the folder (None when
        temporary), the executor, runs in the design and runs that failed; with a
        ``[timeseries]`` section, ``table.attrs["timeseries"]`` holds the recorded series
        (``run_id, month, variable, value``; :func:`~governance_sim.sweep.timeseries.
        read_timeseries`). A warning names
        the number of failed runs, if any (their ``error`` says why).

    Raises:
        SpecError: invalid spec or keywords, or both a spec and spec keywords.
        ResultsError: ``out`` holds another sweep.
        OutputError: ``out`` cannot be written.
    """
    from governance_sim.sweep.runner import run_sweep
    from governance_sim.sweep.spec import (
        load_spec,
        spec_from_dict,
        with_settings,
        with_uncertainty,
    )
    from governance_sim.sweep.store import read_table

    if constants is not None:
        if settings is not None:
            raise SpecError("gs.sweep(): settings= and constants= are the same keyword "
                            "(constants= is its old name); give settings= only")
        warnings.warn("gs.sweep(constants=...) is deprecated; use gs.sweep(settings=...), the "
                      "keyword gs.run, run_many and compare take", DeprecationWarning,
                      stacklevel=2)
        settings = constants
    parts = {"levers": levers, "uncertainties": uncertainties, "factors": factors,
             "outcomes": outcomes, "events": events,
             "scenario": scenario, "uncertainty": uncertainty, "steps": steps,
             "samples": samples, "draws": draws}
    defaults = {"replicates": (replicates, 1), "seed": (seed, 1),
                "design": (design, "full_factorial"), "name": (name, "sweep")}
    if spec is not None:
        given = [key for key, value in parts.items()
                 if value is not None and key != "uncertainty"]
        given += [key for key, (value, default) in defaults.items() if value != default]
        if given:
            raise SpecError(f"gs.sweep(): give a spec or the spec's parts as keywords, not "
                            f"both (got a spec and {', '.join(given)}=)")
        if isinstance(model, str):
            raise SpecError("gs.sweep(): model: a spec names its model in [sweep] model; "
                            "pass a callable to override it")
        if isinstance(spec, SweepSpec):
            loaded = spec
        elif isinstance(spec, Mapping):
            loaded = spec_from_dict(dict(spec), source="gs.sweep()")
        elif isinstance(spec, str | os.PathLike):
            loaded = load_spec(spec)
        else:
            raise SpecError(f"gs.sweep(): spec: expected a spec file path, a mapping or a "
                            f"SweepSpec, got {type(spec).__name__}")
        loaded = with_settings(loaded, dict(settings) if settings is not None else None)
        loaded = with_uncertainty(loaded, uncertainty)
    else:
        loaded = spec_from_keywords(**parts, constants=settings, replicates=replicates,
                                    seed=seed, design=design, name=name, model=model)
    run_model = model if callable(model) else None

    def execute(folder: str | os.PathLike[str]) -> pd.DataFrame:
        report = run_sweep(loaded, folder, model=run_model, workers=workers,
                           scheduler=scheduler, executor=executor, progress=progress,
                           **options)
        table = read_table(folder)
        if loaded.timeseries:
            from governance_sim.sweep.timeseries import read_timeseries

            table.attrs["timeseries"] = read_timeseries(folder)
        table.attrs["sweep"] = {"name": loaded.name, "out": None if out is None else
                                str(folder), "executor": report.executor,
                                "runs": report.total, "failed": len(report.failures)}
        if report.failures:
            first_id, first_error = report.failures[0]
            warnings.warn(f"{len(report.failures)} of {report.total} runs failed (run "
                          f"{first_id}: {first_error}); see the status and error columns",
                          RuntimeWarning, stacklevel=3)
        return table

    if out is not None:
        return execute(out)
    with tempfile.TemporaryDirectory(prefix="governance-sim-sweep-") as folder:
        return execute(os.path.join(folder, "sweep"))
