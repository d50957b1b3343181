"""The dialer loop: serve every active outbound campaign within its lines, the global cap,
its schedule and the customer's money; renew leases; re-queue the calls of dead workers.

Decisions (docs/operations.md): `Paused` stops new calls and lets live ones finish; `Stopped`
hangs up calls still ringing (487) and lets answered conversations end, and cancels the
abonents not yet called; a worker that is stopped (SIGTERM) hangs up its calls and records
them as failed (503), retried like any failed attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.calls.sweep import HistorySweeper
from voicebox.campaigns.suspension import suspension_reason
from voicebox.config import Settings
from voicebox.dialer.attempts import Job, finished, open_leg, run_job
from voicebox.dialer.claiming import ClaimContext, claim_due
from voicebox.dialer.guard import StatusGuard
from voicebox.dialer.jobs import ALL_JOBS
from voicebox.dialer.leases import LeaseKeeper
from voicebox.dialer.persist import Persister
from voicebox.dialer.programs import ProgramCache
from voicebox.dialer.repository import (
    ACTIVE,
    SUSPENDED,
    dialer_repository,
)
from voicebox.dialer.wakeup import listen
from voicebox.dialer.warmup import PromptWarmer
from voicebox.engine import EngineConfig
from voicebox.recordings.retention import PURGE_EVERY_SECONDS, purge_recordings
from voicebox.storage import open_storage
from voicebox.store.db import utcnow
from voicebox.store.writes import write_session
from voicebox.telephony.base import CallResult, CallState, Gateway

log = logging.getLogger(__name__)
repo = dialer_repository


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class BackPressure(Protocol):
    """Something calls depend on that can be saturated (the process's speech recognition,
    `media.asr.RecognitionService`): while `busy`, no new call is claimed."""

    @property
    def busy(self) -> bool: ...


class Dialer(LeaseKeeper, StatusGuard):
    """The orchestrator: each tick, guard the campaigns' statuses (guard.py), claim what is due
    (claiming.py), run each claimed attempt on a leg (attempts.py), and hand its result to the
    batch writer (persist.py); leases.py keeps the claims alive and re-queues dead workers'."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        gateway: Gateway,
        settings: Settings,
        worker_id: str | None = None,
        concurrency: int | None = None,
        wall: Callable[[], datetime] = utcnow,
        jobs: frozenset[str] = ALL_JOBS,
        back_pressure: BackPressure | None = None,
        warmer: PromptWarmer | None = None,
    ):
        self.sessionmaker = sessionmaker
        self.jobs = jobs
        self.back_pressure = back_pressure
        self.held_back = 0  # claim passes skipped while `back_pressure` was busy
        self.gateway = gateway
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = concurrency or settings.dialer_concurrency
        self.wall = wall
        self.lease = timedelta(seconds=settings.dialer_lease_seconds)
        self.engine_config = EngineConfig.from_settings(settings)
        self.clock = gateway.clock
        self.time_scale = float(getattr(self.clock, "scale", 1.0))
        self.warmer = warmer
        self.programs = ProgramCache(storage=open_storage(settings), warmer=warmer)
        self._claim_context = ClaimContext(owner=self.worker_id, lease=self.lease,
                                           time_scale=self.time_scale, programs=self.programs,
                                           hold_seconds=settings.dialer_hold_seconds,
                                           home_region=settings.home_region)
        self.persister = Persister(sessionmaker, owner=self.worker_id,
                                   batch=settings.dialer_batch)
        self.live: dict[str, tuple[Job, asyncio.Task[None]]] = {}
        self._live_abonents: set[int | None] = set()
        self._live_per_campaign: dict[int | None, int] = {}
        self.started_calls = 0
        self.peak_live = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._halt = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._balances: dict[int, tuple[float, Decimal]] = {}
        self._last_reap = 0.0
        self._last_cancel = 0.0

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.gateway.start()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._guard(self.persister.run, "persister"),
                                        name="persister"),
                       loop.create_task(self._guard(self._heartbeat, "heartbeat"),
                                        name="heartbeat")]
        if "dialer" in self.jobs:
            self._tasks.append(loop.create_task(self._guard(self._loop, "dialer"), name="dialer"))
        if "sweeper" in self.jobs:
            self._tasks.append(loop.create_task(HistorySweeper(self.sessionmaker).run(self._halt),
                                                name="sweeper"))
        if "wakeup" in self.jobs:
            self._tasks.append(loop.create_task(
                listen(self.sessionmaker.kw["bind"], self.wake, self._halt), name="wakeup"))
        days = self.settings.recording_retention_days
        if days > 0 and "retention" in self.jobs:  # runtime jobs live here, not in the recorder
            self._tasks.append(loop.create_task(self._purge_recordings(days), name="retention"))
        log.info("dialer %s started (concurrency %d)", self.worker_id, self.concurrency)

    async def stop(self, *, grace: float = 30.0) -> None:
        """Stop claiming, hang up live calls (recorded 503, retried), flush results.

        Database work is never cancelled midway (a cancelled SQLite transaction can keep its
        lock until the connection is collected): each task is asked to finish instead.
        """
        self._stopping = True
        self._wake.set()
        # By name: a worker without the dialer job has no claim loop (its housekeeping tasks
        # stop only on `_halt`, which is set once the calls and the persister are done).
        tasks = {task.get_name(): task for task in self._tasks}
        persister, loop_task = tasks.pop("persister", None), tasks.pop("dialer", None)
        if loop_task is not None:
            await self._finish(loop_task, grace)
        if self.warmer is not None:
            await self.warmer.close()
        for job, task in list(self.live.values()):
            job.cancel_reason = "worker stopped"
            task.cancel()
        if self.live:
            await asyncio.gather(*(task for _, task in list(self.live.values())),
                                 return_exceptions=True)
        if persister is not None:
            self.persister.close()
            await self._finish(persister, grace)
        self._halt.set()
        for task in tasks.values():  # the heartbeat and the housekeeping jobs
            await self._finish(task, grace)
        with contextlib.suppress(Exception):
            async with write_session(self.sessionmaker) as session:
                await repo.renew(session, owner=self.worker_id, until=self.wall())
                await session.commit()
        await self.gateway.stop()
        log.info("dialer %s stopped", self.worker_id)

    @staticmethod
    async def _finish(task: asyncio.Task[None], grace: float) -> None:
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            log.error("a dialer task did not stop in %.0f s; cancelling it", grace)
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    def wake(self) -> None:
        """Look for work now (an HTTP-launched call was queued)."""
        self._wake.set()

    def stats(self) -> dict[str, Any]:
        return {"worker": self.worker_id, "live": len(self.live), "peakLive": self.peak_live,
                "started": self.started_calls, "heldBack": self.held_back,
                **self.persister.stats()}

    async def _purge_recordings(self, days: int) -> None:
        """Recording retention, hourly until the dialer stops."""
        while not self._halt.is_set():
            try:
                await purge_recordings(self.sessionmaker, open_storage(self.settings), days)
            except Exception:
                log.exception("purging old recordings failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._halt.wait(), PURGE_EVERY_SECONDS)

    async def _guard(self, body: Callable[[], Any], name: str) -> None:
        while True:
            try:
                await body()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._halt.is_set():
                    raise
                log.exception("dialer %s failed; restarting it in 1 s", name)
                await asyncio.sleep(1.0)

    async def _loop(self) -> None:
        await self.reap(own=True)
        while not self._stopping:
            busy = await self.tick()
            if busy:
                await asyncio.sleep(0)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.dialer_poll_seconds)

    # -- one pass ------------------------------------------------------------------------------
    async def tick(self) -> bool:
        """Claim what is due now; True when some campaign had more work than was taken."""
        now = self.wall()
        mono = time.monotonic()
        if mono - self._last_reap > self.lease.total_seconds() / 2:
            self._last_reap = mono
            await self.reap()
        if mono - self._last_cancel > 2.0:
            self._last_cancel = mono
            async with write_session(self.sessionmaker) as session:
                await repo.cancel_pending_of_stopped(session)
                await session.commit()
        async with self.sessionmaker() as session:
            rows = await repo.campaigns(session, also=[c for c in self._live_per_campaign if c])
            await session.commit()
        statuses = {row.Campaign.id: row.Campaign.status for row in rows}
        self._hang_up_stopped(statuses)
        more = False
        for row in rows:
            campaign = row.Campaign
            if campaign.status not in (ACTIVE, SUSPENDED):
                continue
            reason = suspension_reason(
                available=await self._available(campaign.customer_id, row.credit_limit),
                customer_id=campaign.customer_id, number_id=campaign.caller_number_id,
                number_owner=row.number_owner)
            if campaign.status == SUSPENDED:
                if reason is None:
                    await self._set_status(campaign.id, ACTIVE, None, SUSPENDED)
                continue
            if reason is not None:
                await self._set_status(campaign.id, SUSPENDED, reason, ACTIVE)
                continue
            budget = min(self.concurrency - len(self.live),
                         campaign.max_lines - self._live_per_campaign.get(campaign.id, 0),
                         self.settings.dialer_batch)
            if budget <= 0 or campaign.scenario_id is None or self._stopping:
                continue
            if self._saturated():
                break
            claimed = await self.claim(row, budget, now)
            more = more or claimed == budget
        return more

    def _saturated(self) -> bool:
        """True while speech recognition's queue is full: calls already live keep it busy, so
        new ones wait (polled each tick) until it drains."""
        if self.back_pressure is not None and self.back_pressure.busy:
            self.held_back += 1
            return True
        return False

    # -- claiming ------------------------------------------------------------------------------
    async def claim(self, row: Any, budget: int, now: datetime) -> int:
        """Claim (dialer/claiming.py) and launch; how many due abonents were taken."""
        jobs, taken = await claim_due(self.sessionmaker, row, budget, now, self._claim_context)
        for job in jobs:
            self._launch(job)
        return taken

    def _launch(self, job: Job) -> None:
        task = asyncio.get_running_loop().create_task(self._run(job))
        self.live[job.call_id] = (job, task)
        self._live_abonents.add(job.abonent_id)
        self._live_per_campaign[job.campaign_id] = self._live_per_campaign.get(
            job.campaign_id, 0) + 1
        self.started_calls += 1
        self.peak_live = max(self.peak_live, len(self.live))

    async def _run(self, job: Job) -> None:
        outcome = None
        try:
            leg = open_leg(self.gateway, job)
            outcome = await run_job(job, leg, config=self.engine_config)
        except Exception:
            log.exception("call %s could not be placed", job.call_id)
            job.cancel_reason = job.cancel_reason or "could not be placed"
        finally:
            self.live.pop(job.call_id, None)
            self._live_abonents.discard(job.abonent_id)
            left = self._live_per_campaign.get(job.campaign_id, 1) - 1
            if left > 0:
                self._live_per_campaign[job.campaign_id] = left
            else:
                self._live_per_campaign.pop(job.campaign_id, None)
            if outcome is None and job.leg is not None and job.leg.state is not CallState.ENDED:
                with contextlib.suppress(Exception):
                    await job.leg.hangup(CallResult.CANCELLED)
            result = finished(job, outcome, now=self.wall(), home_region=self.settings.home_region)
            self.persister.put(result, job.customer_id)
            self._spent(job.customer_id, result.cost)

    def _spent(self, customer_id: int, cost: Decimal) -> None:
        """Count a charge against the cached balance before the ledger has it."""
        cached = self._balances.get(customer_id)
        if cached is not None and cost:
            self._balances[customer_id] = (cached[0], cached[1] - cost)

    # -- dead workers --------------------------------------------------------------------------
