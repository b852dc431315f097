"""What the screenshot scripts share: the app on a free loopback port and Debian's Chromium.

Imported by the ``take_*`` scripts beside it (run as scripts, so this folder is on the
import path).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def app_and_browser(tries: int = 300) -> Iterator[tuple[str, Any]]:
    """Start ``governance-sim app`` and headless Chromium; yield (address, browser).

    Args:
        tries: answers to wait for, 0.3 s apart, before giving up on the app.
    """
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "governance_sim.cli", "app", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(tries):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=ARGS)
            try:
                yield url, browser
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(10)
