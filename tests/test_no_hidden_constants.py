"""Every number in the dynamics is a parameter or a lever-table cell (issue 11, item 6).

The behavioural modules may hold only structural numbers (0 and 1, array indices and
counts, the quintile scale 1-5, the hump shape's peak, a chunk size); every other number is
a :class:`governance_sim.Params` field with a source and an evidence grade, or a cell of
``logics.LEVER_TABLE`` with its plausible range.
"""

from __future__ import annotations

import ast
from pathlib import Path

from governance_sim import logics
from governance_sim.params import EVIDENCE_GRADES, Params

PACKAGE = Path(logics.__file__).resolve().parent
BEHAVIOUR = [*sorted((PACKAGE / "dynamics").glob("*.py")), PACKAGE / "metrics.py"]
#: Structural numbers: truth values, indices and counts, the quintile scale (1-5, need
#: 5 - quintile), the uniform's map to [-1, 1) (2u - 1), the hump's peak (2 min(b, 1 - b)),
#: the size of a chunk (1 << 16).
STRUCTURAL = {0, 1, 2, 3, 4, 5, 6, 16}
GRADES = {"value from source", "calibrated", "direction only", "assumed", "design choice"}


def _numbers(tree: ast.AST) -> list[tuple[int, float]]:
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)]


def test_behavioural_modules_hold_no_hidden_constants():
    found = []
    for path in BEHAVIOUR:
        for line, value in _numbers(ast.parse(path.read_text(encoding="utf-8"))):
            if value not in STRUCTURAL:
                found.append(f"{path.name}:{line}: {value}")
    assert not found, "numbers that should be parameters: " + ", ".join(found)


def test_logics_numbers_are_lever_cells_or_the_ladder():
    """Outside LEVER_TABLE, logics.py holds only Arnstein's ladder: 8 rungs, non-participation
    to 2, tokenism to 5."""
    tree = ast.parse((PACKAGE / "logics.py").read_text(encoding="utf-8"))
    table = next(node for node in ast.walk(tree) if isinstance(node, ast.AnnAssign)
                 and getattr(node.target, "id", "") == "LEVER_TABLE")
    inside = {id(node) for node in ast.walk(table)}
    stray = [value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and id(node) not in inside
             and isinstance(node.value, int | float) and not isinstance(node.value, bool)
             for value in [node.value] if value not in {0, 1, 2, 5, 8}]
    assert not stray, stray


def test_every_parameter_has_a_source_and_an_evidence_grade():
    for row in Params.describe().itertuples():
        assert row.source, row.name
        assert row.grade in GRADES, (row.name, row.grade)
    assert set(EVIDENCE_GRADES) == set(Params.model_fields)


def test_every_lever_cell_has_a_plausible_range_that_holds_it():
    for row in logics.LEVER_TABLE:
        assert row.range_reason, row.name
        for (low, high), logic in zip(row.ranges, ("bureaucracy", "npm", "co_creation"),
                                      strict=True):
            assert low <= getattr(row, logic) <= high, (row.name, logic)
