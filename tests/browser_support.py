"""What the browser tests share: Debian's Chromium, its launch arguments, the app as a server,
and how long to wait.

Not a test module (no ``test_`` prefix): the browser test files import it (pytest puts the
``tests`` folder on the import path, as it holds ``conftest.py``).

The tests wait on the app's state (a text, an attribute, the figure's ``layout.meta``, Dash's
own "no callback pending"), never for a fixed time, and each wait may take up to
:data:`WAIT_MS`: on a loaded two-core machine one step of the app can take tens of seconds,
while a hang still fails. :func:`new_context` makes that the default of every action and wait
of a page (Playwright's own default, 30 s, failed ``make test`` once under load).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Debian's Chromium (``make browser``); Playwright cannot download its own browser here.
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


#: How long (ms) any action or wait of a browser test may take before it fails: generous,
#: for a loaded machine. ``GOVERNANCE_SIM_BROWSER_WAIT_S`` overrides it (seconds).
WAIT_MS = int(float(os.environ.get("GOVERNANCE_SIM_BROWSER_WAIT_S", "300")) * 1000)

#: True once Dash's renderer has the page and no callback is pending (its store's
#: ``isLoading``, what Dash's own loading indicators follow).
DASH_IDLE = "() => !!window.store && !window.store.getState().isLoading"


def new_context(browser, **options):  # noqa: ANN001, ANN201 - Playwright's types
    """A browser context whose actions, waits and navigations wait up to :data:`WAIT_MS`."""
    context = browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context


def dash_idle(page) -> None:  # noqa: ANN001 - Playwright's Page
    """Wait until the Dash app in ``page`` has no callback pending."""
    page.wait_for_function(DASH_IDLE, timeout=WAIT_MS)


def skip_without_chromium() -> None:
    """Skip the calling test or fixture when Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: Opens loopback addresses directly, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextmanager
def app_server(arguments: Sequence[str], log_path: Path, *, start_timeout: float,
               poll: float = 0.3) -> Iterator[tuple[str, Path]]:
    """Run the app in a subprocess on a free loopback port; yield (address, log path).

    Args:
        arguments: what follows ``python``, with ``{port}`` where the port goes (e.g.
            ``["-m", "governance_sim.cli", "app", "--port", "{port}"]``).
        log_path: the file the server's output goes to.
        start_timeout: seconds to wait for the first answer before failing the test.
        poll: seconds between two tries.

    On leaving, the server is stopped and its output must hold no traceback.
    """
    skip_without_chromium()
    port = free_port()
    argv = [sys.executable, *(a.replace("{port}", str(port)) for a in arguments)]
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + start_timeout
        while True:
            # one request at a time, waiting as long as the deadline allows (a server not
            # yet listening refuses at once, so the poll goes on), and never through a
            # proxy: urlopen's global opener reads the proxy variables once, on first use,
            # and when that was inside the Solara test (its server's traffic sent to a dead
            # recording proxy) every later app seemed never to start (issue 24, seed 103)
            remaining = max(1.0, deadline - time.monotonic())
            try:
                with _DIRECT.open(url, timeout=remaining) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the app did not start: {log_path.read_text()}")
            time.sleep(poll)
        try:
            yield url, log_path
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
    output = log_path.read_text()
    assert "Traceback" not in output, output
