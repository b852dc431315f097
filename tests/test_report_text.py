"""The report's plain-language answers: dips, effects, rankings, bands, slides, Norwegian."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import governance_sim as gs
from governance_sim.viz import answers
from governance_sim.viz.report import build_report, slide_notes


def _frame(series: dict[str, dict[str, list[list[float]]]], steps: int) -> pd.DataFrame:
    """Long frame: {scenario: {metric: [replicate series]}}; other metrics constant 0.5."""
    rows = []
    names = [m.name for m in gs.METRICS]
    for scenario, metrics in series.items():
        replicates = max((len(v) for v in metrics.values()), default=3)
        for replicate in range(replicates):
            for step in range(steps):
                row = dict.fromkeys(names, 0.5)
                row.update(scenario=scenario, replicate=replicate, seed=replicate, step=step)
                for metric, values in metrics.items():
                    row[metric] = values[replicate % len(values)][step]
                rows.append(row)
    return pd.DataFrame(rows)


def _dip_series(depth: float, start: int = 3, bottom: int = 6, end: int = 10,
                steps: int = 15) -> list[float]:
    """0.6 flat, falling linearly to 0.6 - depth at ``bottom``, back to 0.6 by ``end``."""
    out = []
    for step in range(steps):
        if step < start or step >= end:
            out.append(0.6)
        elif step <= bottom:
            out.append(0.6 - depth * (step - start + 1) / (bottom - start + 1))
        else:
            out.append(0.6 - depth * (end - step) / (end - bottom))
    return out


# --- find_dip ------------------------------------------------------------------------------

def test_a_dip_has_depth_start_bottom_and_end():
    values = _dip_series(0.05)
    dip = answers.find_dip(np.arange(15), values)
    assert dip is not None
    assert dip.depth == pytest.approx(0.05)
    assert (dip.start, dip.lowest_step, dip.end, dip.duration) == (3, 6, 10, 7)


def test_no_dip_when_the_series_never_falls_beyond_the_tolerance():
    assert answers.find_dip(np.arange(15), _dip_series(0.004)) is None  # under 0.005
    assert answers.find_dip(np.arange(5), [0.5, 0.6, 0.7, 0.8, 0.9]) is None


def test_a_fall_without_recovery_has_no_end():
    dip = answers.find_dip(np.arange(5), [0.6, 0.58, 0.55, 0.5, 0.45])
    assert dip is not None and dip.end is None and dip.duration is None
    assert dip.depth == pytest.approx(0.15) and dip.last_step == 4


def test_the_reference_is_the_month_before_a_switch():
    # falls before the switch (not counted), then dips after it
    values = [0.7, 0.6, 0.6, 0.58, 0.62]
    assert answers.find_dip(np.arange(5), values, reference_step=2).start == 3
    assert answers.find_dip(np.arange(5), values, reference_step=2).end == 4
    assert answers.switch_step({"events": [{"kind": "budget_change", "step": 1},
                                           {"kind": "switch_logic", "step": 40}]}) == 40


# --- scenario and comparison answers ------------------------------------------------------

def test_scenario_answer_reports_the_dip_with_its_numbers():
    frame = _frame({"co": {"public_value_index": [_dip_series(0.05)]}}, steps=15)
    text = " ".join(answers.scenario_answer(frame, {"name": "co", "question": "dip?"}))
    assert ("Public value index dips below its value at month 0: from month 3, at most "
            "0.050 lower (month 6), back by month 10, a dip of 7 months.") in text
    assert "Trust in institutions: no dip." in text


def test_scenario_answer_says_no_dip():
    frame = _frame({"co": {"public_value_index": [[0.6 + 0.001 * s for s in range(15)]]}},
                   steps=15)
    sentences = answers.scenario_answer(frame, {"name": "co"})
    assert ("Public value index: no dip. It never falls more than 0.005 below its value at "
            "month 0 (0.600).") in sentences
    assert not any("dips below" in s for s in sentences)


def test_scenario_answer_names_the_metrics_its_question_asks_about():
    frame = _frame({"npm": {"motivation_mean": [[0.7, 0.68, 0.65]]}}, steps=3)
    asked = answers.scenario_answer(frame, {"name": "npm", "question": "What happens to "
                                            "professional motivation?"})
    assert "Professionals' motivation goes from 0.700 (month 0) to 0.650 (month 2)." in asked
    not_asked = answers.scenario_answer(frame, {"name": "npm", "question": "Trust?"})
    assert not any("motivation" in s for s in not_asked)


def test_effect_sign_is_scenario_minus_baseline():
    frame = _frame({"deal": {"trust_mean": [[0.45, 0.5, 0.55], [0.45, 0.52, 0.57],
                                            [0.45, 0.51, 0.56]]},
                    "no_deal": {"trust_mean": [[0.45, 0.42, 0.40]] * 3}}, steps=3)
    effect = answers.paired_effect(frame, "deal", "no_deal", "trust_mean")
    assert effect.median == pytest.approx(0.16) and effect.clear and effect.step == 2
    reverse = answers.paired_effect(frame, "no_deal", "deal", "trust_mean")
    assert reverse.median == pytest.approx(-0.16)
    text = " ".join(answers.scenario_answer(frame, {"name": "deal"}, baseline="no_deal",
                                            labels={"no_deal": "No deal"}))
    assert "Effect against No deal" in text
    assert "Trust in institutions +0.160" in text
    assert "larger than the variation across replicates" in text


def test_effect_within_the_variation_across_replicates_is_not_clear():
    frame = _frame({"a": {"trust_mean": [[0.5, 0.51], [0.5, 0.49], [0.5, 0.50]]},
                    "b": {"trust_mean": [[0.5, 0.50]] * 3}}, steps=2)
    effect = answers.paired_effect(frame, "a", "b", "trust_mean")
    assert not effect.clear
    assert ("within the variation across replicates: no clear effect"
            in answers._effect_phrase(effect, "en"))


def test_j_curve_against_the_baseline_falls_behind_then_catches_up():
    base = [[0.6] * 15] * 3
    frame = _frame({"switch": {"public_value_index": [_dip_series(0.03)] * 3},
                    "stay": {"public_value_index": base}}, steps=15)
    text = " ".join(answers.scenario_answer(frame, {"name": "switch"}, baseline="stay"))
    assert ("first falls behind stay (from month 3, by up to 0.030 in month 6) and catches up "
            "in month 10: a dip of 7 months.") in text


def test_comparison_answer_ranks_and_judges_the_lead():
    frame = _frame({"bureaucracy": {"trust_mean": [[0.55, 0.58]] * 3,
                                    "public_value_index": [[0.69, 0.70], [0.69, 0.69],
                                                           [0.69, 0.71]]},
                    "npm": {"trust_mean": [[0.55, 0.49]] * 3,
                            "public_value_index": [[0.69, 0.70]] * 3}}, steps=2)
    sentences = answers.comparison_answer(frame, labels={"npm": "New Public Management",
                                                         "bureaucracy": "Classical bureaucracy"})
    trust = sentences[0]
    assert trust.startswith("Trust in institutions, month 1: highest under Classical "
                            "bureaucracy, +0.090 above New Public Management")
    assert "larger than the variation across replicates" in trust
    assert "within the variation across replicates: no clear difference" in sentences[2]


def test_bands_say_what_they_show():
    frame = _frame({"a": {"trust_mean": [[0.5, 0.6, 0.7], [0.5, 0.6, 0.70001]]}}, steps=3)
    assert answers.band_text({}, frame) == "seed variation (2 seeds)"
    assert answers.band_text({"bands": "parameter uncertainty (22 sets)"}, frame) == (
        "parameter uncertainty (22 sets)")
    from governance_sim.uncertainty import bands_label

    # the manifest's own band texts are translated; others are shown as written
    assert answers.band_text({"bands": bands_label(5, None)}, frame, "nb") == (
        "variasjon mellom tilfeldige startverdier (5 startverdier)")
    assert answers.band_text({"bands": "my own bands"}, frame, "nb") == "my own bands"
    sentences = answers.band_sentences(frame, ["trust_mean"], "seed variation (2 seeds)")
    assert sentences[0] == ("Bands: the 10-90 % quantiles across replicates, seed variation "
                            "(2 seeds).")
    assert sentences[1] == ("Trust in institutions: the band is thinner than the line: the "
                            "replicates agree to within 0.001.")


def test_values_are_formatted_with_units_and_norwegian_decimal_commas():
    assert answers.format_value(0.0361, "participation_rate") == "3.6 %"
    assert answers.format_value(0.017, "participation_rate", difference=True) == (
        "+1.7 percentage points")
    assert answers.format_value(-0.0012, "trust_mean", difference=True) == "\u22120.001"
    assert answers.format_value(0.5771, "trust_mean", "nb") == "0,577"
    assert answers.format_value(0.017, "participation_rate", "nb", difference=True) == (
        "+1,7 prosentpoeng")


# --- the report page -----------------------------------------------------------------------

def test_slide_notes_explain_the_cited_slides():
    notes = slide_notes("Seed slide 1 and slide 6 (role table); seed slide 20 after X")
    assert [n for n, _note in notes] == [1, 6, 20]
    assert "three logics" in notes[0][1] and "role table" in notes[1][1]
    assert slide_notes("no slides here") == []


def _infos() -> list[dict]:
    return [{"name": "wigan_deal", "label": "The Wigan Deal", "baseline": "wigan_without_deal",
             "question": "Does the Deal help?", "steps": 3,
             "events": [{"kind": "compact", "step": 1, "size": 0.8, "duration": 2}],
             "sources": ["Seed slide 17: the Deal"]},
            {"name": "wigan_without_deal", "label": "Wigan's budget cut without the Deal",
             "steps": 3}]


def test_report_answers_uses_labels_and_measures_the_deal_against_no_deal():
    frame = _frame({"wigan_deal": {"trust_mean": [[0.45, 0.5, 0.55]] * 3},
                    "wigan_without_deal": {"trust_mean": [[0.45, 0.42, 0.40]] * 3}}, steps=3)
    page, figures = build_report(frame, _infos(), command="governance-sim compare ...",
                                 manifest={"bands": "seed variation (3 seeds)"})
    assert 'class="answer"' in page and 'class="takeaways"' in page
    assert ("Effect against Wigan&#x27;s budget cut without the Deal on the same seeds") in page
    assert "Trust in institutions +0.150" in page  # Deal minus no Deal: positive
    assert "the Wigan Deal: a two-column compact" in page  # the slide's note
    assert "Bands: the 10-90 % quantiles across replicates, seed variation (3 seeds)." in page
    difference = figures["difference"]
    assert "The Wigan Deal minus Wigan" in [t.name for t in difference.data if t.showlegend][0]
    # exported figures carry their heading inside the image and the events' key at the foot
    title = figures["overview"].layout.title.text
    assert "Trust, participation and public value over time" in title
    foot = [a.text for a in figures["overview"].layout.annotations if a.yshift == -45]
    assert foot and "1: month 1" in foot[0] and "two-sided compact (size 0.8)" in foot[0]


def test_report_in_norwegian():
    frame = _frame({"wigan_deal": {"trust_mean": [[0.45, 0.5, 0.55]] * 3},
                    "wigan_without_deal": {"trust_mean": [[0.45, 0.42, 0.40]] * 3}}, steps=3)
    page, figures = build_report(frame, _infos(), command="governance-sim compare ...",
                                 lang="nb")
    assert '<html lang="nb">' in page
    for text in ("Sammendrag", "Kort sagt.", "Hva kjøringene sier.", "Tillit til institusjonene",
                 "Wigan-avtalen (The Wigan Deal)",
                 "variasjon mellom tilfeldige startverdier (3 startverdier)",
                 "Effekt mot Wigans budsjettkutt uten avtalen", "+0,150"):
        assert text in page, text
    assert "What the runs say." not in page and "In short." not in page
    axis = figures["overview"].layout.yaxis2.title.text
    assert axis == "% av innbyggerne, denne måneden"
    with pytest.raises(gs.UserInputError, match="unknown language 'de'"):
        build_report(frame, _infos(), command="x", lang="de")


def test_cli_lang_option(tmp_path, capsys):
    from governance_sim.cli import main

    small = ["--steps", "2", "--replicates", "2", "--set", "n_citizens=300", "--set",
             "n_units=6", "--no-progress"]
    out = tmp_path / "nb"
    assert main(["run", "npm", "--out", str(out), "--lang", "nb", *small]) == 0
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"lang": "nb"' in manifest and "--lang nb" in manifest  # the command reproduces it
    assert '<html lang="nb">' in (out / "report.nb.html").read_text(encoding="utf-8")
    assert not (out / "report.html").exists()  # report.html is the English report
    assert main(["report", str(out), "--lang", "en"]) == 0  # added beside it, none replaced
    assert '<html lang="en">' in (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="nb">' in (out / "report.nb.html").read_text(encoding="utf-8")
    capsys.readouterr()
    bad = tmp_path / "bad"
    assert main(["run", "npm", "--out", str(bad), "--lang", "de", *small]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown language 'de'" in err[0] and "nb (" in err[0]
    assert not bad.exists()  # refused before any run or folder


def test_a_run_without_its_baseline_says_how_to_see_the_effect():
    frame = _frame({"wigan_deal": {"trust_mean": [[0.45, 0.5, 0.55]] * 3}}, steps=3)
    page, _figures = build_report(frame, _infos()[:1], command="governance-sim run wigan_deal")
    assert ("governance-sim compare wigan_deal wigan_without_deal shows it.") in page
    assert "Effect against" not in page


def test_the_effect_figure_says_when_its_band_is_thinner_than_the_line():
    frame = _frame({"wigan_deal": {"trust_mean": [[0.45, 0.5, 0.55], [0.46, 0.52, 0.56],
                                                  [0.44, 0.48, 0.54]]},
                    "wigan_without_deal": {"trust_mean": [[0.45, 0.42, 0.40],
                                                          [0.46, 0.44, 0.41],
                                                          [0.44, 0.40, 0.39]]}}, steps=3)
    page, _figures = build_report(frame, _infos(), command="x")
    effect = page[page.index('id="figure-difference"'):page.index('id="figure-equity"')]
    # the levels differ by seed (a visible band), the paired effect hardly at all
    assert ("Trust in institutions: the band is thinner than the line: the replicates agree "
            "to within") in effect
    overview = page[page.index('id="figure-overview"'):page.index('id="figure-side_by_side"')]
    assert "Trust in institutions: the band is thinner" not in overview


# --- what a reader sees (issue 22) ---------------------------------------------------------

def _gap_frame(gaps: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Three replicates per scenario; at the last month the given (top, bottom) shares."""
    series = {}
    for index, (name, (top, bottom)) in enumerate(gaps.items()):
        jitter = [0.0, 0.001 * (index + 1), -0.001 * (index + 1)]
        series[name] = {
            "participation_q5": [[0.0, top + j] for j in jitter],
            "participation_q1": [[0.0, bottom] for _j in jitter],
            "participation_gap": [[0.0, top + j - bottom] for j in jitter],
        }
    return _frame(series, steps=2)


