"""The roles students play, the choices each role may send, and how students get a role.

The roles follow the seed's role table (slide 6): parents/children are **citizens**, staff are
**professionals**, administrative leaders are unit **leaders**, and **politicians** sit in
the council. Each role has a fixed list of :class:`Choice` fields; :func:`clean_choices`
checks a student's answer against it (unknown fields and wrong types are refused, numbers
are clamped into range). :func:`plan_roles` spreads a class over the roles by the
teacher's shares and the model's sizes (at most one student per unit leader or council
seat). Nothing here knows the model; :mod:`governance_sim.participatory.bridge` applies the
choices to its arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["RoleKind", "Choice", "CHOICES", "ChoiceError", "clean_choices", "plan_roles",
           "DEFAULT_SHARES", "LOGICS"]

#: The logics a politician may switch to (the model's names).
LOGICS: tuple[str, ...] = ("bureaucracy", "npm", "co_creation")


class RoleKind(StrEnum):
    """The four roles of the lecture's table."""

    CITIZEN = "citizen"
    PROFESSIONAL = "professional"
    LEADER = "leader"
    POLITICIAN = "politician"


class ChoiceError(ValueError):
    """An answer that does not fit the role's choices; the message names what is allowed."""


@dataclass(frozen=True)
class Choice:
    """One field of a role's answer.

    Attributes:
        name: the key in the answer.
        kind: ``"bool"``, ``"number"`` (clamped into ``low``-``high``) or ``"option"`` (one of
            ``options``).
        low: smallest number (kind ``number``).
        high: largest number (kind ``number``).
        options: allowed values (kind ``option``).
    """

    name: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    options: tuple[str, ...] = ()

    def clean(self, value: Any) -> Any:
        """The value checked and clamped.

        Raises:
            ChoiceError: the value has the wrong type or is not an allowed option.
        """
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ChoiceError(f"{self.name}: must be true or false")
            return value
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ChoiceError(f"{self.name}: must be a number from {self.low:g} to "
                                  f"{self.high:g}")
            number = float(value)
            if not math.isfinite(number):
                raise ChoiceError(f"{self.name}: must be a finite number")
            return min(self.high, max(self.low, number))
        if not isinstance(value, str) or value not in self.options:
            raise ChoiceError(f"{self.name}: must be one of {', '.join(self.options)}")
        return value


#: What each role may answer each round (see docs/participatory.md for what each does).
CHOICES: dict[RoleKind, tuple[Choice, ...]] = {
    RoleKind.CITIZEN: (
        Choice("accept", "bool"),  # take part in the unit's arena this month
        Choice("time", "number", 0.0, 1.0),  # share of your time you give when taking part
    ),
    RoleKind.PROFESSIONAL: (
        Choice("effort", "number", 0.0, 1.0),  # how much of yourself you give this month
    ),
    RoleKind.LEADER: (
        Choice("control", "number", 0.0, 1.0),
        Choice("facilitation", "number", 0.0, 1.0),
        Choice("in_dip", "option", options=("hold", "fall_back")),
    ),
    RoleKind.POLITICIAN: (
        Choice("horizon", "number", 6.0, 120.0),  # months ahead you judge results
        Choice("budget", "number", 0.6, 1.4),  # budget relative to the start
        Choice("switch_to", "option", options=("keep", *LOGICS)),
    ),
}


def clean_choices(kind: RoleKind, answer: Any) -> dict[str, Any]:
    """A role's answer checked against :data:`CHOICES`: every field, each clamped.

    Args:
        kind: the student's role.
        answer: the decoded JSON object the phone sent.

    Returns:
        A new dict with exactly the role's fields.

    Raises:
        ChoiceError: not an object, a missing or unknown field, or a value of the wrong type.
    """
    if not isinstance(answer, Mapping):
        raise ChoiceError("choices: must be an object")
    fields = {choice.name: choice for choice in CHOICES[kind]}
    unknown = sorted(str(key)[:40] for key in answer if key not in fields)
    if unknown:
        raise ChoiceError(f"unknown choice {unknown[0]!r} for a {kind.value}; allowed: "
                          + ", ".join(fields))
    missing = [name for name in fields if name not in answer]
    if missing:
        raise ChoiceError(f"missing choice {missing[0]!r} for a {kind.value}")
    return {name: choice.clean(answer[name]) for name, choice in fields.items()}


#: Default shares of the class per role (the teacher may change them).
DEFAULT_SHARES: dict[RoleKind, float] = {
    RoleKind.CITIZEN: 0.55, RoleKind.PROFESSIONAL: 0.2, RoleKind.LEADER: 0.15,
    RoleKind.POLITICIAN: 0.1,
}


def plan_roles(n_students: int, shares: Mapping[RoleKind, float],
               capacity: Mapping[RoleKind, int]) -> list[RoleKind]:
    """The role of each of ``n_students`` seats, in the order students join.

    Seats are dealt so that after every student the class is as close to ``shares`` as the
    capacities allow (largest remainder, one seat at a time): the first students already
    fill every role with a positive share. A role at capacity (each unit has one leader, the
    council has its seats) passes its seats on to the other roles, in their shares; when every
    role with a share is full, the rest are citizens.

    Args:
        n_students: seats to plan (>= 0).
        shares: non-negative weight per role (normalised here; all zero means citizens only).
        capacity: most students a role can take.

    Returns:
        ``n_students`` roles.
    """
    total = sum(max(0.0, shares.get(kind, 0.0)) for kind in RoleKind)
    weights = {kind: (max(0.0, shares.get(kind, 0.0)) / total if total > 0 else
                      float(kind is RoleKind.CITIZEN)) for kind in RoleKind}
    counts = dict.fromkeys(RoleKind, 0)
    plan: list[RoleKind] = []
    for seat in range(n_students):
        open_kinds = [kind for kind in RoleKind
                      if counts[kind] < capacity.get(kind, 0) and weights[kind] > 0]
        if not open_kinds:  # every role with a share is full: citizens, then any role left
            open_kinds = [kind for kind in RoleKind if counts[kind] < capacity.get(kind, 0)]
            if RoleKind.CITIZEN in open_kinds:
                open_kinds = [RoleKind.CITIZEN]
        if not open_kinds:
            raise ValueError(f"no role left for student {seat + 1}")
        # the role furthest below its share after this seat
        kind = max(open_kinds, key=lambda k: (weights[k] * (seat + 1) - counts[k], weights[k]))
        counts[kind] += 1
        plan.append(kind)
    return plan
