"""Every shipped scenario loads, documents itself and runs; the documented scalings hold."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

import governance_sim as gs
from governance_sim.metrics import METRICS
from governance_sim.scenarios import scenario_dir

NAMES = gs.list_scenarios()

#: The named scenarios (docs/scenarios.md), one file each.
REQUIRED = {
    "bureaucracy", "npm", "co_creation", "layered", "npm_reform", "npm_to_co_creation",
    "co_creation_low_trust", "leave_no_one_behind", "wigan_deal", "trondheimsloftet",
    "nordic_trust_shock", "wellbeing", "hard_targets",
}

SMALL = {"n_citizens": 1000, "n_units": 20}


def test_every_named_scenario_is_shipped():
    assert REQUIRED <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_documents_itself(name):
    scenario = gs.load_scenario(name)
    assert scenario.name == name, "the [scenario] name must equal the file name"
    assert len(scenario.description) > 80
    assert scenario.question.strip()
    assert len(scenario.sources) >= 2
    assert all(len(source) > 10 for source in scenario.sources)
    text = (scenario_dir() / f"{name}.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    # every event and every parameter over the defaults is something the file explains
    if raw.get("events") or set(raw.get("params", {})) - {"logic"}:
        assert text.count("#") >= 3 or len(scenario.sources) >= 4, (
            f"{name}: events or parameters over the defaults need scaling notes or sources")


@pytest.mark.parametrize("name", ["bureaucracy", "npm", "co_creation"])
def test_baselines_keep_their_logic(name):
    assert gs.load_scenario(name).params.logic == name


@pytest.mark.parametrize("name", NAMES)
def test_scenario_runs_through_its_events_at_small_size(name):
    scenario = gs.load_scenario(name)
    last_event = max((e.step for e in scenario.params.events), default=0)
    steps = min(scenario.steps, last_event + 2) if last_event else 3
    results = gs.run(scenario.params.replace(**SMALL), steps=steps, seed=3)
    frame = results.timeseries
    assert len(frame) == steps + 1
    assert list(frame.columns) == [m.name for m in METRICS]
    assert np.isfinite(frame.to_numpy()).all()
    for column in ("trust_mean", "participation_rate", "public_value_index"):
        assert frame[column].between(0.0, 1.0).all()


def test_initial_trust_values_are_cited():
    for name in NAMES:
        scenario = gs.load_scenario(name)
        raw = scenario.raw.get("params", {})
        if "initial_trust" in raw:
            percent = f"{round(raw['initial_trust'] * 100)} %"
            assert any(percent in source for source in scenario.sources), (name, percent)


def test_wigan_scaling():
    events = {e.kind: e for e in gs.load_scenario("wigan_deal").params.events}
    cut = events["budget_change"]
    assert (cut.factor, cut.duration) == (0.6, 96)  # 40 % over about eight years
    lever = events["set_levers"].levers["facilitation_investment"]
    params = gs.Params()
    assert lever == pytest.approx(10 / 231 / params.facilitation_cost, abs=0.01)
    # the counterfactual is the same council with the same cut and nothing else
    without = gs.load_scenario("wigan_without_deal").params
    assert [e for e in without.events] == [cut]
    assert without.replace(events=()) == gs.load_scenario("wigan_deal").params.replace(
        events=(), logic="npm")


def test_trondheim_scaling():
    scenario = gs.load_scenario("trondheimsloftet")
    assert scenario.steps == 12 * 12
    panels = [e for e in scenario.params.events if e.kind == "citizens_panel"]
    residents = 200_000
    expected = [math.ceil(16 * scenario.params.n_citizens / residents),
                math.ceil(50 * scenario.params.n_citizens / residents)]
    assert [p.members for p in panels] == expected


def test_nordic_trust_shock_reproduces_the_fall_it_was_calibrated_to():
    """Norway's mean trust in government 6.2 -> 5.0 on 0-10 (DFØ 2021 -> 2023, 24 months)."""
    scenario = gs.load_scenario("nordic_trust_shock")
    falls = []
    for seed in (1, 2):
        frame = gs.run(scenario, steps=24, seed=seed).timeseries
        assert frame["trust_mean"].iloc[0] == pytest.approx(0.62, abs=0.01)
        falls.append(frame["trust_mean"].iloc[0] - frame["trust_mean"].iloc[24])
    assert np.median(falls) == pytest.approx(0.12, abs=0.02)


def test_wellbeing_weights_follow_the_documented_goal_count():
    params = gs.load_scenario("wellbeing").params
    # 7 Welsh well-being goals mapped to components + 1 for involvement (legitimacy)
    goals = (params.pv_weight_outcomes + params.pv_weight_future
             + params.pv_weight_social_capital + params.pv_weight_equity)
    assert goals == 7
    assert params.pv_weight_legitimacy == 1
    assert params.pv_weight_cost_efficiency < 1


# --- What the scenarios show (docs/scenarios.md), re-measured on the field-grounded model ---
# Each test runs a scenario and its counterfactual on the same seed (common random numbers)
# and checks the effect docs/scenarios.md reports, with a margin of about half the effect
# measured on seeds 1-3, so a change in the model that removes or reverses it fails.


def _pair(name, other, seed=1, steps=None, **other_overrides):
    scenario = gs.load_scenario(name)
    steps = steps or scenario.steps
    base = gs.load_scenario(other).params
    if other_overrides:
        base = base.replace(**other_overrides)
    return (gs.run(scenario, steps=steps, seed=seed).timeseries,
            gs.run(base, steps=steps, seed=seed).timeseries)


