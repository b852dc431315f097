"""governance-sim: an agent-based model of how the public sector is governed.

Citizens, professionals, leaders and politicians behave by the logic of classical
bureaucracy, New Public Management or co-creation, or a mix, and the model follows trust,
participation and public value over time, and for whom.

Quick use::

    import governance_sim as gs
    results = gs.run("co_creation", steps=200, seed=1)
    results.timeseries[["trust_mean", "participation_rate", "public_value_index"]]

A sweep from Python (a tidy DataFrame, one row per run; nothing written unless ``out=``)::

    table = gs.sweep(levers={"logic": ["npm", "co_creation"]},
                     uncertainties={"initial_trust": [0.35, 0.55, 0.75]},
                     settings={"n_citizens": 2000, "n_units": 20},
                     outcomes={"trust_final": "trust_mean"},
                     steps=60, replicates=3, seed=7)
    table.groupby(["logic", "initial_trust"])["trust_final"].mean().unstack()

    gs.Params.describe()            # every parameter: default, range, unit, source
    gs.run_many("co_creation", replicates=10)    # replicates as one tidy frame
    gs.GovernanceModel(rng=np.random.default_rng(3))    # the Mesa model, Mesa's way

``sweep``, ``run_many``, ``compare`` and the Mesa classes are imported on first use, so
``import governance_sim`` stays light (no pandas, Mesa or Dask).
"""

from governance_sim.logics import LEVER_TABLE, LogicProfile, profile
from governance_sim.metrics import METRICS
from governance_sim.params import LOGIC_NAMES, Event, ParameterError, Params, UserInputError
from governance_sim.results import Results
from governance_sim.roles import Role
from governance_sim.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario
from governance_sim.simulation import Simulation, run

#: Names that need Mesa, imported on first use so that ``import governance_sim`` and
#: ``governance_sim.run`` (sweep workers, the app) do not pay for importing Mesa.
_MESA_NAMES = ("Citizen", "GovernanceModel", "Leader", "Politician", "Professional")

#: Replicates and comparisons (pandas, tqdm), imported on first use.
_ENSEMBLE_NAMES = ("Comparison", "compare", "run_many")


def __getattr__(name: str) -> object:
    if name in _MESA_NAMES:
        from governance_sim import model

        return getattr(model, name)
    if name in _ENSEMBLE_NAMES:
        from governance_sim import ensemble

        return getattr(ensemble, name)
    if name == "sweep":
        # the sweep package (pandas, SALib, Dask) is callable: gs.sweep(...) runs a sweep and
        # returns a DataFrame (governance_sim.sweep.notebook.sweep); importing it binds it
        # here, so this runs once
        import governance_sim.sweep

        return governance_sim.sweep
    raise AttributeError(f"module 'governance_sim' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    "LOGIC_NAMES",
    "LEVER_TABLE",
    "METRICS",
    "Citizen",
    "Event",
    "GovernanceModel",
    "Leader",
    "LogicProfile",
    "Comparison",
    "ParameterError",
    "Params",
    "Politician",
    "Professional",
    "Results",
    "Role",
    "Scenario",
    "Simulation",
    "UserInputError",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
    "profile",
    "run",
    "run_many",
    "compare",
    "sweep",
    "__version__",
]
