"""The status guard: each tick, calls of a Stopped campaign still ringing are hung up, and a
campaign is suspended (or resumed) as the customer's money and caller number allow."""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.billing.service import billing_service
from voicebox.dialer.repository import STOPPED
from voicebox.dialer.repository import dialer_repository as repo
from voicebox.store.writes import write_session
from voicebox.telephony.base import CallState

log = logging.getLogger("voicebox.dialer.worker")


class StatusGuard:
    """Part of `Dialer` (a mixin over its state)."""

    sessionmaker: async_sessionmaker[AsyncSession]
    live: dict[str, tuple[Any, asyncio.Task[None]]]
    _balances: dict[int, tuple[float, Decimal]]

    def _hang_up_stopped(self, statuses: dict[int, str]) -> None:
        for job, task in list(self.live.values()):
            status = statuses.get(job.campaign_id or 0)
            if status in (None, STOPPED) and job.cancel_reason is None and (
                job.leg is None or job.leg.state is not CallState.ANSWERED
            ):
                job.cancel_reason = "campaign stopped"
                task.cancel()

    async def _available(self, customer_id: int, credit_limit: Decimal) -> Decimal:
        cached = self._balances.get(customer_id)
        if cached is None or time.monotonic() - cached[0] > 1.0:
            async with self.sessionmaker() as session:
                balance = await billing_service.balance(session, customer_id)
            cached = (time.monotonic(), balance)
            self._balances[customer_id] = cached
        return cached[1] + (credit_limit or Decimal(0))

    async def _set_status(self, campaign_id: int, status: str, reason: str | None,
                          only_if: str) -> None:
        async with write_session(self.sessionmaker) as session:
            changed = await repo.set_status(session, campaign_id, status=status, reason=reason,
                                            only_if=only_if)
            await session.commit()
        if changed:
            log.info("campaign %s: %s -> %s (%s)", campaign_id, only_if, status, reason or "")

