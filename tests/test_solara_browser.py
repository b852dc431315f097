"""The Mesa SolaraViz page (``governance_sim.app.solara_page``) in headless Chromium, offline.

The page runs as ``python -m governance_sim.app.solara_page`` (the documented launcher,
``make solara``) in a subprocess on a free loopback port. The test steps the model, plays
and pauses it, moves a slider and resets, and checks that the page reached no other host:

* the browser: every request to a host other than the loopback is recorded and aborted;
* the server: its HTTP(S) proxy variables point at a local recording proxy that forwards
  nothing, so a request solara's server makes (its CDN proxy fetching a front-end file
  missing from ``solara-assets``, usage statistics, a version check) is recorded.

Both lists must stay empty, so the page's front-end was served from the installed files.
With ``GOVERNANCE_SIM_SCREENSHOTS`` set (e.g. ``docs/screenshots``), the page's screenshot
is also written there as ``solara_page.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_support import WAIT_MS, app_server, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Where the screenshot also goes when GOVERNANCE_SIM_SCREENSHOTS is set.
SHOTS = os.environ.get("GOVERNANCE_SIM_SCREENSHOTS")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: Mesa's network component (the citizen sample) and the two plots: three images.
IMAGES = 3

# SHA-256 of the bytes of every image: Mesa's network component and the plots (Mesa's
# matplotlib components are PNG images);
# null when an image is replaced while being read.
_PLOT_HASHES = """async () => {
  const images = Array.from(document.querySelectorAll('img.widget-image'));
  try {
    return await Promise.all(images.map(async image => {
      const bytes = await (await fetch(image.src)).arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return Array.from(digest, b => b.toString(16).padStart(2, '0')).join('');
    }));
  } catch (error) { return null; }
}"""


class RecordingProxy:
    """An HTTP proxy on the loopback that forwards nothing and records each request line."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self.address = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # closed
                return
            with connection:
                connection.settimeout(5)
                try:
                    head = connection.recv(4096)
                    self.requests.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
                    connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                       b"Connection: close\r\n\r\n")
                except OSError:
                    self.requests.append("(a connection that sent nothing)")

    def close(self) -> None:
        self._socket.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The page's server, its HTTP(S) traffic sent to a recording proxy; yields (url, proxy)."""
    pytest.importorskip("solara", reason="the viz extra (mesa[viz]) is not installed")
    pytest.importorskip("solara_assets", reason="solara-assets (the viz extra) is not "
                        "installed: the page's front-end would come from cdn.jsdelivr.net")
    proxy = RecordingProxy()
    folder = tmp_path_factory.mktemp("solara")
    log = folder / "solara.log"
    with pytest.MonkeyPatch.context() as patch:
        # as a user's server: a fresh solara home (no marks of earlier check-ins), and not
        # under pytest (solara skips its check-in frame under pytest)
        patch.setenv("SOLARA_HOME", str(folder / "home"))
        patch.delenv("PYTEST_CURRENT_TEST", raising=False)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            patch.setenv(name, proxy.address)
        for name in ("NO_PROXY", "no_proxy"):
            patch.setenv(name, ",".join(sorted(LOCAL_HOSTS - {"::1"})))
        patch.delenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", raising=False)  # the launcher's own
        with app_server(["-m", "governance_sim.app.solara_page", "--port", "{port}"], log,
                        start_timeout=WAIT_MS / 1000) as (url, _):
            yield url, proxy
    proxy.close()


