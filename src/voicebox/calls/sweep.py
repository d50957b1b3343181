"""The history sweeper: counts each customer's call rows below a floor and marks every
MARK_EVERY-th one (voicebox.models.history_mark), so Range pages at any depth are short seeks.

The floor trails the clock by SLACK: calls are written when they start, so no row can still
appear below it. A round first checks the rows written since the last round: a customer with one
below its floor (a clock step back, a hand-made insert) is reset and recounted. Then every
customer with rows between its floor and now - SLACK is swept, CHUNK rows per transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, literal, select, tuple_, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.calls.repository import Key, key_range, next_key, written_after
from voicebox.models import Call, Customer
from voicebox.models.history_mark import (
    ALL_CAMPAIGNS,
    WATCH_ROW,
    HistoryCount,
    HistoryMark,
    HistorySweep,
    HistoryWatch,
)
from voicebox.store.db import dialect_insert, utcnow
from voicebox.store.writes import write_session

log = logging.getLogger(__name__)

MARK_EVERY = 1_000  # rows between two marks: the longest walk a deep page makes
CHUNK = 200_000  # rows counted per sweep transaction (a backfill takes several)
SLACK = timedelta(seconds=60)  # a writer's transaction or clock may lag this much
EVERY_SECONDS = 5.0  # how often a running dialer sweeps


async def _locked(session: AsyncSession, table: type, key: dict, values: dict) -> None:
    """Create the row if missing, then write it: concurrent sweepers take turns on it (the
    row lock on PostgreSQL, the database's write lock on SQLite) until the caller commits."""
    await session.execute(dialect_insert(session)(table).values(**key, **values).on_conflict_do_nothing())
    conditions = [getattr(table, name) == value for name, value in key.items()]
    first = next(iter(values))
    await session.execute(
        update(table).where(*conditions).values({first: getattr(table, first)})
    )


async def forget(session: AsyncSession, customer_id: int) -> None:
    """Drop a customer's marks: the next sweep recounts from the oldest call. Anything that
    deletes call rows or moves them between campaigns must call this."""
    # The sweep row first: it is the lock a running sweep of this customer holds, so its marks
    # are committed (and then deleted here) before the rest goes.
    await session.execute(delete(HistorySweep).where(HistorySweep.customer_id == customer_id))
    await _clear(session, customer_id)


async def _clear(session: AsyncSession, customer_id: int) -> None:
    for table in (HistoryMark, HistoryCount):
        await session.execute(delete(table).where(table.customer_id == customer_id))


async def check_new_rows(session: AsyncSession) -> list[int]:
    """Check the rows written since the last check against their customers' floors; reset the
    customers that have one below it. Returns them (the caller commits)."""
    await _locked(session, HistoryWatch, {"id": WATCH_ROW}, {"checked_id": 0})
    checked = int(await session.scalar(
        select(HistoryWatch.checked_id).where(HistoryWatch.id == WATCH_ROW)) or 0)
    newest = int(await session.scalar(select(func.max(Call.id))) or 0)
    swept_any = await session.scalar(select(HistorySweep.customer_id).limit(1))
    landed: list[int] = []
    if newest > checked and swept_any is not None:
        landed = await _landed_below_floor(session, written_after(checked, newest - checked))
    for customer_id in landed:
        log.warning("call history of customer %s changed below its floor: recounting",
                    customer_id)
        await forget(session, customer_id)
    if newest > checked:
        await session.execute(
            update(HistoryWatch).where(HistoryWatch.id == WATCH_ROW).values(checked_id=newest))
    return landed


async def _landed_below_floor(session: AsyncSession, fresh) -> list[int]:
    return list(await session.scalars(
        select(fresh.c.customer_id).distinct()
        .join(HistorySweep, HistorySweep.customer_id == fresh.c.customer_id)
        .where(tuple_(fresh.c.started_at, fresh.c.id)
               < tuple_(HistorySweep.floor_at, HistorySweep.floor_id))
    ))


async def due_customers(session: AsyncSession, *, now: datetime) -> list[int]:
    """Customers with rows between their floor and now - SLACK (one index probe each)."""
    cutoff = now - SLACK
    sweep = HistorySweep.__table__.alias("sweep")
    # Two sargable probes rather than one with an OR, which would scan a whole history.
    unswept = select(Customer.id).where(
        ~select(sweep.c.customer_id).where(sweep.c.customer_id == Customer.id).exists(),
        select(Call.id).where(Call.customer_id == Customer.id, Call.started_at < cutoff).exists(),
    )
    behind = select(sweep.c.customer_id).where(
        select(Call.id).where(
            Call.customer_id == sweep.c.customer_id, Call.started_at < cutoff,
            tuple_(Call.started_at, Call.id) >= tuple_(sweep.c.floor_at, sweep.c.floor_id),
        ).exists()
    )
    return sorted(set(await session.scalars(unswept)) | set(await session.scalars(behind)))


@dataclass(frozen=True, slots=True)
class Swept:
    counted: int
    more: bool  # the chunk was full: rows may remain below the cutoff


async def sweep_customer(session: AsyncSession, customer_id: int, *, now: datetime,
                         chunk: int = CHUNK) -> Swept:
    """Advance one customer's floor by up to `chunk` rows (the caller commits)."""
    await _locked(session, HistorySweep, {"customer_id": customer_id},
                  {"swept_at": now, "floor_at": None, "floor_id": 0})
    row = (await session.execute(
        select(HistorySweep.floor_at, HistorySweep.floor_id)
        .where(HistorySweep.customer_id == customer_id)
    )).one()
    floor: Key | None = None if row.floor_at is None else (row.floor_at, int(row.floor_id))
    if floor is None:
        await _clear(session, customer_id)  # a count from the oldest call starts from nothing
    cutoff = now - SLACK
    bounds = [Call.customer_id == customer_id, Call.started_at < cutoff, *key_range(None, floor)]
    # The chunk's last row, found on the index; the chunk is then a plain key range.
    last = (await session.execute(
        select(Call.started_at, Call.id).where(*bounds)
        .order_by(Call.started_at, Call.id).offset(chunk - 1).limit(1)
    )).first()
    if last is not None:
        new_floor: Key = next_key((last.started_at, last.id))
        bounds += key_range(new_floor)
    else:
        new_floor = (cutoff, 0)
    counted = await _mark(session, customer_id, bounds)
    await session.execute(
        update(HistorySweep).where(HistorySweep.customer_id == customer_id)
        .values(floor_at=new_floor[0], floor_id=new_floor[1], swept_at=now)
    )
    return Swept(counted, more=last is not None)


async def _mark(session: AsyncSession, customer_id: int, bounds: list) -> int:
    """Mark the rows in `bounds` (ranks continue from history_counts), then count them in."""
    counts = dict((await session.execute(
        select(HistoryCount.campaign_id, HistoryCount.counted)
        .where(HistoryCount.customer_id == customer_id)
    )).all())
    per_campaign = (await session.execute(
        select(Call.campaign_id, func.count()).where(*bounds).group_by(Call.campaign_id)
    )).all()
    total = sum(n for _, n in per_campaign)
    if not total:
        return 0
    base = HistoryCount.__table__.alias("base")
    order = (Call.started_at, Call.id)
    ranked = (
        select(
            Call.campaign_id, Call.started_at, Call.id,
            (func.row_number().over(order_by=order) - 1
             + counts.get(ALL_CAMPAIGNS, 0)).label("r_all"),
            (func.row_number().over(partition_by=Call.campaign_id, order_by=order) - 1
             + func.coalesce(base.c.counted, 0)).label("r_campaign"),
        )
        .select_from(Call.__table__.outerjoin(base, and_(
            base.c.customer_id == customer_id, base.c.campaign_id == Call.campaign_id)))
        .where(*bounds)
        .cte("ranked")
    )
    marks = union_all(
        select(literal(customer_id), literal(ALL_CAMPAIGNS), ranked.c.r_all,
               ranked.c.started_at, ranked.c.id)
        .where(ranked.c.r_all % MARK_EVERY == 0),
        select(literal(customer_id), ranked.c.campaign_id, ranked.c.r_campaign,
               ranked.c.started_at, ranked.c.id)
        .where(ranked.c.campaign_id.is_not(None), ranked.c.r_campaign % MARK_EVERY == 0),
    )
    await session.execute(insert(HistoryMark).from_select(
        ["customer_id", "campaign_id", "rank", "started_at", "call_row_id"], marks))
    added = {campaign: n for campaign, n in per_campaign if campaign is not None}
    added[ALL_CAMPAIGNS] = total
    upsert = dialect_insert(session)(HistoryCount)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["customer_id", "campaign_id"],
            set_={"counted": HistoryCount.counted + upsert.excluded.counted},
        ),
        [{"customer_id": customer_id, "campaign_id": campaign, "counted": n}
         for campaign, n in sorted(added.items())],
    )
    return total


