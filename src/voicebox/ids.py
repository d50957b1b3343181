"""The one parser for ids and numbers a client sends: ASCII digits within the column's range.

`str.isdigit()` accepts `³` and `٣`, which `int()` then refuses or reads; an id past int32
overflows a PostgreSQL INTEGER column. Every id, port or count read from a client goes through
`ascii_int` (or `parse_id`, which raises), so both mistakes are impossible by construction.
"""

from __future__ import annotations

import re
from typing import Any

from voicebox.errors import InvalidInput, VoiceboxError

INT32_MAX = 2**31 - 1
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,19}")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_int(value: Any, *, low: int = 0, high: int = INT32_MAX) -> int | None:
    """`value` (an int, or ASCII digits with spaces around; a sign only where `low` < 0) as an
    int in [low, high], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_INT.fullmatch(text := value.strip(" \t")):
        if low >= 0 and text[0] in "+-":
            return None
        number = int(text)
    else:
        return None
    return number if low <= number <= high else None


def is_ascii_digits(text: str) -> bool:
    """Only 0-9 (a phone number, a port): `str.isdigit()` also takes `³` and `٣`."""
    return bool(_ASCII_DIGITS.fullmatch(text))


def parse_id(
    value: Any,
    *,
    name: str,
    low: int = 1,
    high: int = INT32_MAX,
    error: type[VoiceboxError] = InvalidInput,
) -> int:
    """`ascii_int` or `error` (InvalidInput: 400; NotFound for a path id: 404) naming the field."""
    number = ascii_int(value, low=low, high=high)
    if number is None:
        raise error(f"{name} must be an id: digits 0-9, {low} to {high}", name=name)
    return number

