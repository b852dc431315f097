"""Take the screenshots of the report (``make demo``'s report.html) in English and Norwegian.

Usage (from the repository root)::

    .venv/bin/python docs/screenshots/take_report_screenshots.py

Runs ``governance-sim compare bureaucracy npm co_creation --set n_citizens=5000`` (the demo's
comparison at half the demo's size; about a minute) into a temporary folder, once with
``--lang en`` and once with ``--lang nb``, opens each report in headless Debian Chromium at
1280 x 900 and writes ``report_summary.png`` / ``report_summary_nb.png`` (the summary that
answers the question), ``report_overview.png`` / ``report_overview_nb.png`` (the first
figure, with units, bands and their note) and ``report_answer.png`` /
``report_answer_nb.png`` (co-creation's question and the answer the runs give) beside this
script.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COMMAND = ["compare", "bureaucracy", "npm", "co_creation", "--set", "n_citizens=5000",
           "--no-progress"]


def _report(folder: Path, lang: str) -> Path:
    out = folder / lang
    subprocess.run([sys.executable, "-m", "governance_sim.cli", *COMMAND, "--out", str(out),
                    "--lang", lang], check=True, stdout=subprocess.DEVNULL)
    from governance_sim.cli.batch import report_name  # report.html, report.nb.html

    return out / report_name(lang)


def main() -> None:
    """Build both reports and write the six screenshots."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             headless=True, args=ARGS)
        try:
            for lang, suffix in (("en", ""), ("nb", "_nb")):
                report = _report(Path(tmp), lang)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(report.as_uri(), timeout=180_000)
                page.wait_for_function("document.querySelectorAll('.js-plotly-plot "
                                       ".main-svg').length >= 6", timeout=180_000)
                page.locator("#summary").screenshot(path=HERE / f"report_summary{suffix}.png")
                page.locator("#figure-overview").screenshot(
                    path=HERE / f"report_overview{suffix}.png")
                page.locator("#scenario-co_creation").screenshot(
                    path=HERE / f"report_answer{suffix}.png")
                page.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
