"""Test configuration: a reproducible hypothesis profile for CI.

Locally hypothesis explores new random examples on every run. Under ``CI`` (set by
``.ci/run``) it draws the same examples every time, so that a landing never depends on the
luck of the draw.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright, one per test module (skips without it)."""
    from browser_support import ARGS, CHROMIUM, skip_without_chromium

    skip_without_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=ARGS)
        yield chromium
        chromium.close()
