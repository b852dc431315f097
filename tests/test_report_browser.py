"""The report in a real browser: offline, every plot drawn, no console errors; static images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from governance_sim.cli import main

SMALL = ["--set", "n_citizens=600", "--set", "n_units=12", "--no-progress"]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    code = main(["compare", "bureaucracy", "npm", "co_creation", "wigan_deal", "--steps", "30",
                 "--replicates", "3", "--out", str(out), *SMALL])
    assert code == 0
    return out / "report.html"


def _browser(playwright):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make browser)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


def test_report_draws_every_plot_offline_without_console_errors(report):
    sync_api = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    blocked: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_offline(True)

            def route(request_route):
                url = request_route.request.url
                if url.startswith("file://"):
                    request_route.continue_()
                else:
                    blocked.append(url)
                    request_route.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.as_uri())
            figures = page.locator("section.figure")
            count = figures.count()
            assert count == 7
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}",
                timeout=30_000)
            for index in range(count):
                figure = figures.nth(index)
                assert figure.locator(".js-plotly-plot .main-svg").count() >= 1
                # something was drawn: lines or bars inside the plot area
                assert figure.locator(".scatterlayer .trace, .barlayer .trace").count() > 0
            titles = " ".join(page.locator(".gtitle, .annotation-text").all_text_contents())
            assert "Trust in institutions" in titles
            assert "wigan_deal" in page.locator("#scenarios").inner_text()
        finally:
            browser.close()
    assert errors == []
    assert blocked == []


def test_static_images_via_kaleido(report, tmp_path):
    pytest.importorskip("kaleido")
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.skip("no Chromium for kaleido")
    out = report.parent
    code = main(["report", str(out), "--images"])
    assert code == 0
    pngs = sorted((out / "figures").glob("*.png"))
    svgs = sorted((out / "figures").glob("*.svg"))
    assert len(pngs) == 7 and len(svgs) == 7
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(b"<svg" in p.read_bytes()[:2000] for p in svgs)
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert "figures/overview.png" in files
