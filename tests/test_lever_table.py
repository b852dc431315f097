"""Overrides of single cells of the lever table (``Params.lever_table``)."""

import pytest

import governance_sim as gs
from governance_sim.logics import profile
from governance_sim.params import ParameterError, Params


def test_a_cell_override_changes_only_its_logic_and_its_share_of_a_mix():
    cells = {"npm": {"sanctions": 0.9}}
    assert profile("npm", cells).sanctions == 0.9
    assert profile("bureaucracy", cells).sanctions == profile("bureaucracy").sanctions
    mix = {"npm": 0.5, "bureaucracy": 0.5}
    assert profile(mix, cells).sanctions == pytest.approx(
        0.5 * 0.9 + 0.5 * profile("bureaucracy").sanctions)


def test_a_cell_acts_after_a_switch_to_its_logic_and_not_before():
    switch = [{"kind": "switch_logic", "step": 6, "logic": "co_creation"}]
    plain = gs.run(Params(n_citizens=800, logic="npm", events=switch), steps=12, seed=2)
    narrow = gs.run(Params(n_citizens=800, logic="npm", events=switch,
                           lever_table={"co_creation": {"arena_reach": 0.0}}), steps=12, seed=2)
    before, after = slice(0, 5), slice(8, 12)
    a, b = plain.timeseries.participation_rate, narrow.timeseries.participation_rate
    assert list(a.iloc[before]) == list(b.iloc[before])  # npm governs: the cell is idle
    assert b.iloc[after].mean() < a.iloc[after].mean()  # no invitations under co-creation


@pytest.mark.parametrize("table, message", [
    ({"anarchy": {"sanctions": 0.1}}, "unknown logic 'anarchy'"),
    ({"npm": {"magic": 0.1}}, "unknown lever 'magic'"),
    ({"npm": {"sanctions": 7}}, "must be a number in"),
    (["npm"], "lever_table must be a mapping"),
])
def test_bad_cells_are_refused_with_what_is_allowed(table, message):
    with pytest.raises(ParameterError, match=message):
        Params(lever_table=table)
