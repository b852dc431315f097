"""Well-formed callback requests for every server callback of the app, built from its layout.

Not a test module (no ``test_`` prefix): ``tests/test_app_limits.py`` imports it. For each
entry of ``app.callback_map`` it writes the body the browser would send
(``output``, ``outputs``, ``inputs``, ``state``, ``changedPropIds``), with every input and
state at the value the page is served with; a wildcard (``ALL``) dependency becomes the list
of the page's components that match it. A test then replaces one value and posts the body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

ALL = ["ALL"]


def _walk(component: Any) -> Iterator[Any]:
    """Every Dash component under ``component`` (itself included)."""
    if isinstance(component, list | tuple):
        for item in component:
            yield from _walk(item)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    yield component
    children = getattr(component, "children", None)
    if children is not None:
        yield from _walk(children)


def page_components(app: Any) -> dict[str, Any]:
    """The page's components with an id, keyed by the id as Dash writes it (sorted JSON)."""
    with app.server.test_request_context("/"):
        tree = app.layout() if callable(app.layout) else app.layout
    found = {}
    for component in _walk(tree):
        ident = getattr(component, "id", None)
        if ident is None:
            continue
        found[_key(ident)] = component
    return found


def _key(ident: Any) -> str:
    return (json.dumps(ident, sort_keys=True, separators=(",", ":"))
            if isinstance(ident, dict) else str(ident))


def _split(spec: str) -> tuple[Any, str]:
    """(id, property) of ``"id.property"`` (a JSON id parsed; an ``@hash`` suffix kept)."""
    ident, prop = spec.rsplit(".", 1)
    return (json.loads(ident) if ident.startswith("{") else ident), prop


def _matches(pattern: dict[str, Any], ident: Any) -> bool:
    return (isinstance(ident, dict) and set(ident) == set(pattern)
            and all(value == ALL or ident[key] == value for key, value in pattern.items()))


def _entries(components: dict[str, Any], ident: Any, prop: str,
             with_value: bool) -> dict[str, Any] | list[dict[str, Any]]:
    """One dependency as the browser sends it: an entry, or a list for a wildcard id."""
    def entry(concrete: Any, component: Any) -> dict[str, Any]:
        item: dict[str, Any] = {"id": concrete, "property": prop.split("@")[0]}
        if with_value:
            item["value"] = (concrete if prop == "id"
                             else getattr(component, prop, None))
        return item

    if isinstance(ident, dict) and ALL in ident.values():
        return [entry(c.id, c) for c in components.values() if _matches(ident, c.id)]
    return entry(ident, components.get(_key(ident)))


def callback_bodies(app: Any) -> dict[str, dict[str, Any]]:
    """A well-formed request body for every server callback, keyed by its ``output``."""
    components = page_components(app)
    bodies = {}
    for output, callback in app.callback_map.items():
        specs = ([s for s in output[2:-2].split("...")] if output.startswith("..")
                 else [output])
        outputs = [_entries(components, *_split(spec.split("@")[0]), with_value=False)
                   for spec in specs]
        inputs = [_entries(components, *_parsed(dep), with_value=True)
                  for dep in callback["inputs"]]
        state = [_entries(components, *_parsed(dep), with_value=True)
                 for dep in callback.get("state", [])]
        first = inputs[0]
        changed = first[0] if isinstance(first, list) and first else first
        changed_id = (_key(changed["id"]) + "." + changed["property"]
                      if isinstance(changed, dict) else "")
        bodies[output] = {
            "output": output,
            "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": inputs,
            "state": state,
            "changedPropIds": [changed_id] if changed_id else [],
        }
    return bodies


def _parsed(dependency: dict[str, Any]) -> tuple[Any, str]:
    ident = dependency["id"]
    if isinstance(ident, str) and ident.startswith("{"):
        ident = json.loads(ident)
    return ident, dependency["property"]


def value_slots(body: dict[str, Any]) -> list[tuple[str, int, int | None]]:
    """Where a value can be replaced: (slot, index, index within a wildcard list or None)."""
    slots = []
    for slot in ("inputs", "state"):
        for index, item in enumerate(body[slot]):
            if isinstance(item, list):
                slots.extend((slot, index, inner) for inner in range(len(item)))
            else:
                slots.append((slot, index, None))
    return slots


def with_value(body: dict[str, Any], where: tuple[str, int, int | None],
               value: Any) -> dict[str, Any]:
    """A copy of ``body`` with one input or state value replaced (and marked as changed)."""
    copy = json.loads(json.dumps(body))
    slot, index, inner = where
    item = copy[slot][index] if inner is None else copy[slot][index][inner]
    item["value"] = value
    if slot == "inputs":
        copy["changedPropIds"] = [_key(item["id"]) + "." + item["property"]]
    return copy
