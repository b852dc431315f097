"""Parameter tables: formats, validation, seeded draws, precedence, sweeps (issue 14 item 1)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from governance_sim.params import Params, UserInputError
from governance_sim.uncertainty import (
    IGNORED_COLUMNS,
    ParameterTable,
    UncertaintyError,
    bands_label,
    builtin_path,
    load_table,
    uncertain_fields,
)

ROOT = Path(__file__).resolve().parents[1]
POSTERIOR = ROOT / "experiments" / "field_calibration" / "result" / "posterior.csv"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped table ---------------------------------------------------------------------
def test_calibrated_table_is_the_field_calibrations_posterior():
    table = load_table("calibrated")
    assert table.kind == "sets" and table.name == "calibrated"
    assert table.n_rows == 22 and len(table.names) == 10
    data = builtin_path("calibrated").read_bytes()
    assert data == POSTERIOR.read_bytes(), "data/parameter_uncertainty.csv is a copy"
    assert table.sha256 == hashlib.sha256(data).hexdigest()
    note = (ROOT / "data" / "parameter_uncertainty.md").read_text(encoding="utf-8")
    assert table.sha256 in note and "not a Bayesian posterior" in note
    posterior = pd.read_csv(POSTERIOR)
    np.testing.assert_array_equal(np.array(table.rows), posterior[list(table.names)].to_numpy())
    assert set(posterior.columns) - set(table.names) == set(IGNORED_COLUMNS)


def test_calibrated_table_is_shipped_in_the_wheel():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert ('"data/parameter_uncertainty.csv" = '
            '"governance_sim/data/parameter_uncertainty.csv"') in text


# --- draws ---------------------------------------------------------------------------------
def test_draws_are_reproducible_and_differ_between_seeds():
    table = load_table("calibrated")
    rows = {tuple(row) for row in table.rows}
    draws = [table.draw(seed) for seed in range(40)]
    assert draws == [table.draw(seed) for seed in range(40)]
    assert all(tuple(d[n] for n in table.names) in rows for d in draws)
    assert len({tuple(d.values()) for d in draws}) >= 15  # 40 draws of 22 rows


def test_draw_stream_is_not_a_model_stream():
    """The draw has its own stream: not the generator any named model stream starts with."""
    from governance_sim.rng import make_streams

    table = load_table("calibrated")
    ours = table.generator(5).random(4)
    for generator in make_streams(5).values():
        assert not np.array_equal(ours, generator.random(4))


def test_ranges_csv_and_toml_draw_uniformly_within_bounds(tmp_path):
    csv = _write(tmp_path, "r.csv", "parameter,low,high,distribution\n"
                 "trust_anchoring,0.01,0.05,uniform\nnetwork_degree,4,9,\n")
    toml = _write(tmp_path, "r.toml", "[ranges]\ntrust_anchoring = { low = 0.01, high = 0.05 }"
                  "\nnetwork_degree = { low = 4, high = 9, distribution = \"uniform\" }\n")
    for path in (csv, toml):
        table = load_table(path)
        assert table.kind == "ranges" and table.names == ("trust_anchoring", "network_degree")
        draws = pd.DataFrame([table.draw(seed) for seed in range(600)])
        assert draws["trust_anchoring"].between(0.01, 0.05).all()
        assert abs(draws["trust_anchoring"].mean() - 0.03) < 0.003
        assert set(draws["network_degree"]) == {4, 5, 6, 7, 8, 9}
        assert all(isinstance(v, int) for v in draws["network_degree"].tolist())
    assert load_table(csv).draw(3) == load_table(toml).draw(3)


def test_bands_labels():
    table = load_table("calibrated")
    assert bands_label(5, None) == "seed variation (5 seeds)"
    assert bands_label(8, table, fixed_seed=True) == (
        "parameter uncertainty (8 draws from calibrated)")
    assert bands_label(8, table) == ("seed variation and parameter uncertainty (8 replicates, "
                                     "each its own seed and parameter draw)")


def test_only_model_parameters_may_be_uncertain():
    fields = uncertain_fields()
    for name in ("n_citizens", "budget", "logic", "levers", "events", "mechanisms"):
        assert name not in fields
    assert fields["network_degree"][2] is True and fields["trust_anchoring"][2] is False
    assert set(fields) <= set(Params.model_fields)


# --- bad tables ----------------------------------------------------------------------------
BAD_TABLES = [
    ("missing.csv", None, "not found"),
    ("t.txt", "a,b\n1,2\n", "is a .csv"),
    ("t.csv", "", "empty"),
    ("t.csv", "trust_anchoring,scar_rate\n", "no rows of values"),
    ("t.csv", "trust_anchorin\n0.1\n", "did you mean trust_anchoring"),
    ("t.csv", "n_citizens\n500\n", "design choice"),
    ("t.csv", "trust_anchoring\n1.5\n", "outside its allowed range"),
    ("t.csv", "trust_anchoring\nabc\n", "not a number"),
    ("t.csv", "trust_anchoring\nnan\n", "finite"),
    ("t.csv", "network_degree\n4.5\n", "whole numbers"),
    ("t.csv", "trust_anchoring,trust_anchoring\n0.1,0.1\n", "appears twice"),
    ("t.csv", "trust_anchoring,scar_rate\n0.1\n", "row 2 has 1 cells"),
    ("t.csv", "wave,implausibility\n1,0.5\n", "no parameter columns"),
    ("t.csv", "parameter,low,high\ntrust_anchoring,0.05,0.01\n", "must be below high"),
    ("t.csv", "parameter,low,high,distribution\ntrust_anchoring,0,0.1,normal\n",
     "unknown distribution"),
    ("t.csv", "parameter,low,high\ntrust_anchoring,0,0.1\ntrust_anchoring,0,0.2\n",
     "given twice"),
    ("t.csv", "parameter,low,high\n", "no parameters"),
    ("t.csv", "parameter,lo,high\nscar_rate,0,0.1\n", "columns parameter, low, high"),
    ("t.toml", "[sets]\nx = 1\n", "one table [ranges]"),
    ("t.toml", "[ranges]\nscar_rate = { low = 0, high = 0.1, sd = 1 }\n", "unknown key"),
    ("t.toml", "[ranges\n", "not valid TOML"),
    ("t.toml", "[ranges]\nlogic = { low = 0, high = 1 }\n", "not an uncertain model"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_TABLES)
def test_bad_tables_are_refused_with_one_clear_message(tmp_path, name, text, expected):
    path = tmp_path / name if text is None else _write(tmp_path, name, text)
    with pytest.raises(UncertaintyError) as caught:
        load_table(path)
    message = str(caught.value)
    assert expected in message and "\n" not in message and len(message) < 3000
    assert isinstance(caught.value, UserInputError)


def test_unknown_builtin_name_is_refused():
    with pytest.raises(UncertaintyError, match="calibrated"):
        load_table("calibrate")


# --- sweeps --------------------------------------------------------------------------------
def _spec(folder: Path, table: str, *, name: str = "spec.toml", constants: str = "",
          levers: str = '"levers.facilitation_targeting" = [0.0, 1.0]') -> Path:
    return _write(folder, name, f"""
