"""Take the policy view's screenshots (headless Debian Chromium): a laptop and a 1024 screen.

Usage (from the repository root)::

    .venv/bin/python docs/screenshots/take_policy_screenshots.py

Starts ``governance-sim app`` on a free loopback port and opens one view through its address
(the view's state is in the link): the transition from NPM to co-creation, starting trust
0.65, the numbers at month 120, the bands drawn with the calibrated parameter table.
Writes ``policy_view.png`` (1366 x 768),
``policy_view_1024.png`` (1024 x 768), ``policy_view_nb.png`` (the same in Norwegian) and
``policy_view_readout.png`` (the numeric readout below the figure).
"""

from __future__ import annotations

from pathlib import Path

from app_for_screenshots import app_and_browser

HERE = Path(__file__).resolve().parent
VIEW = "?scenario=npm_to_co_creation&initial_trust=0.65&month=120&uncertainty=calibrated"
SHOTS = (("policy_view.png", 1366, 768, ""), ("policy_view_1024.png", 1024, 768, ""),
         ("policy_view_nb.png", 1366, 768, "&lang=nb"))


def _drawn(page) -> None:
    """Wait until every replicate is simulated and drawn (the status line says so)."""
    page.wait_for_function(
        "() => { const g = document.querySelector('#graph-time .js-plotly-plot');"
        " const s = document.querySelector('#policy-status');"
        " return s && /(all|alle) 5 /.test(s.textContent)"
        " && g && g.layout && g.layout.meta && g.layout.meta.replicates === 5; }",
        timeout=600_000)
    page.wait_for_timeout(1500)


def main() -> None:
    """Start the app, open the view at each size, write the screenshots."""
    with app_and_browser() as (url, browser):
        for name, width, height, extra in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url + VIEW + extra)
            _drawn(page)
            page.screenshot(path=str(HERE / name))
            if not extra and width > 1100:
                page.locator("#readout").scroll_into_view_if_needed()
                page.wait_for_timeout(500)
                page.screenshot(path=str(HERE / "policy_view_readout.png"))
            page.close()
    print(f"wrote {', '.join(name for name, *_ in SHOTS)} and policy_view_readout.png "
          f"in {HERE}")


if __name__ == "__main__":
    main()
