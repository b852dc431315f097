"""Mesa as Mesa users expect: seed= / rng=, SolaraViz's keywords, a network space, SolaraViz."""

import threading
import warnings

import numpy as np
import pytest

import governance_sim as gs
from governance_sim import Citizen, GovernanceModel

SMALL = dict(n_citizens=600, n_units=6, professionals_per_unit=3, n_politicians=9)


def _trust_after(model: GovernanceModel, steps: int = 3) -> np.ndarray:
    for _ in range(steps):
        model.step()
    return model.population.citizens.trust.copy()


def test_seed_and_integer_rng_are_the_same_run_bit_for_bit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning from Mesa's deprecated seed path
        a = GovernanceModel(gs.Params(**SMALL), seed=11, agent_views=False)
    b = GovernanceModel(gs.Params(**SMALL), rng=11, agent_views=False)
    assert a.seed == b.seed == 11
    assert np.array_equal(_trust_after(a), _trust_after(b))
    # and the same as the Mesa-free run()
    direct = gs.run(gs.Params(**SMALL), steps=3, seed=11).timeseries
    assert a.latest["trust_mean"] == direct["trust_mean"].iloc[-1]
    other = GovernanceModel(gs.Params(**SMALL), seed=12, agent_views=False)
    assert not np.array_equal(_trust_after(a), _trust_after(other))


def test_a_generator_as_rng_is_used_reproducibly_and_recorded():
    a = GovernanceModel(gs.Params(**SMALL), rng=np.random.default_rng(3), agent_views=False)
    b = GovernanceModel(gs.Params(**SMALL), rng=np.random.default_rng(3), agent_views=False)
    assert a.seed == b.seed
    after_a = _trust_after(a)
    assert np.array_equal(after_a, _trust_after(b))
    # the generator's one draw is the seed: the run repeats from the recorded seed alone
    again = GovernanceModel(gs.Params(**SMALL), seed=a.seed, agent_views=False)
    assert np.array_equal(_trust_after(again), after_a)
    assert a.manifest()["seed"] == a.seed
    # the generator advances: a second model from it is another run
    shared = np.random.default_rng(3)
    first = GovernanceModel(gs.Params(**SMALL), rng=shared, agent_views=False)
    second = GovernanceModel(gs.Params(**SMALL), rng=shared, agent_views=False)
    assert first.seed == a.seed and second.seed != first.seed


@pytest.mark.parametrize("kwargs, message", [
    (dict(seed=1, rng=2), "give seed= or rng=, not both"),
    (dict(rng="3"), "rng: must be a non-negative integer, a numpy.random.Generator or None"),
    (dict(rng=-1), "rng: must be a non-negative integer"),
    (dict(rng=True), "rng: must be"),
    (dict(seed=2.5), "seed: must be a non-negative integer or None"),
    (dict(seed=np.random.default_rng(1)), "seed: must be a non-negative integer or None"),
    (dict(scenario="co_creation"), "scenario: expected a mesa.experimental.scenarios"),
])
def test_wrong_seed_arguments_are_one_clear_user_error(kwargs, message):
    with pytest.raises(gs.UserInputError, match=message.replace("(", r"\(")):
        GovernanceModel(gs.Params(**SMALL), agent_views=False, **kwargs)


