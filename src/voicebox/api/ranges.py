"""`Range: <unit>=a-b` pagination: inclusive bounds, 206 with `Content-Range`, 416 past the end."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from voicebox.api.errors import ERROR_RESPONSE
from voicebox.errors import InvalidInput, RangeNotSatisfiable

_RANGE = re.compile(r"^\s*([A-Za-z_]+)\s*=\s*([0-9]{1,15})\s*-\s*([0-9]{0,15})\s*$")


@dataclass(frozen=True, slots=True)
class Window:
    """A page: `offset` rows skipped, at most `limit` returned."""

    unit: str
    offset: int
    limit: int


def parse_range(header: str | None, unit: str, *, default_size: int, max_size: int) -> Window:
    """Read a Range header for `unit`; no header means the first default-sized page."""
    if header is None or not header.strip():
        return Window(unit, 0, default_size)
    match = _RANGE.match(header)
    if not match:
        raise InvalidInput(f"Range must look like '{unit}=0-{default_size - 1}'", name="Range")
    got_unit, first, last = match.groups()
    if got_unit != unit:
        raise InvalidInput(f"Range unit must be '{unit}', not '{got_unit}'", name="Range")
    start = int(first)
    end = int(last) if last else start + default_size - 1
    if end < start:
        raise RangeNotSatisfiable(f"Range {start}-{end} is reversed", name="Range")
    return Window(unit, start, min(end - start + 1, max_size))


def range_response(items: Sequence[Any], total: int, window: Window) -> JSONResponse:
    """206 with the page and `Content-Range: unit a-b/total`; 416 when the page starts past the end."""
    if total == 0 and window.offset == 0:
        return JSONResponse([], status_code=206, headers={"Content-Range": f"{window.unit} */0"})
    if window.offset >= total:
        error = RangeNotSatisfiable(
            f"Range starts at {window.offset} but there are {total} {window.unit}", name="Range"
        )
        error.headers = {"Content-Range": f"{window.unit} */{total}"}
        raise error
    last = window.offset + len(items) - 1
    return JSONResponse(
        jsonable_encoder(items),
        status_code=206,
        headers={"Content-Range": f"{window.unit} {window.offset}-{last}/{total}"},
    )


def paged(model: Any, *errors: int) -> dict[str, Any]:
    """The route options of a list paged with `Range: <unit>=a-b` (pass them to the route
    decorator): 206 with a list of `model`; 416 past the end and `errors` in the error format."""
    return {"status_code": 206, "response_model": list[model],
            "responses": {code: ERROR_RESPONSE for code in sorted({*errors, 416})}}
