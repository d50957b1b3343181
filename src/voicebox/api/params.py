"""Path parameters read by the one id parser (`voicebox.ids`).

A path id that is not ASCII digits within its column's range names nothing that could exist,
so it is answered like any missing thing: 404 with the parameter named.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator

from voicebox.errors import NotFound
from voicebox.ids import INT32_MAX, parse_id


def path_id(description: str, *, name: str, high: int = INT32_MAX) -> Any:
    """An `int` path parameter `name`; a NotFound (not a validation error) escapes pydantic."""

    def check(value: Any) -> int:
        return parse_id(value, name=name, high=high, error=NotFound)

    return Annotated[int, BeforeValidator(check), Path(ge=1, le=high, description=description)]