def test_the_keywords_solaraviz_passes_on_reset():
    from mesa.experimental.scenarios import Scenario as MesaScenario

    # what SolaraViz's Reset calls: model parameters as keywords plus a Mesa scenario
    model = GovernanceModel(params="co_creation", logic="npm", n_citizens=700,
                            initial_trust=0.3, seed=5, agent_views=False,
                            scenario=MesaScenario())
    assert model.scenario_name == "co_creation" and model.params.logic == "npm"
    assert model.params.n_citizens == 700 and model.params.initial_trust == 0.3
    assert model.seed == 5 and model.scenario.model is model
    # a Mesa scenario's rng and parameters are used as Mesa's Model uses them
    from_scenario = GovernanceModel(scenario=MesaScenario(rng=9, n_citizens=500, n_units=5),
                                    agent_views=False)
    assert from_scenario.seed == 9 and from_scenario.params.n_citizens == 500
    with pytest.raises(gs.UserInputError, match="must be the same"):
        GovernanceModel(scenario=MesaScenario(rng=9), rng=10, **SMALL)
    with pytest.raises(gs.UserInputError, match="nonsense: unknown parameter"):
        GovernanceModel(scenario=MesaScenario(nonsense=1), **SMALL)


def test_network_space_neighbours_equal_the_models_ties():
    from mesa.discrete_space import Network

    model = GovernanceModel(gs.Params(**SMALL), rng=2)
    assert model._network_space is None  # built on demand only
    space = model.network_space
    assert isinstance(space, Network) and model.network_space is space
    csr = model.population.citizens.network  # the CSR matrix the dynamics use
    assert len(space.all_cells) == SMALL["n_citizens"]
    for i in range(SMALL["n_citizens"]):
        ties = set(csr.indices[csr.indptr[i]:csr.indptr[i + 1]].tolist())
        assert set(space[i].connections) == ties, i
        assert {c.coordinate for c in space[i].neighborhood} == ties
    # the citizens' views sit in their cells
    view = next(a for a in model.agents_by_type[Citizen] if a.index == 17)
    assert list(space[17].agents) == [view]


def test_network_space_of_a_large_model_holds_views_made_later():
    model = GovernanceModel(gs.Params(n_citizens=1500, n_units=10), rng=1, view_limit=100)
    assert len(model.agents) == 0
    space = model.network_space
    assert all(cell.is_empty for cell in space.all_cells)
    (view,) = model.create_views("citizen", [42]).to_list()
    assert list(space[42].agents) == [view]
    first = int(model.population.citizens.neighbours[42, 0])
    assert space[first] in space[42].neighborhood


# --- Mesa users' ways (issue 22) ----------------------------------------------------------
def test_run_model_returns_after_the_planned_steps():
    model = GovernanceModel(gs.Params(**SMALL), steps=10, seed=1, agent_views=False)
    assert model.running
    # Mesa's loop, while model.running: model.step(), in a thread so that a loop that never
    # ends fails the test instead of hanging it
    loop = threading.Thread(target=model.run_model, daemon=True)
    loop.start()
    loop.join(timeout=300)
    assert not loop.is_alive(), f"run_model() still running after {model.steps} steps"
    assert not model.running and model.steps == 10
    assert model.population.municipality.step == 10
    assert len(model.datacollector.get_model_vars_dataframe()) == 11  # months 0-10
    same = gs.run(gs.Params(**SMALL), steps=10, seed=1).timeseries
    assert model.latest["trust_mean"] == same["trust_mean"].iloc[-1]
    model.step()  # stepping on by hand is still fine
    assert model.population.municipality.step == 11 and not model.running
    assert not GovernanceModel(gs.Params(**SMALL), steps=0, agent_views=False).running


def test_removing_a_view_is_refused_and_the_citizen_stays():
    model = GovernanceModel(gs.Params(**SMALL), seed=1)
    view = next(a for a in model.agents_by_type[Citizen] if a.index == 5)
    with pytest.raises(gs.UserInputError, match=r"Citizen\(index=5\) cannot be removed"):
        view.remove()
    assert view in model.agents_by_type[Citizen]  # the view stays, as the citizen does
    assert len(model.agents_by_type[Citizen]) == SMALL["n_citizens"]
    assert model.population.citizens.trust.shape == (SMALL["n_citizens"],)
    with pytest.raises(gs.UserInputError, match="cannot be removed"):
        model.agents_by_type[gs.Professional].do("remove")
    assert len(model.agents) == sum(SMALL[k] for k in ("n_citizens", "n_politicians")) + \
        SMALL["n_units"] * (1 + SMALL["professionals_per_unit"])


