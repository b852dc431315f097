"""A self-contained, offline HTML report of one or more scenarios, and static image export.

:func:`build_report` turns the long time-series frame and plain descriptions of the
scenarios (as stored in ``manifest.json``) into one HTML page: Plotly's JavaScript is
embedded once in the page head, every figure is a ``<div>`` drawn by it, and nothing is
fetched from the network. The page carries each scenario's description, question, settings,
events and sources, and the exact command that reproduces it.

:func:`export_images` writes the same figures as PNG and SVG through kaleido, which needs a
Chrome or Chromium on the machine; where there is none it raises
:class:`ImagesUnavailable` with a one-line explanation and writes nothing.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from governance_sim.metrics import METRICS
from governance_sim.results import atomic_write
from governance_sim.viz.figures import (
    DEFAULT_QUANTILES,
    KEY_METRICS,
    EventMarks,
    metric_label,
    report_figures,
    summary_table,
)

__all__ = ["ImagesUnavailable", "event_marks", "build_report", "write_report",
           "find_browser", "export_images"]

_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome")


class ImagesUnavailable(RuntimeError):
    """Static images cannot be made here (no browser for kaleido); the message says why."""


def _event_label(event: Mapping[str, Any]) -> str:
    """A short label for the dotted event line; the events table has the details."""
    kind = event.get("kind", "")
    if kind == "switch_logic":
        logic = event.get("logic")
        return f"to {logic}" if isinstance(logic, str) else "switch of logic"
    if kind == "trust_shock":
        return "trust shock"
    if kind == "budget_change":
        return f"budget x{event.get('factor', 1):g}"
    if kind == "set_levers":
        return "levers"
    if kind == "compact":
        return "compact"
    if kind == "citizens_panel":
        return "panel"
    return str(kind)


def event_marks(scenarios: Sequence[Mapping[str, Any]]) -> EventMarks:
    """Event steps and labels per scenario, for the dotted lines in the figures."""
    return {
        str(info["name"]): [(int(e["step"]), _event_label(e)) for e in info.get("events", [])]
        for info in scenarios if info.get("events")
    }


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {_format_value(v)}" for k, v in value.items())
    return str(value)


def _scenario_section(info: Mapping[str, Any]) -> str:
    parts = [f'<article class="scenario" id="scenario-{_esc(info["name"])}">',
             f"<h3>{_esc(info['name'])}</h3>"]
    if info.get("description"):
        parts.append(f"<p>{_esc(info['description'])}</p>")
    if info.get("question"):
        parts.append(f'<p class="question"><b>Question.</b> {_esc(info["question"])}</p>')
    parts.append(f"<p><b>Horizon.</b> {_esc(info.get('steps', ''))} months"
                 f" (one step = one month).</p>")
    settings = info.get("params_over_defaults") or {}
    if settings:
        rows = "".join(f"<tr><td><code>{_esc(k)}</code></td><td>{_esc(_format_value(v))}</td>"
                       "</tr>" for k, v in settings.items())
        parts.append("<details open><summary>Parameters over the defaults</summary>"
                     f"<table><tr><th>parameter</th><th>value</th></tr>{rows}</table></details>")
    events = info.get("events") or []
    if events:
        rows = []
        for event in events:
            detail = {k: v for k, v in event.items() if k not in ("kind", "step")}
            rows.append(f"<tr><td>{_esc(event.get('step'))}</td><td>{_esc(event.get('kind'))}"
                        f"</td><td>{_esc(_format_value(detail))}</td></tr>")
        parts.append("<details open><summary>Events</summary><table><tr><th>month</th>"
                     f"<th>kind</th><th>settings</th></tr>{''.join(rows)}</table></details>")
    sources = info.get("sources") or []
    if sources:
        items = "".join(f"<li>{_esc(s)}</li>" for s in sources)
        parts.append(f"<details open><summary>Sources</summary><ul>{items}</ul></details>")
    parts.append("</article>")
    return "\n".join(parts)


def _summary_section(frame: pd.DataFrame, quantiles: tuple[float, float]) -> str:
    table = summary_table(frame, KEY_METRICS, quantiles=quantiles)
    head = "".join(f"<th>{_esc(metric_label(m))}</th>" for m in KEY_METRICS)
    rows = []
    for name, row in table.iterrows():
        cells = "".join(
            f"<td>{row[m]:.3f} <span class=\"range\">[{row[f'{m}_low']:.3f}, "
            f"{row[f'{m}_high']:.3f}]</span></td>" for m in KEY_METRICS)
        rows.append(f"<tr><td><b>{_esc(name)}</b></td><td>{int(row['step'])}</td>{cells}</tr>")
    return (f"<table class=\"summary\"><tr><th>scenario</th><th>month</th>{head}</tr>"
            f"{''.join(rows)}</table><p class=\"note\">Median across replicates at each "
            f"scenario's last month; in brackets the {quantiles[0]:.0%}-{quantiles[1]:.0%} "
            "quantiles.</p>")


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem}
header{background:#26405e;color:#fff;padding:1.2rem 1.5rem}
header h1{margin:0 0 .3rem;font-size:1.5rem}
header p{margin:0;opacity:.85}
nav{margin:.8rem 0}nav a{margin-right:1rem}
h2{border-bottom:2px solid #dde3ea;padding-bottom:.2rem;margin-top:2rem}
pre{background:#1e1e1e;color:#e8e8e8;padding:.8rem 1rem;border-radius:6px;overflow-x:auto}
table{border-collapse:collapse;margin:.4rem 0 .8rem;font-size:.92rem}
td,th{border:1px solid #d8dde3;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#eef2f6}
.range{color:#777;font-size:.85em}
.note{color:#555;font-size:.9rem}
.scenario{background:#fff;border:1px solid #e2e6ea;border-radius:6px;padding:.2rem 1rem;
margin:.8rem 0}
.question{font-style:italic}
.figure{background:#fff;border:1px solid #e2e6ea;border-radius:6px;margin:1rem 0;padding:.3rem}
summary{cursor:pointer;font-weight:600;margin:.3rem 0}
"""


