"""Every call-history query. Pages are keyset seeks on (started_at, id), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, text, tuple_
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


Key = tuple[datetime, int]  # (started_at, id): the history's total order, newest first
_NEWEST_FIRST = (Call.started_at.desc(), Call.id.desc())


def _key() -> Any:
    return tuple_(Call.started_at, Call.id)


def _bounded(query: Any, below: Key | None, at_or_above: Key | None = None) -> Any:
    # Row-value comparisons: both databases turn them into an index range, unlike the OR form.
    if below is not None:
        query = query.where(_key() < tuple_(*below))
    if at_or_above is not None:
        query = query.where(_key() >= tuple_(*at_or_above))
    return query


async def key_at(session: AsyncSession, where: HistoryFilter, below: Key | None,
                 offset: int) -> Key | None:
    """Key of the row `offset` rows down from `below` (exclusive; None: the newest row): an
    index-only walk, no table rows read."""
    query = _bounded(select(Call.started_at, Call.id).where(*where.where()), below)
    row = (await session.execute(query.order_by(*_NEWEST_FIRST).offset(offset).limit(1))).first()
    return None if row is None else (row[0], row[1])


async def page_from(
    session: AsyncSession, where: HistoryFilter, start: Key, limit: int
) -> list[tuple[Call, str | None]]:
    """Up to `limit` rows at or after `start` (in newest-first order), with campaign names."""
    rows = await session.execute(
        select(Call, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(*where.where(), _key() <= tuple_(*start))
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return [(call, name) for call, name in rows]


async def count(session: AsyncSession, where: HistoryFilter, cap: int, *,
                below: Key | None = None, at_or_above: Key | None = None) -> int:
    """Matching rows in [at_or_above, below), counting no further than `cap` (reaching it means
    "at least cap")."""
    query = _bounded(select(Call.id).where(*where.where()), below, at_or_above)
    return int(await session.scalar(_counted(query, cap)) or 0)


@dataclass(frozen=True, slots=True)
class Watermarks:
    max_id: int  # the newest row id of any customer (0: no calls)
    oldest_unended: datetime | None  # the customer's oldest call not yet ended
    new_rows: int  # rows of any customer with id > seen_id, counted up to the cap
    oldest_new: datetime | None  # the customer's oldest started_at among those rows
    above: int  # rows of the filter at or above `root`, counted up to above_cap


def _counted(query: Any, cap: int) -> Any:
    # Ordered like the pages so the planner walks the same index (index-only) rather than the table.
    inner = query.order_by(*_NEWEST_FIRST).limit(cap).subquery()
    return select(func.count()).select_from(inner)


async def watermarks(
    session: AsyncSession, where: HistoryFilter, seen_id: int, cap: int, root: Key, above_cap: int
) -> Watermarks:
    """One statement (one snapshot): what bounds the rows of a customer that can still change,
    and how many rows of the filter sit at or above `root`."""
    customer_id = where.customer_id
    # A literal, not a parameter, so both planners match ix_calls_unended's predicate.
    unended = (
        select(Call.started_at)
        .where(Call.customer_id == customer_id, text("calls.state <> 'ended'"))
        .order_by(Call.started_at)
        .limit(1)
        .scalar_subquery()
    )
    # Rows inserted since seen_id, walked on the primary key and capped.
    fresh = select(Call.customer_id, Call.started_at).where(Call.id > seen_id)
    fresh = fresh.order_by(Call.id).limit(cap).subquery()
    row = (await session.execute(select(
        select(func.max(Call.id)).scalar_subquery(),
        unended,
        select(func.count()).select_from(fresh).scalar_subquery(),
        select(func.min(fresh.c.started_at))
        .where(fresh.c.customer_id == customer_id)
        .scalar_subquery(),
        _counted(_bounded(select(Call.id).where(*where.where()), None, root), above_cap)
        .scalar_subquery(),
    ))).one()
    return Watermarks(int(row[0] or 0), row[1], int(row[2] or 0), row[3], int(row[4] or 0))


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
