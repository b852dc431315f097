"""The four roles of the seed's role table and the state each carries (ODD element 2).

Parents and children become **citizens**, staff **professionals**, administrative leaders
**leaders** (one per unit) and politicians **politicians** (the council). Each role's state
is a struct of arrays in :mod:`governance_sim.state`; the schema below is its documentation
and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Role", "StateVar", "STATE_SCHEMA"]


class Role(StrEnum):
    """The four roles (seed slide 6)."""

    CITIZEN = "citizen"
    PROFESSIONAL = "professional"
    LEADER = "leader"
    POLITICIAN = "politician"


@dataclass(frozen=True)
class StateVar:
    """One state variable of a role: name, numpy dtype, unit/range and meaning."""

    name: str
    dtype: str
    unit: str
    label: str


STATE_SCHEMA: dict[Role, tuple[StateVar, ...]] = {
    Role.CITIZEN: (
        StateVar("trust", "float64", "0-1", "trust in institutions T"),
        StateVar("trust_disposition", "float64", "0-1",
                 "lasting trust disposition that trust returns to"),
        StateVar("social_trust", "float64", "0-1", "generalised trust G, the 'social glue'"),
        StateVar("efficacy", "float64", "0-1", "political efficacy E"),
        StateVar("civic_motivation", "float32", "0-1", "civic motivation"),
        StateVar("service_fit", "float32", "> 0, mean 1",
                 "lasting fit of the unit's service to the citizen's needs"),
        StateVar("resources", "float64", "0.2-1", "resources, quintile / 5 (computed)"),
        StateVar("quintile", "int8", "1-5", "resource (SES) quintile"),
        StateVar("coop_type", "int8", "0-3",
                 "0 conditional cooperator, 1 free rider, 2 hump-shaped, 3 unconditional"),
        StateVar("belief", "float64", "0-1", "belief about others' contributions"),
        StateVar("expectation", "float64", "0-1", "expected service quality"),
        StateVar("value", "float64", "0-1", "value received from the service last step"),
        StateVar("contribution", "float64", "0-1", "contribution last step"),
        StateVar("participating", "bool", "-", "took part in the arena last step"),
        StateVar("unit", "int32", "id", "unit that serves the citizen"),
    ),
    Role.PROFESSIONAL: (
        StateVar("motivation", "float64", "0-1", "intrinsic / public-service motivation P"),
        StateVar("autonomy", "float64", "0-1", "professional autonomy A"),
        StateVar("scar", "float64", "0-1", "lasting loss of motivation left by control"),
        StateVar("burnout", "float64", "0-1", "burnout from reforms"),
        StateVar("skill", "float64", "0-1", "facilitation skill"),
        StateVar("disposition", "float64", "0-1",
                 "lasting motivation disposition (public service motivation)"),
        StateVar("perceived_support", "float64", "0-1",
                 "share of control and incentives seen as supportive"),
        StateVar("unit", "int32", "id", "unit of employment"),
    ),
    Role.LEADER: (
        StateVar("control", "float64", "0-1", "control intensity C"),
        StateVar("facilitation", "float64", "0-1", "facilitation investment F"),
        StateVar("patience", "float64", "steps", "how long a dip in results is tolerated"),
        StateVar("dip_steps", "int32", "steps", "consecutive steps of results below reference"),
        StateVar("calm_steps", "int32", "steps", "consecutive steps without a dip"),
        StateVar("reverted", "bool", "-", "has fallen back to control during a dip"),
        StateVar("reference", "float64", "0-1", "remembered level of the unit's results"),
        StateVar("maturity", "float64", "0-1", "maturity of the unit's arena"),
    ),
    Role.POLITICIAN: (
        StateVar("horizon_factor", "float64", ">0", "own horizon relative to the logic's"),
        StateVar("courage", "float64", "share", "share of horizon a dip is tolerated"),
        StateVar("demanding", "bool", "-", "demands a return to control"),
    ),
}
