"""Take the README's screenshots of the app at 1280 x 800 (headless Debian Chromium).

Usage (from the repository root)::

    .venv/bin/python docs/screenshots/take_screenshots.py

Starts ``governance-sim app`` on a free loopback port, sets up a policy comparison and a
classroom run, and writes ``docs/screenshots/policy_view.png`` and ``classroom.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

from app_for_screenshots import app_and_browser

HERE = Path(__file__).resolve().parent


def _pattern(kind: str, name: str) -> str:
    return f"[id='{json.dumps({'name': name, 'type': kind}, separators=(',', ':'))}']"


def main() -> None:
    """Start the app, set up both views, write the two screenshots."""
    with app_and_browser(tries=200) as (url, browser):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_selector("#graph-time .main-svg", timeout=60_000)
        page.locator("#scenario").click()  # options show each scenario's label; pick by value
        page.locator(".dash-dropdown-option:has(input[value='npm_to_co_creation'])").click()
        page.wait_for_function("() => /180 months/.test(document.querySelector("
                               "'#policy-status').textContent)", timeout=60_000)
        slider = page.locator(_pattern("param", "initial_trust") + " input")
        slider.fill("0.65")
        slider.press("Tab")
        page.wait_for_timeout(1500)
        page.wait_for_function(
            "() => { const g = document.querySelector('#graph-time .js-plotly-plot');"
            " return /drawn/.test(document.querySelector('#policy-progress-text')"
            ".textContent) && g.layout.meta && g.layout.meta.replicates === 5; }",
            timeout=120_000)
        page.evaluate("document.getElementById('policy-sidebar').scrollTop = 0")
        page.wait_for_timeout(800)
        page.screenshot(path=str(HERE / "policy_view.png"))
        page.get_by_text("Classroom", exact=True).click()
        page.wait_for_selector("#cls-network .main-svg", timeout=60_000)
        page.click("#cls-panel label:nth-of-type(2)")  # settings: fastest speed
        page.locator("#cls-speed [role=slider]").press("End")
        page.click("#cls-panel label:nth-of-type(1)")
        page.locator("#cls-play").click()
        page.wait_for_function(
            "() => { const m = /month (\\d+)/.exec(document.querySelector('#cls-month')"
            ".textContent); return m && +m[1] >= 36; }", timeout=120_000)
        page.locator("#cls-pause").click()
        page.wait_for_timeout(1200)
        page.screenshot(path=str(HERE / "classroom.png"))
    print(f"wrote {HERE / 'policy_view.png'} and {HERE / 'classroom.png'}")


if __name__ == "__main__":
    main()
