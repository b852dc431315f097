"""Parameters: validated when built, immutable, every field documented."""

import math

import pytest
from pydantic import ValidationError

from governance_sim import Event, ParameterError, Params
from governance_sim.logics import LEVER_TABLE, profile
from governance_sim.params import LEVER_NAMES, FieldInfo


def test_defaults_are_valid_and_frozen():
    params = Params()
    assert params.n_citizens == 10_000
    with pytest.raises(ValidationError):
        params.n_citizens = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"n_citizen": 5}, ["n_citizen", "unknown parameter", "n_citizens"]),
        ({"initial_trust": 1.5}, ["initial_trust", "less than or equal to 1"]),
        ({"initial_trust": math.nan}, ["initial_trust", "finite"]),
        ({"loss_aversion": 0.5}, ["loss_aversion", "greater than or equal to 1"]),
        ({"logic": "market"}, ["logic", "unknown logic 'market'", "bureaucracy"]),
        ({"logic": {"npm": 0.5, "co_creation": 0.4}}, ["logic", "sum to 1", "0.9"]),
        ({"logic": {"npm": 0.5, "guild": 0.5}}, ["unknown logic 'guild'"]),
        ({"logic": {"npm": -0.5, "co_creation": 1.5}}, ["npm", ">= 0"]),
        ({"levers": {"control": 0.5}}, ["levers", "unknown lever 'control'",
                                        "control_intensity"]),
        ({"levers": {"arnstein_rung": 9}}, ["arnstein_rung", "[1, 8]"]),
        ({"n_units": 500, "n_citizens": 100}, ["n_units", "must not exceed n_citizens"]),
        ({"share_conditional": 0.6, "share_free_rider": 0.5}, ["share", "<= 1"]),
        ({"events": [{"kind": "switch_logic", "step": 3}]}, ["events.0", "needs 'logic'"]),
        ({"events": [{"kind": "meteor", "step": 3}]}, ["events.0.kind", "switch_logic"]),
        ({"events": [{"kind": "trust_shock", "step": 3, "size": 2}]}, ["events.0.size"]),
        ({"events": [{"kind": "citizens_panel", "step": 1, "members": 10 ** 6}]},
         ["members", "exceed n_citizens"]),
        ({"n_citizens": "many"}, ["n_citizens", "whole number"]),
    ],
)
def test_bad_values_name_the_field_and_the_rule(changes, names):
    with pytest.raises(ParameterError) as caught:
        Params(**changes)
    message = str(caught.value)
    assert "\n" not in message
    for name in names:
        assert name in message, message


def test_replace_validates_and_keeps_the_rest():
    params = Params(n_citizens=500, n_units=5)
    changed = params.replace(initial_trust=0.3)
    assert changed.initial_trust == 0.3 and changed.n_citizens == 500
    with pytest.raises(ParameterError, match="initial_trust"):
        params.replace(initial_trust=-1)


def test_round_trip_through_a_plain_mapping():
    params = Params(logic={"npm": 0.5, "co_creation": 0.5}, levers={"sanctions": 0.4},
                    events=[Event(kind="trust_shock", step=5, size=0.2, duration=3)])
    again = Params.from_dict(params.to_dict())
    assert again == params


def test_every_field_has_unit_source_and_description():
    rows = FieldInfo.of_params()
    assert [row.name for row in rows] == list(Params.model_fields)
    for row in rows:
        assert row.unit and row.source and row.description and row.group, row
        if isinstance(row.default, int | float) and not isinstance(row.default, bool):
            assert row.low is not None and row.high is not None, row.name
            assert row.low <= row.default <= row.high, row.name


def test_describe_is_a_table_with_one_row_per_parameter():
    table = Params.describe()
    assert list(table.columns) == ["name", "group", "default", "low", "high", "unit",
                                   "source", "description", "kind", "grade"]
    assert list(table["name"]) == list(Params.model_fields)
    row = table.set_index("name").loc["initial_trust"]
    assert (row["low"], row["high"], row["default"]) == (0.0, 1.0, Params().initial_trust)
    assert row["group"] and row["unit"] and row["source"] and row["grade"]
    assert table[table.kind == "float"]["low"].notna().all()  # every float has a range
    # the objects and the table hold the same values
    for info, record in zip(FieldInfo.of_params(), table.to_dict("records"), strict=True):
        assert record["name"] == info.name and record["description"] == info.description


def test_lever_table_rows_match_lever_names_and_have_sources():
    assert tuple(row.name for row in LEVER_TABLE) == LEVER_NAMES
    assert all(row.source and row.unit for row in LEVER_TABLE)


def test_a_mix_is_the_weighted_profile():
    mix = profile({"bureaucracy": 0.3, "npm": 0.5, "co_creation": 0.2})
    for row in LEVER_TABLE:
        expected = 0.3 * row.bureaucracy + 0.5 * row.npm + 0.2 * row.co_creation
        assert getattr(mix, row.name) == pytest.approx(expected)
    assert profile({"npm": 1.0}) == profile("npm")
