"""Plain-language answers: the numbers a report's summary says, computed from the frame.

Pure functions from the long time-series frame (and the plain scenario descriptions of
``manifest.json``) to measurements (:class:`Dip`, :class:`Effect`) and to sentences. Nothing
here draws or writes; :mod:`governance_sim.viz.report` prints the sentences.

* :func:`find_dip` -- does a series fall below where it started (or where it was before a
  switch of logic), how deep, from when, for how long; ``None`` is "no dip".
* :func:`paired_effect` -- a scenario minus its baseline, replicate by replicate on the same
  seeds, at one month: median and quantile band, and whether the band excludes zero.
* :func:`scenario_answer` -- the sentences that answer one scenario's question.
* :func:`comparison_answer` -- which scenario is highest on each headline outcome, by how
  much, and whether the lead exceeds the variation across replicates (seeds, and parameter
  draws where the runs drew them).
* :func:`gap_answer` -- for whom: which scenario has the widest gap in taking part between
  the top and the bottom resource quintile.
* :func:`band_sentences` -- what the bands show, and where they are thinner than the line.

Medians are across replicates; "the band" is the quantile band (10-90 % by default).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from governance_sim.i18n import format_number, translator
from governance_sim.viz.figures import (
    DEFAULT_QUANTILES,
    KEY_METRICS,
    metric_label,
    paired_differences,
    scenario_label,
    thin_bands,
    tidy,
)

__all__ = ["DIP_TOLERANCE", "Dip", "Effect", "find_dip", "paired_effect", "switch_step",
           "baseline_of", "scenario_answer", "comparison_answer", "gap_answer", "band_text",
           "band_sentences", "format_value", "I18N_DOMAIN"]

#: Message domain of the sentences (governance_sim.i18n).
I18N_DOMAIN = "report"
#: A fall of more than this below the reference (on the 0-1 scales) counts as a dip.
DIP_TOLERANCE = 0.005
#: Metrics that are shares of people: shown in per cent, differences in percentage points.
_PERCENT = frozenset({"participation_rate", "participation_q1", "participation_q5",
                      "participation_gap", "reverted_share"})
#: Words of a scenario's question and the metric that answers them.
_QUESTION_TERMS: tuple[tuple[str, str], ...] = (
    ("motivation", "motivation_mean"),
    ("measured output", "measured_output"),
    ("relational", "relational_quality"),
    ("outcomes", "service_value"),
    ("social capital", "social_capital"),
    ("spending", "cost"),
    ("cost", "cost"),
)


@dataclass(frozen=True)
class Dip:
    """A fall below a reference level and, if it comes, the recovery.

    Attributes:
        reference_step: the month the reference level is taken at.
        reference: the reference level.
        depth: reference minus the lowest value after the reference month (> tolerance).
        start: first month more than the tolerance below the reference.
        lowest_step: the month of the lowest value.
        end: first month after the lowest at or above the reference again; None when the
            series has not come back by its last month.
        last_step: the series' last month.
    """

    reference_step: int
    reference: float
    depth: float
    start: int
    lowest_step: int
    end: int | None
    last_step: int

    @property
    def duration(self) -> int | None:
        """Months from the start of the dip to the recovery (None: no recovery yet)."""
        return None if self.end is None else self.end - self.start


@dataclass(frozen=True)
class Effect:
    """A scenario minus its baseline at one month, replicate by replicate (same seeds).

    Attributes:
        metric: the metric column.
        step: the month.
        median: median of the paired differences across replicates.
        low: lower quantile of the paired differences.
        high: upper quantile.
        replicates: number of pairs.
    """

    metric: str
    step: int
    median: float
    low: float
    high: float
    replicates: int

    @property
    def clear(self) -> bool:
        """True when the band of the paired differences excludes zero (and there is a band)."""
        return self.replicates > 1 and (self.low > 0 or self.high < 0)


def find_dip(steps: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray, *,
             reference_step: int = 0, reference: float | None = None,
             tolerance: float = DIP_TOLERANCE) -> Dip | None:
    """The dip of a series after ``reference_step``, or None when there is none.

    Args:
        steps: int[n], the months, increasing.
        values: float[n], the series (e.g. the median across replicates).
        reference_step: the month whose value is the reference; only later months count.
        reference: the reference level (default: the value at ``reference_step``).
        tolerance: how far below the reference a value must be to count as a dip.

    Returns:
        The :class:`Dip`, or None when no value after the reference month is more than
        ``tolerance`` below the reference.
    """
    steps = np.asarray(steps, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if steps.size == 0:
        return None
    at = np.flatnonzero(steps == reference_step)
    index = int(at[0]) if at.size else 0
    level = float(values[index]) if reference is None else float(reference)
    after_steps, after = steps[index + 1:], values[index + 1:]
    below = np.flatnonzero(after < level - tolerance)
    if below.size == 0:
        return None
    lowest = int(np.argmin(after))
    back = np.flatnonzero(after[lowest:] >= level)
    return Dip(reference_step=int(steps[index]), reference=level,
               depth=level - float(after[lowest]), start=int(after_steps[below[0]]),
               lowest_step=int(after_steps[lowest]),
               end=int(after_steps[lowest + back[0]]) if back.size else None,
               last_step=int(steps[-1]))


def paired_effect(frame: pd.DataFrame, scenario: str, baseline: str, metric: str, *,
                  step: int | None = None,
                  quantiles: tuple[float, float] = DEFAULT_QUANTILES) -> Effect:
    """``scenario`` minus ``baseline`` at ``step`` (default: the last month both have)."""
    data = tidy(frame)
    pair = data[data["scenario"].isin([scenario, baseline])]
    return _effect(paired_differences(pair, [metric], baseline), metric, step, quantiles)


def _effect(differences: pd.DataFrame, metric: str, step: int | None,
            quantiles: tuple[float, float]) -> Effect:
    at = int(differences["step"].max()) if step is None else int(step)
    values = differences.loc[differences["step"] == at, metric]
    return Effect(metric=metric, step=at, median=float(values.median()),
                  low=float(values.quantile(quantiles[0])),
                  high=float(values.quantile(quantiles[1])), replicates=int(values.size))


def switch_step(info: Mapping[str, Any]) -> int | None:
    """The month of a scenario's first switch of logic (from its events), or None."""
    steps = [int(e["step"]) for e in info.get("events") or []
             if e.get("kind") == "switch_logic" and "step" in e]
    return min(steps) if steps else None


