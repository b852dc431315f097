"""``governance-sim discover``: scenario discovery (PRIM) on a sweep's runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from governance_sim.discovery import Discovery

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the discover command to ``app``."""

    @app.command("discover")
    def discover_command(
        results: Path = typer.Argument(..., help="Results folder written by 'sweep'."),
        where: str = typer.Option(..., "--where",
                                  help="Runs of interest, e.g. \"trust_final < 0.4\" or "
                                  "\"pv_lift > 0 and trust_lift > 0\": outcome and factor "
                                  "names, numbers, + -, < <= > >= == !=, joined by 'and'."),
        threshold: float | None = typer.Option(None, "--threshold", min=0.0, max=1.0,
                                               help="Choose the box of largest coverage "
                                               "with at least this density (default: the "
                                               "knee of the trade-off)."),
        box: int | None = typer.Option(None, "--box", min=0,
                                       help="Choose this box of the peeling trajectory "
                                       "instead (its index in trajectory.csv)."),
        out: str | None = typer.Option(None, "--out",
                                       help="Folder for the box table, trajectory and page "
                                       "(default: RESULTS/discover; a new or empty folder, "
                                       "or one governance-sim wrote)."),
        peel_alpha: float = typer.Option(0.05, "--peel-alpha", min=0.001, max=0.49,
                                         help="Share of a box's runs each peel removes."),
        paste_alpha: float = typer.Option(0.05, "--paste-alpha", min=0.001, max=0.49,
                                          help="Share of the runs beyond a limit each "
                                          "paste adds back."),
        mass_min: float = typer.Option(0.05, "--mass-min", min=0.001, max=0.99,
                                       help="Smallest share of the runs a box may hold."),
        resamples: int = typer.Option(10, "--resamples", min=0, max=1000,
                                      help="PRIM runs on random halves of the runs for "
                                      "resampling stability (0: none)."),
        seed: int = typer.Option(0, "--seed", min=0, help="Seed of the resampling."),
        partial: bool = typer.Option(False, "--partial",
                                     help="Use a sweep whose runs are not all done."),
        drawn: str = typer.Option("auto", "--drawn",
                                  help="The parameters each run drew from a parameter "
                                  "table: 'factors' (PRIM on the runs, drawn parameters as "
                                  "factors: which worlds give the outcome), 'integrate' "
                                  "(PRIM on the design points, each counting when at least "
                                  "--robust of its runs have the outcome: which levers give "
                                  "it whatever the world is), 'both' (both, and a table of "
                                  "levers: levers.md), 'ignore', or 'auto' (both when the "
                                  "sweep drew parameters, else ignore). With both, --box "
                                  "picks the runs' box; the integrated box is in "
                                  "OUT/integrated."),
        robust: float = typer.Option(0.8, "--robust", min=0.01, max=1.0,
                                     help="Share of a design point's runs (draws) that must "
                                     "have the outcome for the point to count when "
                                     "integrating over the drawn parameters."),
    ) -> None:
        """Find the ranges of levers and uncertainties that give an outcome (PRIM)."""
        from governance_sim.cli import fail
        from governance_sim.discovery import (
            DRAWN_MODES,
            DiscoveryError,
            discover,
            drawn_columns,
            lever_worlds,
            lever_worlds_markdown,
            per_world,
        )
        from governance_sim.output_folders import claim_folder, clean_temporaries
        from governance_sim.results import atomic_write
        from governance_sim.sweep.store import STATUS_OK, read_manifest, read_table

        if threshold is not None and box is not None:
            fail("give --threshold or --box, not both")
        manifest = read_manifest(results)
        if manifest.get("kind") not in (None, "governance_sim.sweep"):
            fail(f"{results}: not a sweep results folder (its manifest is a "
                 f"{manifest.get('kind')!r}); give a folder written by 'governance-sim "
                 "sweep'")
        statuses = read_table(results, columns=["run_id", "status"])
        total = int(manifest.get("n_runs") or len(statuses))
        done = int((statuses["status"] == STATUS_OK).sum()) if len(statuses) else 0
        if done < total and not partial:
            fail(f"{results}: only {done} of {total} runs are done; resume the sweep, or "
                 "pass --partial to use the runs there are")
        allowed = ("auto", "both", *DRAWN_MODES)
        if drawn not in allowed:
            fail(f"--drawn {drawn!r}: allowed: {', '.join(allowed)}")
        if drawn == "auto":
            drawn = "both" if drawn_columns(manifest) else "ignore"
        settings = dict(threshold=threshold, peel_alpha=peel_alpha, paste_alpha=paste_alpha,
                        mass_min=mass_min, resamples=resamples, seed=seed, robust=robust)
        found = discover(results, where, box=box,
                         drawn="factors" if drawn == "both" else drawn, **settings)
        robust_found, robust_note = None, ""
        if drawn == "both":
            try:
                robust_found = discover(results, where, drawn="integrate", **settings)
            except DiscoveryError as error:  # none or all robust: a finding, not a failure
                robust_note = str(error)
        both = drawn == "both"
        target = claim_folder(out if out is not None else Path(results) / "discover")
        clean_temporaries(target)
        written = _write(found, target)
        if robust_found is not None:
            inner = claim_folder(target / "integrated")
            clean_temporaries(inner)
            written += _write(robust_found, inner)
        elif (target / "integrated").is_dir():  # an earlier box no longer holds: drop it
            for name in ("box.csv", "box.md", "trajectory.csv", "discovery.json",
                         "discovery.html"):
                (target / "integrated" / name).unlink(missing_ok=True)
        if both:
            levers = [p["name"] for p in manifest.get("parameters", [])
                      if p.get("section") in ("levers", "policies")]
            worlds = per_world(results, where, levers, peel_alpha=peel_alpha,
                               paste_alpha=paste_alpha, mass_min=mass_min)
            table = lever_worlds(found, robust_found, worlds, levers)
            text = lever_worlds_markdown(table, found, robust_found, robust_note)
            written.append(atomic_write(target / "levers.csv",
                                        lambda tmp: table.to_csv(tmp, index=False)))
            written.append(atomic_write(target / "levers.md", lambda tmp: Path(tmp).write_text(
                text, encoding="utf-8")))
        if found.n_skipped:
            typer.echo(f"left out {found.n_skipped} runs (failed or with a missing outcome)",
                       err=True)
        if both:
            typer.echo("Across worlds (runs; the drawn parameters as factors):")
        typer.echo(found.summary())
        if both:
            typer.echo("")
            typer.echo("Whatever the world is (design points, integrated over the draws):")
            typer.echo(robust_found.summary() if robust_found is not None else robust_note)
            typer.echo("")
            typer.echo(f"In each of the {len(worlds)} worlds (one parameter draw each):")
            for row in table.itertuples():
                typer.echo(f"  lever {row.lever}: {row.verdict} (restricted in "
                           f"{row.share_of_worlds:.0%} of the worlds)")
        typer.echo(f"{len(written)} files -> {target}")