@pytest.mark.parametrize("view_class, index", [(Citizen, 10**6), (Citizen, 600),
                                               (Citizen, -1), (Citizen, 2.0),
                                               (gs.Leader, 6), (gs.Politician, True)])
def test_a_view_of_a_row_that_does_not_exist_is_refused_at_once(view_class, index):
    model = GovernanceModel(gs.Params(**SMALL), seed=1, agent_views=False)
    with pytest.raises(gs.UserInputError, match=f"{view_class.__name__} index: must be a "
                                                f"whole number in 0..") as refused:
        view_class(model, index)
    assert "got" in str(refused.value)
    assert len(model.agents) == 0  # nothing half-made joined the model
    assert len(model.network_space.all_cells) == SMALL["n_citizens"]  # still builds
    assert Citizen(model, np.int64(599)).index == 599  # the last row, a numpy integer


def test_agent_reporters_record_the_views_trust_and_participation():
    with pytest.raises(gs.UserInputError, match="agent_reporters=True"):
        GovernanceModel(gs.Params(**SMALL), seed=1).datacollector.get_agent_vars_dataframe()
    model = GovernanceModel(gs.Params(**SMALL), steps=3, seed=1, agent_reporters=True)
    model.run_model()
    table = model.datacollector.get_agent_vars_dataframe()
    assert list(table.columns) == ["role", "index", "trust", "participating"]
    citizens = table[table["role"] == "citizen"]
    assert len(citizens) == 4 * SMALL["n_citizens"]  # months 0-3
    last = citizens.xs(3, level="Step").sort_values("index")
    assert np.array_equal(last["trust"].to_numpy(), model.population.citizens.trust)
    assert np.array_equal(last["participating"].to_numpy(dtype=bool),
                          model.population.citizens.participating)
    assert table[table["role"] == "leader"]["trust"].isna().all()
    own = GovernanceModel(gs.Params(**SMALL), steps=1, seed=1,
                          agent_reporters={"efficacy": "efficacy"}, agent_views=False)
    own.create_views("citizen", [0, 1])
    own.step()
    # views made after month 0 are recorded from the next step on
    assert own.datacollector.get_agent_vars_dataframe().shape == (2, 1)
    with pytest.raises(gs.UserInputError, match="agent_reporters: must be True, False or"):
        GovernanceModel(gs.Params(**SMALL), agent_reporters="trust")


def test_network_sample_holds_whole_units_their_ties_and_views():
    from mesa.discrete_space import Network

    model = GovernanceModel(gs.Params(**SMALL), seed=4, agent_views=False)
    space = model.network_sample(150)
    assert isinstance(space, Network) and model.network_sample(150) is space
    citizens = model.population.citizens
    index = np.array([next(iter(space[k].agents)).index for k in range(len(space.all_cells))])
    units = set(citizens.unit[index].tolist())
    assert len(index) >= 150 and np.array_equal(index, np.flatnonzero(
        np.isin(citizens.unit, list(units))))  # whole units, nobody else
    listens = {(int(i), int(j)) for i in index for j in citizens.neighbours[i]}
    for a, b in space.G.edges:
        assert (index[a], index[b]) in listens or (index[b], index[a]) in listens
    assert space.G.number_of_edges() > 0
    view = next(iter(space[3].agents))
    assert isinstance(view, Citizen) and view.cell is space[3] and view.index == index[3]
    with pytest.raises(gs.UserInputError, match="size: must be a positive whole number"):
        model.network_sample(0)


# --- the SolaraViz page, rendered without a browser (as Mesa's own tests do) ---------------
def _render_page(model_holder):
    solara = pytest.importorskip("solara", reason="the viz extra (mesa[viz]) is not installed")
    from governance_sim.app.solara_page import make_page

    @solara.component
    def App():
        with solara.AppLayout():  # SolaraViz puts its controls in the app's sidebar
            make_page("co_creation", n_citizens=1000, seed=3, model=model_holder)

    return solara.render(App(), handle_error=False)