def baseline_of(infos: Sequence[Mapping[str, Any]]) -> str | None:
    """The baseline of a comparison: the first baseline a scenario names that is present."""
    names = [str(info["name"]) for info in infos]
    for info in infos:
        base = info.get("baseline")
        if isinstance(base, str) and base in names and base != info["name"]:
            return base
    return None


def format_value(value: float, metric: str, lang: str = "en", *,
                 difference: bool = False) -> str:
    """A value as the report prints it: per cent for shares of people, else 3 decimals.

    Differences get a sign, and percentage points for shares of people; the number is
    written as ``lang`` writes it (:func:`governance_sim.i18n.format_number`: a decimal
    comma in Norwegian), with a typographic minus.
    """
    _ = _translator(lang)
    if metric in _PERCENT:
        text = format_number(100 * value, lang, decimals=1, sign=difference)
        unit = _("percentage points") if difference else "%"
        text = f"{text} {unit}"
    else:
        text = format_number(value, lang, decimals=3, sign=difference)
    return text.replace("-", "\u2212")


def _translator(lang: str) -> Callable[[str], str]:
    return translator(lang, I18N_DOMAIN)


def _medians(frame: pd.DataFrame, scenario: str, metric: str) -> pd.DataFrame:
    """Columns ``step`` and ``median`` (across replicates) of one scenario's metric."""
    part = frame[frame["scenario"] == scenario]
    return part.groupby("step", sort=True)[metric].median().rename("median").reset_index()