[sweep]
name = "u"
steps = 12
replicates = 2
seed = 7
[levers]
{levers}
[constants]
n_citizens = 300
n_units = 10
{constants}
[outcomes]
trust_final = {{ metric = "trust_mean", stat = "final" }}
[uncertainty]
table = "{table}"
""")


def test_sweep_spec_names_a_table_inside_its_folder(tmp_path):
    from governance_sim.sweep import SpecError, load_spec

    _write(tmp_path, "mine.csv", "parameter,low,high\ntrust_anchoring,0.01,0.05\n")
    spec = load_spec(_spec(tmp_path, "mine.csv"))
    assert isinstance(spec.uncertainty, ParameterTable)
    assert spec.uncertainty.names == ("trust_anchoring",)
    assert [o.name for o in spec.outcomes] == ["trust_final", "drawn_trust_anchoring"]
    assert load_spec(_spec(tmp_path, "calibrated")).uncertainty.n_rows == 22
    inner = tmp_path / "inner"
    inner.mkdir()
    for table, expected in (("../mine.csv", "outside the spec's folder"),
                            (str(tmp_path / "mine.csv"), "absolute path"),
                            ("nothere.csv", "not found")):
        with pytest.raises(SpecError, match=expected):
            load_spec(_spec(inner, table))
    varied = _spec(tmp_path, "mine.csv", levers="trust_anchoring = [0.02, 0.04]")
    with pytest.raises(SpecError, match="also varied"):
        load_spec(varied)


def test_sweep_fingerprint_follows_the_tables_content(tmp_path):
    from governance_sim.sweep import load_spec

    table = _write(tmp_path, "mine.csv", "parameter,low,high\ntrust_anchoring,0.01,0.05\n")
    first = load_spec(_spec(tmp_path, "mine.csv")).fingerprint()
    assert load_spec(_spec(tmp_path, "mine.csv")).fingerprint() == first
    table.write_text("parameter,low,high\ntrust_anchoring,0.01,0.06\n", encoding="utf-8")
    assert load_spec(_spec(tmp_path, "mine.csv")).fingerprint() != first


def test_sweep_runs_draw_per_seed_and_record_the_draws(tmp_path):
    from governance_sim.sweep import read_table, run_sweep

    _write(tmp_path, "mine.csv", "parameter,low,high\ntrust_anchoring,0.01,0.09\n")
    run_sweep(_spec(tmp_path, "mine.csv"), tmp_path / "out", workers=1, progress=False)
    runs = read_table(tmp_path / "out")
    assert len(runs) == 4 and runs["drawn_trust_anchoring"].between(0.01, 0.09).all()
    by_seed = runs.groupby("seed")["drawn_trust_anchoring"]
    assert (by_seed.nunique() == 1).all(), "replicate r of every point gets the same draw"
    assert by_seed.first().nunique() == 2, "the two replicates draw differently"
    table = load_table(tmp_path / "mine.csv")
    for seed, value in by_seed.first().items():
        assert value == table.draw(int(seed))["trust_anchoring"]


def test_sweep_constants_win_over_the_table(tmp_path):
    from governance_sim.sweep import SpecError, load_spec, resolve_model

    _write(tmp_path, "two.csv", "parameter,low,high\ntrust_anchoring,0.01,0.09\n"
           "scar_rate,0.0,0.004\n")
    runner = resolve_model(load_spec(_spec(tmp_path, "two.csv",
                                           constants="trust_anchoring = 0.02")))
    assert runner.fixed == ("trust_anchoring",)
    params = runner.params({}, seed=3)
    assert params.trust_anchoring == 0.02
    assert params.scar_rate == load_table(tmp_path / "two.csv").draw(3)["scar_rate"]
    _write(tmp_path, "one.csv", "parameter,low,high\ntrust_anchoring,0.01,0.09\n")
    with pytest.raises(SpecError, match="change nothing"):
        resolve_model(load_spec(_spec(tmp_path, "one.csv", constants="trust_anchoring = 0.02")))


def test_a_spec_with_a_table_keeps_its_name_in_spec_and_manifest(tmp_path):
    from governance_sim.sweep import load_spec, read_manifest, run_sweep

    _write(tmp_path, "mine.csv", "parameter,low,high\ntrust_anchoring,0.01,0.05\n"
           "control_tolerance,0.2,0.4\n")
    spec = load_spec(_spec(tmp_path, "mine.csv"))
    assert spec.name == "u", "the table's last parameter must not rename the sweep"
    run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert read_manifest(tmp_path / "out")["name"] == "u"
