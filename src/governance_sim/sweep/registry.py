"""Models a sweep spec may name: the project's own and those installed packages register.

A spec file is data: it may name a model only from this registry, never a module path that
would be imported (and so run) because a downloaded file said so. The registry holds

* the built-in governance model (``model = "governance_sim"``, the default);
* the project's test functions (``ishigami``, ``linear``);
* every entry point of the group :data:`ENTRY_POINT_GROUP` of installed packages, e.g. in
  a package's ``pyproject.toml``::

      [project.entry-points."governance_sim.models"]
      my_model = "my_package.models:run_one"

A module path (``model = "package.module:function"``) is refused unless the caller passes
``allow_code=True`` (the command line's ``--allow-code``, whose help says it runs code).
Python callers who hand :func:`governance_sim.sweep.run_sweep` a callable need neither.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from governance_sim.sweep.spec import BUILTIN_MODEL, SpecError

__all__ = ["ENTRY_POINT_GROUP", "OWN_MODELS", "import_model", "registered_models"]

#: Entry-point group through which installed packages add models.
ENTRY_POINT_GROUP = "governance_sim.models"

#: The project's own models besides the built-in one: name -> ``module:function``.
OWN_MODELS: dict[str, str] = {
    "ishigami": "governance_sim.sweep.testfunctions:ishigami",
    "linear": "governance_sim.sweep.testfunctions:linear",
}


def registered_models() -> dict[str, str]:
    """Every model a spec may name: name -> ``module:function`` (own, then entry points).

    An entry point cannot take the name of an own model.
    """
    found = dict(OWN_MODELS)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, point.value)
    return found


def import_model(name: str, *, source: str = "spec",
                 allow_code: bool = False) -> Callable[..., Any]:
    """The callable a spec's ``model`` names.

    Args:
        name: a registered name, the ``module:function`` of a registered model, or (only
            with ``allow_code``) any ``module:function``.
        source: the spec's file name, for messages.
        allow_code: import a module path that is not registered (runs that module's code).

    Raises:
        SpecError: the name is not registered (and code is not allowed), cannot be
            imported, or is not callable.
    """
    models = registered_models()
    target = models.get(name)
    if target is None and name in models.values():
        target = name
    if target is None:
        allowed = ", ".join([BUILTIN_MODEL, *sorted(models)])
        if ":" not in name:
            raise SpecError(f"{source}: [sweep] model: unknown model {name!r}; allowed: "
                            f"{allowed} (packages add models through the entry-point group "
                            f"{ENTRY_POINT_GROUP!r})")
        if not allow_code:
            raise SpecError(f"{source}: [sweep] model: {name!r} is a module path, and a spec "
                            "file may not run code; name a registered model (allowed: "
                            f"{allowed}) or, if you trust this file, pass --allow-code "
                            "(Python: allow_code=True)")
        target = name
    module_name, _, attribute = target.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise SpecError(f"{source}: [sweep] model: cannot import {target!r}: {error}") from None
    if not callable(found):
        raise SpecError(f"{source}: [sweep] model: {target!r} is not callable")
    return found
