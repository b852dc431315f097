"""The participatory classroom in headless Chromium: 8 phones and the teacher play three rounds.

``governance-sim classroom --participatory`` runs in a subprocess on a free loopback port.
Each phone is its own browser context (its own cookie) at 390 x 844, the teacher's page one
at 1366 x 768. Every wait is on the pages' state (``data-`` attributes the pages set from
the server's answers), never a fixed sleep. Checked: joining with the QR's address, three
rounds with every phone answering, a phone's reload keeps its role, the teacher's reload
keeps the game, the debrief and the CSV, nothing requested from outside the server, and
the bytes a phone downloads to join.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from browser_support import app_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONES = 8
WAIT = 90_000  # ms: the machine is shared and loaded


def _printed(log: Path, pattern: str, timeout: float = 60.0) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text())
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"the server did not print {pattern!r}: {log.read_text()}")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """The classroom server; yields (address, join code, teacher key)."""
    log = tmp_path_factory.mktemp("participatory") / "server.log"
    arguments = ["-m", "governance_sim.cli", "classroom", "--participatory", "--port",
                 "{port}"]
    with app_server(arguments, log, start_timeout=120, poll=0.3) as (url, _):
        code = _printed(log, r"join code (\w+)").group(1)
        key = _printed(log, r"teacher\?key=([\w-]+)").group(1)
        yield url, code, key


def test_eight_phones_and_the_teacher_play_three_rounds(browser, classroom):
    url, code, key = classroom
    outside: list[str] = []
    teacher_context = browser.new_context(viewport={"width": 1366, "height": 768})
    teacher = teacher_context.new_page()
    teacher.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url)
               else None)
    teacher.goto(f"{url}teacher?key={key}&lang=en")
    assert "key=" not in teacher.url  # the key leaves the address bar at once
    teacher.wait_for_selector('body[data-phase="lobby"]', timeout=WAIT)

    phones, received = [], []
    for k in range(PHONES):
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      is_mobile=True, has_touch=True)
        page = context.new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url)
                else None)
        if k == 0:  # count what the first phone downloads to join and see round 1
            page.on("response", lambda r: received.append(r))
        lang = "nb" if k % 2 else "en"
        page.goto(f"{url}?code={code}&lang={lang}")  # the QR code's address
        assert page.input_value("#code") == code
        if k == 0:  # a wrong code first: the phone says so in its language
            page.fill("#code", "WRONG")
            page.click("#b-join")
            page.wait_for_selector("#join-msg:text('Wrong join code.')", timeout=WAIT)
            page.fill("#code", code)
        if k == 1:
            page.fill("#nick", "Kari")
        page.click("#b-join")
        page.wait_for_selector('body[data-joined="1"]', timeout=WAIT)
        phones.append(page)
    teacher.wait_for_selector(f'body[data-students="{PHONES}"]', timeout=WAIT)
    assert teacher.locator(".seat", has_text="Kari").count() == 1
    assert "Kari" in phones[1].text_content("#role")
    assert "Du " in phones[1].text_content("#role")  # bokmål on the Norwegian phone

    teacher.click("#b-start")
    roles_before = [page.text_content("#role") for page in phones]
    for round_no in (1, 2, 3):
        for k, page in enumerate(phones):
            page.wait_for_selector(f'body[data-phase="open"][data-round="{round_no}"]',
                                   timeout=WAIT)
            page.wait_for_selector("#choose:not([hidden])", timeout=WAIT)
            buttons = page.locator("#controls .seg button")
            if buttons.count():  # take part / the dip / the logic: pick the first option
                buttons.first.click()
            sliders = page.locator("#controls input[type=range]")
            if sliders.count():
                sliders.first.fill(str(0.2 + 0.1 * k if k % 4 != 3 else 24))
            page.click("#send")
            page.wait_for_selector("#status.ok", timeout=WAIT)
        if round_no == 2:  # a phone reloads mid-game: same role, same round
            phones[2].reload()
            phones[2].wait_for_selector('body[data-joined="1"][data-round="2"]', timeout=WAIT)
            assert phones[2].text_content("#role") == roles_before[2]
            teacher.reload()  # and so does the teacher's page
            teacher.wait_for_selector('body[data-phase="open"][data-round="2"]', timeout=WAIT)
        teacher.wait_for_selector(f'body[data-answered="{PHONES}"]', timeout=WAIT)
        assert teacher.locator(".seat.answered").count() == PHONES
        teacher.click("#b-next")
        teacher.wait_for_selector(f'body[data-round="{round_no + 1}"]', timeout=WAIT)
    for page in phones:  # what happened to each person, after three rounds
        page.wait_for_selector('body[data-round="4"]', timeout=WAIT)
        assert page.locator("#story p").count() >= 3
        assert page.locator("#picture svg").count() == 2
    first_seen = sum(len(r.body()) for r in received if r.status == 200)

    teacher.click("#b-end")
    teacher.wait_for_selector('body[data-phase="debrief"]', timeout=WAIT)
    teacher.wait_for_selector("#debrief:not([hidden]) #d-table tr >> nth=1", timeout=WAIT)
    assert teacher.locator("#d-questions li").count() == 5
    for page in phones:
        page.wait_for_selector('body[data-phase="debrief"]', timeout=WAIT)
    exported = teacher.request.get(f"{url}export/session.csv")
    rows = exported.text().strip().splitlines()
    assert exported.status == 200 and len(rows) == 1 + 3 * PHONES
    assert sum(1 for row in rows[1:] if row.split(",")[6] == "1") == 3 * PHONES  # answered
    assert "Kari" not in exported.text()
    assert teacher.request.get(f"{url}export/report.html").status == 200
    assert phones[0].request.get(f"{url}export/session.csv").status == 403
    assert outside == []
    assert 0 < first_seen < 1_000_000, first_seen
    teacher_context.close()
    for page in phones:
        page.context.close()
