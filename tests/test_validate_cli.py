"""``governance-sim validate``: table, offline HTML, exit codes; the page in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance_sim import validation as v
from governance_sim.cli import main

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FAST = ["--pattern", "1", "--pattern", "2", "--pattern", "11"]


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("validate") / "validation.html"
    assert main(["validate", "--out", str(out), *FAST]) == 0
    return out


def test_validate_writes_table_and_self_contained_html(page_path, capsys):
    text = page_path.read_text(encoding="utf-8")
    assert text.count("<table") == 1
    assert text.count('id="pattern-') == 3
    assert "<script src=" not in text and "<script type=\"text/javascript\" src=" not in text
    assert text.count("Plotly.newPlot") == 3


def test_validate_prints_one_row_per_pattern(tmp_path, capsys):
    assert main(["validate", "--out", str(tmp_path / "v.html"), "--pattern", "1",
                 "--seeds", "1,2,3,4,5"]) == 0
    out = capsys.readouterr().out
    assert "1. Contributions decay" in out and "5/5" in out and "threshold" in out


def test_exit_code_follows_the_verdict(tmp_path):
    expected = 0 if v.pattern_6((1,)).holds else 1
    assert main(["validate", "--out", str(tmp_path / "v.html"), "--pattern", "6",
                 "--seeds", "1"]) == expected


@pytest.mark.parametrize("args", [["--seeds", "x"], ["--seeds", "-3"], ["--pattern", "13"]])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, capsys):
    assert main(["validate", "--out", str(tmp_path / "v.html"), *args]) == 2


def test_unwritable_output_is_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["validate", "--out", str(blocker / "v.html"), "--pattern", "1"]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.browser
def test_validation_page_draws_offline(page_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=ARGS)
        try:
            context = browser.new_context()
            context.set_offline(True)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_path.as_uri())
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length == 3",
                                   timeout=20_000)
            assert page.locator("td.ok").count() == 3
        finally:
            browser.close()
    assert not errors


def test_without_a_mechanism_names_the_patterns_that_fail(tmp_path, capsys):
    """Switching trust asymmetry off breaks patterns 4 and 11, which rest on it."""
    code = main(["validate", "--out", str(tmp_path / "v.html"), "--pattern", "4",
                 "--pattern", "11", "--pattern", "1", "--seeds", "1,2",
                 "--without", "trust_asymmetry"])
    out = capsys.readouterr().out
    assert code == 1
    assert "4. Trust lost faster" in out and "(rests on trust_asymmetry)" in out
    assert out.count("<- does not hold") == 2  # pattern 1 does not rest on it and holds


def test_without_an_unknown_mechanism_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["validate", "--out", str(tmp_path / "v.html"), "--without", "magic"]) == 2
    err = capsys.readouterr().err
    assert "unknown mechanism 'magic'" in err and "Traceback" not in err
    assert not (tmp_path / "v.html").exists()
