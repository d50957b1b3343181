"""Reads over the sweeper's marks (voicebox.calls.sweep): how many ended calls of a scope lie
below a key, and which key has a given ascending rank; each is a seek to the nearest mark and a
walk of at most MARK_EVERY index entries (plus the scope's few calls not yet ended)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.calls.repository import (
    HistoryFilter,
    Key,
    capped_count,
    key_range,
    written_after,
)
from voicebox.models import Call
from voicebox.models.call import ENDED
from voicebox.models.history_mark import (
    ALL_CAMPAIGNS,
    WATCH_ROW,
    HistoryMark,
    HistorySweep,
    HistoryWatch,
)

# A literal, not a parameter, so both planners match ix_calls_unended's predicate.
_UNENDED = text("calls.state <> 'ended'")


@dataclass(frozen=True, slots=True)
class Scope:
    customer_id: int
    campaign_id: int  # ALL_CAMPAIGNS: the whole history

    @classmethod
    def of(cls, where: HistoryFilter) -> Scope:
        campaign = ALL_CAMPAIGNS if where.campaign_id is None else where.campaign_id
        return cls(where.customer_id, campaign)

    def calls(self) -> list[Any]:
        """The scope's rows in every state (ranks count them all)."""
        clauses: list[Any] = [Call.customer_id == self.customer_id]
        if self.campaign_id != ALL_CAMPAIGNS:
            clauses.append(Call.campaign_id == self.campaign_id)
        return clauses

    def marks(self) -> list[Any]:
        return [HistoryMark.customer_id == self.customer_id,
                HistoryMark.campaign_id == self.campaign_id]


@dataclass(frozen=True, slots=True)
class Counted:
    """A customer's usable marks: rows below `floor` are final and counted."""

    floor: Key
    above: int  # the filter's ended rows at or above the floor (up to the cap)


async def counted(session: AsyncSession, where: HistoryFilter, *, fresh_cap: int,
                  above_cap: int) -> Counted | None:
    """The customer's floor when its marks can be trusted now: none of the rows written since
    the sweeper's last check (looked at up to `fresh_cap` of them) lies below it."""
    row = (await session.execute(
        select(HistorySweep.floor_at, HistorySweep.floor_id, HistoryWatch.checked_id)
        .join(HistoryWatch, HistoryWatch.id == WATCH_ROW)
        .where(HistorySweep.customer_id == where.customer_id)
    )).first()
    if row is None or row.floor_at is None:
        return None
    floor: Key = (row.floor_at, int(row.floor_id))
    fresh = written_after(int(row.checked_id), fresh_cap)
    landed, fresh_rows, above = (await session.execute(select(
        select(fresh.c.id).where(fresh.c.customer_id == where.customer_id,
                                 tuple_(fresh.c.started_at, fresh.c.id) < tuple_(*floor))
        .limit(1).scalar_subquery(),
        select(func.count()).select_from(fresh).scalar_subquery(),
        capped_count(select(Call.id).where(*where.where(at_or_above=floor)), above_cap)
        .scalar_subquery(),
    ))).one()
    if landed is not None or fresh_rows >= fresh_cap:
        return None
    return Counted(floor, int(above or 0))


def _unended_below(scope: Scope, key: Any) -> Any:
    """COUNT of the scope's calls not yet ended with a key < `key` (a row value)."""
    # The campaign compared through coalesce(): an index on campaign_id would otherwise tempt
    # SQLite away from ix_calls_unended (a few rows) into the campaign's whole history.
    clauses: list[Any] = [Call.customer_id == scope.customer_id, _UNENDED,
                          tuple_(Call.started_at, Call.id) < key]
    if scope.campaign_id != ALL_CAMPAIGNS:
        clauses.append(func.coalesce(Call.campaign_id, ALL_CAMPAIGNS) == scope.campaign_id)
    return select(func.count()).where(*clauses).scalar_subquery()


async def ended_below(session: AsyncSession, scope: Scope, key: Key) -> int:
    """Ended rows of the scope with a key < `key` (which must not lie above the floor)."""
    mark = (await session.execute(
        select(HistoryMark.rank, HistoryMark.started_at, HistoryMark.call_row_id)
        .where(*scope.marks(),
               tuple_(HistoryMark.started_at, HistoryMark.call_row_id) < tuple_(*key))
        .order_by(HistoryMark.started_at.desc(), HistoryMark.call_row_id.desc()).limit(1)
    )).first()
    rank, start = 0, None
    if mark is not None:
        rank, start = int(mark.rank), (mark.started_at, int(mark.call_row_id))
    between = select(Call.id).where(*scope.calls(), *key_range(key, start))
    counts = (await session.execute(select(
        capped_count(between, None).scalar_subquery(), _unended_below(scope, tuple_(*key))
    ))).one()
    return rank + int(counts[0] or 0) - int(counts[1] or 0)


async def ended_key_at(session: AsyncSession, scope: Scope, rank: int) -> Key | None:
    """Key of the scope's ended row with ascending rank `rank` (0: the oldest)."""
    key = tuple_(HistoryMark.started_at, HistoryMark.call_row_id)
    mark = (await session.execute(
        select(HistoryMark.rank, HistoryMark.started_at, HistoryMark.call_row_id,
               _unended_below(scope, key))
        .where(*scope.marks(), HistoryMark.rank <= rank)
        .order_by(HistoryMark.rank.desc()).limit(1)
    )).first()
    start: Key | None = None
    skip = rank
    if mark is not None:
        start = (mark.started_at, int(mark.call_row_id))
        # Ranks count every state: the ended rows below the mark are fewer by the unended ones.
        skip = rank - (int(mark.rank) - int(mark[3] or 0))
    query = select(Call.started_at, Call.id).where(
        *scope.calls(), Call.state == ENDED, *key_range(None, start)
    )
    row = (await session.execute(
        query.order_by(Call.started_at, Call.id).offset(skip).limit(1)
    )).first()
    return None if row is None else (row[0], int(row[1]))
