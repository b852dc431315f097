"""End-to-end tests of the app in headless Chromium (Debian's), driven by Playwright.

The app runs as ``governance-sim app`` in a subprocess on a free loopback port. The tests
move a slider and check the figure changed (and time it), type bad input and check the
inline message, and export a scenario file that the command line then runs. The classroom's
tests are in ``tests/test_classroom_browser.py``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser_support import WAIT_MS, app_server, dash_idle, new_context

pytestmark = pytest.mark.browser


# Signature of the figure's "your settings" median lines: changes when the figure is redrawn
# with other numbers.
_SIGNATURE = """() => {
  const g = document.querySelector('#graph-time .js-plotly-plot');
  if (!g || !g.data) return '';
  return JSON.stringify(g.data.filter(t => t.name === 'your settings').map(t => t.y));
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app in a subprocess on a free loopback port; yields its address."""
    log = tmp_path_factory.mktemp("app") / "app.log"
    with app_server(["-m", "governance_sim.cli", "app", "--port", "{port}"], log,
                    start_timeout=WAIT_MS / 1000) as (url, log_path):
        assert f"open {url} in a browser" in log_path.read_text()  # the address is printed
        yield url


@pytest.fixture()
def page(browser, server):
    context = new_context(browser, viewport={"width": 1280, "height": 800},
                          accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(server)
    page.wait_for_function(f"({_SIGNATURE})().length > 2")
    _wait_replicates(page)
    dash_idle(page)
    yield page
    context.close()
    assert not errors, errors


def _pattern(kind: str, name: str) -> str:
    """CSS selector of a pattern-matching component (Dash writes its id as sorted JSON)."""
    return f"[id='{json.dumps({'name': name, 'type': kind}, separators=(',', ':'))}']"


def _wait_replicates(page, replicates: int = 5, timeout: float = WAIT_MS) -> None:
    """Wait until every replicate of the latest request is simulated and drawn."""
    page.wait_for_function(
        "n => { const e = document.querySelector('#policy-progress-text');"
        " const g = document.querySelector('#graph-time .js-plotly-plot');"
        " return e && /drawn|one replicate/.test(e.textContent) && g && g.layout && g.layout.meta"
        " && g.layout.meta.replicates === n; }", arg=replicates, timeout=timeout)


def _type(page, selector: str, text: str) -> None:
    box = page.locator(selector)
    box.fill(text)
    box.press("Enter")


def _press_and_time(page, slider, key: str) -> float:
    """Press a key on a slider; seconds from the key event to the figure showing new numbers.

    Timed inside the page (``performance.now()`` at the keydown event, and again in the
    first animation frame where the plotted data differ), so the test driver's own delays
    do not count.
    """
    dash_idle(page)  # the previous press's callbacks are done: time this one alone
    page.evaluate("() => { window.__t0 = null; if (!window.__timing) { window.__timing = true;"
                  " document.addEventListener('keydown', () => {"
                  " window.__t0 = performance.now(); }, true); } }")
    before = page.evaluate(_SIGNATURE)
    slider.press(key)
    try:
        page.wait_for_function(
            f"prev => {{ if (({_SIGNATURE})() === prev) return false;"
            " window.__t1 = performance.now(); return true; }", arg=before, polling="raf",
            timeout=WAIT_MS)
    except Exception:
        print("state when it failed:", slider.get_attribute("aria-valuenow"),
              page.locator("#policy-status").text_content(),
              page.locator("#policy-message").text_content(),
              page.locator("#policy-progress-text").text_content())
        raise
    return page.evaluate("() => (window.__t1 - window.__t0) / 1000")


def _one_run_seconds() -> float:
    """Seconds this machine takes now for the run a press starts (one replicate of the
    default scenario, 10 000 citizens x 200 months)."""
    import governance_sim as gs

    started = time.perf_counter()
    gs.run("co_creation", steps=200, seed=1, n_citizens=10_000)
    return time.perf_counter() - started


def test_slider_redraws_the_figure_fast(page) -> None:
    """10 000 citizens x 200 months: slider -> figure updated, measured in the browser."""
    _type(page, "input" + _pattern("run", "steps"), "200")
    page.wait_for_function(
        "() => /10,000 citizens x 200 months/.test(document.querySelector('#policy-status')"
        ".textContent)", timeout=WAIT_MS)
    _wait_replicates(page)
    slider = page.locator(_pattern("param", "initial_trust") + " [role=slider]")
    reference = [_one_run_seconds()]
    latencies = []
    for key in ("ArrowLeft", "ArrowLeft", "ArrowLeft", "ArrowLeft", "ArrowLeft"):
        latencies.append(_press_and_time(page, slider, key))
        _wait_replicates(page)
    reference.append(_one_run_seconds())
    median = statistics.median(latencies)
    run = statistics.mean(reference)
    print(f"\nredraw latency, 10 000 citizens x 200 months (s): "
          f"{', '.join(f'{x:.3f}' for x in latencies)}; median {median:.3f}; one such run "
          f"in the test process {run:.3f} s")
    report = os.environ.get("GOVERNANCE_SIM_LATENCY_FILE")
    if report:
        Path(report).write_text(json.dumps({"latencies_s": latencies, "median_s": median,
                                            "one_run_s": run}))
    # the target is 0.5 s (issue 6). The bound is 3 s, or ten times the time this machine
    # takes for the run each press starts (measured now, under the same load), whichever is
    # larger: a loaded machine gets slack in proportion, a hang does not
    assert median < max(3.0, 10 * run), (latencies, reference)
    status = page.locator("#policy-status").text_content()
    assert "all 5 replicates drawn" in status  # a true status line (issue 15)


def test_bad_input_gets_an_inline_message_and_the_app_keeps_running(page) -> None:
    field = "input" + _pattern("param", "n_citizens")
    message = page.locator(_pattern("param-msg", "n_citizens"))
    _type(page, field, "ten thousand")
    page.wait_for_function(
        f"() => document.querySelector(`{_pattern('param-msg', 'n_citizens')}`)"
        ".textContent.includes('not a number')", timeout=WAIT_MS)
    assert "n_citizens" in message.text_content()
    assert "need" in page.locator("#policy-message").text_content()
    _type(page, field, "__import__('os')")
    page.wait_for_function(
        f"() => document.querySelector(`{_pattern('param-msg', 'n_citizens')}`)"
        ".textContent.includes('__import__')", timeout=WAIT_MS)
    before = page.evaluate(_SIGNATURE)
    _type(page, field, "2000")
    page.wait_for_function(f"prev => ({_SIGNATURE})() !== prev", arg=before, timeout=WAIT_MS)
    assert message.text_content() == ""
    assert page.locator("#policy-message").text_content() == ""
    assert "2,000 citizens" in page.locator("#policy-status").text_content()


def test_mix_sliders_stay_at_100_percent(page) -> None:
    slider = page.locator("#mix-npm [role=slider]")
    before = page.evaluate(_SIGNATURE)
    for _ in range(3):
        slider.press("PageUp")
    page.wait_for_function(f"prev => ({_SIGNATURE})() !== prev", arg=before, timeout=WAIT_MS)
    # the sliders settle at 100 % once the last rescaling is back from the server
    page.wait_for_function(
        "() => ['bureaucracy', 'npm', 'co_creation'].map(n => +document.querySelector("
        "`#mix-${n} [role=slider]`).getAttribute('aria-valuenow')).reduce((a, b) => a + b)"
        " === 100", timeout=WAIT_MS)
    values = [int(page.locator(f"#mix-{name} [role=slider]").get_attribute("aria-valuenow"))
              for name in ("bureaucracy", "npm", "co_creation")]
    assert sum(values) == 100 and values[1] > 0
    # the ternary picker: click a grid point, the sliders take its mix (once no answer is
    # pending: the picker is redrawn by each answer, and a click during a redraw is lost)
    dash_idle(page)
    point = page.locator("#ternary .scatterlayer .trace").first.locator(".point").nth(20)
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => document.querySelector('#mix-npm [role=slider]')"
        ".getAttribute('aria-valuenow') === '90'", timeout=WAIT_MS)
    values = [int(page.locator(f"#mix-{name} [role=slider]").get_attribute("aria-valuenow"))
              for name in ("bureaucracy", "npm", "co_creation")]
    assert values == [10, 90, 0]


def test_a_picker_click_sent_with_a_slider_step_is_obeyed(page) -> None:
    """Issue 24: Dash sends a click on the ternary picker in the same request as a slider's
    step when both changed while an answer was on its way; the callback acted on the first
    id only, the slider, and the click was lost. Both are set here in one go."""
    dash_idle(page)
    sent: list[list[str]] = []
    page.on("request", lambda request: sent.append(
        (request.post_data_json or {}).get("changedPropIds", []))
        if "_dash-update-component" in request.url else None)
    page.evaluate("""() => {
        window.dash_clientside.set_props('mix-npm', {value: 40});
        window.dash_clientside.set_props('ternary',
            {clickData: {points: [{a: 10, b: 90, c: 0}]}}); }""")
    page.wait_for_function(
        "() => ['bureaucracy', 'npm', 'co_creation'].map(n => +document.querySelector("
        "`#mix-${n} [role=slider]`).getAttribute('aria-valuenow')).join() === '10,90,0'"
        " || (!!window.store && !window.store.getState().isLoading && "
        "document.querySelector('#mix-npm [role=slider]').getAttribute('aria-valuenow')"
        " === '40')", timeout=WAIT_MS)
    dash_idle(page)
    values = [int(page.locator(f"#mix-{name} [role=slider]").get_attribute("aria-valuenow"))
              for name in ("bureaucracy", "npm", "co_creation")]
    assert values == [10, 90, 0], values
    assert ["mix-npm.value", "ternary.clickData"] in [sorted(ids) for ids in sent]


def test_exported_scenario_runs_on_the_command_line(page, tmp_path) -> None:
    slider = page.locator(_pattern("lever", "facilitation_targeting") + " [role=slider]")
    before = page.evaluate(_SIGNATURE)
    slider.press("PageUp")
    page.wait_for_function(f"prev => ({_SIGNATURE})() !== prev", arg=before, timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as waiting:
        page.locator("#export-scenario").click()
    download = waiting.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".toml"
    import governance_sim as gs

    loaded = gs.load_scenario(path)
    assert loaded.params.logic == "co_creation"
    assert loaded.uncertainty == "calibrated"  # the table the view drew from (co_creation's)
    assert loaded.params.levers["facilitation_targeting"] > 0.3
    done = subprocess.run(
        [sys.executable, "-m", "governance_sim.cli", "run", str(path), "--steps", "12",
         "--replicates", "1", "--out", str(tmp_path / "out"), "--no-report"],
        capture_output=True, text=True, timeout=WAIT_MS / 1000)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["uncertainty"]["name"] == "calibrated"  # run drew as the app did
    with page.expect_download(timeout=WAIT_MS) as waiting:
        page.locator("#export-html").click()
    html_path = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(html_path)
    text = html_path.read_text(encoding="utf-8")
    assert html_path.suffix == ".html" and "your settings" in text
    assert not re.search(r"<script[^>]*\bsrc=", text)
