"""Every call-history query. Pages are keyset seeks on (started_at, id), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, tuple_
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
    session: AsyncSession, where: HistoryFilter, offset: int, after: tuple[datetime, int] | None
) -> tuple[datetime, int] | None:
    """(started_at, id) of the row at `offset` (counted past `after` when given): an
    index-only walk, no table rows read."""
    query = select(Call.started_at, Call.id).where(*where.where())
    if after is not None:
        query = query.where(tuple_(Call.started_at, Call.id) < tuple_(*after))
    row = (await session.execute(query.order_by(*_NEWEST_FIRST).offset(offset).limit(1))).first()
    return None if row is None else (row[0], row[1])


async def page_from(
    session: AsyncSession, where: HistoryFilter, start: tuple[datetime, int], limit: int
) -> list[tuple[Call, str | None]]:
    """Up to `limit` rows at or after `start` (in newest-first order), with campaign names."""
    # A row-value comparison: both databases turn it into an index range, unlike the OR form.
    seek = tuple_(Call.started_at, Call.id) <= tuple_(*start)
    rows = await session.execute(
        select(Call, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(*where.where(), seek)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return [(call, name) for call, name in rows]


async def count(
    session: AsyncSession, where: HistoryFilter, cap: int, after: tuple[datetime, int] | None
) -> int:
    """Matching rows (past `after`), counting no further than `cap` (reaching it means "at
    least cap")."""
    query = select(Call.id).where(*where.where())
    if after is not None:
        query = query.where(tuple_(Call.started_at, Call.id) < tuple_(*after))
    # Ordered like the pages so the planner walks the same index (index-only) rather than the table.
    inner = query.order_by(*_NEWEST_FIRST).limit(cap).subquery()
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