def _write(found: Discovery, target: Path) -> list[Path]:
    """Write one discovery's tables, manifest and page into ``target``."""
    from governance_sim.discovery import write_discovery
    from governance_sim.results import atomic_write

    written = write_discovery(found, target)
    page = _page(found)
    written.append(atomic_write(target / "discovery.html", lambda tmp: Path(tmp).write_text(
        page, encoding="utf-8")))
    return written


def _page(found: Discovery) -> str:
    """The offline HTML page of a discovery."""
    from governance_sim.discovery import box_markdown
    from governance_sim.viz.discovery_figures import (
        box_limits_figure,
        discovery_page,
        tradeoff_figure,
    )

    trajectory = found.result.trajectory()
    figures = [tradeoff_figure(trajectory, found.chosen,
                               title=f"Coverage-density trade-off: {found.condition.text}")]
    if len(found.table):
        figures.append(box_limits_figure(found.table, title=f"Limits of box {found.chosen}"))
    notes = [
        "PRIM (Friedman & Fisher 1999) as in the EMA Workbench: peeling with alpha "
        f"{found.result.peel_alpha:g}, pasting with alpha {found.result.paste_alpha:g}, "
        f"minimum mass {found.result.mass_min:g}. Every point of the trade-off is a box of "
        "the trajectory; choose another with --box INDEX or --threshold DENSITY.",
        f"Reproduce: governance-sim discover {found.folder} --where \"{found.condition.text}\" "
        f"--box {found.chosen} --seed {found.seed} --drawn {found.drawn}"
        + (f" --robust {found.robust:g}" if found.drawn == "integrate" else ""),
    ]
    return discovery_page(f"Scenario discovery: {found.sweep}", found.summary(), figures,
                          box_markdown(found), notes)
