"""Replicates and comparisons from Python: :func:`run_many` and :func:`compare`.

Both return tidy (long) DataFrames, one row per scenario, replicate and step, with the
columns ``scenario``, ``replicate``, ``seed``, ``step`` and one float64 column per metric;
with a parameter table (``uncertainty=``) also one column per drawn parameter holding the
value the run used. ``governance-sim run`` and ``compare`` run through :func:`run_batch`.

**Common random numbers.** By default replicate ``r`` of every scenario runs on the seed
``seed + r`` and, with a parameter table, on the same parameter draw; the model draws each
random process from its own named stream, so the differences between scenarios in one
replicate come from what distinguishes the scenarios, not from the dice. ``compare``
reports these paired differences as ``effect = scenario - baseline``. With
``common_random_numbers=False`` every scenario gets its own seeds (derived from the seed
and the scenario's name), for checking how much the pairing buys.

**Parameter uncertainty.** With ``uncertainty=`` (a path or ``"calibrated"``, see
:mod:`governance_sim.uncertainty`) each replicate draws its parameter set from the table,
seeded by the replicate's seed. Precedence: defaults < the draw < the scenario's own
``[params]`` < ``settings`` (``--set``). Without ``uncertainty=`` the scenarios' own table
is used (``[scenario] uncertainty``; every shipped scenario ships with ``calibrated``);
``uncertainty="none"`` runs on seed variation alone (:func:`scenario_table`).
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.params import ParameterError, Params, UserInputError
from governance_sim.scenarios import NO_TABLE, Scenario
from governance_sim.uncertainty import ParameterTable, bands_label, load_table

__all__ = [
    "ID_COLUMNS",
    "MAX_SEED",
    "Comparison",
    "apply_draw",
    "apply_settings",
    "check_memory",
    "compare",
    "explicit_params",
    "independent_seeds",
    "replicate_seeds",
    "resolve_scenario",
    "resolve_uncertainty",
    "scenario_table",
    "run_batch",
    "run_many",
]

#: Largest seed a results table holds (its ``seed`` column is a signed 64-bit integer).
MAX_SEED = 2**63 - 1

#: The identifying columns of a tidy results frame (the rest are metrics and parameters).
ID_COLUMNS: tuple[str, ...] = ("scenario", "replicate", "seed", "step")


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Seeds of replicates ``0..replicates-1``: ``seed + r``, the same for every scenario.

    Consecutive integers are safe here: each named stream is seeded through
    ``numpy.random.SeedSequence``, which hashes the seed, so neighbouring seeds give
    unrelated streams. And replicate ``r`` can be rerun alone with ``--seed seed+r``.

    Raises:
        ParameterError: a seed would not fit the results' 64-bit seed column.
    """
    last = MAX_SEED - max(replicates - 1, 0)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= last:
        raise ParameterError(f"--seed {seed}: allowed 0 to {last} (replicate r uses seed + r, "
                             f"which must stay below 2**63)")
    return [int(seed) + r for r in range(replicates)]


def independent_seeds(seed: int, replicates: int, name: str) -> list[int]:
    """Seeds of one scenario *without* common random numbers: from the seed and its name.

    Replicate ``r`` of scenario ``name`` runs on a 63-bit integer drawn from
    ``SeedSequence([seed, r], spawn_key=(crc32(name),))``: reproducible, and unrelated to
    every other scenario's seeds.
    """
    replicate_seeds(seed, replicates)  # the same checks
    key = (zlib.crc32(name.encode()),)
    return [int(np.random.SeedSequence([int(seed), r], spawn_key=key)
                .generate_state(1, np.uint64)[0] >> np.uint64(1)) for r in range(replicates)]


def apply_settings(scenario: Scenario, settings: Mapping[str, Any] | None) -> Scenario:
    """The scenario with ``settings`` over its parameters (levers and mechanisms merged).

    Raises:
        ParameterError: a setting is unknown or out of range (names the scenario).
    """
    if not settings:
        return scenario
    changes = dict(settings)
    for table in ("levers", "mechanisms"):
        if table in changes:
            changes[table] = {**getattr(scenario.params, table), **changes[table]}
    try:
        params = scenario.params.replace(**changes)
    except ParameterError as error:
        raise ParameterError(f"{scenario.name} with --set: {error}") from None
    return replace(scenario, params=params)


