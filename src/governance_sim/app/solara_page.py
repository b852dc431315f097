"""A Mesa SolaraViz page: sliders for the logic, population and starting trust; trust plots.

The Mesa way to look at the model: Mesa's ``SolaraViz`` with ``model_params`` (a select
for the governance logic, sliders for the number of citizens, starting trust and the seed)
and Mesa plot components reading the model's ``DataCollector`` (trust and participation;
public value). Reset builds a new :class:`governance_sim.GovernanceModel` from the
controls' values, passed as keywords exactly as SolaraViz passes them. Serve it with::

    solara run governance_sim.app.solara_page

(needs the ``viz`` extra: ``pip install "governance-sim[viz]"``), or show it in a notebook::

    from governance_sim.app.solara_page import make_page
    make_page("co_creation")

``solara run`` serves solara's browser front-end from a public CDN (solara's own
behaviour), so the served page needs internet access in the browser; in Jupyter the widgets
come from the installed packages. The tests render the page without a browser
(``tests/test_mesa_api.py``). The Dash app (``governance-sim app``) is the full, offline
interface; this page is for Mesa users who want the familiar controls.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz, make_plot_component

from governance_sim.model import GovernanceModel
from governance_sim.params import LOGIC_NAMES, FieldInfo, ParameterError
from governance_sim.scenarios import load_scenario

__all__ = ["COMPONENTS", "DEFAULT_SCENARIO", "Page", "make_page", "model_params"]

#: The scenario the page starts from.
DEFAULT_SCENARIO = "co_creation"

#: Citizens the slider offers: small enough to step interactively.
CITIZEN_RANGE = (500, 20_000, 500)

#: What the page plots: metrics of the model's DataCollector (``governance_sim.metrics``).
COMPONENTS = (
    ("trust_mean", "participation_rate"),
    ("public_value_index", "outcome_bottom_quintile"),
)


def _bounds(name: str) -> tuple[float, float]:
    """A parameter's allowed range, from its definition (``FieldInfo``)."""
    info = next(row for row in FieldInfo.of_params() if row.name == name)
    return float(info.low), float(info.high)


def model_params(scenario: str = DEFAULT_SCENARIO, *, n_citizens: int = 2000,
                 seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params``: fixed values and controls for :class:`GovernanceModel`.

    Args:
        scenario: the base scenario (a name of ``governance-sim scenarios``), fixed.
        n_citizens: the citizens slider's starting value.
        seed: the seed slider's starting value.

    Returns:
        Mapping keyword -> fixed value or control description, as SolaraViz takes them:
        ``params`` (the scenario), ``logic`` (select), ``n_citizens``, ``initial_trust`` and
        ``seed`` (sliders), ``agent_views`` (False: the model runs on arrays).

    Raises:
        ScenarioError: unknown scenario.
        ParameterError: a starting value outside the sliders' range.
    """
    base = load_scenario(scenario)
    low, high, step = CITIZEN_RANGE
    if not low <= n_citizens <= high:
        raise ParameterError(f"n_citizens: the page's slider runs from {low} to {high}, got "
                             f"{n_citizens}")
    trust_low, trust_high = _bounds("initial_trust")
    logic = base.params.logic if isinstance(base.params.logic, str) else LOGIC_NAMES[0]
    return {
        "params": base.name,
        "agent_views": False,
        "logic": {"type": "Select", "value": logic, "values": list(LOGIC_NAMES),
                  "label": "Governance logic"},
        "n_citizens": {"type": "SliderInt", "value": int(n_citizens), "min": low,
                       "max": high, "step": step, "label": "Citizens"},
        "initial_trust": {"type": "SliderFloat", "value": float(base.params.initial_trust),
                          "min": trust_low, "max": trust_high, "step": 0.05,
                          "label": "Starting trust"},
        "seed": {"type": "SliderInt", "value": int(seed), "min": 0, "max": 999, "step": 1,
                 "label": "Seed"},
    }


def initial_model(params: dict[str, Any]) -> GovernanceModel:
    """The model the page opens with: the controls' starting values."""
    values = {key: value["value"] if isinstance(value, dict) else value
              for key, value in params.items()}
    return GovernanceModel(**values)


def make_page(scenario: str = DEFAULT_SCENARIO, *, n_citizens: int = 2000, seed: int = 1,
              model: solara.Reactive[GovernanceModel] | None = None) -> Any:
    """The SolaraViz element for the model.

    Args:
        scenario: the base scenario, fixed for the page.
        n_citizens: the citizens slider's starting value.
        seed: the seed slider's starting value.
        model: a reactive holding the model (made from the controls if None); after a
            Reset it holds the new model.

    Returns:
        The ``SolaraViz`` element (display it in a notebook, or render it with solara).
    """
    params = model_params(scenario, n_citizens=n_citizens, seed=seed)
    if model is None:
        model = solara.reactive(initial_model(params))
    components = [make_plot_component(list(measures), page=0) for measures in COMPONENTS]
    return SolaraViz(model, components=components, model_params=params,
                     name=f"governance-sim: {scenario}")


@solara.component
def Page() -> None:
    """The page ``solara run governance_sim.app.solara_page`` serves."""
    model = solara.use_memo(lambda: solara.reactive(initial_model(model_params())), [])
    make_page(model=model)
