"""The monthly renewal of owned numbers: each period's fee is charged when due; a number left
unpaid past the grace period goes back to the inventory and its campaigns are suspended.

Idempotent per period: a number is renewed under its customer's money lock, re-read there, and
the charge's ledger reference (`number:<id>:<period start>`) is unique among number fees, so two
workers racing, or a retry after a crash, charge a period once. The charge and the new
`paid_until` commit together. The job runs in every dialer runtime (`voicebox serve`'s embedded
dialer and each `voicebox worker`); docs/operations.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.billing.service import billing_service
from voicebox.config import Settings
from voicebox.models import Customer
from voicebox.models.campaign import NUMBER_UNPAID
from voicebox.numbers.repository import number_repository
from voicebox.numbers.service import BILLING_PERIOD
from voicebox.store.db import utcnow
from voicebox.store.writes import write_session

log = logging.getLogger(__name__)
_BATCH = 200


class Renewal(enum.StrEnum):
    NOT_DUE = "not_due"  # paid, released or renewed by another worker meanwhile
    CHARGED = "charged"  # paid up to a future date
    OVERDUE = "overdue"  # no money yet, within the grace period
    RELEASED = "released"  # no money past the grace period: back in the inventory


def period_reference(number_id: int, period_start: datetime) -> str:
    return f"number:{number_id}:{period_start.isoformat(timespec='seconds')}"


class RenewalService:
    async def renew(
        self, session: AsyncSession, *, number_id: int, now: datetime, grace: timedelta
    ) -> Renewal:
        """Charge every period of the number that has begun by `now`, while the money lasts."""
        phone = await number_repository.by_id(session, number_id)
        if phone is None or phone.customer_id is None:
            return Renewal.NOT_DUE
        customer_id = phone.customer_id
        await billing_service.hold(session, customer_id)
        phone = await number_repository.by_id(session, number_id)  # as of the lock
        customer = await session.get(Customer, customer_id, populate_existing=True)
        if phone is None or phone.customer_id != customer_id or customer is None:
            return Renewal.NOT_DUE
        if phone.paid_until is None or phone.paid_until > now:
            return Renewal.NOT_DUE
        while phone.paid_until <= now:
            start = phone.paid_until
            if phone.monthly_fee > 0:
                if await billing_service.available(session, customer) < phone.monthly_fee:
                    break
                await billing_service.charge_once(
                    session,
                    customer_id=customer_id,
                    amount=phone.monthly_fee,
                    kind="number_fee",
                    description=f"number {phone.number}: monthly fee from {start:%Y-%m-%d}",
                    reference=period_reference(phone.id, start),
                )
            await number_repository.extend_paid(
                session, number_id=phone.id, customer_id=customer_id, paid_until=start,
                until=start + BILLING_PERIOD,
            )
            phone.paid_until = start + BILLING_PERIOD
        if phone.paid_until > now:
            return Renewal.CHARGED
        if now < phone.paid_until + grace:
            return Renewal.OVERDUE
        await number_repository.release(session, number_id=phone.id, customer_id=customer_id)
        suspended = await number_repository.suspend_campaigns_using(
            session, phone.id, reason=NUMBER_UNPAID
        )
        log.warning(
            "number %s of customer %s released: unpaid since %s; campaigns suspended: %s",
            phone.number, customer_id, phone.paid_until.isoformat(), suspended or "none",
        )
        return Renewal.RELEASED


renewal_service = RenewalService()


class RenewalJob:
    """Runs `renewal_service` over every due number, now and every interval, until stopped."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.interval = settings.number_renewal_interval_seconds
        self.grace = timedelta(days=settings.number_renewal_grace_days)
        self._halt = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> Counter[Renewal]:
        """One pass over the numbers due now; how each one ended."""
        now = self.clock()
        outcomes: Counter[Renewal] = Counter()
        after = 0
        while True:
            async with self.sessionmaker() as session:
                due = await number_repository.due_for_renewal(
                    session, now=now, after_id=after, limit=_BATCH
                )
            for number_id in due:
                if self._halt.is_set():
                    return outcomes
                try:
                    async with write_session(self.sessionmaker) as session:
                        outcome = await renewal_service.renew(
                            session, number_id=number_id, now=now, grace=self.grace
                        )
                        await session.commit()
                except Exception:  # one number's trouble (a lock timeout) must not stop the rest
                    log.exception("number %s: renewal failed; the next pass retries it", number_id)
                    continue
                outcomes[outcome] += 1
            if len(due) < _BATCH:
                return outcomes
            after = due[-1]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, *, grace: float = 30.0) -> None:
        """Let a pass in progress finish its number (never cancel a transaction midway)."""
        self._halt.set()
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=grace)
        if not done:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    async def _run(self) -> None:
        while not self._halt.is_set():
            try:
                outcomes = await self.run_once()
                if outcomes:
                    log.info("number renewal: %s", dict(outcomes))
            except Exception:
                log.exception("number renewal failed; retrying in %.0f s", self.interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halt.wait(), self.interval)
