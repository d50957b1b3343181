"""Reading numbers, masks and inventory rows from people: validation and what can be derived."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from voicebox.errors import InvalidInput
from voicebox.ids import is_ascii_digits
from voicebox.numbers import catalog
from voicebox.store.db import utcnow

_SEPARATORS = re.compile(r"[\s\-().]")
_CODE = re.compile(r"^[A-Za-z0-9]{1,32}$")
MAX_MASK = 20


def normalize_number(raw: str | int, *, field: str = "number") -> str:
    """Digits with the country code: `+7 (495) 123-45-67`, `84951234567` → `74951234567`."""
    text = _SEPARATORS.sub("", str(raw)).removeprefix("+")
    if not is_ascii_digits(text):
        raise InvalidInput(f"{field} must be a phone number of digits", name=field)
    if len(text) == 10:
        text = "7" + text
    elif len(text) == 11 and text.startswith("8"):
        text = "7" + text[1:]
    if not 11 <= len(text) <= 15:
        raise InvalidInput(f"{field} must have 11 to 15 digits with the country code", name=field)
    return text


def like_pattern(mask: str) -> str:
    """The spec's mask as a LIKE pattern: `%` and `_` are wildcards, everything else literal."""
    mask = mask.strip().removeprefix("+")
    if not mask or len(mask) > MAX_MASK:
        raise InvalidInput(f"mask must be 1-{MAX_MASK} characters, e.g. 749512%", name="mask")
    if not mask.isprintable():
        raise InvalidInput("mask must not contain control characters", name="mask")
    return mask.replace("\\", "\\\\")


def enum_value(value: str | None, allowed: Sequence[str], field: str) -> str | None:
    if value is None or value == "":
        return None
    upper = value.strip().upper()
    if upper not in allowed:
        known = ", ".join(allowed) or "none yet"
        raise InvalidInput(f"unknown {field} {value[:40]!r}; known: {known}", name=field)
    return upper


@dataclass(frozen=True, slots=True)
class AddResult:
    added: int
    skipped: int


def inventory_row(
    number: str | int,
    *,
    type_: str | None = None,
    region_code: str | None = None,
    region_name: str | None = None,
    category: str | None = None,
    monthly_fee: Decimal | str | None = None,
    owner: str = catalog.OWNER_MTT,
    currency: str = "RUB",
    description: str = "",
) -> dict[str, Any]:
    """A validated inventory row; what is not given is derived from the number itself."""
    digits = normalize_number(number)
    type_ = enum_value(type_, list(catalog.TYPES), "type") or catalog.number_type(digits)
    category = enum_value(category, list(catalog.CATEGORIES), "category") or catalog.category_of(
        digits
    )
    region = catalog.region_of(digits)
    code = (region_code or (region.code if region else "")).strip().upper()
    if not _CODE.match(code) or len(code) > 8:
        raise InvalidInput(f"number {digits}: region code is unknown; give one", name="region_code")
    known = catalog.REGIONS_BY_CODE.get(code)
    name = region_name or (known.name if known else "")
    if not name:
        raise InvalidInput(f"region {code} is not built in; give its name", name="region_name")
    fee = catalog.monthly_fee(type_, category) if monthly_fee in (None, "") else monthly_fee
    try:
        fee = Decimal(str(fee))
    except ArithmeticError as error:
        raise InvalidInput("monthly fee must be a number", name="monthly_fee") from error
    if not fee.is_finite() or fee < 0 or fee >= Decimal(10**9):
        raise InvalidInput("monthly fee must be between 0 and 1e9", name="monthly_fee")
    if not _CODE.match(owner):
        raise InvalidInput("owner must be 1-32 letters or digits", name="owner")
    return {
        "number": digits,
        "type": type_,
        "owner": owner.upper(),
        "region_code": code,
        "region_name": name[:100],
        "category": category,
        "monthly_fee": fee,
        "currency": currency.upper()[:3],
        "description": description[:500],
        "created_at": utcnow(),
    }