def explicit_params(scenario: Scenario, settings: Collection[str] = ()) -> set[str]:
    """The parameters a scenario (its file's ``[params]``) or the user's settings set.

    A scenario built in Python (no file) sets the fields where it differs from the
    defaults. A parameter table never overrides these.
    """
    raw = scenario.raw.get("params") if isinstance(scenario.raw, dict) else None
    if isinstance(raw, dict):
        names = set(raw)
    else:
        defaults = Params().to_dict()
        names = {k for k, v in scenario.params.to_dict().items() if v != defaults[k]}
    return names | set(settings)


def resolve_scenario(scenario: str | Path | Scenario | Params) -> Scenario:
    """A :class:`Scenario` from a name, a path, a Scenario or Params (named ``custom``).

    Raises:
        ScenarioError: unknown name or bad file; ParameterError: another type.
    """
    from governance_sim.scenarios import load_scenario

    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Params):
        return Scenario(name="custom", params=scenario)
    if isinstance(scenario, str | Path):
        return load_scenario(scenario)
    raise ParameterError(f"scenario: expected a name, a path, a Scenario or Params, got "
                         f"{type(scenario).__name__}")


def resolve_uncertainty(uncertainty: str | Path | ParameterTable | None) -> ParameterTable | None:
    """A parameter table from a path, a built-in name (``calibrated``) or a table."""
    if uncertainty is None or isinstance(uncertainty, ParameterTable):
        return uncertainty
    return load_table(uncertainty)


def scenario_table(scenarios: Sequence[Scenario],
                   given: str | Path | ParameterTable | None = None) -> ParameterTable | None:
    """The parameter table of a run: the one given, else the one the scenarios ship with.

    Args:
        scenarios: the scenarios run together (their ``uncertainty``: a built-in table's
            name, ``"none"``, or empty when the file says nothing: such a scenario follows
            the others, and alone runs without a table).
        given: a table, a path, a built-in name, ``"none"`` (no table: seed variation
            only) or None (the scenarios' own).

    Returns:
        The table, or None for none.

    Raises:
        UserInputError: ``given`` is None and the scenarios ship with different tables
            (they must share one draw per replicate); the message names each and the choice.
    """
    if isinstance(given, ParameterTable):
        return given
    if given is not None:
        return None if str(given) == NO_TABLE else load_table(given)
    declared = {s.name: s.uncertainty for s in scenarios if s.uncertainty}
    names = set(declared.values())
    if len(names) > 1:
        listed = ", ".join(f"{name}: {table}" for name, table in declared.items())
        raise UserInputError(f"the scenarios ship with different parameter tables ({listed}); "
                             "runs compared must share one draw per replicate: choose one "
                             "with --uncertainty NAME (uncertainty= from Python), or "
                             "--uncertainty none for seed variation alone")
    name = names.pop() if names else NO_TABLE
    return None if name == NO_TABLE else load_table(name)


def apply_draw(params: Params, drawn: Mapping[str, float | int], fixed: Collection[str],
               where: str) -> Params:
    """``params`` with a table's draw over it, except the parameters in ``fixed``.

    Args:
        params: the run's parameters.
        drawn: one draw of a parameter table (:meth:`ParameterTable.draw`).
        fixed: parameters set explicitly (by the scenario or the user); they win.
        where: what the run is, for the message (``"npm, replicate 2 with its draw from
            calibrated"``).

    Raises:
        ParameterError: the draw makes the parameters invalid (the message starts with
            ``where``).
    """
    try:
        return params.replace(**{k: v for k, v in drawn.items() if k not in fixed})
    except ParameterError as error:
        raise ParameterError(f"{where}: {error}") from None


def _check_table_varies(table: ParameterTable, fixed: Mapping[str, set[str]]) -> None:
    if all(set(table.names) <= names for names in fixed.values()):
        raise UserInputError(
            f"parameter table {table.name}: every parameter in it ({', '.join(table.names)}) is "
            "set by the scenario or --set, which win over the table, so the draws would "
            "change nothing; drop those settings or use another table")


