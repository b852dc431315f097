"""The classroom in headless Chromium at a projector's 1024 x 768, in English and Norwegian.

The app runs in a subprocess on a free loopback port, in Norwegian by default (as
``governance-sim app --lang nb``) and with a small classroom population (1 200 citizens) so
that the tests stay quick on a shared machine. Checked: nothing in the figures overlaps and
the curves end above the fold, large text, the language switch changes the visible texts
(and keeps the view), and Play is no longer highlighted when the run has ended.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from browser_support import WAIT_MS, app_server, new_context

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1024, 768
#: Where the screenshots go when GOVERNANCE_SIM_SCREENSHOTS is set (e.g. docs/screenshots).
SHOTS = os.environ.get("GOVERNANCE_SIM_SCREENSHOTS")

SERVER = """
import sys
from governance_sim.app import create_app
app = create_app(lang="nb", classroom_population={"n_citizens": 1200, "n_units": 12})
print("serving", flush=True)
app.run(host="127.0.0.1", port=int(sys.argv[1]), dev_tools_silence_routes_logging=True)
"""

# Bounding boxes of every annotation (subplot titles) and of the legend of a figure.
_BOXES = """sel => {
  const root = document.querySelector(sel);
  if (!root) return null;
  const boxes = [];
  root.querySelectorAll('g.annotation, g.legend').forEach(g => {
    const r = g.getBoundingClientRect();
    if (r.width > 0 && r.height > 0)
      boxes.push({kind: g.classList.contains('legend') ? 'legend' : 'title',
                  text: g.textContent, left: r.left, right: r.right, top: r.top,
                  bottom: r.bottom});
  });
  return boxes;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app (Norwegian by default) in a subprocess; yields its address."""
    log = tmp_path_factory.mktemp("classroom") / "app.log"
    with app_server(["-c", SERVER, "{port}"], log, start_timeout=WAIT_MS / 1000,
                    poll=0.5) as (url, _):
        yield url


@pytest.fixture()
def page(browser):
    context = new_context(browser, viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()  # every action and wait: up to WAIT_MS
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def _open(page, url: str) -> None:
    """Load the classroom and wait until both figures are drawn at month 0 or later."""
    page.goto(url)
    page.wait_for_selector("#cls-curves .js-plotly-plot g.annotation")
    page.wait_for_selector("#cls-network .js-plotly-plot g.annotation")
    page.wait_for_function("() => /\\d/.test(document.querySelector('#cls-month').textContent)")


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1
                    and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1):
                found.append((a["text"], b["text"]))
    return found


def _step_until(page, month: int) -> None:
    page.click("#cls-step")
    page.wait_for_function(
        "m => document.querySelector('#cls-month').textContent.match(/\\d+/)[0] >= m",
        arg=month)


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_classroom_fits_a_projector(page, server, lang):
    _open(page, f"{server}?mode=classroom&lang={lang}")
    _step_until(page, 1)
    for figure in ("#cls-curves", "#cls-network"):
        boxes = page.evaluate(_BOXES, figure)
        assert len([b for b in boxes if b["kind"] == "title"]) >= 3, boxes
        assert not _overlaps(boxes), (figure, _overlaps(boxes))
        inside = page.evaluate(f"() => document.querySelector('{figure}')"
                               ".getBoundingClientRect().toJSON()")
        for box in boxes:  # titles and legend inside their figure, not cut off
            assert box["left"] >= inside["left"] - 1 and box["right"] <= inside["right"] + 1
            assert box["top"] >= inside["top"] - 1
    curves = page.evaluate("() => document.querySelector('#cls-curves .main-svg')"
                           ".getBoundingClientRect().toJSON()")
    assert curves["bottom"] <= HEIGHT, curves  # the curves are above the fold
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    sizes = page.evaluate("""() => ['.lesson-text p', '.lesson-text li', '.month',
        '#cls-play'].map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))""")
    assert min(sizes) >= 18, sizes
    page.click("#cls-panel label:nth-of-type(3)")  # the role cards
    card = page.locator("#cls-roles-bureaucracy .role-card").first
    card.wait_for(state="visible")
    assert float(card.locator(".model-words").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")) >= 17
    assert page.locator(".role-card:visible").count() == 4  # one logic at a time
    if SHOTS:
        page.click("#cls-panel label:nth-of-type(1)")
        _step_until(page, 2)
        page.screenshot(path=str(Path(SHOTS) / f"classroom_1024_{lang}.png"))
        page.click("#cls-panel label:nth-of-type(2)")
        page.locator("#cls-panel-settings").wait_for(state="visible")
        page.screenshot(path=str(Path(SHOTS) / f"classroom_settings_{lang}.png"))


def test_norwegian_by_default_and_the_language_switch(page, server):
    _open(page, f"{server}?mode=classroom")  # the app's default: Norwegian
    header = page.locator("#mode")
    assert "Klasserom" in header.inner_text()
    assert page.locator("#cls-panel").inner_text().split() == ["Leksjon", "Innstillinger",
                                                                "Roller", "Mobiler"]
    titles = [b["text"] for b in page.evaluate(_BOXES, "#cls-curves")]
    assert any(t.startswith("Tillit") for t in titles), titles
    assert "Spill av" in page.locator("#cls-play").inner_text()
    page.click("#cls-panel label:nth-of-type(3)")
    assert "Innbyggere" in page.locator("#cls-roles-bureaucracy").inner_text()
    assert "Bestillere som avgjør enkeltsaker" in page.locator(
        "#cls-roles-bureaucracy").inner_text()

    page.click("#lang-switch label:has-text('EN')")
    page.wait_for_url("**lang=en**")
    assert "mode=classroom" in page.url  # the view is kept
    _open(page, page.url)
    assert "Classroom" in page.locator("#mode").inner_text()
    titles = [b["text"] for b in page.evaluate(_BOXES, "#cls-curves")]
    assert any(t.startswith("Trust") for t in titles), titles
    assert "Play" in page.locator("#cls-play").inner_text()
    assert "What to watch" in page.locator("#cls-lesson-text").inner_text()

    page.click("#lang-switch label:has-text('NB')")
    page.wait_for_url("**lang=nb**")
    _open(page, page.url)
    assert "Se etter" in page.locator("#cls-lesson-text").inner_text()
    assert page.evaluate("() => document.documentElement.lang") == "nb"
    if SHOTS:
        page.click("#cls-panel label:nth-of-type(3)")
        page.click("#cls-role-logic label:nth-of-type(3)")
        page.locator("#cls-roles-co_creation").wait_for(state="visible")
        page.screenshot(path=str(Path(SHOTS) / "classroom_roles_nb.png"))


def test_play_is_not_highlighted_after_the_run_ends(page, server):
    _open(page, f"{server}?mode=classroom&lang=en")
    page.click("#cls-panel label:nth-of-type(2)")  # settings: the fastest speed
    handle = page.locator("#cls-speed [role=slider]")
    handle.focus()
    handle.press("End")
    page.wait_for_function("() => document.querySelector('#cls-speed [role=slider]')"
                           ".getAttribute('aria-valuenow') === '4'")
    normal = page.evaluate("() => getComputedStyle(document.querySelector('#cls-play'))"
                           ".backgroundColor")
    page.click("#cls-play")
    page.wait_for_function("() => document.querySelector('#cls-play').className"
                           ".includes('playing')")
    playing = page.evaluate("() => getComputedStyle(document.querySelector('#cls-play'))"
                            ".backgroundColor")
    assert playing != normal  # highlighted while it plays
    page.wait_for_function("() => document.querySelector('#cls-month').textContent"
                           ".includes('finished')")
    page.wait_for_function("() => !document.querySelector('#cls-play').className"
                           ".includes('playing')")
    after = page.evaluate("""() => { const b = document.querySelector('#cls-play');
        const s = getComputedStyle(b); return [s.backgroundColor, s.outlineStyle,
        document.activeElement === b]; }""")
    assert after[0] == normal, after  # with the pointer still resting on it
    assert after[1] == "none" or not after[2], after  # no focus ring left by the click
    assert "month 120 of 120" in page.locator("#cls-month").inner_text()


# --- moved from test_app_browser.py: play, step, reset and the ablation lesson ----------
def _fastest(page) -> None:
    """Set the classroom's speed to the fastest (in its settings panel), back to the lesson."""
    page.click("#cls-panel label:nth-of-type(2)")
    page.locator("#cls-speed [role=slider]").press("End")
    page.wait_for_function("() => document.querySelector('#cls-speed [role=slider]')"
                           ".getAttribute('aria-valuenow') === '4'")
    page.click("#cls-panel label:nth-of-type(1)")


