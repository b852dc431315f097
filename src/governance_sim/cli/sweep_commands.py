"""``governance-sim sweep`` and ``governance-sim sensitivity``: run a sweep, analyse it."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from governance_sim.analysis import SweepData

__all__ = ["register"]

_MAX_LISTED = 20


def register(app: typer.Typer) -> None:
    """Add the sweep and sensitivity commands to ``app``."""

    @app.command("sweep")
    def sweep_command(
        spec: Path = typer.Argument(..., help="Sweep spec (TOML; see experiments/)."),
        out: str = typer.Option(..., "--out", help="Results folder (resumed if it holds "
                                 "this sweep already)."),
        workers: int | None = typer.Option(None, "--workers", min=1,
                                           help="Local worker processes (1: serial in this "
                                           "process; default: all cores). With --scheduler "
                                           "local: the cluster's workers."),
        scheduler: str | None = typer.Option(None, "--scheduler",
                                             help="Run on Dask: 'local' starts a LocalCluster; "
                                             "or a scheduler address such as "
                                             "tcp://host:8786; or a scheduler file "
                                             "(sched.json, written by 'dask scheduler "
                                             "--scheduler-file'). See docs/cluster.md."),
        retry_failed: bool = typer.Option(False, "--retry-failed",
                                          help="Run again the runs recorded as failed."),
        flush_seconds: float = typer.Option(2.0, "--flush-seconds", min=0.0,
                                            help="Write finished runs to disk at least this "
                                            "often (seconds)."),
        progress: bool = typer.Option(True, "--progress/--no-progress",
                                      help="Progress bar on standard error."),
        start_method: str | None = typer.Option(None, "--start-method",
                                         help="How local workers start: forkserver (default "
                                         "where available), spawn (safe anywhere), or fork "
                                         "(instant; may deadlock in a multi-threaded "
                                         "process)."),
        worker_timeout: float = typer.Option(60.0, "--worker-timeout", min=0.0,
                                             help="Dask: stop when the cluster has had no "
                                             "worker for this many seconds."),
        max_runs: int | None = typer.Option(None, "--max-runs", min=1,
                                            help="Most runs the design may have (default "
                                            "200000); a bigger one is refused before it is "
                                            "built."),
        allow_code: bool = typer.Option(False, "--allow-code",
                                        help="RUNS CODE: let the spec name any Python "
                                        "'module:function' as its model, which imports and "
                                        "runs that module as you. Only for spec files you "
                                        "trust; without it a spec may name only registered "
                                        "models."),
        uncertainty: str | None = typer.Option(None, "--uncertainty",
                                               help="Parameter table every run draws from: "
                                               "'calibrated', a .csv/.toml file, or 'none' "
                                               "(seeds only). Default: the spec's "
                                               "[uncertainty] table, else the base "
                                               "scenario's."),
    ) -> None:
        """Run (or resume) a parameter sweep; exit 1 if any run failed."""
        from governance_sim.cli import fail
        from governance_sim.sweep import load_spec, run_sweep

        if scheduler and scheduler != "local" and workers is not None:
            fail("--workers applies to local runs and --scheduler local; a remote Dask "
                 "cluster has its own workers")
        from governance_sim.sweep.executors import DEFAULT_START_METHOD
        from governance_sim.sweep.runner import SweepAborted

        loaded = load_spec(spec)
        if uncertainty is not None:
            from governance_sim.sweep.spec import with_uncertainty

            loaded = with_uncertainty(loaded, uncertainty)
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            report = run_sweep(loaded, out, workers=workers, scheduler=scheduler,
                               progress=progress, retry_failed=retry_failed,
                               flush_seconds=flush_seconds,
                               start_method=start_method or DEFAULT_START_METHOD,
                               allow_code=allow_code, worker_timeout=worker_timeout,
                               max_runs=max_runs)
        except SweepAborted as error:
            fail(str(error), code=1)
        except (_Stopped, KeyboardInterrupt) as stopped:
            how = str(stopped) if isinstance(stopped, _Stopped) else "an interrupt (Ctrl-C)"
            typer.echo(f"stopped by {how}: {_saved(out)}; run the same command to resume",
                       err=True)
            raise typer.Exit(143 if isinstance(stopped, _Stopped) else 130) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        resumed = f", {report.skipped} already recorded" if report.skipped else ""
        if report.ran:
            typer.echo(f"{loaded.name}: {report.total} runs ({report.ran} run{resumed}) on "
                       f"{report.executor} in {report.elapsed_s:.1f} s -> {out}")
        else:
            typer.echo(f"{loaded.name}: all {report.total} runs already recorded -> {out}")
        if report.failures:
            typer.echo(f"{len(report.failures)} of {report.total} runs failed:", err=True)
            for run_id, error in report.failures[:_MAX_LISTED]:
                typer.echo(f"  run {run_id}: {error}", err=True)
            if len(report.failures) > _MAX_LISTED:
                typer.echo(f"  ... and {len(report.failures) - _MAX_LISTED} more (column "
                           f"'error' of {out}/runs)", err=True)
            typer.echo("the other runs are recorded; fix the cause and rerun with "
                       "--retry-failed", err=True)
            raise typer.Exit(1)

    @app.command("sensitivity")
    def sensitivity_command(
        results: Path = typer.Argument(..., help="Results folder written by 'sweep'."),
        outcome: list[str] = typer.Option(None, "--outcome",
                                          help="Outcome to analyse (repeat; default: all)."),
        heatmap: str | None = typer.Option(None, "--heatmap",
                                           help="Two parameters for the heatmap, 'X,Y' "
                                           "(default: the first two varied)."),
        out: str | None = typer.Option(None, "--out",
                                        help="Folder for tables and figures "
                                        "(default: RESULTS/sensitivity; a new or empty "
                                        "folder, or one governance-sim wrote)."),
        partial: bool = typer.Option(False, "--partial",
                                     help="Analyse a sweep whose runs are not all done "
                                     "(missing or failed runs); says how many it used."),
    ) -> None:
        """Sensitivity indices (Sobol, Morris, delta or grid shares) with tables and figures."""
        from governance_sim.analysis import analyse, load, precision_notes, write_tables
        from governance_sim.cli import fail
        from governance_sim.output_folders import claim_folder, clean_temporaries
        from governance_sim.sweep.store import STATUS_FAILED, STATUS_OK, read_manifest

        _check_is_sweep(results, read_manifest(results))
        data = load(results)
        if not len(data.table):
            fail(f"{results}: no runs recorded yet; run the sweep first")
        total = int(data.manifest.get("n_runs") or len(data.table))
        done = int((data.table["status"] == STATUS_OK).sum())
        failed = int((data.table["status"] == STATUS_FAILED).sum())
        if done < total and not partial:
            fail(f"{results}: only {done} of {total} runs are done ({failed} failed, "
                 f"{total - done - failed} not run); resume the sweep (failed runs: "
                 "--retry-failed), or pass --partial to analyse the runs there are")
        if done < total:
            typer.echo(f"partial sweep: using the {done} of {total} runs that are done",
                       err=True)
        chosen = list(outcome) if outcome else data.outcomes
        pair = [p.strip() for p in heatmap.split(",")] if heatmap else []
        if heatmap and len(pair) != 2:
            fail(f"--heatmap needs two parameter names as 'X,Y', got {heatmap!r}")
        for name in pair:
            if name not in data.parameters:
                fail(f"--heatmap: {name!r} is not a varied parameter; allowed: "
                     f"{', '.join(data.parameters)}")
        if not pair and len(data.parameters) >= 2:
            pair = data.parameters[:2]
        tables = _labelled(analyse(data, chosen))
        notes = precision_notes(tables, data.manifest)
        target = claim_folder(out if out is not None else Path(results) / "sensitivity")
        clean_temporaries(target)
        written = write_tables(tables, target)
        figures = _figures(data, tables, chosen, pair)
        written += _write_figures(figures, target)
        written.append(_write_index(data, target, written, used=done, total=total,
                                    notes=notes))
        for name, frame in tables.items():
            if name.endswith("_replicates") or name.endswith("_s2"):
                continue
            typer.echo(f"{name}:")
            typer.echo(frame.round(3).to_string())
        for note in notes:
            typer.echo(f"warning: {note}")
        typer.echo(f"{len(written)} files -> {target} (start at {target / 'index.html'})")


def _check_is_sweep(results: Path, manifest: dict) -> None:
    """Refuse, in one line, a folder whose manifest is not a sweep's (run, compare, ...)."""
    from governance_sim.cli import fail

    kind = manifest.get("kind")
    if kind == "governance_sim.sweep" and all(
            key in manifest for key in ("parameters", "outcomes", "design")):
        return
    what = (f"its manifest.json was written by 'governance-sim {kind}'"
            if isinstance(kind, str) and kind in ("run", "compare")
            else "its manifest.json is not a sweep's")
    fail(f"{results}: not a sweep results folder ({what}); give a folder written by "
         "'governance-sim sweep'")


