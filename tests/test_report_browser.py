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
            page.goto(report.as_uri(), timeout=120_000)  # 5 MB of plotly on a busy machine
            figures = page.locator("section.figure")
            count = figures.count()
            assert count == 7
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}",
                timeout=120_000)
            for index in range(count):
                figure = figures.nth(index)
                assert figure.locator(".js-plotly-plot .main-svg").count() >= 1
                # something was drawn: lines or bars inside the plot area
                assert figure.locator(".scatterlayer .trace, .barlayer .trace").count() > 0
            titles = " ".join(page.locator(".gtitle, .annotation-text").all_text_contents())
            assert "Trust in institutions" in titles
            assert "wigan_deal" in page.locator("#scenarios").inner_text()
            # the summary answers: visible sentences with numbers, one answer per scenario
            takeaways = page.locator("#summary .takeaways li")
            assert takeaways.count() >= 4 and takeaways.first.is_visible()
            assert "highest under" in takeaways.first.inner_text()
            answers = page.locator("#scenarios .answer")
            assert answers.count() == 4 and answers.first.is_visible()
            assert "The Wigan Deal" in page.locator("#scenarios").inner_text()  # its label
            # units on the axes: every drawn y axis of the overview has a title
            overview = page.locator("#figure-overview")
            units = overview.locator(".g-ytitle, .g-y2title, .g-y3title").all_text_contents()
            assert units == ["mean trust, scale 0-1", "% of citizens, this month", "index 0-1"]
            # numbered event markers, a key to them
            assert page.locator("#figure-overview .annotation-text", has_text="1").count() >= 3
            assert page.locator("#figure-overview table.events").count() == 1
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


def test_report_in_norwegian_in_a_browser(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "nb"
    code = main(["compare", "npm", "co_creation", "--steps", "12", "--replicates", "2",
                 "--out", str(out), "--lang", "nb", *SMALL])
    assert code == 0
    with sync_api.sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((out / "report.nb.html").as_uri(), timeout=120_000)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg')"
                                   ".length >= 6", timeout=120_000)
            assert page.locator("#summary h2").inner_text() == "Sammendrag"
            assert page.locator("#summary .takeaways").is_visible()
            assert "høyest under" in page.locator("#summary .takeaways").inner_text()
            titles = " ".join(page.locator(".gtitle, .annotation-text").all_text_contents())
            assert "Tillit til institusjonene" in titles
            units = page.locator("#figure-overview .g-y2title").text_content()
            assert units == "% av innbyggerne, denne måneden"
            assert "Samskaping (New Public Governance)" in page.locator("#scenarios").inner_text()
        finally:
            browser.close()