def _play_until(page, month: int) -> None:
    """Press Play, wait for ``month`` or later, press Pause and wait until it says paused."""
    page.locator("#cls-play").click()
    page.wait_for_function(
        "m => { const t = /month (\\d+)/.exec(document.querySelector('#cls-month')"
        ".textContent); return t && +t[1] >= m; }", arg=month)
    page.locator("#cls-pause").click()
    _wait_paused(page)


def _wait_paused(page) -> None:
    """Wait until the classroom stops (paused, or at its end); fail if it ran to the end."""
    page.wait_for_function(
        "() => /paused|finished/.test(document.querySelector('#cls-month').textContent)")
    text = page.locator("#cls-month").text_content()
    assert "paused" in text, f"Pause was not obeyed: the classroom says {text!r}"


def test_pause_that_arrives_with_a_timer_tick_is_obeyed(page, server) -> None:
    """Issue 24: on a loaded machine Dash sends a press of Pause in the same request as a
    timer tick (every input that changed while an answer was on its way). The classroom
    acted on the first trigger only, so the tick won, Pause was lost and the class played
    on to the end. Both changes are made here in one go, the tick first (it was waiting when
    Pause was pressed), as Dash gathers them; before the fix this ended at month 120."""
    _open(page, f"{server}?mode=classroom&lang=en")
    page.locator("#cls-play").click()
    page.wait_for_function(
        "() => /month [1-9]/.test(document.querySelector('#cls-month').textContent)")
    sent: list[list[str]] = []
    page.on("request", lambda request: sent.append(
        (request.post_data_json or {}).get("changedPropIds", []))
        if "_dash-update-component" in request.url else None)
    page.evaluate("""() => {
        window.dash_clientside.set_props('cls-tick', {n_intervals: 1000000});
        window.dash_clientside.set_props('cls-pause', {n_clicks: 1}); }""")
    _wait_paused(page)
    assert ["cls-pause.n_clicks", "cls-tick.n_intervals"] in [sorted(ids) for ids in sent]


