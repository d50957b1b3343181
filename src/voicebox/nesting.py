"""How deep client JSON nests. Storage's JSON writers (pydantic, json, asyncpg) give up past a
few hundred levels, and recursive walks past about a thousand: inputs are refused well before."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64  # levels of JSON nesting any client body may have: real scenarios need about 8


def deeper_than(data: Any, limit: int) -> bool:
    """Whether lists / objects nest more than `limit` levels (iterative: no recursion limit)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            items = value.values()
        elif isinstance(value, list):
            items = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in items)
    return False
