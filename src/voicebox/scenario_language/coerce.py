"""Lenient readers for the scenario format: what real clients send → what the spec declares."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from voicebox.ids import ascii_int
from voicebox.text import loads_checked


def to_int(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        whole = ascii_int(text, low=-(2**63), high=2**63 - 1)
        if whole is not None:
            return whole
        if not text.isascii():
            return value  # int() and float() read `٣` as 3: only 0-9 are digits here
        try:
            number = float(text)
        except ValueError:
            return value  # let pydantic report the type error
        return int(number) if number.is_integer() else value
    return value


def _to_bool(value: Any) -> Any:
    if value is None or value == "":
        return False
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
    return value


def _to_mapping(value: Any) -> Any:
    """Headers and parameters arrive as objects, JSON strings, or lists of {key, value}."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = loads_checked(value)
        except ValueError:
            return value
    if isinstance(value, list):
        result: dict[str, Any] = {}
        for item in value:
            if isinstance(item, dict) and ("key" in item or "name" in item):
                result[str(item.get("key", item.get("name")))] = item.get("value", "")
            else:
                return value
        return result
    return value


# A numeric field the spec declares as a string: accepts 5 or "5", returns "5".
IntStr = Annotated[
    int | None,
    BeforeValidator(to_int),
    PlainSerializer(lambda v: None if v is None else str(v), return_type=str | None),
]
# A flag the spec declares as a string: accepts true / "true" / 1, returns "true" / "false".
BoolStr = Annotated[
    bool,
    BeforeValidator(_to_bool),
    PlainSerializer(lambda v: "true" if v else "false", return_type=str),
]
Mapping = Annotated[dict[str, Any], BeforeValidator(_to_mapping)]


def _to_position(value: Any) -> Any:
    """Editor coordinates: the spec declares integers; drag libraries send floats or strings."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return value
    if isinstance(value, float):
        return round(value) if math.isfinite(value) else None
    return value


Position = Annotated[int | None, BeforeValidator(_to_position)]


def to_variables(value: Any) -> Any:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = loads_checked(value)
        except ValueError:
            return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [item.get("name") if isinstance(item, dict) else item for item in value]
    return value
