"""Writes ended attempts in batches: one transaction for many calls keeps the dialer's rate
independent of the database's commit latency."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.billing.holds import release as release_holds
from voicebox.billing.service import billing_service, entry_values
from voicebox.dialer.repository import Finished, dialer_repository
from voicebox.store.writes import write_session

log = logging.getLogger(__name__)


async def write_finished(session: AsyncSession, items: Sequence[tuple[Finished, int]], *,
                         owner: str | None) -> int:
    """History rows, abonent verdicts and charges of ended attempts (the caller commits);
    returns how many results found their lease taken over."""
    moved = await dialer_repository.finish(session, [item for item, _ in items], owner=owner)
    await billing_service.post_many(session, [
        entry_values(customer_id=customer_id, amount=-item.cost, kind="call",
                     description=f"call {item.call_id}: {item.duration} s",
                     reference=item.call_id, created_at=item.ended_at)
        for item, customer_id in items if item.cost])
    await release_holds(session, [item.call_id for item, _ in items])
    expected = sum(1 for item, _ in items
                   if item.abonent_id is not None and item.abonent_state is not None)
    return max(expected - moved, 0)


class Persister:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, owner: str,
                 batch: int = 200, on_written: Callable[[int], None] | None = None):
        self._sessionmaker = sessionmaker
        self._owner = owner
        self._batch = batch
        self._queue: asyncio.Queue[tuple[Finished, int] | None] = asyncio.Queue()
        self._on_written = on_written
        # Abonents whose result waits here: still `calling` under our lease in the database.
        self.unsaved: set[int | None] = set()
        self.written = 0
        self.lost_leases = 0

    def put(self, item: Finished, customer_id: int) -> None:
        self._queue.put_nowait((item, customer_id))
        self.unsaved.add(item.abonent_id)

    def saved(self, items: list[tuple[Finished, int]]) -> None:
        for item, _ in items:
            self.unsaved.discard(item.abonent_id)

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        """Write batches until `close()`; a batch is never cut short by a cancellation."""
        closing = False
        while not closing:
            first = await self._queue.get()
            items: list[tuple[Finished, int]] = []
            if first is None:
                closing = True
            else:
                items.append(first)
            while len(items) < self._batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    closing = True
                else:
                    items.append(item)
            if items:
                await self._write(items)
            if closing and not self._queue.empty():
                closing = False  # results put after close() still get written
                self._queue.put_nowait(None)

    def close(self) -> None:
        """Make `run()` return once everything queued so far is written."""
        self._queue.put_nowait(None)

    async def _write(self, items: list[tuple[Finished, int]]) -> None:
        delay = 0.1
        while True:
            try:
                async with write_session(self._sessionmaker) as session:
                    lost = await write_finished(session, items, owner=self._owner)
                    await session.commit()
                break
            except Exception:  # the database is away: keep the results and try again
                log.exception("writing %d call results failed; retrying", len(items))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.written += len(items)
        self.saved(items)
        self.lost_leases += lost
        if lost:
            log.warning("%d results arrived after their lease was taken over", lost)
        if self._on_written is not None:
            self._on_written(len(items))

    def stats(self) -> dict[str, Any]:
        return {"written": self.written, "backlog": self.backlog, "lostLeases": self.lost_leases}
