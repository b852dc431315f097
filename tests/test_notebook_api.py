"""The notebook API: gs.sweep(...) returns a tidy DataFrame; the package imports lightly."""

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import governance_sim as gs
from governance_sim.sweep import read_table, run_sweep, spec_from_dict

SMALL = {"n_citizens": 400, "n_units": 4, "professionals_per_unit": 3, "n_politicians": 9}
KEYWORDS = dict(levers={"logic": ["npm", "co_creation"]},
                uncertainties={"initial_trust": [0.35, 0.75]},
                constants=SMALL, outcomes={"trust_final": "trust_mean"},
                steps=6, replicates=2, seed=7, progress=False)
SPEC = {"sweep": {"name": "sweep", "steps": 6, "replicates": 2, "seed": 7},
        "levers": {"logic": ["npm", "co_creation"]},
        "uncertainties": {"initial_trust": [0.35, 0.75]},
        "constants": SMALL,
        "outcomes": {"trust_final": {"metric": "trust_mean"}}}


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="elapsed_s"), b.drop(columns="elapsed_s"))


def test_keyword_sweep_is_a_tidy_frame_of_real_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where a temporary folder goes
    table = gs.sweep(**KEYWORDS)
    assert isinstance(table, pd.DataFrame) and len(table) == 2 * 2 * 2
    assert list(table.columns) == ["run_id", "point_id", "replicate", "seed", "logic",
                                   "initial_trust", "trust_final", "status", "error",
                                   "elapsed_s"]
    assert (table["status"] == "ok").all() and table["trust_final"].between(0, 1).all()
    assert table.attrs["sweep"]["out"] is None and table.attrs["sweep"]["runs"] == 8
    assert list(tmp_path.iterdir()) == []  # nothing left on disk without out=
    # each row is the run it names: same parameters and seed through gs.run
    row = table.iloc[5]
    direct = gs.run(gs.Params(logic=row.logic, initial_trust=row.initial_trust, **SMALL),
                    steps=6, seed=int(row.seed)).timeseries
    assert row.trust_final == direct["trust_mean"].iloc[-1]
    # common random numbers: every design point shares the replicate seeds
    assert table.groupby("replicate")["seed"].nunique().eq(1).all()


def test_spec_file_mapping_and_keywords_give_the_same_table(tmp_path):
    by_keywords = gs.sweep(**KEYWORDS)
    by_mapping = gs.sweep(SPEC, progress=False)
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(textwrap.dedent("""
        [sweep]
        name = "sweep"
        steps = 6
        replicates = 2
        seed = 7
        [levers]
        logic = ["npm", "co_creation"]
        [uncertainties]
        initial_trust = [0.35, 0.75]
        [constants]
        n_citizens = 400
        n_units = 4
        professionals_per_unit = 3
        n_politicians = 9
        [outcomes]
        trust_final = { metric = "trust_mean" }
    """))
    by_file = gs.sweep(spec_file, progress=False)
    _same(by_keywords, by_mapping)
    _same(by_keywords, by_file)
    # and the same as the command line's machinery writing a folder
    run_sweep(spec_from_dict(SPEC), tmp_path / "cli", workers=1, progress=False)
    _same(by_keywords, read_table(tmp_path / "cli"))


def test_out_keeps_the_folder_and_a_second_call_resumes(tmp_path):
    out = tmp_path / "kept"
    first = gs.sweep(**KEYWORDS, out=out)
    assert (out / "manifest.json").is_file() and first.attrs["sweep"]["out"] == str(out)
    again = gs.sweep(**KEYWORDS, out=out)
    assert again.attrs["sweep"]["executor"] == "nothing to run"  # every run was recorded
    pd.testing.assert_frame_equal(first, again)
    with pytest.raises(gs.UserInputError):  # another sweep's folder is refused
        gs.sweep(**{**KEYWORDS, "seed": 8}, out=out)


def quadratic(params, seed=None):
    """A custom model: params dict -> outcomes mapping."""
    if params["x"] > 2.5:
        raise ValueError("x too large")
    return {"y": params["x"] ** 2 + params["c"]}


def test_a_python_callable_model_and_failed_runs_warn():
    with pytest.warns(RuntimeWarning, match="1 of 4 runs failed"):
        table = gs.sweep(model=quadratic, factors={"x": [0.0, 1.0, 2.0, 3.0]},
                         constants={"c": 1.0}, outcomes=["y"], progress=False)
    assert list(table["y"].iloc[:3]) == [1.0, 2.0, 5.0]
    assert table["status"].tolist() == ["ok", "ok", "ok", "failed"]
    assert "x too large" in table["error"].iloc[3]
    assert table.attrs["sweep"]["failed"] == 1


@pytest.mark.parametrize("call, message", [
    (lambda: gs.sweep(SPEC, replicates=3), "give a spec or the spec's parts"),
    (lambda: gs.sweep(SPEC, model="linear"), "a spec names its model"),
    (lambda: gs.sweep(12), "spec: expected a spec file path"),
    (lambda: gs.sweep(levers={"no_such": [1, 2]}), "no_such"),
    (lambda: gs.sweep(model=quadratic, factors={"x": [1]}), "name the outcomes"),
    (lambda: gs.sweep(outcomes={"t": "no_metric"}), "unknown metric 'no_metric'"),
    (lambda: gs.sweep(factors={"initial_trust": [0.3]},
                      uncertainties={"initial_trust": [0.4]}), "both factors= and"),
    (lambda: gs.sweep("missing_spec.toml"), "missing_spec.toml"),
])
def test_bad_calls_are_one_clear_user_error(call, message):
    with pytest.raises(gs.UserInputError, match=message.replace("(", r"\(")):
        call()


def test_a_parameter_table_is_drawn_per_run():
    table = gs.sweep(uncertainties={"initial_trust": [0.4, 0.6]}, constants=SMALL,
                     outcomes=["trust_mean"], uncertainty="calibrated", steps=2,
                     replicates=2, progress=False)
    drawn = [c for c in table.columns if c.startswith("drawn_")]
    assert drawn and (table[drawn].nunique() > 1).any()


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gs_sweep_is_callable_however_the_package_was_imported_first():
    # a submodule imported first binds the package as governance_sim.sweep: still callable
    out = _python("import governance_sim.sweep.spec, sys; import governance_sim as gs; "
                  "print(callable(gs.sweep), gs.sweep is sys.modules['governance_sim.sweep'], "
                  "gs.sweep.run_sweep.__name__, 'levers' in str(__import__('inspect')"
                  ".signature(gs.sweep)))")
    assert out.split() == ["True", "True", "run_sweep", "True"]


def test_import_stays_light_and_sweep_loads_on_first_use():
    out = _python("import sys, time; c = time.process_time(); import governance_sim as gs; "
                  "c = time.process_time() - c; "
                  "heavy = [m for m in ('pandas', 'mesa', 'dask', 'solara', "
                  "'governance_sim.sweep') if m in sys.modules]; "
                  "gs.sweep; print(c, heavy, 'governance_sim.sweep' in sys.modules)")
    cpu, rest = out.split(maxsplit=1)
    assert rest.split() == ["[]", "True"]
    assert float(cpu) < 1.5, f"import governance_sim took {cpu} s of CPU"
