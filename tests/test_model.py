"""The Mesa model, agent views, batch_run and the public run() API."""

import pickle

import mesa
import numpy as np
import pytest

import governance_sim as gs
from governance_sim import Citizen, GovernanceModel, Leader, Politician, Professional
from governance_sim.metrics import METRICS, PV_COMPONENTS

SMALL = dict(n_citizens=800, n_units=8, professionals_per_unit=3, n_politicians=9)
REQUIRED = ["trust_mean", "participation_rate", "public_value_index", "social_capital",
            "motivation_mean", "participation_gap", "outcome_bottom_quintile", "cost"]


def test_run_returns_the_documented_columns_and_steps():
    results = gs.run("co_creation", steps=12, seed=1, n_citizens=1000, n_units=10)
    frame = results.timeseries
    assert frame.index.name == "step" and list(frame.index) == list(range(13))
    for column in REQUIRED + list(PV_COMPONENTS):
        assert column in frame.columns
    manifest = results.manifest
    assert manifest["seed"] == 1 and manifest["steps"] == 12
    assert manifest["scenario"] == "co_creation"
    assert manifest["params"]["logic"] == "co_creation"
    assert {"governance-sim", "mesa", "numpy", "python"} <= set(manifest["versions"])


def test_run_twice_is_identical_and_seed_none_is_recorded():
    a = gs.run(gs.Params(**SMALL), steps=5, seed=3).timeseries
    b = gs.run(gs.Params(**SMALL), steps=5, seed=3).timeseries
    assert a.equals(b)
    fresh = gs.run(gs.Params(**SMALL), steps=1, seed=None)
    assert isinstance(fresh.manifest["seed"], int)


def test_results_round_trip_through_parquet_and_csv(tmp_path):
    results = gs.run(gs.Params(**SMALL), steps=4, seed=2)
    back = gs.Results.read_parquet(results.to_parquet(tmp_path / "a" / "ts.parquet"))
    assert back.timeseries.equals(results.timeseries)
    assert back.manifest == results.manifest
    csv = results.to_csv(tmp_path / "ts.csv").read_text()
    assert csv.splitlines()[0].startswith("step,trust_mean")
    assert not list(tmp_path.glob("**/.ts*"))  # no temporary files left behind


def test_unwritable_path_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    results = gs.run(gs.Params(**SMALL), steps=1, seed=2)
    with pytest.raises(gs.UserInputError, match="cannot write"):
        results.to_csv(blocker / "sub" / "ts.csv")


@pytest.mark.parametrize("bad", [dict(steps=-1), dict(steps=2.5), dict(seed=-3),
                                 dict(seed="x")])
def test_bad_run_arguments_are_user_errors(bad):
    kwargs = dict(steps=1, seed=1) | bad
    with pytest.raises(gs.UserInputError):
        gs.run(gs.Params(**SMALL), **kwargs)


def test_unknown_scenario_suggests_the_closest():
    with pytest.raises(gs.ScenarioError, match="did you mean 'co_creation'"):
        gs.run("co_creaton", steps=1)


def test_agent_views_are_thin_views_onto_array_rows():
    model = GovernanceModel(gs.Params(**SMALL), rng=4)
    citizens = model.agents_by_type[Citizen]
    assert len(citizens) == SMALL["n_citizens"]
    assert len(model.agents_by_type[Professional]) == 24
    assert len(model.agents_by_type[Leader]) == 8
    assert len(model.agents_by_type[Politician]) == 9
    model.step()
    mean_trust = citizens.agg("trust", np.mean)
    assert mean_trust == pytest.approx(model.population.citizens.trust.mean())
    trusting = citizens.select(lambda a: a.trust > 0.6)
    assert len(trusting) == int((model.population.citizens.trust > 0.6).sum())
    by_quintile = citizens.groupby("quintile").agg("trust", np.mean)
    assert set(by_quintile) == {1, 2, 3, 4, 5}
    first = citizens.to_list()[0]
    first.trust = 0.123  # a view writes through to the array
    assert model.population.citizens.trust[first.index] == 0.123


def test_large_populations_create_views_only_on_request():
    model = GovernanceModel(gs.Params(n_citizens=30_000, n_units=30), rng=1, view_limit=1000)
    assert len(model.agents) == 0
    some = model.create_views("citizen", [5, 7])
    assert [a.index for a in some] == [5, 7]
    assert some.to_list()[0].trust == model.population.citizens.trust[5]
    assert len(model.create_views("citizen", [5])) == 1 and len(model.agents) == 2
    with pytest.raises(IndexError):
        model.create_views("citizen", [30_000])


def test_datacollector_records_every_metric_and_the_model_pickles():
    model = GovernanceModel(gs.Params(**SMALL), rng=1, agent_views=False)
    model.step()
    model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == [m.name for m in METRICS] and len(frame) == 3
    clone = pickle.loads(pickle.dumps(model))
    clone.step()
    model.step()
    assert clone.latest == model.latest


def test_mesa_batch_run():
    rows = mesa.batch_run(
        GovernanceModel,
        parameters={"logic": ["npm", "co_creation"], "n_citizens": 300, "n_units": 5,
                    "agent_views": False},
        rng=[1, 2],
        max_steps=4,
        number_processes=1,
        display_progress=False,
    )
    assert len(rows) == 4
    assert {row["logic"] for row in rows} == {"npm", "co_creation"}
    assert all(row["Step"] == 4 for row in rows)
    same = [row["trust_mean"] for row in rows if row["logic"] == "npm"]
    assert len(set(same)) == 2  # two seeds differ
    # batch_run and run() are the same model: same seed, same numbers
    direct = gs.run(gs.Params(logic="npm", n_citizens=300, n_units=5), steps=4, seed=1)
    # batch_run names the column "seed" for a model whose signature has seed= (Mesa 3.5)
    batch = next(r for r in rows if r["logic"] == "npm" and r["seed"] == 1)
    assert batch["trust_mean"] == direct.timeseries["trust_mean"].iloc[4]
