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

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEW = "?scenario=npm_to_co_creation&initial_trust=0.65&month=120&uncertainty=calibrated"
SHOTS = (("policy_view.png", 1366, 768, ""), ("policy_view_1024.png", 1024, 768, ""),
         ("policy_view_nb.png", 1366, 768, "&lang=nb"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "governance_sim.cli", "app", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 headless=True, args=ARGS)
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
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"wrote {', '.join(name for name, *_ in SHOTS)} and policy_view_readout.png "
          f"in {HERE}")


if __name__ == "__main__":
    main()