def _dip_sentence(frame: pd.DataFrame, scenario: str, metric: str, reference_step: int,
                  lang: str) -> str:
    _ = _translator(lang)
    series = _medians(frame, scenario, metric)
    dip = find_dip(series["step"].to_numpy(), series["median"].to_numpy(),
                   reference_step=reference_step)
    label = metric_label(metric, lang)
    if reference_step == 0:
        where = _("its value at month 0")
    else:
        where = _("its value the month before the switch (month {month})").format(
            month=reference_step)
    if dip is None:
        steps = series["step"].to_numpy()
        at = np.flatnonzero(steps == reference_step)
        start = float(series["median"].iloc[int(at[0]) if at.size else 0])
        return _("{metric}: no dip. It never falls more than {tol} below {where} "
                 "({value}).").format(metric=label,
                                      tol=format_value(DIP_TOLERANCE, metric, lang),
                                      where=where, value=format_value(start, metric, lang))
    if dip.end is None:
        return _("{metric} falls below {where} from month {start} and has not come back by "
                 "month {last}: at most {depth} lower (month {lowest}).").format(
            metric=label, where=where, start=dip.start, last=dip.last_step,
            depth=format_value(dip.depth, metric, lang), lowest=dip.lowest_step)
    return _("{metric} dips below {where}: from month {start}, at most {depth} lower "
             "(month {lowest}), back by month {end}, a dip of {months} months.").format(
        metric=label, where=where, start=dip.start, depth=format_value(dip.depth, metric, lang),
        lowest=dip.lowest_step, end=dip.end, months=dip.duration)


def _level_sentence(frame: pd.DataFrame, scenario: str, metric: str, lang: str) -> str:
    _ = _translator(lang)
    series = _medians(frame, scenario, metric)
    first, last = series.iloc[0], series.iloc[-1]
    if metric in _PERCENT:  # nobody has taken part at month 0: say the level and the peak
        peak = series.loc[series["median"].idxmax()]
        return _("{metric}: {end} of citizens in month {last}; at most {peak} (month "
                 "{when}).").format(metric=metric_label(metric, lang),
                                    end=format_value(float(last["median"]), metric, lang),
                                    last=int(last["step"]),
                                    peak=format_value(float(peak["median"]), metric, lang),
                                    when=int(peak["step"]))
    return _("{metric} goes from {start} (month {first}) to {end} (month {last}).").format(
        metric=metric_label(metric, lang), start=format_value(float(first["median"]), metric,
                                                              lang),
        first=int(first["step"]), end=format_value(float(last["median"]), metric, lang),
        last=int(last["step"]))


def _equity_sentence(frame: pd.DataFrame, scenario: str, lang: str) -> str:
    _ = _translator(lang)
    part = frame[frame["scenario"] == scenario]
    last = part[part["step"] == part["step"].max()]
    med = {m: float(last[m].median()) for m in ("participation_q5", "participation_q1",
                                                "outcome_top_quintile",
                                                "outcome_bottom_quintile")}
    return _("Who is left behind, month {month}: {top} of the top resource quintile and "
             "{bottom} of the bottom take part; value received {vtop} at the top, {vbottom} "
             "at the bottom.").format(
        month=int(last["step"].iloc[0]),
        top=format_value(med["participation_q5"], "participation_q5", lang),
        bottom=format_value(med["participation_q1"], "participation_q1", lang),
        vtop=format_value(med["outcome_top_quintile"], "outcome_top_quintile", lang),
        vbottom=format_value(med["outcome_bottom_quintile"], "outcome_bottom_quintile", lang))


def _effect_phrase(effect: Effect, lang: str) -> str:
    _ = _translator(lang)
    value = format_value(effect.median, effect.metric, lang, difference=True)
    band = _("band {low} to {high}").format(
        low=format_value(effect.low, effect.metric, lang, difference=True),
        high=format_value(effect.high, effect.metric, lang, difference=True))
    if effect.replicates < 2:
        verdict = _("one replicate: no band to judge it by")
    elif effect.clear:
        verdict = _("larger than the variation across replicates")
    else:
        verdict = _("within the variation across replicates: no clear effect")
    return _("{metric} {value} ({band}; {verdict})").format(
        metric=metric_label(effect.metric, lang), value=value, band=band, verdict=verdict)