def test_wigan_deal_raises_trust_and_participation_not_outcomes():
    deal, without = _pair("wigan_deal", "wigan_without_deal")
    assert (deal.loc[:23] == without.loc[:23]).all().all()  # identical until the Deal
    end = deal.iloc[-1], without.iloc[-1]
    assert end[0]["trust_mean"] - end[1]["trust_mean"] >= 0.05  # measured +0.097
    assert end[0]["participation_rate"] >= 1.5 * end[1]["participation_rate"]  # x2.1
    assert end[0]["service_value"] - end[1]["service_value"] <= -0.03  # measured -0.068
    assert abs(end[0]["public_value_index"] - end[1]["public_value_index"]) <= 0.02  # -0.001
    # most leaders fall back to control while the budget falls, not for good (dip tolerance)
    reverted = deal["reverted_share"]
    assert reverted.loc[60:84].mean() >= 0.5  # measured 0.92
    assert reverted.iloc[-1] <= 0.5 * reverted.max()  # measured 0.16 of at most 0.93


def test_leave_no_one_behind_narrows_taking_part_but_not_trust():
    targeted, untargeted = _pair("leave_no_one_behind", "co_creation")
    after = slice(25, None)

    def ratio(frame):
        return (frame["participation_q5"].iloc[after].mean()
                / frame["participation_q1"].iloc[after].mean())

    assert ratio(targeted) <= ratio(untargeted) - 0.3  # measured 1.43 against 2.01
    assert ratio(targeted) >= 1.0  # toward one, not past it
    assert abs(targeted["participation_rate"].iloc[after].mean()
               - untargeted["participation_rate"].iloc[after].mean()) <= 0.005
    gap = [frame["trust_q5"].iloc[-1] - frame["trust_q1"].iloc[-1]
           for frame in (targeted, untargeted)]
    assert abs(gap[0] - gap[1]) <= 0.01  # measured 0.090 against 0.092


def test_npm_to_co_creation_dips_then_overtakes_npm():
    switched, npm = _pair("npm_to_co_creation", "npm")
    difference = switched["public_value_index"] - npm["public_value_index"]
    assert difference.loc[40:52].min() <= -0.035  # measured -0.066 (month 44)
    assert difference.loc[100] <= -0.013  # still in the dip after five years (-0.027)
    assert difference.iloc[-1] >= 0.007  # overtaken by month 180 (measured +0.014)
    # leaders do not revert at the switch but during the dip, and that lengthens it
    reverted = switched["reverted_share"]
    assert reverted.loc[40:43].max() <= 0.1  # measured 0 (0.01 on seeds 4-5), was 0.95
    assert reverted.loc[55:100].max() >= 0.4  # measured 0.77
    patient = gs.run(gs.load_scenario("npm_to_co_creation").params.replace(
        leader_patience=600.0), steps=180, seed=1).timeseries
    faster = (patient["public_value_index"] - switched["public_value_index"]).loc[100]
    assert faster >= 0.01  # measured +0.020: never-reverting leaders cross 20 months sooner


def test_npm_leaders_do_not_revert():
    npm, bureaucracy = _pair("npm", "bureaucracy")
    assert npm["reverted_share"].max() <= 0.05  # measured 0 in every month
    assert npm["facilitation_mean"].iloc[-1] >= 0.08  # NPM's own 0.1, not a quarter of it
    assert bureaucracy["cost"].iloc[-1] - npm["cost"].iloc[-1] >= 0.03  # measured 0.061


def test_hard_targets_trade_relational_work_for_output_and_scar_motivation():
    targets, bureaucracy = _pair("hard_targets", "bureaucracy")
    during = targets.loc[59], bureaucracy.loc[59]
    assert during[0]["measured_output"] >= 1.3 * during[1]["measured_output"]  # +64 %
    assert during[0]["relational_quality"] <= 0.7 * during[1]["relational_quality"]  # -52 %
    assert during[0]["trust_mean"] - during[1]["trust_mean"] >= -0.005  # not lower (+0.003)
    lost = during[1]["motivation_mean"] - during[0]["motivation_mean"]
    left = bureaucracy["motivation_mean"].iloc[-1] - targets["motivation_mean"].iloc[-1]
    assert lost >= 0.01  # 0.12 SD
    assert left >= 0.15 * lost  # a quarter still there nine years after the removal


def test_co_creation_low_trust_stays_in_the_low_state():
    low, baseline = _pair("co_creation_low_trust", "co_creation")
    after = slice(25, None)
    assert (low["participation_rate"].iloc[after].mean()
            <= 0.6 * baseline["participation_rate"].iloc[after].mean())  # 2.6 % against 6.0 %
    assert 0.30 <= low["trust_mean"].iloc[-1] <= 0.40  # neither take-off nor collapse


def test_trondheim_promise_does_the_work():
    plan, layered = _pair("trondheimsloftet", "layered")
    assert abs(plan.loc[33, "trust_mean"] - layered.loc[33, "trust_mean"]) <= 0.002
    assert plan["trust_mean"].iloc[-1] - layered["trust_mean"].iloc[-1] >= 0.03  # +0.054


def test_nordic_trust_comes_back_more_slowly_than_it_fell():
    shocked, calm = _pair("nordic_trust_shock", "nordic_trust_shock", events=())
    gap = calm["trust_mean"] - shocked["trust_mean"]
    assert gap.loc[24] >= 0.08
    assert 0.3 * gap.loc[24] <= gap.loc[48] <= 0.7 * gap.loc[24]  # measured 0.46 of it
    assert 0 < gap.iloc[-1] <= 0.25 * gap.loc[24]  # measured 0.11 of it in month 120
