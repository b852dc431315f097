"""``governance-sim calibrate``: fit free parameters to field bands by history matching."""

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
    ) -> None:
        """Calibrate free parameters to bands (history matching in resumable waves).

        Writes calibrated.toml (a scenario for 'governance-sim run'), posterior.csv,
        samples.csv, provenance.json and report.md. Exit 1 if runs failed or no sample
        of the last wave is within the cutoff.
        """
        from governance_sim.calibration import calibrate, load_config
        from governance_sim.cli import fail
        from governance_sim.sweep.runner import SweepAborted

        if scheduler and scheduler != "local" and workers is not None:
            fail("--workers applies to local runs and --scheduler local; a remote Dask "
                 "cluster has its own workers")
        config = load_config(targets)
        try:
            result = calibrate(config, out, workers=workers, scheduler=scheduler,
                               progress=progress, flush_seconds=flush_seconds,
                               echo=typer.echo)
        except SweepAborted as error:
            fail(str(error), code=1)
        best = result.best
        typer.echo(f"{result.stopped}; best sample: implausibility "
                   f"{float(best['implausibility']):.3g} -> {out / 'calibrated.toml'}")
        identified = result.identifiability
        if not identified["share"].isna().all():
            yes = [n for n in identified.index if identified.loc[n, "identified"]]
            no = [n for n in identified.index if not identified.loc[n, "identified"]]
            typer.echo(f"identified by the targets: {', '.join(yes) or 'none'}; not: "
                       f"{', '.join(no) or 'none'} (report.md)")
        code = 0
        if result.failures:
            typer.echo(f"{len(result.failures)} runs failed (their samples count as "
                       "implausible):", err=True)
            for wave, run_id, error in result.failures[:_MAX_LISTED]:
                typer.echo(f"  wave {wave}, run {run_id}: {error}", err=True)
            code = 1
        if not result.found:
            typer.echo(f"no sample of the last wave has implausibility <= "
                       f"{config.cutoff:g}; calibrated.toml holds the best one found "
                       "(report.md names the targets missed)", err=True)
            code = 1
        raise typer.Exit(code)
