"""Call prices: a per-minute price by destination type, billed per answered second.

The destination type comes from the number (`voicebox.phones.destination_type`): `mobile`, `landline`, `tollFree`,
or `international` (another country than the platform's home region). A customer's
`customers.tariff` JSON overrides any of the defaults, e.g. `{"mobile": "1.90"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from voicebox.phones import destination_type

DEFAULT_TARIFF: dict[str, Decimal] = {  # per minute, in the customer's currency
    "mobile": Decimal("2.50"),
    "landline": Decimal("1.50"),
    "tollFree": Decimal("0.50"),
    "international": Decimal("15.00"),
}
_ALIASES = {"toll_free": "tollFree", "tollfree": "tollFree", "fixed": "landline"}
FOUR_PLACES = Decimal("0.0001")
__all__ = ["DEFAULT_TARIFF", "call_cost", "destination_type", "tariff_for"]


def tariff_for(override: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """The default tariff with a customer's valid overrides applied (bad values are ignored)."""
    prices = dict(DEFAULT_TARIFF)
    for key, raw in (override or {}).items():
        name = _ALIASES.get(str(key).lower(), str(key))
        if name not in prices:
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            continue
        if value.is_finite() and value >= 0:
            prices[name] = value
    return prices


def call_cost(
    seconds: float, number: str, *, tariff: Mapping[str, Any] | None = None,
    home_region: str = "RU",
) -> Decimal:
    """The price of `seconds` answered seconds to `number` (whole seconds, rounded up)."""
    whole = int(seconds) + (1 if seconds > int(seconds) else 0)
    if whole <= 0:
        return Decimal(0)
    per_minute = tariff_for(tariff)[destination_type(number, home_region)]
    return (per_minute * whole / 60).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
