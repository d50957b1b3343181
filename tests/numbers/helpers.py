"""Stocking the inventory in tests, through the same service the seed and the CLI use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from voicebox.numbers.inventory import inventory_row
from voicebox.numbers.service import number_service

# A small, varied inventory: numbers, their type, region and category as the catalog derives them.
SMALL = {
    "74951234589": ("ABC", "MOW", "REGULAR"),
    "74951237777": ("ABC", "MOW", "GOLD"),
    "74991112344": ("ABC", "MOW", "BRONZE"),
    "78121234589": ("ABC", "SPE", "REGULAR"),
    "73831234589": ("ABC", "NVS", "REGULAR"),
    "79161234589": ("DEF", "MOW", "REGULAR"),
    "79211234589": ("DEF", "SPE", "REGULAR"),
    "78001234589": ("8800", "RU", "REGULAR"),
}


async def stock(app: Any, numbers: dict[str, dict[str, Any]] | None = None) -> None:
    """Add numbers (default: SMALL) to the inventory and commit."""
    rows = [inventory_row(n, **extra) for n, extra in (numbers or {n: {} for n in SMALL}).items()]
    async with app.state.sessionmaker() as session:
        await number_service.add_to_inventory(session, rows)
        await session.commit()


def fee(number: str) -> Decimal:
    from voicebox.numbers import catalog

    type_, _, category = SMALL[number]
    return catalog.monthly_fee(type_, category)