def _effect_sentences(frame: pd.DataFrame, scenario: str, baseline: str,
                      labels: Mapping[str, str], quantiles: tuple[float, float],
                      lang: str) -> list[str]:
    _ = _translator(lang)
    pair = frame[frame["scenario"].isin([scenario, baseline])]
    diff = paired_differences(pair, KEY_METRICS, baseline)
    effects = [_effect(diff, m, None, quantiles) for m in KEY_METRICS]
    sentences = [_("Effect against {baseline} on the same seeds (this scenario minus the "
                   "baseline), month {month}: {effects}.").format(
        baseline=scenario_label(baseline, labels, lang), month=effects[0].step,
        effects="; ".join(_effect_phrase(e, lang) for e in effects))]
    series = _medians(diff, scenario, "public_value_index")
    jcurve = find_dip(series["step"].to_numpy(), series["median"].to_numpy(),
                      reference_step=int(series["step"].iloc[0]), reference=0.0)
    base = scenario_label(baseline, labels, lang)
    if jcurve is None:
        sentences.append(_("The public value index never falls more than {tol} behind "
                           "{baseline}.").format(tol=format_value(DIP_TOLERANCE,
                                                                  "public_value_index", lang),
                                                 baseline=base))
    elif jcurve.end is None:
        sentences.append(_("The public value index falls behind {baseline} from month "
                           "{start} (by up to {depth}, month {lowest}) and has not caught up "
                           "by month {last}.").format(
            baseline=base, start=jcurve.start,
            depth=format_value(jcurve.depth, "public_value_index", lang),
            lowest=jcurve.lowest_step, last=jcurve.last_step))
    else:
        sentences.append(_("The public value index first falls behind {baseline} (from "
                           "month {start}, by up to {depth} in month {lowest}) and catches up "
                           "in month {end}: a dip of {months} months.").format(
            baseline=base, start=jcurve.start,
            depth=format_value(jcurve.depth, "public_value_index", lang),
            lowest=jcurve.lowest_step, end=jcurve.end, months=jcurve.duration))
    last = int(frame.loc[frame["scenario"] == scenario, "step"].max())
    if last > effects[0].step:
        sentences.append(_("The comparison covers the months both scenarios have (0-{month}); "
                           "this scenario runs to month {last}.").format(
            month=effects[0].step, last=last))
    return sentences


def scenario_answer(frame: pd.DataFrame, info: Mapping[str, Any], *,
                    labels: Mapping[str, str] | None = None, baseline: str | None = None,
                    quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                    lang: str = "en") -> list[str]:
    """The sentences that answer one scenario's question with its numbers.

    Always: where trust, participation and the public value index go; whether the public
    value index and trust dip (after the first switch of logic, else from month 0) and for
    how long, or "no dip"; who is left behind at the end (top and bottom resource quintile).
    Metrics the question names (motivation, measured output, relational work, outcomes,
    social capital, cost) get a sentence each. With a ``baseline`` in the frame: the paired
    effect at the end on the headline outcomes, and whether public value first falls behind
    the baseline and when it catches up (a J-curve).

    Args:
        frame: long time-series frame holding the scenario (and the baseline, if any).
        info: the scenario as described in the manifest (``name``, ``question``, ``events``).
        labels: plain label per scenario name.
        baseline: the scenario to measure the effect against (must be in the frame).
        quantiles: the band's quantiles.
        lang: language of the sentences.

    Returns:
        Sentences, in reading order.
    """
    data = tidy(frame)
    name = str(info["name"])
    labels = dict(labels or {})
    switch = switch_step(info)
    reference = max(0, switch - 1) if switch is not None else 0
    sentences = [_level_sentence(data, name, m, lang) for m in KEY_METRICS]
    sentences += [_dip_sentence(data, name, m, reference, lang)
                  for m in ("public_value_index", "trust_mean")]
    question = str(info.get("question") or "").lower()
    named = list(dict.fromkeys(metric for term, metric in _QUESTION_TERMS
                               if term in question and metric in data.columns))
    sentences += [_level_sentence(data, name, m, lang) for m in named]
    sentences.append(_equity_sentence(data, name, lang))
    if baseline and baseline != name and baseline in set(data["scenario"]):
        sentences += _effect_sentences(data, name, baseline, labels, quantiles, lang)
    return sentences