def build_report(frame: pd.DataFrame, scenarios: Sequence[Mapping[str, Any]], *,
                 command: str, manifest: Mapping[str, Any] | None = None,
                 title: str | None = None,
                 quantiles: tuple[float, float] = DEFAULT_QUANTILES) -> tuple[str, dict[str,
                                                                                 go.Figure]]:
    """The report as one HTML string, and its figures (for image export).

    Args:
        frame: long time-series frame (``scenario``, ``replicate``, ``seed``, ``step``,
            metrics).
        scenarios: one mapping per scenario with ``name``, ``description``, ``question``,
            ``steps``, ``sources``, ``params_over_defaults`` and ``events`` (as in
            ``manifest.json``).
        command: the command line that reproduces the results.
        manifest: the run's manifest (seeds, replicates, versions), shown in the page.
        title: page title (default: the scenario names).
        quantiles: the band drawn around the medians.

    Returns:
        ``(html, figures)`` where ``figures`` maps a key to its :class:`go.Figure`.
    """
    import plotly
    from plotly.offline import get_plotlyjs

    manifest = dict(manifest or {})
    names = [str(info["name"]) for info in scenarios]
    title = title or "governance-sim: " + " vs ".join(names)
    figures = report_figures(frame, events=event_marks(scenarios), quantiles=quantiles)
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "png", "scale": 2}}
    figure_html = []
    for key, (heading, fig) in figures.items():
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{key}",
                          config=config)
        figure_html.append(f'<section class="figure" id="figure-{key}"><h2>{_esc(heading)}'
                           f"</h2>\n{div}</section>")
    seeds = manifest.get("seeds")
    versions = manifest.get("versions", {})
    version_text = ", ".join(f"{k} {v}" for k, v in versions.items())
    created = manifest.get("created") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    metrics_rows = "".join(f"<tr><td><code>{_esc(m.name)}</code></td><td>{_esc(m.label)}</td>"
                           f"<td>{_esc(m.unit)}</td></tr>" for m in METRICS)
    replicates = manifest.get("replicates", int(frame["replicate"].nunique())
                              if "replicate" in frame else 1)
    seed_text = (f"Replicate <i>r</i> of every scenario runs on seed {_esc(seeds[0])} + "
                 f"<i>r</i> (seeds {_esc(', '.join(str(s) for s in seeds))}): common random "
                 "numbers, so the scenarios differ by their logic and events, not by the dice."
                 if seeds else "")
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_STYLE}</style>
<script type="text/javascript">/* plotly.js {plotly.__version__}, embedded for offline use */
{get_plotlyjs()}</script>
</head><body>
<header><h1>{_esc(title)}</h1>
<p>Agent-based model of trust, participation and public value. {_esc(replicates)} replicates
per scenario. Generated {_esc(created)}.</p></header>
<main>
<nav><a href="#reproduce">Reproduce</a><a href="#summary">Summary</a>
<a href="#scenarios">Scenarios</a>{''.join(f'<a href="#figure-{k}">{_esc(h.split(":")[0])}</a>'
                                          for k, (h, _f) in figures.items())}
