"""From the policy view's fields to validated parameters, or to messages saying what is wrong.

:func:`read_form` is what the policy view's main callback calls: it never raises for bad
input; it returns either :class:`Params` plus the run settings, or a message per bad field
and a general message for rules that involve several fields (``n_units`` larger than
``n_citizens``, cooperator shares above one...). The parameter table is chosen by its key
among those the server offers (:class:`~governance_sim.app.controls.TableChoices`); a key it
does not offer runs without a table and is reported in :attr:`FormResult.refused_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance_sim.app.controls import (
    NO_TABLE,
    RUN_CONTROLS,
    FieldError,
    TableChoices,
    lever_overrides,
    lever_specs,
    logic_from_percents,
    parameter_specs,
    read_fixed_seed,
    read_settings,
)
from governance_sim.params import ParameterError, Params
from governance_sim.scenarios import Scenario
from governance_sim.uncertainty import ParameterTable

__all__ = ["FormResult", "read_form"]


@dataclass
class FormResult:
    """The outcome of reading the form.

    Attributes:
        params: the validated parameters (None if anything is wrong).
        steps: months to simulate.
        seed: seed of replicate 0.
        replicates: number of replicates.
        messages: per kind (``"param"``, ``"lever"``, ``"run"``), field name -> message.
        general: a message not tied to one field ("" if none).
        table_key: the parameter table chosen (:data:`~governance_sim.app.controls.NO_TABLE`
            for none).
        table: that table (None for none).
        fixed_seed: every replicate on one seed (only the draws differ); False without a
            table.
        refused_table: the key asked for when the server does not offer it (the run then
            has no table), else "".
    """

    params: Params | None = None
    steps: int = 0
    seed: int = 0
    replicates: int = 1
    messages: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "param": {}, "lever": {}, "run": {}})
    general: str = ""
    table_key: str = NO_TABLE
    table: ParameterTable | None = None
    fixed_seed: bool = False
    refused_table: str = ""

    @property
    def ok(self) -> bool:
        """Whether the form gave valid parameters."""
        return self.params is not None


def read_form(base: Scenario, percents: Sequence[Any], levers: Mapping[str, Any],
              params: Mapping[str, Any], run: Mapping[str, Any], *,
              uncertainty: Any = NO_TABLE, fixed_seed: Any = None,
              tables: TableChoices | None = None) -> FormResult:
    """Validate the whole form.

    Args:
        base: the chosen scenario (its events are kept; its logic is used when the mix
            sliders show its rounding).
        percents: the three mix sliders (bureaucracy, npm, co_creation), whole percents.
        levers: lever name -> slider value.
        params: parameter name -> raw value (slider number or typed text).
        run: ``steps``, ``replicates``, ``seed`` -> raw value.
        uncertainty: the key of the parameter table chosen (from the browser: only a key
            of ``tables`` is followed, never a path).
        fixed_seed: the "one seed for every replicate" checklist's value.
        tables: the tables the server offers (default: none and calibrated).

    Returns:
        A :class:`FormResult`; ``params`` is None when something is wrong.
    """
    result = FormResult()
    parsed_params, result.messages["param"] = read_settings(params, parameter_specs())
    parsed_levers, result.messages["lever"] = read_settings(levers, lever_specs())
    parsed_run, result.messages["run"] = read_settings(run, RUN_CONTROLS)
    try:
        values = [int(p) if isinstance(p, int | float) and not isinstance(p, bool)
                  and float(p).is_integer() else None for p in percents]
        if None in values or any(not 0 <= v <= 100 for v in values):
            raise FieldError("logic mix: each weight must be a whole percent from 0 to 100")
        logic = logic_from_percents(values, base.params.logic)
    except FieldError as error:
        result.general = str(error)
        return result
    if any(result.messages.values()):
        count = sum(len(m) for m in result.messages.values())
        result.general = (f"{count} field{'s' if count > 1 else ''} need{'' if count > 1 else 's'}"
                          " a valid value (marked below the field); showing the last valid "
                          "run")
        return result
    overrides = lever_overrides(logic, parsed_levers, lever_specs())
    try:
        result.params = base.params.replace(logic=logic, levers=overrides, **parsed_params)
    except ParameterError as error:
        result.general = str(error)
        return result
    result.steps = int(parsed_run["steps"])
    result.seed = int(parsed_run["seed"])
    result.replicates = int(parsed_run["replicates"])
    tables = tables if tables is not None else TableChoices.default()
    key = NO_TABLE if uncertainty is None or uncertainty == "" else uncertainty
    try:
        result.table = tables.table(key)
        result.table_key = key
    except FieldError:
        text = repr(uncertainty)
        result.refused_table = text if len(text) <= 40 else text[:37] + "..."
    result.fixed_seed = result.table is not None and read_fixed_seed(fixed_seed)
    return result