def run_batch(scenarios: Sequence[Scenario], seeds: Sequence[int] | Mapping[str, Sequence[int]],
              *, steps: int | None = None, progress: bool = True,
              on_step: Callable[[], None] | None = None,
              uncertainty: ParameterTable | None = None,
              draw_seeds: Sequence[int] | Mapping[str, Sequence[int]] | None = None,
              settings: Collection[str] = ()) -> pd.DataFrame:
    """Run every scenario on every seed; return all time series in long format.

    Args:
        scenarios: validated scenarios (names must be unique).
        seeds: one seed per replicate, shared by all scenarios (common random numbers), or
            one list per scenario name.
        steps: steps per run; default: each scenario's own ``steps``.
        progress: show a ``tqdm.auto`` progress bar (on standard error, after half a second).
        on_step: called after every simulated step (tests, other front ends).
        uncertainty: a parameter table; each replicate draws a parameter set from it.
        draw_seeds: the seed of each replicate's draw (default: the run's seed); differs
            from ``seeds`` when every replicate runs on one seed and only the draws vary.
        settings: names of parameters the user set (``--set``); the table does not
            override them, nor the scenario file's own ``[params]``.

    Returns:
        DataFrame with columns ``scenario`` (str), ``replicate``, ``seed``, ``step`` (int64),
        one float64 column per metric and, with a table, one column per table parameter (the
        value the run used); rows ordered by scenario, replicate, step.

    Raises:
        UserInputError: the scenarios and settings fix every parameter of the table.
        ParameterError: a draw makes a scenario's parameters invalid (names which).
    """
    from tqdm.auto import tqdm

    from governance_sim.simulation import Simulation, checked_seed

    def per_scenario(values: Sequence[int] | Mapping[str, Sequence[int]],
                     name: str) -> list[int]:
        return list(values[name] if isinstance(values, Mapping) else values)

    horizon = {s.name: int(s.steps if steps is None else steps) for s in scenarios}
    fixed = {s.name: explicit_params(s, settings) for s in scenarios}
    if uncertainty is not None:
        _check_table_varies(uncertainty, fixed)
    total = sum(horizon[s.name] * len(per_scenario(seeds, s.name)) for s in scenarios)
    frames = []
    with tqdm(total=total, unit="step", desc="simulating", disable=not progress, delay=0.5,
              file=sys.stderr, dynamic_ncols=True, mininterval=0.25) as bar:
        for scenario in scenarios:
            run_seeds = per_scenario(seeds, scenario.name)
            draws = per_scenario(draw_seeds if draw_seeds is not None else seeds,
                                 scenario.name)
            for replicate, seed in enumerate(run_seeds):
                bar.set_postfix_str(f"{scenario.name} #{replicate}", refresh=False)
                params = scenario.params
                if uncertainty is not None:
                    params = apply_draw(params, uncertainty.draw(draws[replicate]),
                                        fixed[scenario.name],
                                        f"{scenario.name}, replicate {replicate} with its "
                                        f"draw from {uncertainty.name}")
                model = Simulation(params, checked_seed(seed), steps=horizon[scenario.name],
                                   scenario_name=scenario.name)
                for _ in range(horizon[scenario.name]):
                    model.step()
                    bar.update(1)
                    if on_step is not None:
                        on_step()
                series = model.results().timeseries.reset_index()
                series.insert(0, "seed", seed)
                series.insert(0, "replicate", replicate)
                series.insert(0, "scenario", scenario.name)
                if uncertainty is not None:
                    for name in uncertainty.names:
                        series[name] = float(getattr(params, name))
                frames.append(series)
    frame = pd.concat(frames, ignore_index=True)
    frame[["replicate", "seed", "step"]] = frame[["replicate", "seed", "step"]].astype("int64")
    return frame