<a href="#metrics">Metrics</a></nav>
<section id="reproduce"><h2>Reproduce</h2>
<pre><code>{_esc(command)}</code></pre>
<p class="note">{seed_text} One step is one month. Same command, same versions: the same
numbers, bit for bit. Versions: {_esc(version_text)}.</p></section>
<section id="summary"><h2>Summary</h2>{_summary_section(frame, quantiles)}</section>
<section id="scenarios"><h2>Scenarios</h2>
{''.join(_scenario_section(info) for info in scenarios)}</section>
{''.join(figure_html)}
<section id="metrics"><h2>Metrics</h2><table><tr><th>column</th><th>meaning</th>
<th>unit</th></tr>{metrics_rows}</table>
<p class="note">The full time series of every replicate are in <code>timeseries.parquet</code>
and <code>timeseries.csv</code> beside this file; parameters, seeds and versions in
<code>manifest.json</code>.</p></section>
</main></body></html>
"""
    return body, {key: fig for key, (_heading, fig) in figures.items()}


def write_report(path: str | os.PathLike[str], frame: pd.DataFrame,
                 scenarios: Sequence[Mapping[str, Any]], *, command: str,
                 manifest: Mapping[str, Any] | None = None,
                 title: str | None = None) -> tuple[Path, dict[str, go.Figure]]:
    """Build the report and write it atomically (temporary file, then rename).

    Returns:
        The path written and the report's figures.

    Raises:
        OutputError: the file cannot be written.
    """
    page, figures = build_report(frame, scenarios, command=command, manifest=manifest,
                                 title=title)
    target = atomic_write(path, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return target, figures


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido would use (``BROWSER_PATH`` or one on ``PATH``), or None."""
    override = os.environ.get("BROWSER_PATH")
    if override and Path(override).is_file():
        return override
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def export_images(figures: Mapping[str, go.Figure], folder: str | os.PathLike[str], *,
                  formats: Sequence[str] = ("png", "svg"), width: int = 1200,
                  scale: float = 1.0) -> list[Path]:
    """Write every figure as a static image per format into ``folder`` (via kaleido).

    Images are rendered into a temporary folder beside ``folder`` and renamed into place, so
    an interrupted export leaves no half-written image under its final name.

    Returns:
        The image paths written, ``<folder>/<key>.<format>``.

    Raises:
        ImagesUnavailable: kaleido is not installed or no Chrome/Chromium was found.
        OutputError: the folder cannot be written.
    """
    from governance_sim.results import OutputError

    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise ImagesUnavailable("static images skipped: kaleido is not installed "
                                "(pip install 'governance-sim[images]')") from None
    if find_browser() is None:
        raise ImagesUnavailable("static images skipped: no Chrome/Chromium found for kaleido "
                                "(install Debian's 'chromium' or set BROWSER_PATH)")
    import plotly.io as pio

    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".images-", dir=target))
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    written = []
    try:
        jobs = [(fig, staging / f"{key}.{fmt}", fmt) for key, fig in figures.items()
                for fmt in formats]
        try:
            pio.write_images(
                [fig for fig, _p, _f in jobs], [p for _fig, p, _f in jobs],
                format=[f for _fig, _p, f in jobs], width=width,
                height=[int(fig.layout.height or 500) for fig, _p, _f in jobs], scale=scale,
            )
        except Exception as error:  # kaleido raises several kinds when the browser fails
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ImagesUnavailable(f"static images skipped: kaleido could not render "
                                    f"({type(error).__name__}: {first[:160]})") from None
        for _fig, path, _fmt in jobs:
            final = target / path.name
            os.replace(path, final)
            written.append(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written
