"""The leases of claimed abonents: renewed by a heartbeat while this worker holds their calls,
and reaped (closed as failed, 503, and re-queued) once a dead worker's have expired."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.billing.holds import release as release_holds
from voicebox.dialer.persist import Persister
from voicebox.dialer.programs import schedule_of
from voicebox.dialer.repository import dialer_repository as repo
from voicebox.dialer.scheduling import after_attempt
from voicebox.models import Campaign
from voicebox.store.writes import write_session
from voicebox.telephony.base import CallResult

log = logging.getLogger("voicebox.dialer.worker")


class LeaseKeeper:
    """Part of `Dialer` (a mixin over its state): the heartbeat, renewal and reaper."""

    sessionmaker: async_sessionmaker[AsyncSession]
    worker_id: str
    lease: timedelta
    wall: Callable[[], datetime]
    time_scale: float
    persister: Persister
    live: dict[str, Any]
    _live_abonents: set[int | None]
    _halt: asyncio.Event

    stats: Callable[[], dict[str, Any]]

    async def _heartbeat(self) -> None:
        period = self.lease.total_seconds() / 3
        last_report = time.monotonic()
        while not self._halt.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halt.wait(), period)
            if time.monotonic() - last_report >= 10:
                last_report = time.monotonic()
                log.info("dialer %s", self.stats())
            if self.live or self.persister.unsaved:
                await self._renew()

    async def _renew(self) -> None:
        """Renew our leases, retrying quickly: a missed renewal costs the calls."""
        for attempt in range(5):
            try:
                async with write_session(self.sessionmaker) as session:
                    await repo.renew(session, owner=self.worker_id,
                                     until=self.wall() + self.lease)
                    await session.commit()
                return
            except Exception:
                log.warning("lease renewal failed (try %d)", attempt + 1, exc_info=True)
                await asyncio.sleep(0.1 * (attempt + 1))

    async def reap(self, *, own: bool = False) -> int:
        """Close the attempts of expired leases as failed (503) and re-queue their abonents;
        with `own`, also those our previous life (same worker id) held."""
        now = self.wall()
        total = 0
        while True:
            async with write_session(self.sessionmaker) as session:
                stalled = await repo.stalled(session, now=now,
                                             owner=self.worker_id if own else None)
                stalled = [r for r in stalled if not self._is_live(r.id)]
                dead: list[str] = []
                for row in stalled:
                    campaign = await session.get(Campaign, row.campaign_id)
                    assert campaign is not None  # abonents belong to a campaign (foreign key)
                    call_id = await repo.dead_call(
                        session, abonent_id=row.id, attempt=row.attempts_made, now=now,
                        error="worker lost during the call")
                    if call_id is not None:
                        dead.append(call_id)
                    verdict = after_attempt(
                        int(CallResult.FAILED), attempts_made=row.attempts_made,
                        schedule=schedule_of(campaign, self.time_scale), now=now,
                        zone_name=row.timezone, retry=campaign.launch_by != "http")
                    await repo.requeue(session, row.id, state=verdict.state,
                                       next_attempt_at=verdict.next_attempt_at, status=503)
                await release_holds(session, dead)  # the lost calls' money is free again
                await session.commit()
            total += len(stalled)
            if len(stalled) < 500:
                break
        if total:
            log.warning("re-queued %d calls of dead workers", total)
        return total

    def _is_live(self, abonent_id: int) -> bool:
        return abonent_id in self._live_abonents or abonent_id in self.persister.unsaved