def _seeds_for(scenarios: Sequence[Scenario], seed: int, replicates: int,
               common_random_numbers: bool, table: ParameterTable | None,
               fixed_seed: bool) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Run seeds and draw seeds per scenario (the same unless ``fixed_seed``)."""
    if fixed_seed and table is None:
        raise UserInputError("fixed_seed runs every replicate on one seed so that only the "
                             "parameter draws differ; it needs uncertainty=")
    if common_random_numbers:
        draws = {s.name: replicate_seeds(seed, replicates) for s in scenarios}
    else:
        draws = {s.name: independent_seeds(seed, replicates, s.name) for s in scenarios}
    if not fixed_seed:
        return draws, draws
    return {name: [values[0]] * replicates for name, values in draws.items()}, draws


def _prepare(scenarios: Sequence[str | Path | Scenario | Params],
             settings: Mapping[str, Any] | None) -> list[Scenario]:
    out = [apply_settings(resolve_scenario(s), settings) for s in scenarios]
    names = [s.name for s in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UserInputError(f"scenario {twice[0]!r} given twice; each scenario once, please "
                             "(scenarios built from Params are all named 'custom': give "
                             "Scenario objects with their own names)")
    return out


def _check_replicates(replicates: int) -> None:
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ParameterError(f"replicates: must be a whole number of at least 1, got "
                             f"{str(replicates)[:40]}")


def physical_memory() -> int | None:
    """This machine's memory in bytes (None where the system does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(scenarios: Sequence[Scenario], replicates: int, steps: int | None = None,
                 table: ParameterTable | None = None) -> int:
    """Refuse, before anything is allocated, a batch whose results cannot fit in memory.

    The estimate: the tidy frame (one row per scenario, replicate and month; the
    identifying columns, one per metric and one per table parameter, 8 bytes each) held
    twice while the runs' frames are joined, plus the largest scenario's population.

    Returns:
        The estimate in bytes.

    Raises:
        ParameterError: ``steps`` is not a whole number of months from 0 to 100 000.
        UserInputError: the estimate exceeds this machine's memory (the message gives both).
    """
    from governance_sim.metrics import METRICS
    from governance_sim.params import memory_text, population_bytes
    from governance_sim.simulation import MAX_STEPS

    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int | np.integer)
                              or not 0 <= steps <= MAX_STEPS):
        raise ParameterError(f"steps must be a whole number from 0 to {MAX_STEPS} (months), "
                             f"got {str(steps)[:40]}")
    months = sum(int(s.steps if steps is None else steps) + 1 for s in scenarios)
    columns = len(ID_COLUMNS) + len(METRICS) + (len(table.names) if table is not None else 0)
    population = max((population_bytes(s.params.n_citizens,
                                       s.params.n_units * s.params.professionals_per_unit)
                      for s in scenarios), default=0)
    need = 2 * replicates * months * columns * 8 + population
    have = physical_memory()
    if have is not None and need > have:
        count = f"{len(scenarios)} scenario" + ("s" if len(scenarios) != 1 else "")
        raise UserInputError(
            f"replicates={str(replicates) if replicates < 10**15 else '10**15 or more'} "
            f"of {count} over {months - len(scenarios):,} months "
            f"in all would need {memory_text(need)} of memory for the results; this machine "
            f"has {memory_text(have)}. Use fewer replicates or months")
    return need


def _warn_late_events(scenarios: Sequence[Scenario], steps: int | None) -> None:
    """Warn once per scenario about events its runs never reach (they would never fire)."""
    import warnings

    from governance_sim.scenarios import late_events_message

    for scenario in scenarios:
        horizon = scenario.steps if steps is None else steps
        message = late_events_message(scenario.name, scenario.params, int(horizon))
        if message:
            warnings.warn(message, UserWarning, stacklevel=3)


