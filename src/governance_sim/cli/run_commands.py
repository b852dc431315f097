"""``governance-sim run``: run one scenario and write its results (extended by the CLI issue)."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the run command to ``app``."""

    @app.command("run")
    def run_command(
        scenario: str = typer.Argument(..., help="Scenario name (see 'list') or a .toml path."),
        steps: int | None = typer.Option(None, "--steps", min=0,
                                         help="Steps (months); default: the scenario's."),
        seed: int = typer.Option(1, "--seed", min=0, help="Random seed."),
        out: Path = typer.Option(Path("out/run"), "--out", help="Output folder."),
    ) -> None:
        """Run one scenario and write timeseries.parquet, timeseries.csv and manifest.json."""
        from governance_sim.model import run
        from governance_sim.scenarios import load_scenario

        scenario_obj = load_scenario(scenario)
        results = run(scenario_obj, steps=steps, seed=seed)
        results.to_parquet(out / "timeseries.parquet")
        results.to_csv(out / "timeseries.csv")
        results.write_manifest(out / "manifest.json")
        final = results.final()
        typer.echo(f"{scenario_obj.name}: {len(results.timeseries) - 1} steps, seed {seed}: "
                   f"trust {final.trust_mean:.3f}, participation {final.participation_rate:.3f},"
                   f" public value {final.public_value_index:.3f} -> {out}")
