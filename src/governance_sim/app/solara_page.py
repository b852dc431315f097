"""A Mesa SolaraViz page: sliders for the logic, population and starting trust; trust plots.

The Mesa way to look at the model: Mesa's ``SolaraViz`` with ``model_params`` (a select
for the governance logic, sliders for the number of citizens, starting trust and the seed)
and Mesa plot components reading the model's ``DataCollector`` (trust and participation;
public value), and Mesa's network component drawing a sample of the citizens
(:meth:`GovernanceModel.network_sample`: a few whole units and their ties, each citizen
coloured by trust, larger while taking part). Reset builds a new
:class:`governance_sim.GovernanceModel` from the controls' values, passed as keywords
exactly as SolaraViz passes them. Serve it with::

    python -m governance_sim.app.solara_page            # http://127.0.0.1:8765/
    python -m governance_sim.app.solara_page --port 9000 --open

(or ``make solara``; needs the ``viz`` extra: ``pip install "governance-sim[viz]"``), or
show it in a notebook::

    from governance_sim.app.solara_page import make_page
    make_page("co_creation")

Offline: the browser's front-end (Vue, Vuetify, require.js, fonts) normally comes from a
public CDN (cdn.jsdelivr.net). The ``viz`` extra installs ``solara-assets``, which puts
those files under ``<environment>/share/solara/cdn``, where solara's server looks first; it
also keeps ipyvue/ipyvuetify below 3, because solara then asks for the Vue 2 front-end
(``@widgetti/solara-vuetify-app@10.1.1``) that solara-assets 1.58.2, the newest on PyPI,
holds (with ipyvue 3 solara 1.64 asks for ``solara-vuetify3-app@5.2.0``, which it does not).
The launcher runs ``solara run`` in production mode (no check-in frame from solara.dev),
without solara's version check against PyPI and with solara's usage statistics off
(``SOLARA_TELEMETRY_MIXPANEL_ENABLE=false``), so neither the browser nor the server reaches
another host (``tests/test_solara_browser.py`` checks both). Plain ``solara run
governance_sim.app.solara_page`` serves the same page but does those three things.

The tests render the page without a browser (``tests/test_mesa_api.py``) and in headless
Chromium (``tests/test_solara_browser.py``). The Dash app (``governance-sim app``) is the
full interface; this page is for Mesa users who want the familiar controls.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import solara
from mesa.visualization import SolaraViz, make_plot_component, make_space_component
from mesa.visualization.components import AgentPortrayalStyle

from governance_sim.model import GovernanceModel
from governance_sim.params import LOGIC_NAMES, FieldInfo, ParameterError
from governance_sim.scenarios import load_scenario

__all__ = ["COMPONENTS", "DEFAULT_SCENARIO", "NETWORK_SAMPLE", "SERVER_ENV", "Page", "main",
           "citizen_portrayal", "make_page", "model_params", "network_component",
           "server_command"]

#: The scenario the page starts from.
DEFAULT_SCENARIO = "co_creation"

#: What ``python -m governance_sim.app.solara_page`` sets in the server's environment (unless
#: already set): solara's usage statistics (sent to mixpanel.com) off.
SERVER_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}

#: Citizens the slider offers: small enough to step interactively.
CITIZEN_RANGE = (500, 20_000, 500)

#: What the page plots: metrics of the model's DataCollector (``governance_sim.metrics``).
COMPONENTS = (
    ("trust_mean", "participation_rate"),
    ("public_value_index", "outcome_bottom_quintile"),
)


#: Citizens the network view draws (whole units, so a few more may come).
NETWORK_SAMPLE = 150


def citizen_portrayal(agent: Any) -> AgentPortrayalStyle:
    """How Mesa's network drawing shows a citizen.

    Coloured by trust (viridis, 0 dark to 1 yellow), larger while taking part in
    co-production this month.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return AgentPortrayalStyle(color=to_hex(colormaps["viridis"](float(agent.trust))),
                               size=60 if agent.participating else 20, marker="o")


class _SampleHolder:
    """What Mesa's space component reads from a model (``grid``): the network sample."""

    def __init__(self, model: GovernanceModel, size: int) -> None:
        self.grid = model.network_sample(size)


def network_component(size: int = NETWORK_SAMPLE) -> Any:
    """Mesa's network component (``make_space_component``) over the model's citizen sample.

    Returns:
        A function of the model, as SolaraViz's ``components`` take it.
    """
    space_component = make_space_component(citizen_portrayal, draw_grid=True)

    def CitizenNetwork(model: GovernanceModel) -> Any:  # noqa: N802 - a solara component
        return space_component(_SampleHolder(model, size))

    return CitizenNetwork


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
    components = [(network_component(), 0),
                  *(make_plot_component(list(measures), page=0) for measures in COMPONENTS)]
    return SolaraViz(model, components=components, model_params=params,
                     name=f"governance-sim: {scenario}")


@solara.component
def Page() -> None:
    """The page ``solara run governance_sim.app.solara_page`` serves."""
    model = solara.use_memo(lambda: solara.reactive(initial_model(model_params())), [])
    make_page(model=model)


def server_command(*, host: str = "127.0.0.1", port: int = 8765,
                   open_browser: bool = False) -> list[str]:
    """The ``solara run`` command that serves :func:`Page` without reaching other hosts.

    Args:
        host: the address to listen on (``0.0.0.0`` for every interface).
        port: the TCP port (0: a free one, which solara prints).
        open_browser: whether solara opens the page in the default browser.

    Returns:
        The argument list: this Python, ``-m solara run`` the page, in production mode
        (no check-in frame from solara.dev), without the version check against PyPI.
    """
    return [sys.executable, "-m", "solara", "run", "governance_sim.app.solara_page",
            "--host", host, "--port", str(port), "--production", "--no-check-version",
            "--open" if open_browser else "--no-open"]


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the page: ``python -m governance_sim.app.solara_page [--host] [--port] [--open]``.

    The server replaces this process (POSIX), so stopping this process stops the server.

    Args:
        argv: the arguments (default: the command line's).

    Returns:
        The server's exit status (where the process is not replaced).
    """
    parser = argparse.ArgumentParser(
        prog="python -m governance_sim.app.solara_page",
        description="Serve the Mesa SolaraViz page of governance-sim (offline with the viz "
                    "extra's solara-assets).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0: every one)")
    parser.add_argument("--port", type=int, default=8765,
                        help="TCP port (default 8765; 0: a free one)")
    parser.add_argument("--open", action="store_true", help="open it in the default browser")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port: a TCP port runs from 0 to 65535, got {args.port}")
    if importlib.util.find_spec("solara_assets") is None:
        print("solara-assets is not installed: the browser's front-end will come from "
              "cdn.jsdelivr.net (pip install \"governance-sim[viz]\" serves it offline)",
              file=sys.stderr)
    command = server_command(host=args.host, port=args.port, open_browser=args.open)
    env = {**SERVER_ENV, **os.environ}
    sys.stdout.flush()
    if os.name == "posix":
        os.execve(sys.executable, command, env)
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