def test_classroom_plays_ten_steps(page, server) -> None:
    _open(page, f"{server}?mode=classroom&lang=en")
    _fastest(page)
    _play_until(page, 10)
    month = int(re.search(r"month (\d+)", page.locator("#cls-month").text_content())[1])
    assert month >= 10
    points = page.evaluate(
        "() => document.querySelector('#cls-curves .js-plotly-plot')._fullData[0].x.length")
    assert points == month + 1
    step_shown = page.evaluate(
        "() => document.querySelector('#cls-network .js-plotly-plot').layout.meta.step")
    assert step_shown == month
    page.locator("#cls-step").click()
    page.wait_for_function(
        f"() => document.querySelector('#cls-month').textContent.includes('month {month + 1} ')")
    page.locator("#cls-reset").click()
    page.wait_for_function(
        "() => document.querySelector('#cls-month').textContent.startsWith('month 0 ')")


def _choose(page, dropdown: str, value: str) -> None:
    """Open a dropdown and click the option with this value."""
    page.locator(dropdown).click()
    page.locator(f".dash-dropdown-option:has(input[value='{value}'])").click()


_CURVE_NAMES = ("() => [...new Set(document.querySelector('#cls-curves .js-plotly-plot')"
                ".data.map(t => t.legendgroup))]")


