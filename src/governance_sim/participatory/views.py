"""What each page is sent: a phone's view of its own person, and the projector's whole view.

Pure functions of a :class:`~governance_sim.participatory.session.Session` (called with
its lock held by the server). A phone's view carries the role's controls with labels, the
values the model's rule would use (to start the sliders from), and what happened to that
person in plain words with a small picture: never the whole system. The projector's view
has the curves, the units, the seats and who has answered, the log, and the debrief.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from governance_sim.participatory.bridge import CURVES, Decision, ModelBridge
from governance_sim.participatory.figures import (
    bars_svg,
    curves_svg,
    network_svg,
    sparkline_svg,
    units_svg,
)
from governance_sim.participatory.roles import CHOICES, RoleKind
from governance_sim.participatory.session import Session, Student
from governance_sim.participatory.texts import t

__all__ = ["student_view", "teacher_view", "debrief", "rule_defaults"]


def _pct(value: float) -> int:
    return int(round(100 * value))


def _change(lang: str, history: list[float]) -> str:
    if len(history) < 2:
        return t(lang, "same")
    delta = _pct(history[-1]) - _pct(history[-2])
    if delta == 0:
        return t(lang, "same")
    return t(lang, "up" if delta > 0 else "down", value=abs(delta))


def rule_defaults(session: Session, kind: RoleKind, i: int) -> dict[str, Any]:
    """The values the model's rule has for a seat now (where a phone's controls start)."""
    pop = session.bridge.model.population
    if kind is RoleKind.CITIZEN:
        took = bool(pop.citizens.participating[i])
        return {"accept": took,
                "time": round(float(pop.citizens.contribution[i]) if took else 0.5, 2)}
    if kind is RoleKind.PROFESSIONAL:
        return {"effort": round(float(pop.professionals.motivation[i]), 2)}
    if kind is RoleKind.LEADER:
        return {"control": round(float(pop.leaders.control[i]), 2),
                "facilitation": round(float(pop.leaders.facilitation[i]), 2),
                "in_dip": "fall_back" if pop.leaders.reverted[i] else "hold"}
    horizon = float(pop.council.horizon_factor[i] * pop.municipality.base_logic
                    .politician_horizon)
    return {"horizon": round(min(120.0, max(6.0, horizon))),
            "budget": round(float(pop.municipality.budget_factor), 2), "switch_to": "keep"}


def _story(lang: str, kind: RoleKind, seen: dict[str, Any], history: list[float]
           ) -> tuple[list[str], str]:
    """Plain sentences about what happened to a seat, and its picture (SVG)."""
    if kind is RoleKind.CITIZEN:
        lines = [t(lang, "s_trust", value=_pct(seen["trust"]), change=_change(lang, history)),
                 t(lang, "s_value", value=_pct(seen["value"])),
                 t(lang, "s_took_part" if seen["took_part"] else "s_stayed_away"),
                 t(lang, "s_heard", value=_pct(seen["efficacy"]))]
        bars = [(t(lang, "b_trust"), seen["trust"]), (t(lang, "b_value"), seen["value"]),
                (t(lang, "b_heard"), seen["efficacy"])]
    elif kind is RoleKind.PROFESSIONAL:
        lines = [t(lang, "s_motivation", value=_pct(seen["motivation"]),
                   change=_change(lang, history)),
                 t(lang, "s_burnout", value=_pct(seen["burnout"])),
                 t(lang, "s_unit", value=_pct(seen["unit_quality"]))]
        bars = [(t(lang, "b_motivation"), seen["motivation"]),
                (t(lang, "b_burnout"), seen["burnout"]), (t(lang, "b_unit"),
                                                          seen["unit_quality"])]
    elif kind is RoleKind.LEADER:
        lines = [t(lang, "s_unit", value=_pct(seen["unit_quality"])),
                 t(lang, "s_dip" if seen["in_dip"] else "s_no_dip"),
                 t(lang, "s_taking_part", value=_pct(seen["taking_part"])),
                 t(lang, "s_staff", value=_pct(seen["staff_motivation"]))]
        if seen["fell_back"]:
            lines.append(t(lang, "s_fell_back"))
        bars = [(t(lang, "b_control"), seen["control"]),
                (t(lang, "b_facilitation"), seen["facilitation"]),
                (t(lang, "b_taking_part"), seen["taking_part"])]
    else:
        lines = [t(lang, "s_approval", value=_pct(seen["approval"]),
                   change=_change(lang, history)),
                 t(lang, "s_pressure", value=_pct(seen["pressure"])),
                 t(lang, "s_budget", value=_pct(seen["budget"]))]
        bars = [(t(lang, "b_trust_all"), seen["trust"]),
                (t(lang, "b_approval"), seen["approval"]),
                (t(lang, "b_budget"), seen["budget"] / 1.4)]
    return lines, sparkline_svg(history, t(lang, f"h_{kind.value}")) + bars_svg(bars)


def student_view(session: Session, student: Student | None, lang: str = "en"
                 ) -> dict[str, Any]:
    """The JSON a phone gets (no other student's data)."""
    base = {"stage": session.stage, "phase": session.phase, "round": session.round,
            "month": session.bridge.month, "seconds_left": session.seconds_left()}
    if student is None:
        return {**base, "joined": False}
    lang = student.lang if lang not in ("en", "nb") else lang
    seat = session.seat_of(student)
    kind, i = seat.kind, seat.index
    bridge = session.bridge
    unit = bridge.unit_of(kind, i)
    controls = []
    for choice in CHOICES[kind]:
        spec: dict[str, Any] = {"name": choice.name, "kind": choice.kind,
                                "label": t(lang, f"c_{choice.name}")}
        if choice.kind == "number":
            spec.update(low=choice.low, high=choice.high,
                        step=1.0 if choice.high > 10 else 0.05)
        if choice.kind == "option":
            options = list(choice.options)
            if choice.name == "switch_to":
                options = [o for o in options if o == "keep" or
                           (o != bridge.logic and bridge.can_switch())]
            spec["options"] = [[o, t(lang, f"o_{o}")] for o in options]
        controls.append(spec)
    history = bridge.own.get(seat.role_id, [])
    story, picture = ([], "")
    seen = bridge.observe(kind, i)
    if history:
        story, picture = _story(lang, kind, seen, history)
    answer = session.answers.get(seat.role_id)
    return {**base, "joined": True, "role_id": seat.role_id, "kind": kind.value,
            "nickname": student.nickname, "lang": lang,
            "role_text": t(lang, f"role_{kind.value}", unit=unit + 1),
            "about": t(lang, f"about_{kind.value}"),
            "logic_text": t(lang, "logic", logic=t(lang, bridge.logic)),
            "controls": controls, "defaults": answer or rule_defaults(session, kind, i),
            "answered": answer is not None, "story": story, "picture": picture,
            "note": (t(lang, "no_switch") if kind is RoleKind.POLITICIAN and
                     not bridge.can_switch() else "")}


def teacher_view(session: Session, lang: str = "en", join_urls: tuple[str, ...] = ()
                 ) -> dict[str, Any]:
    """The JSON the projector (teacher's page) gets."""
    bridge = session.bridge
    labels = {name: t(lang, f"m_{name}") for name in CURVES}
    marks = [(month, t(lang, logic)) for month, logic in bridge.switches]
    held: dict[int, str] = {}
    seats = []
    for seat in session.seats:
        student = session.students.get(seat.holder or "")
        if seat.kind is not RoleKind.POLITICIAN and seat.holder is not None:
            unit = bridge.unit_of(seat.kind, seat.index)
            held[unit] = (held.get(unit, "") + seat.kind.value[0].upper())[:4]
        seats.append({"role_id": seat.role_id, "kind": seat.kind.value,
                      "held": seat.holder is not None,
                      "nickname": student.nickname if student else "",
                      "answered": seat.role_id in session.answers})
    s = session.settings
    out = {
        "version": session.version, "phase": session.phase, "round": session.round,
        "month": bridge.month, "logic": bridge.logic, "logic_text": t(lang, bridge.logic),
        "seconds_left": session.seconds_left(), "join_code": session.join_code,
        "join_urls": list(join_urls), "students": len(session.students),
        "answered": len(session.answers), "seats": seats,
        "settings": {"max_students": s.max_students, "months_per_round": s.months_per_round,
                     "round_seconds": s.round_seconds, "logic": s.logic,
                     "shares": {k.value: v for k, v in s.shares.items()}},
        "log": [f"{line}" for _, line in list(session.log)[-40:]],
        "curves": curves_svg(bridge.history, CURVES, labels, marks=marks),
        "units": units_svg(bridge.units(), held),
        "network": _network(session),
    }
    if session.phase == "debrief":
        out["debrief"] = debrief(session, lang)
    return out


#: the last network picture of each model (built under the session's lock)
_NETWORK_CACHE: weakref.WeakKeyDictionary[ModelBridge, tuple[Any, str]] = \
    weakref.WeakKeyDictionary()


def _network(session: Session) -> str:
    """The projector's network picture, the student-held citizens marked (kept per month)."""
    bridge = session.bridge
    sample = bridge.network
    held = tuple(sorted(s.index for s in session.seats
                        if s.kind is RoleKind.CITIZEN and s.holder is not None))
    key = (bridge.month, held)
    cached = _NETWORK_CACHE.get(bridge)
    if cached is None or cached[0] != key:
        cit = bridge.model.population.citizens
        marked = np.isin(sample.index, np.asarray(held, dtype=np.int64))
        cached = (key, network_svg(
            sample.x.tolist(), sample.y.tolist(), sample.edges.tolist(),
            cit.trust[sample.index].tolist(), cit.participating[sample.index].tolist(),
            marked.tolist()))
        _NETWORK_CACHE[bridge] = cached
    return cached[1]


def debrief(session: Session, lang: str = "en") -> dict[str, Any]:
    """The debrief, from the recorded decisions only.

    The class's choices against the rules, the leaders in the dip, who was left behind, and
    the lecture's questions.
    """
    decisions: list[Decision] = session.decisions
    rows = []
    for kind in RoleKind:
        mine = [d for d in decisions if d.kind is kind and d.answered]
        if not mine:
            continue
        spans = {c.name: c.high - c.low for c in CHOICES[kind]}
        differ = sum(1 for d in mine if any(_differs(d.choices[k], d.rule.get(k), spans[k])
                                            for k in d.choices if k in d.rule))
        numeric = [c.name for c in CHOICES[kind] if c.kind != "option"]
        chose = {k: float(np.mean([float(d.choices[k]) for d in mine])) for k in numeric}
        rule = {k: float(np.mean([float(d.rule[k]) for d in mine if k in d.rule]))
                for k in numeric if any(k in d.rule for d in mine)}
        rows.append({"kind": kind.value, "label": t(lang, f"k_{kind.value}"),
                     "answers": len(mine), "differ": differ,
                     "chose": {k: round(v, 2) for k, v in chose.items()},
                     "rule": {k: round(v, 2) for k, v in rule.items()}})
    leader_rows = [d for d in decisions if d.kind is RoleKind.LEADER and d.answered]
    in_dip = [d for d in leader_rows if d.outcome.get("in_dip") or d.rule.get("in_dip")
              == "fall_back"]
    held_units = {int(d.outcome["unit"]) for d in leader_rows}
    quality = session.bridge.model.population.municipality.unit_quality
    others = [q for u, q in enumerate(quality) if u not in held_units]
    latest = session.bridge.model.latest
    return {
        "choices": rows,
        "leaders": {"dips": len(in_dip),
                    "held": sum(1 for d in in_dip if d.choices.get("in_dip") == "hold"),
                    "fell": sum(1 for d in in_dip if d.choices.get("in_dip") == "fall_back"),
                    "quality_human": (round(float(np.mean([quality[u] for u in held_units])), 3)
                                      if held_units else None),
                    "quality_model": round(float(np.mean(others)), 3) if others else None},
        "left_behind": {"trust_q1": round(float(latest["trust_q1"]), 3),
                        "trust_mean": round(float(latest["trust_mean"]), 3),
                        "participation_q1": round(float(latest["participation_q1"]), 3),
                        "participation_q5": round(float(latest["participation_q5"]), 3)},
        "questions": [t(lang, f"q{k}") for k in range(1, 6)],
        "rounds": len(session.round_logic), "months": session.bridge.month,
        "logics": [t(lang, logic) for logic in session.round_logic],
    }


def _differs(chosen: Any, rule: Any, span: float) -> bool:
    """Whether a choice differs from the rule's (numbers: by more than 5 % of their range)."""
    if isinstance(chosen, bool) or isinstance(rule, bool) or isinstance(chosen, str):
        return chosen != rule
    try:
        return abs(float(chosen) - float(rule)) > 0.05 * span
    except (TypeError, ValueError):
        return True
