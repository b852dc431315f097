"""Conditions on the columns of a results table, parsed without ``eval``.

A condition selects the runs of interest for scenario discovery, e.g.
``"trust_final < 0.4"`` or ``"trust_end - trust_start > 0.01 and pv_end > pv_start"``.

Grammar (whitespace between tokens is free; ``and`` is case-insensitive)::

    condition  := comparison ("and" comparison)*
    comparison := expression OP expression
    expression := ["-"] atom (("+" | "-") atom)*
    atom       := NAME | NUMBER
    OP         := "<" | "<=" | ">" | ">=" | "==" | "!="

plus, for a column of text or booleans, ``NAME == WORD`` and ``NAME != WORD`` (``WORD`` a
bare word or a quoted string; ``true``/``false`` for booleans). Names must be columns the
caller allows (the sweep's outcomes and factors); anything else, including any attempt at
code (calls, attributes, brackets), is refused with one :class:`ConditionError` that says
what was wrong and what is allowed. Nothing is ever evaluated as Python.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from governance_sim.params import UserInputError

__all__ = ["Comparison", "Condition", "ConditionError", "parse_condition"]

#: Longest condition accepted (characters).
MAX_LENGTH = 2000

_OPS: dict[str, Callable[[object, object], object]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt,
}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<op><=|>=|==|!=|<|>)
  | (?P<sign>[+-])
  | (?P<string>"[^"\\]*"|'[^'\\]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
""", re.VERBOSE)
_MAX_SHOWN = 40


