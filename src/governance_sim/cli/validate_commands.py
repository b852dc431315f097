"""``governance-sim validate``: run the twelve patterns of docs/odd.md I.i and report."""

from __future__ import annotations

import os
from pathlib import Path

import typer

__all__ = ["register"]


def _parse_seeds(text: str) -> list[int]:
    from governance_sim.params import ParameterError

    try:
        if "-" in text and "," not in text:
            first, last = (int(part) for part in text.split("-", 1))
            seeds = list(range(first, last + 1))
        else:
            seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ParameterError(f"--seeds: expected a list like '1,2,3' or a range like '1-5', "
                             f"got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise ParameterError(f"--seeds: need at least one non-negative seed, got {text!r}")
    return seeds


def _check_report_path(out: Path) -> None:
    """Refuse, before any work, a report path governance-sim may not write.

    A new file may be written; an existing file only when governance-sim wrote it there
    and it was not changed since (:func:`governance_sim.output_folders.claim_file`).

    Raises:
        OutputError: ``out`` is a folder, a file governance-sim did not write, or its folder
            cannot be created or written.
    """
    from governance_sim.output_folders import claim_file

    claim_file(out)


#: Width of the default table (a terminal of 100 columns).
TABLE_WIDTH = 100
_WIDE_COLUMNS = ("pattern", "statistic", "value (mean, min-max)", "threshold", "seeds passed")


def _mark(row: dict[str, object], resting: list[str]) -> str:
    mark = "" if row["holds"] else "  <- does not hold"
    if resting:
        mark += f"  (rests on {', '.join(resting)})"
    return mark


def wide_table(rows: list[dict[str, object]], resting: dict[object, list[str]]) -> list[str]:
    """The validation table with one line per pattern and every column in full.

    Args:
        rows: ``PatternResult.summary()`` of each pattern.
        resting: pattern label -> the switched-off mechanisms it rests on.
    """
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in _WIDE_COLUMNS}
    header = "  ".join(f"{c:<{widths[c]}}" for c in _WIDE_COLUMNS)
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append("  ".join(f"{str(row[c]):<{widths[c]}}" for c in _WIDE_COLUMNS)
                     + _mark(row, resting.get(row["pattern"], [])))
    return lines


def narrow_table(rows: list[dict[str, object]], resting: dict[object, list[str]],
                 width: int = TABLE_WIDTH) -> list[str]:
    """The validation table in at most ``width`` columns.

    Each pattern has a line with its name (shortened if need be), the value over seeds, the
    seeds passed and the verdict, followed by its statistic and threshold wrapped and
    indented beneath it.

    Args:
        rows: ``PatternResult.summary()`` of each pattern.
        resting: pattern label -> the switched-off mechanisms it rests on.
        width: the widest line allowed (at least 60).
    """
    import textwrap

    value_w = max(len("value (mean, min-max)"),
                  *(len(str(r["value (mean, min-max)"])) for r in rows))
    seeds_w = max(len("seeds passed"), *(len(str(r["seeds passed"])) for r in rows))
    verdict_w = len("holds")
    name_w = max(16, width - value_w - seeds_w - verdict_w - 6)
    header = (f"{'pattern':<{name_w}}  {'value (mean, min-max)':<{value_w}}  "
              f"{'seeds passed':<{seeds_w}}  holds")
    lines = [header, "-" * min(width, len(header))]
    for row in rows:
        name = str(row["pattern"])
        if len(name) > name_w:
            name = name[:name_w - 3] + "..."
        verdict = "yes" if row["holds"] else "NO"
        lines.append(f"{name:<{name_w}}  {str(row['value (mean, min-max)']):<{value_w}}  "
                     f"{str(row['seeds passed']):<{seeds_w}}  {verdict:<{verdict_w}}".rstrip())
        details = [f"statistic: {row['statistic']}", f"threshold: {row['threshold']}"]
        mechanisms = resting.get(row["pattern"], [])
        if mechanisms:
            details.append(f"rests on {', '.join(mechanisms)} (switched off)")
        for detail in details:
            lines.extend(textwrap.wrap(detail, width=width, initial_indent="    ",
                                       subsequent_indent="      ", break_on_hyphens=False))
    return lines


