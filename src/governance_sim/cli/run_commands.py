"""Scenario commands: ``list``, ``show``, ``run``, ``compare`` and ``report``.

``run NAME`` and ``compare NAME NAME ...`` run each scenario ``--replicates`` times on the
seeds ``--seed + r`` (the same seeds for every scenario: common random numbers) and write
``timeseries.parquet``, ``timeseries.csv``, ``report.html`` (``report.nb.html`` with
``--lang nb``) and ``manifest.json`` (with the
exact command that reproduces them) to ``--out``. With ``--uncertainty TABLE`` (a CSV or
TOML parameter table, or ``calibrated``) each replicate also draws its model parameters
from the table (seeded with ``--seed + r``, the same draw for every scenario); the scenario's
own ``[params]`` and ``--set`` win over the table. Without ``--uncertainty`` the table the
scenarios ship with is used (``[scenario] uncertainty``; ``calibrated`` for every shipped
scenario), and ``--uncertainty none`` runs on seed variation alone. ``--fixed-seed`` runs
every replicate on ``--seed`` so the bands show parameter uncertainty alone. The work itself is in
:mod:`governance_sim.cli.batch` and :mod:`governance_sim.ensemble`; this module only parses
arguments and prints.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import typer

from governance_sim.params import UserInputError

__all__ = ["register", "ResultsFolderError"]


class ResultsFolderError(UserInputError):
    """A folder given to ``report`` does not hold complete results."""


def _wrote(files: dict, folder: Path) -> str:
    """One line naming what was written (images counted, not listed)."""
    names = [name for name in files if not name.startswith("figures/")]
    images = len(files) - len(names)
    extra = f", {images} images in figures/" if images else ""
    return f"wrote {', '.join(names)}{extra} and manifest.json to {folder}"


_SCENARIO_HELP = "Scenario name (see 'governance-sim list') or a path to a .toml file."


def _command_line(kind: str, names: list[str], *, steps: int | None, seed: int,
                  replicates: int, out: Path | str, settings: list[str], images: bool,
                  report: bool, uncertainty: str | None = None,
                  fixed_seed: bool = False, lang: str = "en") -> str:
    """The command that reproduces a run, with every choice that matters spelled out."""
    parts = ["governance-sim", kind, *names]
    if steps is not None:
        parts += ["--steps", str(steps)]
    parts += ["--seed", str(seed), "--replicates", str(replicates), "--out", str(out)]
    for item in settings:
        parts += ["--set", item]
    if uncertainty is not None:
        parts += ["--uncertainty", uncertainty]
    if fixed_seed:
        parts.append("--fixed-seed")
    if images:
        parts.append("--images")
    if not report:
        parts.append("--no-report")
    if lang != "en":
        parts += ["--lang", lang]
    return shlex.join(parts)


def _execute(kind: str, names: list[str], *, steps: int | None, seed: int, replicates: int,
             out: Path | str, settings: list[str], images: bool, report: bool,
             progress: bool, uncertainty: str | None = None,
             fixed_seed: bool = False, lang: str = "en") -> None:
    """Load, validate, check the output folder, run, write, print a summary."""
    from governance_sim.cli import batch
    from governance_sim.ensemble import check_memory, explicit_params, scenario_table
    from governance_sim.i18n import check_language
    from governance_sim.scenarios import late_events_message, load_scenario
    from governance_sim.viz.figures import KEY_METRICS, summary_table

    lang = check_language(lang)  # the report's language: a bad one is refused before any run
    parsed = batch.parse_settings(settings)
    seeds = batch.replicate_seeds(seed, replicates)
    scenarios = [batch.apply_settings(load_scenario(name), parsed) for name in names]
    seen: dict[str, str] = {}
    for given, scenario in zip(names, scenarios, strict=True):
        if scenario.name in seen:
            raise UserInputError(f"scenario {scenario.name!r} given twice ({seen[scenario.name]}"
                                 f" and {given}); each scenario once, please")
        seen[scenario.name] = given
    # the table given, else the one the scenarios ship with ("none": seed variation only)
    table = scenario_table(scenarios, uncertainty)
    if fixed_seed and table is None:
        raise UserInputError("--fixed-seed runs every replicate on one seed so that only the "
                             "parameter draws differ; it needs a parameter table (--uncertainty "
                             "TABLE, or a scenario that ships with one)")
    check_memory(scenarios, replicates, steps, table)  # before anything is allocated
    run_seeds = [seed] * replicates if fixed_seed else seeds
    fixed: dict[str, list[str]] = {}
    if table is not None:
        fixed = {s.name: sorted(explicit_params(s, parsed) & set(table.names))
                 for s in scenarios}
        for name, held in fixed.items():
            if held:
                typer.echo(f"note: {name} sets {', '.join(held)} itself; the table's draws "
                           "of these are not used", err=True)
    for scenario in scenarios:
        late = late_events_message(scenario.name, scenario.params,
                                   scenario.steps if steps is None else steps)
        if late:
            typer.echo(f"note: {late}", err=True)
    folder = batch.check_writable(out)
    earlier = batch.previous_results(folder)
    if earlier:  # the folder is the tool's, but the user is told what is replaced
        typer.echo(f"note: replacing the results in {folder} ({earlier})", err=True)
    start = batch.timer()
    frame = batch.run_batch(scenarios, run_seeds, steps=steps, progress=progress,
                            uncertainty=table, draw_seeds=seeds, settings=tuple(parsed))
    infos = [batch.scenario_info(s, parsed, steps) for s in scenarios]
    command = _command_line(kind, names, steps=steps, seed=seed, replicates=replicates,
                            out=out, settings=settings, images=images, report=report,
                            uncertainty=uncertainty, fixed_seed=fixed_seed, lang=lang)
    manifest = batch.new_manifest(kind, command, infos, run_seeds, seed, parsed,
                                  batch.timer() - start, uncertainty=table,
                                  fixed_seed=fixed_seed, fixed=fixed)
    manifest["lang"] = lang
    written = batch.write_outputs(folder, frame, manifest, report=report, images=images,
                                  echo=lambda line: typer.echo(line, err=True))
    table = summary_table(frame, KEY_METRICS)
    width = max(len(n) for n in table.index)
    typer.echo(f"{'scenario':<{width}}  month  trust  participation  public value  "
               f"(median of {replicates})")
    for name, row in table.iterrows():
        typer.echo(f"{name:<{width}}  {int(row['step']):>5}  {row['trust_mean']:.3f}  "
                   f"{row['participation_rate']:>13.3f}  {row['public_value_index']:>12.3f}")
    typer.echo(f"bands: {manifest['bands']}")
    typer.echo(_wrote(written["files"], folder))


def _is_run_manifest(manifest: object, frame: object) -> bool:
    """True when a manifest and time series have what ``report`` reads from them."""
    import pandas as pd

    if not isinstance(manifest, dict) or not isinstance(manifest.get("command"), str):
        return False
    scenarios = manifest.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        return False
    for info in scenarios:
        if not isinstance(info, dict) or not isinstance(info.get("name"), str):
            return False
        for key, kind in (("description", str), ("sources", list), ("events", list),
                          ("steps", int)):
            if key in info and not isinstance(info[key], kind):
                return False
    needed = {"scenario", "replicate", "seed", "step"}
    return isinstance(frame, pd.DataFrame) and needed <= set(frame.columns)


def register(app: typer.Typer) -> None:
    """Add ``list``, ``show``, ``run``, ``compare`` and ``report`` to ``app``."""
    text_lang_option = typer.Option(
        "en", "--lang", metavar="{en,nb}",
        help="Language of the scenarios' own texts (label, description, question): en or nb "
        "(bokmål, from each file's [scenario.translations.nb]; English where a file has none).")

    @app.command("list")
    def list_command(lang: str = text_lang_option) -> None:
        """List the shipped scenarios with their horizon and what they are about."""
        from governance_sim.i18n import check_language
        from governance_sim.scenarios import list_scenarios, load_scenario, scenario_dir

        lang = check_language(lang)
        names = list_scenarios()
        if not names:
            typer.echo(f"no scenarios in {scenario_dir()}")
            return
        width = max(len(n) for n in names)
        broken = 0
        for name in names:
            try:
                scenario = load_scenario(name)
            except UserInputError as error:  # one broken file does not hide the others
                broken += 1
                typer.echo(f"{name:<{width}}  cannot be loaded: {str(error)[:160]}", err=True)
                continue
            text = scenario.text(lang).description.split(". ")[0].rstrip(".")
            if len(text) > 90:
                text = text[:87].rstrip() + "..."
            typer.echo(f"{name:<{width}}  {scenario.steps:>4} months  {text}")
        if broken:
            raise typer.Exit(1)

    @app.command("show")
    def show_command(
        scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
        lang: str = text_lang_option,
    ) -> None:
        """Show a scenario: description, question, parameters, events, levers and sources."""
        from governance_sim.cli.batch import scenario_info
        from governance_sim.i18n import check_language
        from governance_sim.logics import profile
        from governance_sim.scenarios import load_scenario

        lang = check_language(lang)
        loaded = load_scenario(scenario)
        info = scenario_info(loaded)
        levers = profile(loaded.params.logic, loaded.params.lever_table).with_levers(
            loaded.params.levers).as_dict()
        if as_json:
            info["levers_at_start"] = levers
            typer.echo(json.dumps(info, indent=2, default=str))
            return
        text = loaded.text(lang)
        typer.echo(f"{info['name']}: {text.label}  ({info['path']})")
        typer.echo(f"  {text.description}")
        typer.echo(f"question: {text.question}")
        typer.echo(f"steps: {info['steps']} months")
        typer.echo(f"parameter table: {info['uncertainty']} (each replicate of run/compare "
                   "draws from it; --uncertainty none for seeds alone)"
                   if info["uncertainty"] != "none" else "parameter table: none")
        typer.echo("parameters over the defaults:")
        for key, value in info["params_over_defaults"].items():
            typer.echo(f"  {key} = {value}")
        if info["events"]:
            typer.echo("events:")
            for event in info["events"]:
                rest = ", ".join(f"{k}={v}" for k, v in event.items() if k not in ("kind",
                                                                                    "step"))
                typer.echo(f"  month {event['step']:>4}: {event['kind']} {rest}")
        typer.echo("levers at the start: " + ", ".join(f"{k}={v:g}" for k, v in levers.items()))
        typer.echo("sources:")
        for source in info["sources"]:
            typer.echo(f"  - {source}")

    steps_option = typer.Option(None, "--steps", min=1, max=100_000,
                                help="Months to simulate; default: each scenario's own.")
    seed_option = typer.Option(1, "--seed", min=0,
                               help="Seed of replicate 0; replicate r uses seed + r.")
    replicates_option = typer.Option(5, "--replicates", "-r", min=1, max=10_000,
                                     help="Runs per scenario (median and band across them).")
    set_option = typer.Option([], "--set", metavar="NAME=VALUE",
                              help="Parameter over the scenario's, e.g. n_citizens=2000 or "
                              "levers.facilitation_targeting=0.8 (repeatable).")
    images_option = typer.Option(False, "--images",
                                 help="Also write figures/*.png and *.svg (needs Chromium).")
    report_option = typer.Option(True, "--report/--no-report",
                                 help="Write report.html (report.nb.html with --lang nb).")
    progress_option = typer.Option(True, "--progress/--no-progress",
                                   help="Show a progress bar for runs longer than a moment.")
    lang_option = typer.Option("en", "--lang", metavar="{en,nb}",
                               help="Language of the report: en (English) or nb (Norwegian "
                               "bokmål).")
    uncertainty_option = typer.Option(
        None, "--uncertainty", metavar="TABLE",
        help="Parameter table: 'calibrated' (the field calibration's 22 plausible parameter "
        "sets), a .csv/.toml file of parameter sets or ranges, or 'none' (seed variation "
        "only); each replicate draws its model parameters from it (the scenario's [params] "
        "and --set win). Default: the table the scenarios ship with (calibrated for every "
        "shipped scenario).")
    fixed_seed_option = typer.Option(
        False, "--fixed-seed",
        help="With a parameter table: every replicate runs on --seed, only the parameter "
        "draws differ (bands show parameter uncertainty alone).")

    @app.command("run")
    def run_command(
        scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
        steps: int | None = steps_option,
        seed: int = seed_option,
        replicates: int = replicates_option,
        out: str | None = typer.Option(None, "--out", "-o",
                                        help="Output folder; default: out/<scenario>."),
        settings: list[str] = set_option,
        images: bool = images_option,
        report: bool = report_option,
        progress: bool = progress_option,
        uncertainty: str | None = uncertainty_option,
        fixed_seed: bool = fixed_seed_option,
        lang: str = lang_option,
    ) -> None:
        """Run one scenario (replicates) and write time series, report and manifest."""
        target = out if out is not None else str(Path("out") / Path(scenario).stem)
        _execute("run", [scenario], steps=steps, seed=seed, replicates=replicates,
                 out=target, settings=settings, images=images, report=report,
                 progress=progress, uncertainty=uncertainty, fixed_seed=fixed_seed,
                 lang=lang)

    @app.command("compare")
    def compare_command(
        scenarios: list[str] = typer.Argument(..., help="Two or more scenario names or paths."),
        steps: int | None = steps_option,
        seed: int = seed_option,
        replicates: int = replicates_option,
        out: str = typer.Option("out/compare", "--out", "-o",
                                help="Output folder (new, empty, or written by governance-sim)."),
        settings: list[str] = set_option,
        images: bool = images_option,
        report: bool = report_option,
        progress: bool = progress_option,
        uncertainty: str | None = uncertainty_option,
        fixed_seed: bool = fixed_seed_option,
        lang: str = lang_option,
    ) -> None:
        """Compare scenarios on the same seeds (common random numbers) in one report."""
        if len(scenarios) < 2:
            raise UserInputError("compare needs at least two scenarios; for one use "
                                 f"'governance-sim run {scenarios[0]}'")
        _execute("compare", list(scenarios), steps=steps, seed=seed, replicates=replicates,
                 out=out, settings=settings, images=images, report=report,
                 progress=progress, uncertainty=uncertainty, fixed_seed=fixed_seed,
                 lang=lang)

    @app.command("report")
    def report_command(
        folder: Path = typer.Argument(..., help="A results folder written by run or compare."),
        images: bool = images_option,
        lang: str | None = typer.Option(None, "--lang", metavar="{en,nb}",
                                        help="Language of the report (default: the run's)."),
    ) -> None:
        """Rebuild the report (and optionally the images) from a results folder.

        The English report is report.html, the bokmål one report.nb.html: rebuilding in
        another language adds a file and replaces none.
        """
        from governance_sim.cli import batch
        from governance_sim.i18n import check_language

        lang = check_language(lang) if lang is not None else None

        manifest_path = folder / batch.MANIFEST
        parquet = folder / "timeseries.parquet"
        if not manifest_path.is_file() or not parquet.is_file():
            raise ResultsFolderError(f"{folder}: not a complete results folder (needs "
                                     f"{batch.MANIFEST} and timeseries.parquet from 'run' or "
                                     "'compare')")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            import pandas as pd

            frame = pd.read_parquet(parquet)
        except (OSError, ValueError) as error:
            raise ResultsFolderError(f"{folder}: cannot read results: {error}") from None
        except RecursionError:
            raise ResultsFolderError(f"{manifest_path}: not a governance-sim manifest (nested "
                                     "too deeply); run the command again to rebuild the "
                                     "folder") from None
        if not _is_run_manifest(manifest, frame):
            raise ResultsFolderError(f"{manifest_path}: not a governance-sim manifest of "
                                     "'run' or 'compare' (or it was edited); run the command "
                                     "again to rebuild the folder")
        batch.check_writable(folder)
        try:  # a report in another language is written beside the others (report.nb.html)
            written = batch.write_outputs(folder, frame, manifest, report=True, images=images,
                                          echo=lambda line: typer.echo(line, err=True),
                                          lang=lang)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ResultsFolderError(f"{manifest_path}: cannot rebuild the report from it "
                                     f"({type(error).__name__}: {str(error)[:120]})") from None
        page = batch.report_name(lang or str(manifest.get("lang") or "en"))
        rewritten = {name: info for name, info in written["files"].items()  # not the others
                     if not name.startswith("report") or name == page}
        typer.echo(_wrote(rewritten, folder))