def run_many(scenario: str | Path | Scenario | Params, replicates: int = 5, seed: int = 1, *,
             steps: int | None = None,
             uncertainty: str | Path | ParameterTable | None = None,
             common_random_numbers: bool = True, fixed_seed: bool = False,
             progress: bool = True,
             settings: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run one scenario ``replicates`` times; return the tidy time series of every run.

    Args:
        scenario: a shipped scenario's name, a scenario file, a Scenario or Params.
        replicates: runs (replicate ``r`` on seed ``seed + r``).
        seed: seed of replicate 0.
        steps: months per run; default: the scenario's own.
        uncertainty: a parameter table (path, ``"calibrated"`` or a loaded table); each
            replicate then draws its parameters from it. None: the scenario's own table
            (``calibrated`` for every shipped scenario); ``"none"``: no table.
        common_random_numbers: seeds ``seed + r`` (the seeds every other ``run_many`` and
            ``compare`` with this seed use); False: seeds from the seed and the scenario's
            name.
        fixed_seed: with ``uncertainty``, every replicate runs on replicate 0's seed and
            only the parameter draws differ (the spread is parameter uncertainty alone).
        progress: show a ``tqdm.auto`` progress bar.
        settings: parameters over the scenario's (Params fields; ``levers`` and
            ``mechanisms`` mappings are merged), e.g. ``{"n_citizens": 2000}``.

    Returns:
        Tidy DataFrame: ``scenario``, ``replicate``, ``seed``, ``step`` (int64), one float64
        column per metric and, with a table, one per drawn parameter.
        ``frame.attrs["bands"]`` says what the spread across replicates shows.

    Example::

        import governance_sim as gs
        runs = gs.run_many("co_creation", replicates=10, uncertainty="calibrated",
                           settings={"n_citizens": 2000}, steps=120)
        runs.groupby("step")["trust_mean"].quantile([0.05, 0.5, 0.95]).unstack()
    """
    _check_replicates(replicates)
    prepared = _prepare([scenario], settings)
    table = scenario_table(prepared, uncertainty)
    check_memory(prepared, replicates, steps, table)
    _warn_late_events(prepared, steps)
    seeds, draws = _seeds_for(prepared, seed, replicates, common_random_numbers, table,
                              fixed_seed)
    frame = run_batch(prepared, seeds, steps=steps, progress=progress, uncertainty=table,
                      draw_seeds=draws, settings=tuple(settings or ()))
    frame.attrs["bands"] = bands_label(replicates, table, fixed_seed=fixed_seed)
    return frame


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` returns.

    Attributes:
        runs: tidy time series of every scenario and replicate (as :func:`run_many`).
        effects: paired differences, ``effect = scenario - baseline``, replicate by
            replicate and step by step: columns ``scenario``, ``baseline``, ``replicate``,
            ``step`` and one float64 column per metric (the baseline itself is left out).
        baseline: the baseline scenario's name.
        bands: what the spread across replicates shows (seed variation, parameter
            uncertainty, or both).
    """

    runs: pd.DataFrame
    effects: pd.DataFrame
    baseline: str
    bands: str

    def summary(self, step: int | None = None, metrics: Sequence[str] | None = None,
                level: float = 0.95) -> pd.DataFrame:
        """The effects at one step across replicates: mean, SD, interval, share above zero.

        Args:
            step: the step (default: the last one every scenario reached).
            metrics: metric columns (default: all).
            level: coverage of the t interval of the mean effect.

        Returns:
            One row per scenario and metric: ``scenario``, ``metric``, ``step``, ``n``,
            ``mean``, ``sd``, ``low``, ``high`` (t interval of the mean; NaN for one
            replicate), ``share_positive`` (replicates with effect > 0).
        """
        from scipy import stats

        effects = self.effects
        if effects.empty:
            return pd.DataFrame(columns=["scenario", "metric", "step", "n", "mean", "sd",
                                         "low", "high", "share_positive"])
        at = int(effects.groupby("scenario")["step"].max().min()) if step is None else step
        if at not in set(effects["step"]):
            raise ParameterError(f"step {at}: not a step of these runs (0 to "
                                 f"{int(effects['step'].max())})")
        chosen = list(metrics) if metrics is not None else _metric_columns(effects)
        unknown = [m for m in chosen if m not in effects.columns]
        if unknown:
            raise ParameterError(f"metric {unknown[0]!r}: not in the results; allowed: "
                                 f"{', '.join(_metric_columns(effects))}")
        rows = []
        for name, group in effects[effects["step"] == at].groupby("scenario", sort=False):
            for metric in chosen:
                values = group[metric].to_numpy(dtype=np.float64)
                n = int(values.size)
                mean = float(values.mean())
                sd = float(values.std(ddof=1)) if n > 1 else float("nan")
                if n > 1:
                    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / np.sqrt(n)
                else:
                    half = float("nan")
                rows.append({"scenario": name, "metric": metric, "step": at, "n": n,
                             "mean": mean, "sd": sd, "low": mean - half, "high": mean + half,
                             "share_positive": float((values > 0).mean())})
        return pd.DataFrame(rows)


def _metric_columns(frame: pd.DataFrame, exclude: Collection[str] = ()) -> list[str]:
    skip = set(ID_COLUMNS) | {"baseline"} | set(exclude)
    return [c for c in frame.columns
            if c not in skip and pd.api.types.is_float_dtype(frame[c])]