def comparison_answer(frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                      quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                      lang: str = "en") -> list[str]:
    """Which scenario is highest on each headline outcome, and by how much.

    Compared at the last month every scenario has. The lead of the highest over the second
    is a paired difference on the same seeds (and parameter draws); it is "larger than the
    variation across replicates" when its quantile band excludes zero. The replicates vary
    by their seed and, where the runs drew parameters from a table, by their draw.

    Returns:
        One sentence per metric of :data:`KEY_METRICS`; none for a single scenario.
    """
    _ = _translator(lang)
    data = tidy(frame)
    names = list(dict.fromkeys(data["scenario"].astype(str)))
    if len(names) < 2:
        return []
    month = int(data.groupby("scenario")["step"].max().min())
    at = data[data["step"] == month]
    sentences = []
    for metric in KEY_METRICS:
        medians = at.groupby("scenario")[metric].median().reindex(names)
        order = list(medians.sort_values(ascending=False, kind="stable").index)
        first, second = order[0], order[1]
        lead = paired_effect(data, first, second, metric, step=month, quantiles=quantiles)
        ranking = ", ".join(f"{scenario_label(n, labels, lang)} "
                            f"{format_value(float(medians[n]), metric, lang)}" for n in order)
        if lead.replicates < 2:
            verdict = _("one replicate: no band to judge it by")
        elif lead.clear:
            verdict = _("larger than the variation across replicates")
        else:
            verdict = _("within the variation across replicates: no clear difference")
        sentences.append(_("{metric}, month {month}: highest under {first}, {lead} above "
                           "{second} (paired band {low} to {high}; {verdict}). All: "
                           "{ranking}.").format(
            metric=metric_label(metric, lang), month=month,
            first=scenario_label(first, labels, lang),
            lead=format_value(lead.median, metric, lang, difference=True),
            second=scenario_label(second, labels, lang),
            low=format_value(lead.low, metric, lang, difference=True),
            high=format_value(lead.high, metric, lang, difference=True),
            verdict=verdict, ranking=ranking))
    return sentences


def gap_answer(frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
               quantiles: tuple[float, float] = DEFAULT_QUANTILES,
               lang: str = "en") -> list[str]:
    """For whom: the scenario with the widest gap in taking part, top minus bottom quintile.

    Compared at the last month every scenario has, on the medians across replicates of
    ``participation_q5``, ``participation_q1`` and ``participation_gap``; the widest gap's
    lead over the next widest is a paired difference on the same seeds (as in
    :func:`comparison_answer`).

    Returns:
        One sentence (naming the scenario, its top and bottom quintile, and every other
        scenario's); none for a single scenario or a frame without the quintile columns.
    """
    _ = _translator(lang)
    data = tidy(frame)
    names = list(dict.fromkeys(data["scenario"].astype(str)))
    needed = ("participation_q5", "participation_q1", "participation_gap")
    if len(names) < 2 or not all(column in data.columns for column in needed):
        return []
    month = int(data.groupby("scenario")["step"].max().min())
    at = data[data["step"] == month].groupby("scenario")
    medians = {column: at[column].median().reindex(names) for column in needed}
    order = list(medians["participation_gap"].sort_values(ascending=False, kind="stable")
                 .index)
    first, second = order[0], order[1]
    lead = paired_effect(data, first, second, "participation_gap", step=month,
                         quantiles=quantiles)
    if lead.replicates < 2:
        verdict = _("one replicate: no band to judge it by")
    elif lead.clear:
        verdict = _("larger than the variation across replicates")
    else:
        verdict = _("within the variation across replicates: no clear difference")

    def pair(name: str) -> str:
        return _("{top} of the top quintile against {bottom} of the bottom").format(
            top=format_value(float(medians["participation_q5"][name]), "participation_q5",
                             lang),
            bottom=format_value(float(medians["participation_q1"][name]), "participation_q1",
                                lang))

    others = "; ".join(f"{scenario_label(n, labels, lang)} {pair(n)}" for n in order[1:])
    return [_("For whom, month {month}: the gap in taking part between the top and the "
              "bottom resource quintile is widest under {first}: {pair}, a gap of {gap} "
              "({lead} wider than under {second}; {verdict}). Others: {others}.").format(
        month=month, first=scenario_label(first, labels, lang), pair=pair(first),
        gap=format_value(float(medians["participation_gap"][first]), "participation_gap",
                         lang, difference=True).lstrip("+"),
        lead=format_value(lead.median, "participation_gap", lang, difference=True),
        second=scenario_label(second, labels, lang), verdict=verdict, others=others)]


