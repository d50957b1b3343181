"""Every campaign and abonent query (the bulk abonent writer lives in campaigns/bulk.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Abonent, Campaign, PhoneNumber
from voicebox.models.abonent import CANCELLED, PENDING
from voicebox.store.repository import add_row, get_owned_or_404, rowcount


def _live():
    return Campaign.deleted_at.is_(None)


async def get_for_customer(
    session: AsyncSession, customer_id: int, campaign_id: int, *, for_update: bool = False
) -> Campaign:
    """The customer's live campaign; NotFound for anyone else's, a deleted one or none."""
    return await get_owned_or_404(session, Campaign, customer_id, campaign_id,
                                  what="campaign", name="campaign_id", where=[_live()],
                                  for_update=for_update)


async def get(session: AsyncSession, campaign_id: int) -> Campaign | None:
    """Any live campaign by id (the dialer's view; no tenancy)."""
    return await session.scalar(select(Campaign).where(Campaign.id == campaign_id, _live()))


async def by_entry_point(session: AsyncSession, entry_point_id: str) -> Campaign | None:
    """The live campaign `POST /v1/sb` with `method` = entry_point_id starts calls for."""
    return await session.scalar(
        select(Campaign).where(Campaign.entry_point_id == entry_point_id, _live())
    )


async def inbound_on_number(session: AsyncSession, number_id: int) -> list[Campaign]:
    rows = await session.scalars(
        select(Campaign).where(
            Campaign.caller_number_id == number_id, Campaign.campaign_type == "inbound", _live()
        )
    )
    return list(rows)


async def count_for_customer(session: AsyncSession, customer_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Campaign)
        .where(Campaign.customer_id == customer_id, _live())
    )
    return int(count or 0)


async def page_for_customer(
    session: AsyncSession, customer_id: int, *, offset: int, limit: int
) -> list[Campaign]:
    rows = await session.scalars(
        select(Campaign)
        .where(Campaign.customer_id == customer_id, _live())
        .order_by(Campaign.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def progress(session: AsyncSession, campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Abonent counts by state for each campaign."""
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(Abonent.campaign_id, Abonent.state, func.count())
        .where(Abonent.campaign_id.in_(list(campaign_ids)))
        .group_by(Abonent.campaign_id, Abonent.state)
    )
    found: dict[int, dict[str, int]] = {}
    for campaign_id, state, count in rows:
        found.setdefault(campaign_id, {})[state] = int(count)
    return found


async def numbers_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(PhoneNumber.id, PhoneNumber.number).where(PhoneNumber.id.in_(list(ids)))
    )
    return {row_id: number for row_id, number in rows}


async def count_abonents(session: AsyncSession, campaign_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Abonent).where(Abonent.campaign_id == campaign_id)
    )
    return int(count or 0)


async def cancel_open_abonents(session: AsyncSession, campaign_id: int, now: datetime) -> int:
    """Pending abonents become cancelled; calls in progress finish and are not retried."""
    result = await session.execute(
        update(Abonent)
        .where(Abonent.campaign_id == campaign_id, Abonent.state == PENDING)
        .values(state=CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(rowcount(result) or 0)


add = add_row
