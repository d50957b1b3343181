"""Every call-history query. Pages are keyset seeks on (started_at, id), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.calls.campaign_counts import counting
from voicebox.models import Call, Campaign
from voicebox.models.call import ENDED
from voicebox.store.repository import add_row

Key = tuple[datetime, int]  # (started_at, id): the history's total order, newest first
_NEWEST_FIRST = (Call.started_at.desc(), Call.id.desc())


def _key() -> Any:
    return tuple_(Call.started_at, Call.id)


def key_range(below: Key | None, at_or_above: Key | None = None) -> list[Any]:
    """Row-value bounds on (started_at, id): both databases range an index on them, unlike on
    the equivalent OR form."""
    clauses: list[Any] = []
    if below is not None:
        clauses.append(_key() < tuple_(*below))
    if at_or_above is not None:
        clauses.append(_key() >= tuple_(*at_or_above))
    return clauses


def next_key(key: Key) -> Key:
    """The least key above `key`: `key <= K` is `key < next_key(K)`."""
    return key[0], key[1] + 1


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    customer_id: int
    campaign_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: int | None = None  # extension: one final status code; pages walk (no ranks)

    def where(self, below: Key | None = None, at_or_above: Key | None = None) -> list[Any]:
        """The filter's ended calls with keys in [at_or_above, below)."""
        clauses: list[Any] = [Call.customer_id == self.customer_id]
        if self.campaign_id is not None:
            clauses.append(Call.campaign_id == self.campaign_id)
        # from / to narrowed to the key range: given a looser plain bound beside the row value,
        # SQLite may range the index on the plain one and walk every row up to the key.
        since, until = self.since, self.until
        if since is not None and at_or_above is not None:
            since = max(since, at_or_above[0])
        if until is not None and below is not None:
            until = min(until, below[0])
        if since is not None:
            clauses.append(Call.started_at >= since)
        if until is not None:
            clauses.append(Call.started_at <= until)
        if self.status is not None:
            clauses.append(Call.status == self.status)
        clauses.append(Call.state == ENDED)
        return clauses + key_range(below, at_or_above)


async def key_at(session: AsyncSession, where: HistoryFilter, below: Key | None,
                 offset: int) -> Key | None:
    """Key of the row `offset` rows down from `below` (exclusive; None: the newest row): an
    index-only walk, no table rows read."""
    query = select(Call.started_at, Call.id).where(*where.where(below))
    row = (await session.execute(query.order_by(*_NEWEST_FIRST).offset(offset).limit(1))).first()
    return None if row is None else (row[0], row[1])


async def page_from(
    session: AsyncSession, where: HistoryFilter, start: Key, limit: int
) -> list[tuple[Call, str | None]]:
    """Up to `limit` rows at or after `start` (in newest-first order), with campaign names."""
    rows = await session.execute(
        select(Call, Campaign.name)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(*where.where(below=next_key(start)))
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return [(call, name) for call, name in rows]


async def count(session: AsyncSession, where: HistoryFilter, cap: int, *,
                below: Key | None = None, at_or_above: Key | None = None) -> int:
    """Matching rows in [at_or_above, below), counting no further than `cap` (reaching it means
    "at least cap")."""
    query = select(Call.id).where(*where.where(below, at_or_above))
    return int(await session.scalar(capped_count(query, cap)) or 0)


def written_after(row_id: int, limit: int) -> Any:
    """Call rows with id > row_id, oldest first, at most `limit`: a walk of the primary key.
    The LIMIT also keeps both planners from merging it into a query that would rather range a
    customer's whole history on its index."""
    return (select(Call.customer_id, Call.started_at, Call.id).where(Call.id > row_id)
            .order_by(Call.id).limit(limit).subquery())


def capped_count(query: Any, cap: int | None) -> Any:
    """COUNT of a history query's rows, stopping at `cap`. Ordered like the pages so the
    planner walks the same index (index-only) rather than the table."""
    inner = query.order_by(*_NEWEST_FIRST).limit(cap).subquery()
    return select(func.count()).select_from(inner)


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
    async with counting(session, [call.call_id]):
        return await add_row(session, call)