def register(app: typer.Typer) -> None:
    """Add the validate command to ``app``."""

    @app.command("validate")
    def validate_command(
        out: Path = typer.Option(Path("out/validation.html"), "--out",
                                 help="HTML report to write (self-contained, works offline)."),
        seeds: str = typer.Option("1-5", "--seeds",
                                  help="Seeds: a range '1-5' or a list '1,2,7'."),
        n_citizens: int = typer.Option(2000, "--n-citizens", min=10,
                                       help="Citizens per run."),
        n_units: int = typer.Option(40, "--n-units", min=1, help="Units per run."),
        pattern: list[int] | None = typer.Option(None, "--pattern", min=1, max=12,
                                                 help="Only this pattern (repeatable)."),
        without: list[str] | None = typer.Option(
            None, "--without",
            help="Switch this mechanism off (its neutral form; repeatable). The patterns "
                 "resting on it should then fail: the table says which do."),
        wide: bool = typer.Option(False, "--wide",
                                  help="Print the table with one line per pattern and every "
                                  "column in full (wider than a terminal); by default "
                                  "statistic and threshold are wrapped under each pattern "
                                  "to fit in 100 columns. The HTML report has every column."),
    ) -> None:
        """Check the patterns over several seeds; print the table, write the HTML report.

        Exit code 0 only when every pattern checked holds, 1 otherwise.
        """
        seed_list = _parse_seeds(seeds)
        _check_report_path(out)  # before the patterns run (and their imports), not after
        from governance_sim import __version__, validation
        from governance_sim.output_folders import record_file
        from governance_sim.params import Params
        from governance_sim.results import atomic_write
        from governance_sim.viz.validation_figures import pattern_figure, validation_page

        off = sorted(set(without or ()))
        base = Params(n_citizens=n_citizens, n_units=n_units,
                      mechanisms={name: False for name in off})
        results = validation.run_all(
            seed_list, base, numbers=sorted(set(pattern)) if pattern else None,
            progress=lambda n: typer.echo(f"pattern {n} ...", err=True))
        rows = [r.summary() for r in results]
        resting = {}
        for row in rows:
            number = int(str(row["pattern"]).split(".")[0])
            resting[row["pattern"]] = [m for m in off
                                       if m in validation.PATTERN_MECHANISMS.get(number, ())]
        for line in (wide_table(rows, resting) if wide else narrow_table(rows, resting)):
            typer.echo(line)
        figures = [pattern_figure(r.curves, title=f"{r.number}. {r.name}", x_label=r.x_label,
                                  y_label=r.y_label, holds=r.holds) for r in results]
        notes = [f"governance-sim {__version__}; seeds {', '.join(map(str, seed_list))}; "
                 f"{n_citizens} citizens, {n_units} units per run"
                 + (f"; mechanisms off: {', '.join(off)}." if off else "."),
                 "Each pattern compares runs on the same seed (common random numbers); "
                 "criteria are in governance_sim.validation and docs/odd.md."]
        page = validation_page(rows, figures, title="governance-sim: pattern-oriented "
                               "validation (docs/odd.md I.i)", notes=notes)
        def write(tmp: str) -> None:
            Path(tmp).write_text(page, encoding="utf-8")
            os.chmod(tmp, 0o644)

        _check_report_path(out)  # again: the file may have appeared while the patterns ran
        target = atomic_write(out, write)
        record_file(target)  # so that the next validate may replace it, and only it
        held = sum(r.holds for r in results)
        typer.echo(f"{held}/{len(results)} patterns hold -> {target}")
        raise typer.Exit(0 if held == len(results) else 1)