def _labelled(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Tables with a factorial design's ``S1`` column named for what it is.

    A full factorial's ``S1`` (``governance_sim.analysis.factorial_indices``) is the share
    of the variance over the grid's own points that one parameter explains alone: a
    main-effect share of the grid, not a Sobol index sampled over the parameters' ranges.
    """
    from governance_sim.viz.sensitivity_figures import FACTORIAL_SHARE

    return {name: frame.rename(columns={"S1": FACTORIAL_SHARE})
            if name.endswith("_factorial") else frame for name, frame in tables.items()}


def _listing_order(path: Path) -> tuple[int, str]:
    """Figures first, then tables, then the script they load."""
    return ({".html": 0, ".csv": 1}.get(path.suffix, 2), path.name)


def _write_index(data: SweepData, folder: Path, written: list[Path], *, used: int,
                 total: int, notes: list[str] | None = None) -> Path:
    """Write ``index.html``: every file of this analysis with one line on what it shows."""
    from governance_sim.results import atomic_write
    from governance_sim.viz.sensitivity_figures import describe_output, index_page

    entries = [(path.name, describe_output(path.name, data.outcomes))
               for path in sorted(written, key=_listing_order)]
    manifest = data.manifest
    facts = [f"sweep: {manifest.get('name', data.out.name)} ({data.out})",
             f"design: {data.design}, {manifest['design'].get('n_points', '?')} points, "
             f"{used} of {total} runs used; replicates averaged per point",
             f"varied: {', '.join(data.parameters) or 'nothing'}",
             f"outcomes: {', '.join(data.outcomes)}"]
    if manifest.get("question"):
        facts.insert(1, f"question: {manifest['question']}")
    facts += [f"warning: {note}" for note in notes or ()]
    page = index_page(f"Sensitivity analysis: {manifest.get('name', data.out.name)}",
                      entries, facts)
    return atomic_write(folder / "index.html",
                        lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))


class _Stopped(BaseException):
    """SIGTERM arrived: unwinds the sweep so finished runs are written and workers stopped."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def _saved(out: Path | str) -> str:
    """What a stopped sweep left on disk, in words."""
    from governance_sim.sweep.store import STATUS_FAILED, ResultsError, read_manifest, read_table

    try:
        table = read_table(out, columns=["run_id", "status"])
        total = read_manifest(out).get("n_runs", "?")
    except (ResultsError, OSError):
        return f"no runs were recorded in {out}"
    failed = int((table["status"] == STATUS_FAILED).sum()) if len(table) else 0
    extra = f" ({failed} failed)" if failed else ""
    return f"{len(table)} of {total} runs are recorded in {out}{extra}"


def _figures(data: SweepData, tables: dict[str, pd.DataFrame], outcomes: list[str],
             pair: list[str]) -> dict[str, go.Figure]:
    """The sensitivity figures of each outcome."""
    from governance_sim.viz.sensitivity_figures import (
        index_bars,
        lever_heatmap,
        replicate_spread,
    )

    figures = {}
    for outcome in outcomes:
        for method in ("sobol", "morris", "delta", "factorial"):
            key = f"{outcome}_{method}"
            if key in tables:
                figures[f"{key}_bars"] = index_bars(tables[key], outcome, method)
        if len(pair) == 2:
            figures[f"{outcome}_heatmap"] = lever_heatmap(data.table, pair[0], pair[1],
                                                          outcome)
        figures[f"{outcome}_replicates"] = replicate_spread(data.table, outcome,
                                                            label=data.parameters)
    return figures


def _write_figures(figures: dict[str, go.Figure], folder: Path) -> list[Path]:
    """Write each figure as HTML beside one shared copy of plotly.js."""
    from plotly.offline import get_plotlyjs

    from governance_sim.results import atomic_write

    # One copy of plotly.js beside the figures: they open offline and stay small.
    paths = [atomic_write(folder / "plotly.min.js",
                          lambda tmp: Path(tmp).write_text(get_plotlyjs(), encoding="utf-8"))]
    for name, figure in figures.items():
        def write(tmp: str, figure: go.Figure = figure) -> None:
            Path(tmp).write_text(figure.to_html(include_plotlyjs="directory", full_html=True),
                                 encoding="utf-8")

        paths.append(atomic_write(folder / f"{name}.html", write))
    return paths