def test_solaraviz_page_steps_moves_sliders_and_resets():
    solara = pytest.importorskip("solara", reason="the viz extra (mesa[viz]) is not installed")
    import ipyvuetify as vw

    from governance_sim.app.solara_page import initial_model, model_params

    holder = solara.reactive(initial_model(model_params("co_creation", n_citizens=1000,
                                                        seed=3)))
    first = holder.value
    assert (first.params.n_citizens, first.seed, first.scenario_name) == (1000, 3,
                                                                          "co_creation")
    _, rc = _render_page(holder)
    labels = {w.widget.label for w in rc.find(vw.Slider)}
    assert {"Citizens", "Starting trust", "Seed"} <= labels

    rc.find(vw.Btn, children=["Step"]).widget.click()
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert holder.value is first and first.steps == 2

    rc.find(vw.Slider, label="Citizens").widget.v_model = 2500
    rc.find(vw.Slider, label="Starting trust").widget.v_model = 0.3
    rc.find(vw.Select, label="Governance logic").widget.v_model = "npm"
    rc.find(vw.Btn, children=["Reset"]).widget.click()

    model = holder.value
    assert model is not first
    assert model.params.n_citizens == 2500 and model.params.initial_trust == 0.3
    assert model.params.logic == "npm" and model.scenario_name == "co_creation"
    assert model.seed == 3 and model.steps == 0
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert model.steps == 1 and 0.0 < model.latest["trust_mean"] < 1.0
    assert not rc.find(vw.Alert).widgets  # no "error in step" message

    # Reset with the same controls repeats the run: same seed, same numbers
    rc.find(vw.Btn, children=["Reset"]).widget.click()
    rc.find(vw.Btn, children=["Step"]).widget.click()
    assert holder.value is not model and holder.value.latest == model.latest


def test_page_rejects_a_starting_value_outside_its_slider():
    pytest.importorskip("solara", reason="the viz extra (mesa[viz]) is not installed")
    from governance_sim.app.solara_page import model_params

    with pytest.raises(gs.ParameterError, match="n_citizens: the page's slider runs"):
        model_params(n_citizens=10)
    with pytest.raises(gs.ScenarioError):
        model_params("no_such_scenario")


def test_the_served_page_component_renders_the_default_scenario():
    solara = pytest.importorskip("solara", reason="the viz extra (mesa[viz]) is not installed")
    import ipyvuetify as vw
    import ipywidgets

    from governance_sim.app import solara_page

    @solara.component
    def App():
        with solara.AppLayout():
            solara_page.Page()

    _, rc = solara.render(App(), handle_error=False)
    assert rc.find(vw.Slider, label="Citizens").widget.v_model == 2000
    assert rc.find(vw.Select, label="Governance logic").widget.v_model == "co_creation"
    # Mesa's network component and the two plots, each a matplotlib image
    images = rc.find(ipywidgets.Image)
    assert len(images.widgets) == 3
    network = bytes(images.widgets[0].value)
    for _ in range(3):
        rc.find(vw.Btn, children=["Step"]).widget.click()
    assert not rc.find(vw.Alert).widgets
    assert bytes(rc.find(ipywidgets.Image).widgets[0].value) != network  # trust moved


def test_the_page_launcher_rejects_a_bad_port_in_one_line(capsys):
    pytest.importorskip("solara", reason="the viz extra (mesa[viz]) is not installed")
    from governance_sim.app.solara_page import main

    with pytest.raises(SystemExit) as stop:
        main(["--port", "70000"])
    assert stop.value.code == 2
    assert "--port: a TCP port runs from 0 to 65535, got 70000" in capsys.readouterr().err