def _external(url: str) -> bool:
    """Whether a browser request goes to a host other than this machine."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


def _plots(page, wanted=lambda hashes: True, what: str = "") -> list[str]:
    """The images' hashes once two reads 0.3 s apart agree and ``wanted(hashes)`` holds.

    Polls the page's state until :data:`WAIT_MS` has passed (then fails).
    """
    deadline = time.monotonic() + WAIT_MS / 1000
    previous = None
    while time.monotonic() < deadline:
        hashes = page.evaluate(_PLOT_HASHES)
        if hashes and len(hashes) == IMAGES and hashes == previous and wanted(hashes):
            return hashes
        previous = hashes
        page.wait_for_timeout(300)
    raise AssertionError(f"the plots did not settle {what}: last read {previous}")


def _time(page) -> float:
    """The model time the page shows (Mesa's "Time: t" in the Information card)."""
    match = re.search(r"Time: ([0-9.]+)", page.inner_text("body"))
    assert match, page.inner_text("body")
    return float(match.group(1))


def test_the_page_steps_plays_resets_offline(browser, server, tmp_path):
    url, proxy = server
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    external: list[str] = []
    failed: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []

    def route(request_route):
        if _external(request_route.request.url):
            external.append(request_route.request.url)
            request_route.abort()
        else:
            request_route.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error"
            and console_errors.append(message.text))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.status >= 400
            and failed.append(f"{response.url}: HTTP {response.status}"))

    started = time.monotonic()
    page.goto(url)
    step = page.get_by_role("button", name="Step")
    step.wait_for(timeout=WAIT_MS)
    for label in ("Governance logic", "Citizens", "Starting trust", "Seed", "Reset"):
        page.get_by_text(label, exact=True).first.wait_for(timeout=WAIT_MS)
    page.get_by_text("governance-sim: co_creation").wait_for(timeout=WAIT_MS)
    opening = _plots(page)
    assert _time(page) == 0.0
    shown = time.monotonic() - started

    # Step: the counter and the plots move on
    step.click()
    page.get_by_text("Time: 1.0").wait_for(timeout=WAIT_MS)
    after_step = _plots(page, lambda h: h != opening, "after Step")

    # Play, then pause: the model runs on its own and stops
    page.get_by_role("button", name="▶").click()
    page.wait_for_function("document.body.innerText.match(/Time: ([0-9.]+)/)[1] >= 8",
                           timeout=WAIT_MS)
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for(timeout=WAIT_MS)
    # a step under way when Pause was pressed finishes: wait until the plots have settled
    # on the shown time (the page's state), then check that nothing moves on
    _plots(page, lambda h: h != after_step, "after Play")
    paused_at, settled = -1.0, None
    deadline = time.monotonic() + WAIT_MS / 1000
    while _time(page) != paused_at and time.monotonic() < deadline:
        paused_at = _time(page)  # the same time around a settled read of the images
        settled = _plots(page, what="when paused")
    page.wait_for_timeout(2000)  # no step comes while paused: an absence needs a window
    assert _time(page) == paused_at >= 8
    assert _plots(page, what="still paused") == settled
    page.screenshot(path=str(tmp_path / "solara_page.png"))
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "solara_page.png", Path(SHOTS) / "solara_page.png")

    # Reset with the controls unchanged: the same seeded model, the same opening plots
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Time: 0.0").wait_for(timeout=WAIT_MS)
    _plots(page, lambda h: h == opening, "on the opening plots after Reset")

    # A slider moved, then Reset: a model with the new starting trust, other opening plots
    slider = page.get_by_role("slider", name="Starting trust")
    before = float(slider.get_attribute("aria-valuenow"))
    slider.focus()
    for _ in range(4):
        slider.press("ArrowLeft")
    moved = float(slider.get_attribute("aria-valuenow"))
    assert moved == pytest.approx(before - 0.2)
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Time: 0.0").wait_for(timeout=WAIT_MS)
    _plots(page, lambda h: h != opening, "after the slider and Reset")
    elapsed = time.monotonic() - started

    body = page.inner_text("body")
    context.close()
    assert not re.search(r"Traceback|Error|Exception", body), body
    assert not console_errors, console_errors
    assert not page_errors, page_errors
    assert not failed, failed
    assert not external, f"the browser asked other hosts: {external}"
    assert not proxy.requests, f"the server asked other hosts: {proxy.requests}"
    print(f"solara page: shown in {shown:.1f} s, exercised in {elapsed:.1f} s")
