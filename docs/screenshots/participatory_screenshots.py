"""Take the participatory classroom's screenshots (phone 390 x 844, projector 1366 x 768).

Starts ``governance-sim classroom --participatory`` on a free loopback port, joins two
phones in headless Chromium (one English, one bokmål) and 14 simulated phones with httpx,
plays four quarters (the politicians switch to co-creation in the second), and writes
``participatory_phone_{en,nb}.png`` and ``participatory_projector_{en,nb}.png`` beside this
file.

Usage::

    .venv/bin/python docs/screenshots/participatory_screenshots.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))
from browser_support import ARGS, CHROMIUM, free_port  # noqa: E402


def main() -> None:
    """Play a short game and take the four screenshots."""
    port = free_port()
    log = HERE / f".participatory_{port}.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "governance_sim.cli", "classroom", "--participatory", "--port",
         str(port), "--months-per-round", "3"], stdout=log.open("w"), stderr=subprocess.STDOUT,
        env={"PYTHONUNBUFFERED": "1", **__import__("os").environ})
    try:
        for _ in range(600):
            text = log.read_text()
            if "key=" in text:
                break
            time.sleep(0.2)
        code = re.search(r"join code (\w+)", text).group(1)
        key = re.search(r"key=([\w-]+)", text).group(1)
        base = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                httpx.get(base)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        board = httpx.Client(base_url=base)
        board.get("/teacher", params={"key": key})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=ARGS)
            phones = {}
            for lang, nick in (("en", "Ada"), ("nb", "Kari")):
                context = browser.new_context(viewport={"width": 390, "height": 844},
                                              is_mobile=True, has_touch=True)
                page = context.new_page()
                page.goto(f"{base}?code={code}&lang={lang}")
                page.fill("#nick", nick)
                page.click("#b-join")
                page.wait_for_selector('body[data-joined="1"]')
                phones[lang] = page
            others = [httpx.Client(base_url=base) for _ in range(14)]
            for phone in others:
                phone.post("/api/join", json={"code": code}).raise_for_status()
            board.post("/api/teacher", json={"action": "start"}).raise_for_status()
            for round_no in range(1, 5):
                for phone in others:
                    view = phone.get("/api/me").json()
                    choices = dict(view["defaults"])
                    if view["kind"] == "politician" and round_no == 2:
                        choices["switch_to"] = "co_creation"
                    phone.post("/api/answer", json={"round": round_no, "choices": choices})
                for page in phones.values():
                    page.wait_for_selector(f'body[data-phase="open"][data-round="{round_no}"]')
                    yes = page.locator('#controls button[data-value="true"]')
                    if yes.count():  # the parent takes part
                        yes.click()
                    page.click("#send")
                    page.wait_for_selector("#status.ok")
                board.post("/api/teacher", json={"action": "next"}).raise_for_status()
            for lang, page in phones.items():
                page.wait_for_selector('body[data-round="5"]')
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(HERE / f"participatory_phone_{lang}.png"))
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            projector = context.new_page()
            for lang in ("en", "nb"):
                projector.goto(f"{base}teacher?key={key}&lang={lang}")
                projector.wait_for_selector('body[data-round="5"]')
                projector.wait_for_selector("#curves svg")
                projector.screenshot(path=str(HERE / f"participatory_projector_{lang}.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        log.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