def test_the_summary_names_the_scenario_with_the_widest_participation_gap():
    gaps = {"bureaucracy": (0.041, 0.020), "npm": (0.023, 0.007), "co_creation": (0.064, 0.028)}
    labels = {"co_creation": "Co-creation", "bureaucracy": "Bureaucracy", "npm": "NPM"}
    sentence, = answers.gap_answer(_gap_frame(gaps), labels=labels)
    assert sentence.startswith("For whom, month 1: the gap in taking part between the top and "
                               "the bottom resource quintile is widest under Co-creation: "
                               "6.4 % of the top quintile against 2.8 % of the bottom, a gap "
                               "of 3.6 percentage points")
    assert "Bureaucracy 4.1 % of the top quintile against 2.0 % of the bottom" in sentence
    assert "larger than the variation across replicates" in sentence
    # computed from the frame: make bureaucracy's gap the widest and the sentence follows
    gaps["bureaucracy"] = (0.090, 0.020)
    assert "widest under Bureaucracy: 9.0 %" in answers.gap_answer(_gap_frame(gaps),
                                                                   labels=labels)[0]
    infos = [{"name": name, "label": labels[name], "steps": 1} for name in gaps]
    page, _figures = build_report(_gap_frame(gaps), infos, command="x")
    summary = page[page.index('id="summary"'):page.index('id="scenarios"')]
    assert "widest under Bureaucracy: 9.0 %" in summary
    assert answers.gap_answer(_gap_frame({"npm": (0.02, 0.01)})) == []  # one scenario
    nb = answers.gap_answer(_gap_frame(gaps), labels=labels, lang="nb")[0]
    assert "9,0 % i den høyeste kvintilen mot 2,0 % i den laveste" in nb