class HistorySweeper:
    """Rounds of sweeps over every customer that has something to count or to recount."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *,
                 now: Callable[[], datetime] = utcnow, chunk: int = CHUNK) -> None:
        self.sessionmaker = sessionmaker
        self.now = now
        self.chunk = chunk

    async def _due(self) -> list[int]:
        async with write_session(self.sessionmaker) as session:
            await check_new_rows(session)
            await session.commit()
        async with self.sessionmaker() as session:
            return await due_customers(session, now=self.now())

    async def round(self, *, progress: Callable[[int], None] | None = None,
                    stop: asyncio.Event | None = None) -> int:
        """Sweep every customer that is due, one chunk per transaction, until done or `stop`
        is set between two chunks; rows counted."""
        total = 0
        for customer_id in await self._due():
            while stop is None or not stop.is_set():
                async with write_session(self.sessionmaker) as session:
                    swept = await sweep_customer(session, customer_id, now=self.now(),
                                                 chunk=self.chunk)
                    await session.commit()
                total += swept.counted
                if progress is not None and swept.counted:
                    progress(swept.counted)
                if not swept.more:
                    break
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """A round every EVERY_SECONDS until `stop` is set (a failed round is logged)."""
        while not stop.is_set():
            try:
                await self.round(stop=stop)
            except Exception:  # the next round retries; pages never depend on a sweep
                log.exception("history sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), EVERY_SECONDS)
