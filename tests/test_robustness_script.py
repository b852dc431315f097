"""experiments/robustness.py: a partial run never replaces the committed page; domain pages.

The script's designs take an hour; these tests run none of them (zero domain columns) or
feed the page builders made-up outcomes, so they check the writing rules, not the numbers.
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("robustness_script",
                                                  ROOT / "experiments" / "robustness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_partial_design_set_may_not_replace_the_full_page(script):
    assert script.writable_out(script.FULL_PAGE, set(script.DESIGNS), True) is None
    for partial in ({"domain"}, {"seeds", "oat"}):
        message = script.writable_out(script.FULL_PAGE, partial, True)
        assert message and "0/0" in message and "--out" in message


def test_the_repositorys_docs_are_written_only_with_update_docs(script, capsys):
    """Issue 22: the README's command rewrote docs/; now it writes out/ by default."""
    for page in (script.FULL_PAGE, script.FULL_PAGE.parent / "robustness_population.md"):
        message = script.writable_out(page, set(script.DESIGNS))
        assert message and "--update-docs" in message
    assert script.writable_out(script.DEFAULT_OUT, set(script.DESIGNS)) is None
    assert script.DEFAULT_OUT.parts[0] == "out"
    before = script.FULL_PAGE.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        script.main(["--designs", "domain", "--initial-trusts", "--populations",
                     "--out", str(script.FULL_PAGE.parent / "robustness_population.md")])
    assert stop.value.code == 2 and "--update-docs" in capsys.readouterr().err
    assert script.FULL_PAGE.read_text(encoding="utf-8") == before


def test_a_file_the_script_did_not_write_is_never_overwritten(script, tmp_path):
    foreign = tmp_path / "notes.md"
    foreign.write_text("# my notes\n", encoding="utf-8")
    assert "not written by this script" in script.writable_out(foreign, {"domain"})
    ours = tmp_path / "ours.md"
    ours.write_text(f"# page\n\n{script.MARKER}\n", encoding="utf-8")
    assert script.writable_out(ours, {"domain"}) is None
    assert "folder" in script.writable_out(tmp_path, {"domain"})
    assert script.writable_out(tmp_path / "new.md", {"domain"}) is None


def test_the_command_refuses_before_running_anything(script, capsys):
    before = script.FULL_PAGE.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        script.main(["--designs", "domain", "--populations", "200000", "--update-docs"])
    assert stop.value.code == 2
    assert "0/0" in capsys.readouterr().err
    assert script.FULL_PAGE.read_text(encoding="utf-8") == before
    with pytest.raises(SystemExit):
        script.main(["--designs", "domian", "--out", "x.md"])
    assert "allowed: seeds, oat, joint, levers, domain" in capsys.readouterr().err


def test_domain_alone_writes_its_own_page(script, tmp_path):
    out = tmp_path / "domain.md"
    assert script.main(["--designs", "domain", "--initial-trusts", "--populations",
                        "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Domain of validity of the patterns")
    assert script.MARKER in text
    assert "one at a time" not in text  # none of the full page's designs
    assert "| pattern |" in text


def _outcomes(script, fail_4: bool) -> dict:
    good = {n: ([True], [0.5]) for n in script.NUMBERS}
    bad = {**good, 4: ([False, False, True], [0.1, 0.2, 0.3])} if fail_4 else good
    return {"domain:initial trust 0.36": bad, "domain:200 000 citizens": good}


def test_the_domain_page_shows_statistics_and_minutes(script):
    labels = ["initial trust 0.36", "200 000 citizens"]
    names = {n: f"pattern {n}" for n in script.NUMBERS}
    lines = script.domain_page(labels, {labels[0]: (1, 2, 3), labels[1]: (1,)},
                               _outcomes(script, True), {labels[0]: 90.0, labels[1]: 600.0},
                               names, "experiments/robustness.py --designs domain")
    text = "\n".join(lines)
    assert "| 200 000 citizens | 1 | 10.0 |" in text
    assert "| 4. pattern 4 | 1/3 (0.1, 0.2, 0.3) | 1/1 (0.5) |" in text


def test_the_full_page_links_the_domain_pages_when_they_exist(script, tmp_path):
    labels = ["initial trust 0.36", "200 000 citizens"]
    names = {n: f"pattern {n}" for n in script.NUMBERS}
    bare = "\n".join(script.domain_section(labels, _outcomes(script, True), names,
                                           [200_000], tmp_path))
    assert "Not met on every seed: at initial trust 0.36: pattern 4 (1/3)." in bare
    assert script.POPULATION_PAGE not in bare and script.LOW_TRUST_PAGE not in bare
    for page in (script.POPULATION_PAGE, script.LOW_TRUST_PAGE):
        (tmp_path / page).write_text("x", encoding="utf-8")
    linked = "\n".join(script.domain_section(labels, _outcomes(script, False), names,
                                             [200_000], tmp_path))
    assert f"]({script.POPULATION_PAGE})" in linked
    assert f"]({script.LOW_TRUST_PAGE})" in linked
    assert "Not met on every seed: none." in linked


def test_the_low_trust_page_says_it_analyses_the_former_update():
    """docs/robustness_low_trust.md analysed the former trust update, whose asymmetry turned
    round below 1 / (1 + loss_aversion); since issue 20 the update is in log-odds and a loss
    weighs loss_aversion times a gain at every level. The page must say so and quote the
    new one-month response (this fails when the update changes again)."""
    spec = importlib.util.spec_from_file_location(
        "robustness_low_trust", ROOT / "experiments" / "robustness_low_trust.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "robustness_low_trust.md").read_text(encoding="utf-8")
    assert "Historical (before issue 20)" in page
    for start in (0.2, 0.36, 0.55):
        r = module.one_month_response(start, 1)
        assert r["ratio"] == pytest.approx(2.5, rel=0.01), (start, r)
    r = module.one_month_response(0.36, 1)
    assert f"gain {r['gain']:.5f}, loss {r['loss']:.5f}, ratio {r['ratio']:.2f}" in page
