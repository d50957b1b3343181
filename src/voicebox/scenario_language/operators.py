"""`Condition` operators, the one table: their names and aliases, and how `variable operator value`
compares (as numbers, dates or text). The engine evaluates with it; validation checks with it."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from voicebox.errors import EngineError
from voicebox.scenario_language.keywords import normalize

_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d/%m/%Y")

OPERATORS: dict[str, str] = {
    "eq": "eq", "=": "eq", "==": "eq", "equals": "eq",
    "ne": "ne", "!=": "ne", "<>": "ne", "notequals": "ne",
    "gt": "gt", ">": "gt",
    "ge": "ge", ">=": "ge", "gte": "ge",
    "lt": "lt", "<": "lt",
    "le": "le", "<=": "le", "lte": "le",
    "contains": "contains", "notcontains": "notContains",
    "startswith": "startsWith", "endswith": "endsWith",
    "matches": "matches", "regex": "matches",
    "empty": "empty", "isempty": "empty",
    "notempty": "notEmpty", "isnotempty": "notEmpty", "exists": "notEmpty",
}


# The canonical names, in the order to suggest them (the aliases above map onto these).
CANONICAL_OPERATORS: tuple[str, ...] = tuple(dict.fromkeys(OPERATORS.values()))
NUMERIC_OPERATORS = frozenset({"gt", "ge", "lt", "le"})
VALUELESS_OPERATORS = frozenset({"empty", "notEmpty"})


def canonical_operator(operator: str) -> str | None:
    return OPERATORS.get(operator.strip().lower().replace("_", ""))


def as_number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


def as_date(text: str) -> datetime | None:
    text = text.strip()
    if len(text) < 8 or not text[:1].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed


def _ordered(left: str, right: str) -> tuple[object, object]:
    """Both as numbers, else both as dates, else both as normalised text."""
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return a, b
    da, db = as_date(left), as_date(right)
    if da is not None and db is not None:
        if (da.tzinfo is None) != (db.tzinfo is None):  # compare a date with a date-time
            da, db = da.replace(tzinfo=None), db.replace(tzinfo=None)
        return da, db
    return normalize(left), normalize(right)


def _matches(left: str, right: str) -> bool:
    try:
        return re.search(right, left, re.IGNORECASE) is not None
    except re.error as exc:
        raise EngineError(f"invalid regular expression {right!r}: {exc}") from exc


_ORDER: dict[str, Callable[[Any, Any], bool]] = {  # `_ordered` pairs values of one kind
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt,
    "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}
_TEXT: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda a, b: normalize(b) in normalize(a),
    "notContains": lambda a, b: normalize(b) not in normalize(a),
    "startsWith": lambda a, b: normalize(a).startswith(normalize(b)),
    "endsWith": lambda a, b: normalize(a).endswith(normalize(b)),
    "matches": _matches,
    "empty": lambda a, b: not a.strip(),
    "notEmpty": lambda a, b: bool(a.strip()),
}


def evaluate(operator_name: str, left: str, right: str) -> bool:
    """`left operator right`; raises EngineError for an unknown operator or a bad regex."""
    canonical = canonical_operator(operator_name)
    if canonical is None:
        raise EngineError(f"unknown operator {operator_name!r}")
    compare = _ORDER.get(canonical)
    if compare is None:
        return _TEXT[canonical](left, right)
    return compare(*_ordered(left, right))