def band_text(manifest: Mapping[str, Any] | None, frame: pd.DataFrame,
              lang: str = "en") -> str:
    """What the bands show: ``manifest["bands"]`` where given, else the seed variation.

    ``manifest["bands"]`` may be a text, a list of texts or a mapping (its values are
    used); the default is "seed variation (N seeds)" with N the replicates in the frame.
    """
    _ = _translator(lang)
    given = (manifest or {}).get("bands")
    if isinstance(given, Mapping):
        given = list(given.values())
    if isinstance(given, list | tuple):
        given = "; ".join(dict.fromkeys(str(v) for v in given if v))
    if isinstance(given, str) and given.strip():
        return _known_band(given.strip(), lang)
    data = tidy(frame)
    seeds = int(data.groupby("scenario")["replicate"].nunique().max())
    return _("seed variation ({n} seeds)").format(n=seeds)


#: The texts ``governance_sim.uncertainty.bands_label`` writes, to be translated.
_BAND_PATTERNS = (
    (re.compile(r"seed variation \((?P<n>\d+) seeds?\)"), "seed"),
    (re.compile(r"parameter uncertainty \((?P<n>\d+) draws? from (?P<table>.+)\)"), "draws"),
    (re.compile(r"seed variation and parameter uncertainty \((?P<n>\d+) replicates, each its "
                r"own seed and parameter draw\)"), "both"),
)


def _known_band(text: str, lang: str) -> str:
    """``text`` in ``lang`` where it is one of the manifest's known band texts, else as is."""
    if lang == "en":
        return text
    _ = _translator(lang)
    for pattern, kind in _BAND_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if kind == "seed":
            return _("seed variation ({n} seeds)").format(n=match["n"])
        if kind == "draws":
            return _("parameter uncertainty ({n} draws from {table})").format(
                n=match["n"], table=match["table"])
        return _("seed variation and parameter uncertainty ({n} replicates, each its own seed "
                 "and parameter draw)").format(n=match["n"])
    return text


def band_sentences(frame: pd.DataFrame, metrics: Sequence[str], band: str, *,
                   quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                   lang: str = "en") -> list[str]:
    """What the bands show, and each metric whose band is thinner than its line."""
    _ = _translator(lang)
    sentences = [_("Bands: the {low}-{high} % quantiles across replicates, {band}.").format(
        low=round(100 * quantiles[0]), high=round(100 * quantiles[1]), band=band)]
    for metric, width in thin_bands(frame, metrics, quantiles=quantiles).items():
        bound = max(math.ceil(width * 1000 - 1e-9), 1) / 1000  # an upper bound as printed
        sentences.append(_("{metric}: the band is thinner than the line: the replicates "
                           "agree to within {width}.").format(metric=metric_label(metric, lang),
                                                     width=format_value(bound, metric, lang)))
    return sentences
