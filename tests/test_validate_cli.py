"""``governance-sim validate``: table, offline HTML, exit codes; the page in a real browser."""

from __future__ import annotations

import re
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


def test_the_table_fits_in_100_columns_and_wide_has_every_column(tmp_path, capsys):
    assert main(["validate", "--out", str(tmp_path / "v.html"), "--pattern", "1",
                 "--pattern", "11", "--seeds", "1"]) == 0
    narrow = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in narrow) <= 100
    assert sum(line.startswith("    statistic: ") for line in narrow) == 2
    assert main(["validate", "--out", str(tmp_path / "v.html"), "--pattern", "1",
                 "--pattern", "11", "--seeds", "1", "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert wide[0].split()[:2] == ["pattern", "statistic"] and "threshold" in wide[0]
    rows = [line for line in wide if re.match(r"\d+\. ", line)]
    assert len(rows) == 2 and len(wide) == 5  # header, rule, one line each, summary
    assert not any(line.startswith("    statistic: ") for line in wide)


def test_narrow_table_wraps_long_text_without_losing_it():
    from governance_sim.cli.validate_commands import narrow_table

    long = " ".join(f"word{i}" for i in range(80))  # about 500 characters
    rows = [{"pattern": "3. " + "A very long pattern name " * 5, "statistic": long,
             "value (mean, min-max)": "-0.123 (-0.456 to 0.789)", "threshold": long,
             "seeds passed": "4/5 (need 80%)", "holds": False}]
    lines = narrow_table(rows, {rows[0]["pattern"]: ["contagion"]})
    assert max(len(line) for line in lines) <= 100
    text = " ".join(lines)
    assert all(f"word{i} " in text + " " for i in range(80))
    assert lines[2].startswith("3. A very long") and lines[2].rstrip().endswith("NO")
    assert "rests on contagion (switched off)" in text


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


SMALL = ["--pattern", "1", "--seeds", "1", "--n-citizens", "200", "--n-units", "10"]


def test_a_users_file_is_never_overwritten(tmp_path, capsys):
    """Issue 22: ``echo draft > thesis.html; validate --out thesis.html`` kept the draft."""
    thesis = tmp_path / "thesis.html"
    thesis.write_text("draft\n")
    assert main(["validate", "--out", str(thesis), *SMALL]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did not write" in err and "Traceback" not in err
    assert thesis.read_text() == "draft\n"


def test_its_own_report_is_replaced_but_not_once_edited(tmp_path, capsys):
    out = tmp_path / "v.html"
    assert main(["validate", "--out", str(out), *SMALL]) == 0
    assert main(["validate", "--out", str(out), *SMALL]) == 0  # its own: replaced
    out.write_text(out.read_text() + "<!-- my notes -->")
    capsys.readouterr()
    assert main(["validate", "--out", str(out), *SMALL]) == 2
    assert out.read_text().endswith("<!-- my notes -->")
    assert "did not write" in capsys.readouterr().err


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
    assert "4. Trust lost faster" in out
    assert out.count("rests on trust_asymmetry (switched off)") == 2
    verdicts = [line.split()[-1] for line in out.splitlines() if re.match(r"\d+\. ", line)]
    assert sorted(verdicts) == ["NO", "NO", "yes"]  # pattern 1 does not rest on it and holds


def test_without_an_unknown_mechanism_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["validate", "--out", str(tmp_path / "v.html"), "--without", "magic"]) == 2
    err = capsys.readouterr().err
    assert "unknown mechanism 'magic'" in err and "Traceback" not in err
    assert not (tmp_path / "v.html").exists()