def test_classroom_ablation_lesson_draws_the_runs_with_and_without(page, server) -> None:
    _open(page, f"{server}?mode=classroom&lang=en")
    assert not page.locator("#cls-mechanism-box").is_visible()  # only with that lesson
    _choose(page, "#lesson", "ablation")
    page.wait_for_selector("#cls-mechanism-box", state="visible")
    page.wait_for_function(
        "() => document.querySelector('#cls-lesson-text').textContent"
        ".includes('without trust asymmetry')")
    _choose(page, "#cls-mechanism", "motivation_scar")
    page.wait_for_function(
        "() => document.querySelector('#cls-lesson-text').textContent"
        ".includes('without motivation scar') && document.querySelector("
        "'#cls-network .js-plotly-plot').data.length === 6")
    text = page.locator("#cls-lesson-text").text_content()
    assert "Switch a mechanism off" in text and "3. crowding out with hysteresis" in text
    assert set(page.evaluate(_CURVE_NAMES)) == {"Bureaucracy", "with motivation scar",
                                                 "without motivation scar"}
    _fastest(page)
    _play_until(page, 8)
    month = int(re.search(r"month (\d+) of 180", page.locator("#cls-month").text_content())[1])
    lengths = page.evaluate(
        "() => document.querySelector('#cls-curves .js-plotly-plot')._fullData"
        ".filter(t => t.mode === 'lines' && t.name === t.legendgroup)"
        ".map(t => [t.name, t.x.length])")
    assert {name for name, _ in lengths} == {"Bureaucracy", "with motivation scar",
                                             "without motivation scar"}
    assert all(length == month + 1 for _, length in lengths), (month, lengths)
    _choose(page, "#cls-mechanism", "voice")  # two columns: the same scenario on and off
    page.wait_for_function(
        "() => document.querySelector('#cls-network .js-plotly-plot').data.length === 4 && "
        "document.querySelector('#cls-month').textContent.startsWith('month 0 of 120')")
    assert set(page.evaluate(_CURVE_NAMES)) == {"with voice", "without voice"}


PHONES_SERVER = """
import sys
from governance_sim.app import create_app
from governance_sim.app.participatory_launch import SERVED_HOST_KEY
app = create_app(lang="en", classroom_population={"n_citizens": 1200, "n_units": 12})
app.server.config[SERVED_HOST_KEY] = "127.0.0.1"  # as governance-sim app records its host
print("serving", flush=True)
app.run(host="127.0.0.1", port=int(sys.argv[1]), dev_tools_silence_routes_logging=True)
"""


def test_the_phones_panel_starts_the_participatory_classroom(page, tmp_path) -> None:
    """Issue 23: the teacher picks the participatory classroom in the app. Start, open the
    teacher's page from the link, and a phone joins with the code shown."""
    from browser_support import free_port

    classroom_port = free_port()
    with app_server(["-c", PHONES_SERVER, "{port}"], tmp_path / "app.log",
                    start_timeout=WAIT_MS / 1000, poll=0.5) as (url, _):
        _open(page, f"{url}?mode=classroom&lang=en")
        page.click("#cls-panel label:nth-of-type(4)")
        page.locator("#cls-panel-phones").wait_for(state="visible")
        page.fill("#cls-phones-port", str(classroom_port))
        page.click("#cls-phones-start")
        code = page.locator("#cls-phones-out .join-code")
        code.wait_for()
        join_code = code.inner_text().strip()
        assert f"http://127.0.0.1:{classroom_port}/" in page.locator(
            "#cls-phones-out").inner_text()
        teacher = page.locator("#cls-phones-teacher").get_attribute("href")
        assert teacher.startswith(f"http://127.0.0.1:{classroom_port}/teacher?key=")
        projector = page.context.new_page()
        projector.goto(teacher)
        projector.wait_for_function(
            "code => document.body.innerText.includes(code)", arg=join_code)
        phone = page.context.browser.new_context().new_page()
        phone.goto(f"http://127.0.0.1:{classroom_port}/?code={join_code}")
        phone.click("#b-join")
        phone.wait_for_selector('body[data-joined="1"]')
        phone.context.close()
