"""Every call-history query. Pages are keyset seeks on (started_at, id), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Call, Campaign
from voicebox.models.call import ENDED


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    customer_id: int
    campaign_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> list[Any]:
        clauses: list[Any] = [Call.customer_id == self.customer_id]
        if self.campaign_id is not None:
            clauses.append(Call.campaign_id == self.campaign_id)
        if self.since is not None:
            clauses.append(Call.started_at >= self.since)
        if self.until is not None:
            clauses.append(Call.started_at <= self.until)
        clauses.append(Call.state == ENDED)
        return clauses


_NEWEST_FIRST = (Call.started_at.desc(), Call.id.desc())


async def anchor(
    session: AsyncSession, where: HistoryFilter, offset: int
) -> tuple[datetime, int] | None:
    """(started_at, id) of the row at `offset`: an index-only walk, no table rows read."""
    row = (
        await session.execute(
            select(Call.started_at, Call.id)
            .where(*where.where())
            .order_by(*_NEWEST_FIRST)
            .offset(offset)
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def page_from(
    session: AsyncSession, where: HistoryFilter, start: tuple[datetime, int], limit: int
) -> list[tuple[Call, str | None]]:
    """Up to `limit` rows at or after `start` (in newest-first order), with campaign names."""
    started_at, call_id = start
    seek = or_(
        Call.started_at < started_at, and_(Call.started_at == started_at, Call.id <= call_id)
    )
    rows = await session.execute(
        select(Call, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(*where.where(), seek)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return [(call, name) for call, name in rows]


async def count(session: AsyncSession, where: HistoryFilter, cap: int) -> int:
    """Matching rows, counting no further than `cap` (a cap reached means "at least cap")."""
    inner = select(Call.id).where(*where.where()).limit(cap).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def campaigns_with_history(session: AsyncSession, customer_id: int) -> list[tuple[int, str]]:
    """Campaigns (deleted ones too) that have at least one call row; one index probe each."""
    has_calls = exists().where(Call.customer_id == customer_id, Call.campaign_id == Campaign.id)
    rows = await session.execute(
        select(Campaign.id, Campaign.name)
        .where(Campaign.customer_id == customer_id, has_calls)
        .order_by(Campaign.id)
    )
    return [(row_id, name) for row_id, name in rows]


async def by_call_id(session: AsyncSession, customer_id: int, call_id: str) -> Call | None:
    return await session.scalar(
        select(Call).where(Call.call_id == call_id, Call.customer_id == customer_id)
    )


async def insert_call(session: AsyncSession, **fields: Any) -> Call:
    """Write one call row (the dialer's path; tests use it to seed history)."""
    fields.setdefault("state", ENDED)
    call = Call(**fields)
    session.add(call)
    await session.flush()
    return call
