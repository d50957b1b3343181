"""The first-start inventory: a few thousand plausible Russian numbers, the same on every install."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.numbers import catalog
from voicebox.numbers.inventory import inventory_row
from voicebox.numbers.repository import number_repository
from voicebox.store.writes import write_session

log = logging.getLogger("voicebox.numbers")

SEED = 20261127
PER_AREA_CODE = 160
PER_MOBILE_PREFIX = 120
TOLL_FREE = 400
# Memorable endings, so every category is stocked (the rest are random).
_PATTERNS = ("{a}{a}{a}{a}", "{a}{a}{b}{b}", "{a}{b}{a}{b}", "{a}000", "{a}{b}00", "{a}{b}{c}{c}")


def _local_part(rng: random.Random, length: int) -> str:
    # Local numbers never start with 0.
    digits = str(rng.randrange(10 ** (length - 1), 10**length))
    if rng.random() < 0.12:
        a, b, c = (str(rng.randrange(10)) for _ in range(3))
        ending = rng.choice(_PATTERNS).format(a=a, b=b, c=c)
        digits = digits[: length - len(ending)] + ending
    return digits


def generate() -> list[dict[str, Any]]:
    """Deterministic rows for `phone_numbers` (same seed, same numbers)."""
    rng = random.Random(SEED)
    rows: dict[str, dict[str, Any]] = {}
    for region in catalog.REGIONS:
        stock = [(code, TOLL_FREE if code == "800" else PER_AREA_CODE) for code in region.abc]
        stock += [(prefix, PER_MOBILE_PREFIX) for prefix in region.def_]
        for code, count in stock:
            made = 0
            while made < count:
                number = "7" + code + _local_part(rng, 10 - len(code))
                if number in rows:
                    continue
                type_ = catalog.number_type(number)
                rows[number] = inventory_row(
                    number,
                    region_code=region.code,
                    description=f"{catalog.TYPES[type_]}, {region.name}",
                )
                made += 1
    return list(rows.values())


async def seed_inventory(session: AsyncSession) -> int:
    """Stock the inventory if it is empty; returns how many numbers were added."""
    if await number_repository.has_any(session):
        return 0
    rows = await asyncio.to_thread(generate)
    await number_repository.insert_many(session, rows)
    return len(rows)


async def seed_on_startup(app: Any) -> None:
    """Startup hook: seed once, when `seed_numbers` is on and the inventory is empty."""
    if not app.state.settings.seed_numbers:
        return
    async with write_session(app.state.sessionmaker) as session:  # servers may start together
        added = await seed_inventory(session)
        await session.commit()
    if added:
        log.info("stocked the number inventory with %d numbers", added)