def paired_effects(runs: pd.DataFrame, baseline: str,
                   parameters: Collection[str] = ()) -> pd.DataFrame:
    """``scenario - baseline`` for every other scenario, replicate by replicate, step by step.

    Args:
        runs: tidy frame (``scenario``, ``replicate``, ``step``, metrics).
        baseline: the scenario subtracted.
        parameters: drawn-parameter columns (not differenced).

    Returns:
        Columns ``scenario``, ``baseline``, ``replicate``, ``step`` and the metrics.
    """
    metrics = _metric_columns(runs, parameters)
    base = runs[runs["scenario"] == baseline].set_index(["replicate", "step"])[metrics]
    parts = []
    for name in runs["scenario"].unique():
        if name == baseline:
            continue
        other = runs[runs["scenario"] == name].set_index(["replicate", "step"])[metrics]
        common = other.index.intersection(base.index)
        diff = (other.loc[common] - base.loc[common]).reset_index()
        diff.insert(0, "baseline", baseline)
        diff.insert(0, "scenario", name)
        parts.append(diff)
    if not parts:
        return pd.DataFrame(columns=["scenario", "baseline", "replicate", "step", *metrics])
    return pd.concat(parts, ignore_index=True)


def compare(scenarios: Sequence[str | Path | Scenario | Params], replicates: int = 5,
            seed: int = 1, *, baseline: str | None = None, steps: int | None = None,
            uncertainty: str | Path | ParameterTable | None = None,
            common_random_numbers: bool = True, fixed_seed: bool = False,
            progress: bool = True,
            settings: Mapping[str, Any] | None = None) -> Comparison:
    """Run scenarios on paired seeds (and parameter draws) and their effects to a baseline.

    Args:
        scenarios: two or more scenarios (names, files, Scenario objects).
        replicates: runs per scenario; replicate ``r`` of every scenario on seed
            ``seed + r`` (common random numbers) and the same parameter draw.
        seed: seed of replicate 0.
        baseline: the scenario's name the others are compared with (default: the first).
        steps: months per run; default: each scenario's own (effects cover the steps both
            reached).
        uncertainty: a parameter table (path, ``"calibrated"`` or a loaded table). None:
            the scenarios' own table (they must agree); ``"none"``: no table.
        common_random_numbers: False gives every scenario its own seeds (unpaired).
        fixed_seed: with ``uncertainty``, every replicate runs on replicate 0's seed and
            only the parameter draws differ.
        progress: show a ``tqdm.auto`` progress bar.
        settings: parameters over every scenario's.

    Returns:
        A :class:`Comparison`: ``runs`` (tidy), ``effects`` (``scenario - baseline``, paired
        by replicate), ``baseline``, ``bands``; ``summary()`` gives the effects at the end.

    Raises:
        UserInputError: fewer than two scenarios, one given twice, an unknown baseline.

    Example::

        result = gs.compare(["bureaucracy", "co_creation"], replicates=10,
                            uncertainty="calibrated", settings={"n_citizens": 2000})
        result.summary(metrics=["trust_mean", "public_value_index"])
    """
    _check_replicates(replicates)
    if isinstance(scenarios, str | Path | Scenario | Params) or len(scenarios) < 2:
        raise UserInputError("compare needs a list of at least two scenarios; for one use "
                             "run_many")
    prepared = _prepare(scenarios, settings)
    names = [s.name for s in prepared]
    chosen = names[0] if baseline is None else baseline
    if chosen not in names:
        raise UserInputError(f"baseline {chosen!r}: not one of the scenarios compared; "
                             f"allowed: {', '.join(names)}")
    table = scenario_table(prepared, uncertainty)
    check_memory(prepared, replicates, steps, table)
    _warn_late_events(prepared, steps)
    seeds, draws = _seeds_for(prepared, seed, replicates, common_random_numbers, table,
                              fixed_seed)
    runs = run_batch(prepared, seeds, steps=steps, progress=progress, uncertainty=table,
                     draw_seeds=draws, settings=tuple(settings or ()))
    bands = bands_label(replicates, table, fixed_seed=fixed_seed)
    runs.attrs["bands"] = bands
    effects = paired_effects(runs, chosen, table.names if table is not None else ())
    effects.attrs["bands"] = bands
    return Comparison(runs=runs, effects=effects, baseline=chosen, bands=bands)
