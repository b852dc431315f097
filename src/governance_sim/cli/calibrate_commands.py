"""``governance-sim calibrate``: fit free parameters to field bands (emulated history matching)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

_MAX_LISTED = 10


def register(app: typer.Typer) -> None:
    """Add the calibrate command to ``app``."""

    @app.command("calibrate")
    def calibrate_command(
        targets: Path = typer.Argument(..., help="Targets file (TOML; see "
                                       "docs/calibration.md and experiments/field_calibration)."),
        out: Path = typer.Option(..., "--out", help="Output folder (a new or empty folder; "
                                 "resumed if it holds this calibration already)."),
        workers: int | None = typer.Option(None, "--workers", min=1,
                                           help="Local worker processes (1: serial in this "
                                           "process; default: the file's 'workers', else all "
                                           "cores)."),
        scheduler: str | None = typer.Option(None, "--scheduler",
                                             help="Run on Dask: 'local' or a scheduler "
                                             "address such as tcp://host:8786 (default: the "
                                             "file's 'scheduler')."),
        progress: bool = typer.Option(True, "--progress/--no-progress",
                                      help="Progress bar of each wave on standard error."),
        flush_seconds: float = typer.Option(2.0, "--flush-seconds", min=0.0,
                                            help="Write finished runs to disk at least this "
                                            "often (seconds)."),
        quick: bool = typer.Option(False, "--quick",
                                   help="A quick calibration of the same targets (1 000 "
                                   "citizens, 2 waves of 16 samples, 40 draws checked at "
                                   "2 000 citizens): for tests and a first look, not to "
                                   "ship."),
    ) -> None:
        """Calibrate free parameters to bands (emulated history matching, posterior, check).

        History matching with Gaussian-process emulators in resumable waves, a posterior
        by rejection on the emulators, and a posterior predictive check. Writes
        posterior.csv (the draws as a parameter table), report.md, pairs.html, waves.csv,
        emulators.csv, coverage.csv, draws.csv, samples.csv, calibrated.toml and
        provenance.json. Exit 1 if runs failed or the posterior predictive check does not
        hold every band often enough (it prints what fails).
        """
        from governance_sim.calibration import calibrate, load_config, quick_config
        from governance_sim.cli import fail
        from governance_sim.sweep.runner import SweepAborted

        if scheduler and scheduler != "local" and workers is not None:
            fail("--workers applies to local runs and --scheduler local; a remote Dask "
                 "cluster has its own workers")
        config = load_config(targets)
        if quick:
            config = quick_config(config)
        try:
            result = calibrate(config, out, workers=workers, scheduler=scheduler,
                               progress=progress, flush_seconds=flush_seconds,
                               echo=typer.echo)
        except SweepAborted as error:
            fail(str(error), code=1)
        typer.echo(f"{result.runs} model runs in {result.seconds:.0f} s; posterior: "
                   f"{len(result.posterior)} draws -> {out / 'posterior.csv'} (report.md)")
        identified = result.identifiability
        yes = [n for n in identified.index if identified.loc[n, "identified"]]
        agree = f" ({result.identified_note})" if result.identified_note else ""
        typer.echo(f"identified by the targets: {', '.join(yes) or 'none'}{agree}; not: "
                   f"{', '.join(n for n in identified.index if n not in yes) or 'none'}")
        code = 0
        if result.failures:
            typer.echo(f"{len(result.failures)} runs failed (their samples count as "
                       "implausible):", err=True)
            for wave, run_id, error in result.failures[:_MAX_LISTED]:
                typer.echo(f"  wave {wave}, run {run_id}: {error}", err=True)
            code = 1
        check = result.check
        if check is None:
            typer.echo(f"no posterior: {result.stopped}; calibrated.toml holds the best wave "
                       "sample (report.md names the targets missed)", err=True)
            code = 1
        elif not check.passed:
            failing = [f"{name} {share:.0%}" for name, share in
                       check.coverage.sort_values().items() if share < check.required]
            typer.echo(f"not accepted: {check.joint:.0%} of {len(check.runs)} draws hold every "
                       f"band at {check.n_citizens} citizens (need {check.required:.0%}); "
                       f"bands below that: {', '.join(failing[:_MAX_LISTED]) or 'none singly'}"
                       + (f" and {len(failing) - _MAX_LISTED} more" if len(failing)
                          > _MAX_LISTED else ""), err=True)
            code = 1
        raise typer.Exit(code)
