"""Text checks every input schema shares.

PostgreSQL text and JSONB cannot hold NUL (U+0000) and SQLite can: refusing it at the edge
keeps both backends answering the same, with the field named.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def has_nul(value: Any) -> bool:
    """NUL anywhere in a string, or in the keys and values of nested JSON data."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


def refuse_nul(value: Any) -> Any:
    """A pydantic validator: the value unchanged, or a ValueError naming the problem."""
    if has_nul(value):
        raise ValueError(NUL_MESSAGE)
    return value


NulFreeStr = Annotated[str, AfterValidator(refuse_nul)]