def test_a_public_value_index_that_starts_apart_is_explained():
    from governance_sim.viz.report import start_sentences

    frame = _frame({"a": {"public_value_index": [[0.687, 0.69]] * 2,
                          "pv_outcomes": [[0.55, 0.56]] * 2},
                    "b": {"public_value_index": [[0.715, 0.72]] * 2,
                          "pv_outcomes": [[0.66, 0.67]] * 2}}, steps=2)
    sentence, = start_sentences(frame, {"a": "A", "b": "B"})
    assert sentence.startswith("The public value index starts apart at month 0 (A 0.687, "
                               "B 0.715): month 0 is already a month of service")
    assert "Of its components, outcomes start apart; equity, legitimacy" in sentence
    page, _figures = build_report(frame, [{"name": "a"}, {"name": "b"}], command="x")
    assert "starts apart at month 0" in page[page.index('id="summary"'):]
    equal = _frame({"a": {"public_value_index": [[0.7, 0.69]] * 2},
                    "b": {"public_value_index": [[0.7, 0.72]] * 2}}, steps=2)
    assert start_sentences(equal) == []


def test_report_axes_that_do_not_start_at_zero_are_marked():
    frame = _frame({"wigan_deal": {"trust_mean": [[0.69, 0.70, 0.72]] * 3},
                    "wigan_without_deal": {"trust_mean": [[0.69, 0.70, 0.71]] * 3}}, steps=3)
    for lang, note in (("en", "axis does not start at 0"), ("nb", "aksen starter ikke på 0")):
        _page, figures = build_report(frame, _infos(), command="x", lang=lang)
        overview = figures["overview"]
        marked = [a for a in overview.layout.annotations if a.text == note]
        assert marked and marked[0].yref == "y domain"  # the trust panel, from 0.69 to 0.72
        assert overview.layout.meta["zero_based"]["yaxis"] is False
        assert overview.layout.yaxis.autorange is True
        # effects drawn around their zero line are not marked
        difference = figures["difference"]
        assert all(difference.layout.meta["zero_based"].values())


def test_norwegian_numbers_in_the_report_and_its_figures():
    frame = _frame({"wigan_deal": {"trust_mean": [[0.45, 0.5, 0.55]] * 3},
                    "wigan_without_deal": {"trust_mean": [[0.45, 0.42, 0.40]] * 3}}, steps=3)
    page, figures = build_report(frame, _infos(), command="x", lang="nb")
    assert all(fig.layout.separators == ", " for fig in figures.values())
    assert "0,550" in page and "0.550" not in page.split("<main>")[1]
    assert "tosidig avtale (størrelse 0,8)" in page
    _page, english = build_report(frame, _infos(), command="x")
    assert all(fig.layout.separators == ".," for fig in english.values())