class ConditionError(UserInputError, ValueError):
    """A condition cannot be parsed or names a column that is not allowed."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: int


@dataclass(frozen=True)
class Comparison:
    """One comparison ``left OP right``.

    Attributes:
        left, right: terms ``(sign, name or number)``; a lone word compared to a text
            column is kept as ``(+1, "'word'")`` in ``right``.
        op: the operator.
    """

    left: tuple[tuple[int, str | float], ...]
    op: str
    right: tuple[tuple[int, str | float], ...]

    def names(self) -> list[str]:
        """The column names it reads."""
        return [value for _, value in (*self.left, *self.right)
                if isinstance(value, str) and not value.startswith("'")]


@dataclass(frozen=True)
class Condition:
    """A parsed condition: comparisons joined by ``and``.

    Attributes:
        text: the condition as given.
        comparisons: its comparisons.
    """

    text: str
    comparisons: tuple[Comparison, ...]

    def names(self) -> list[str]:
        """The column names it reads, in order, without repeats."""
        return list(dict.fromkeys(n for c in self.comparisons for n in c.names()))

    def evaluate(self, table: pd.DataFrame) -> np.ndarray:
        """Which rows meet the condition.

        Args:
            table: one row per run, holding every column in :meth:`names`.

        Returns:
            ``bool[N]``; a row with a missing value (NaN) in a compared column does not
            meet it.
        """
        result = np.ones(len(table), dtype=bool)
        for comparison in self.comparisons:
            result &= _compare(comparison, table)
        return result


def parse_condition(text: str, allowed: Sequence[str],
                    text_columns: Sequence[str] = ()) -> Condition:
    """Parse ``text`` into a :class:`Condition`, checking every name against ``allowed``.

    Args:
        text: the condition, e.g. ``"trust_final < 0.4 and pv_late > 0.6"``.
        allowed: names of columns it may read (outcomes and factors).
        text_columns: those of ``allowed`` holding text or booleans (compared only with
            ``==``/``!=`` to a word).

    Raises:
        ConditionError: the text is empty, malformed, too long, or names a column that is
            not allowed (the message lists the allowed names).
    """
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("the condition is empty; give one such as "
                             f"'{_example(allowed)}'")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"the condition is {len(text)} characters long; at most "
                             f"{MAX_LENGTH} are accepted")
    tokens = _tokenize(text)
    allowed_set = set(allowed)
    texts = set(text_columns)
    comparisons = []
    position = 0
    while True:
        comparison, position = _comparison(text, tokens, position, allowed_set, texts, allowed)
        comparisons.append(comparison)
        if position == len(tokens):
            break
        token = tokens[position]
        if token.kind == "name" and token.text.lower() == "and":
            position += 1
            if position == len(tokens):
                raise _error(text, len(text), "a comparison after 'and'")
            continue
        raise _error(text, token.at, "'and' or the end of the condition")
    return Condition(text=text, comparisons=tuple(comparisons))


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ConditionError(
                f"cannot read the condition at character {position + 1} "
                f"({text[position:position + 12]!r}): only column names, numbers, "
                "+, -, the comparisons < <= > >= == != and 'and' are allowed "
                "(no calls, brackets or other code)")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    return tokens


def _comparison(text: str, tokens: list[_Token], position: int, allowed: set[str],
                texts: set[str], order: Sequence[str]) -> tuple[Comparison, int]:
    left, position = _expression(text, tokens, position, allowed, order)
    if position >= len(tokens) or tokens[position].kind != "op":
        at = tokens[position].at if position < len(tokens) else len(text)
        raise _error(text, at, "a comparison (< <= > >= == !=)")
    op = tokens[position].text
    position += 1
    text_left = len(left) == 1 and left[0][1] in texts
    if text_left:
        if op not in ("==", "!="):
            raise ConditionError(f"{left[0][1]!r} holds text or true/false values; compare "
                                 "it only with == or != to a value, e.g. "
                                 f"{left[0][1]} == {'value'}")
        if position >= len(tokens) or tokens[position].kind not in ("name", "string",
                                                                    "number"):
            at = tokens[position].at if position < len(tokens) else len(text)
            raise _error(text, at, f"a value of {left[0][1]!r}")
        word = tokens[position].text.strip("'\"")
        return Comparison(left=left, op=op, right=((1, f"'{word}'"),)), position + 1
    right, position = _expression(text, tokens, position, allowed, order)
    for _sign, value in (*left, *right):
        if isinstance(value, str) and value in texts:
            raise ConditionError(f"{value!r} holds text or true/false values; it can only "
                                 f"be compared on its own, as {value} == value")
    return Comparison(left=left, op=op, right=right), position


def _expression(text: str, tokens: list[_Token], position: int, allowed: set[str],
                order: Sequence[str]) -> tuple[tuple[tuple[int, str | float], ...], int]:
    terms: list[tuple[int, str | float]] = []
    sign = 1
    if position < len(tokens) and tokens[position].kind == "sign":
        sign = -1 if tokens[position].text == "-" else 1
        position += 1
    while True:
        if position >= len(tokens):
            raise _error(text, len(text), "a column name or a number")
        token = tokens[position]
        if token.kind == "number":
            value = float(token.text)
            if not math.isfinite(value):
                raise _error(text, token.at, "a finite number")
            terms.append((sign, value))
        elif token.kind == "name" and token.text.lower() != "and":
            if token.text not in allowed:
                raise ConditionError(f"unknown name {token.text!r} in the condition; "
                                     f"allowed: {_listed(order)}")
            terms.append((sign, token.text))
        else:
            raise _error(text, token.at, "a column name or a number")
        position += 1
        if position < len(tokens) and tokens[position].kind == "sign":
            sign = -1 if tokens[position].text == "-" else 1
            position += 1
            continue
        return tuple(terms), position


def _compare(comparison: Comparison, table: pd.DataFrame) -> np.ndarray:
    if len(comparison.right) == 1 and str(comparison.right[0][1]).startswith("'"):
        column = comparison.left[0][1]
        word = str(comparison.right[0][1])[1:-1]
        values = table[column]
        if pd.api.types.is_bool_dtype(values):
            if word.lower() not in ("true", "false"):
                raise ConditionError(f"{column!r} is true or false; compare it with true or "
                                     f"false, not {word!r}")
            equal = values.to_numpy(dtype=bool) == (word.lower() == "true")
        else:
            found = sorted({str(v) for v in values.dropna().unique()})
            if word not in found:
                raise ConditionError(f"{column!r} never takes the value {word!r}; its values: "
                                     f"{_listed(found)}")
            equal = values.astype(str).to_numpy() == word
        return equal if comparison.op == "==" else ~equal
    left = _value(comparison.left, table)
    right = _value(comparison.right, table)
    with np.errstate(invalid="ignore"):
        met = np.asarray(_OPS[comparison.op](left, right), dtype=bool)
    missing = np.isnan(left) | np.isnan(right)
    return np.broadcast_to(met & ~missing, (len(table),)).copy()


def _value(terms: tuple[tuple[int, str | float], ...], table: pd.DataFrame) -> np.ndarray:
    total = np.zeros(len(table), dtype=np.float64)
    for sign, value in terms:
        if isinstance(value, str):
            total += sign * pd.to_numeric(table[value], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan)
        else:
            total += sign * value
    return total


def _error(text: str, at: int, expected: str) -> ConditionError:
    found = repr(text[at:at + 12]) if at < len(text) else "the end"
    return ConditionError(f"cannot read the condition {text[:80]!r} at character {at + 1}: "
                          f"expected {expected}, found {found} (form: 'name < number', "
                          "joined by 'and')")


def _listed(names: Sequence[str]) -> str:
    shown = list(names)[:_MAX_SHOWN]
    more = f", ... ({len(names) - _MAX_SHOWN} more)" if len(names) > _MAX_SHOWN else ""
    return ", ".join(shown) + more if shown else "(none)"


def _example(allowed: Sequence[str]) -> str:
    return f"{allowed[0]} < 0.4" if allowed else "trust_final < 0.4"
