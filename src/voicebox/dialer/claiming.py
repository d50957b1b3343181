"""Claiming: under the campaign's lock, take the abonents due now (within the campaign's free
lines, its calling window and the customer's free money), mark them `calling` under this
worker's lease with a `dialing` history row, and hand back one `Job` per attempt for the dialer
to run.

The lock is per campaign (PostgreSQL `FOR UPDATE SKIP LOCKED` on its row; SQLite's write lock),
so the line limit holds across every worker; abonents outside their window are deferred to its
next opening without using an attempt. Then, under the customer's money lock, each call started
holds its expected minimum cost (billing/holds.py), so workers together never start more calls
than the money covers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.billing.holds import add_held, free_money, hold_for, try_lock_money
from voicebox.dialer.attempts import Job
from voicebox.dialer.programs import ProgramCache, schedule_of
from voicebox.dialer.repository import Started
from voicebox.dialer.repository import dialer_repository as repo
from voicebox.models import Campaign
from voicebox.store.writes import write_session


@dataclass(frozen=True, slots=True)
class ClaimContext:
    """What a claim needs of the worker making it."""

    owner: str
    lease: timedelta
    time_scale: float
    programs: ProgramCache
    hold_seconds: int = 0  # the seconds of talk each call holds from the money (0: no holds)
    home_region: str = "RU"


async def claim_due(sessionmaker: async_sessionmaker[AsyncSession], row: Any, budget: int,
                    now: datetime, context: ClaimContext) -> tuple[list[Job], int]:
    """Claim up to `budget` due abonents of `row.Campaign` (a row of `repo.campaigns`).

    Returns the jobs of the attempts started (possibly none: another worker holds the campaign,
    its lines are busy, or nothing is due in its window) and how many due abonents were taken
    (started or deferred: equal to `budget` means there may be more; so does a claim given up
    because the customer's money was locked by another writer that instant)."""
    campaign: Campaign = row.Campaign
    schedule = schedule_of(campaign, context.time_scale)
    is_http = campaign.launch_by == "http"
    holding = context.hold_seconds > 0
    async with write_session(sessionmaker) as session:
        if not await repo.lock_campaign(session, campaign.id):
            await session.rollback()
            return [], 0
        # Under the campaign's lock the count of lines in use is every worker's.
        budget = min(budget, campaign.max_lines - await repo.lines_in_use(session, campaign.id))
        if budget <= 0:
            await session.rollback()
            return [], 0
        due = await repo.due(session, campaign.id, now=now, limit=budget)
        assert campaign.scenario_id is not None  # the dialer's tick skips campaigns without one
        program = await context.programs.get(session, campaign.scenario_id,
                                             row.scenario_updated,
                                             customer_id=campaign.customer_id)
        started: list[tuple[Started, str | None, dict[str, Any]]] = []
        deferred: list[tuple[int, datetime | None]] = []
        callable_now = []
        for item in due:
            zone = item.timezone  # set on import from the number; None → the fallback
            if not is_http and not schedule.allowed_now(now, zone):
                deferred.append((item.id, schedule.next_allowed(now, zone)))
            else:
                callable_now.append(item)
        free, held = Decimal(0), Decimal(0)
        if holding and callable_now:
            # The money lock last and without waiting: a claim holding the campaign never waits
            # for a writer that holds the money (a results batch, a purchase, a renewal that
            # suspends campaigns), so the two cannot deadlock; busy now, the claim is retried.
            if not await try_lock_money(session, campaign.customer_id):
                await session.rollback()
                return [], budget
            free = await free_money(session, campaign.customer_id)
        for item in callable_now:
            zone = item.timezone
            hold = hold_for(context.hold_seconds, item.phone, tariff=row.tariff,
                            home_region=context.home_region) if holding else Decimal(0)
            if held + hold > free:
                break  # the money is promised: the rest waits for a call to end or a top-up
            held += hold
            call_id = item.first_call_id or uuid.uuid4().hex
            started.append((Started(
                abonent_id=item.id, attempt=item.attempts_made + 1, call_id=call_id,
                customer_id=campaign.customer_id, campaign_id=campaign.id,
                call_type="http" if is_http else "outbound",
                caller=f"+{row.caller}" if row.caller else "", callee=item.phone,
                started_at=now, hold=hold), zone, item.variables or {}))
        await repo.defer(session, deferred)
        await repo.start(session, [s for s, _, _ in started], owner=context.owner,
                         lease_until=now + context.lease)
        await add_held(session, campaign.customer_id, held)
        await session.commit()
    jobs = [Job(call_id=item.call_id, attempt=item.attempt, customer_id=item.customer_id,
                campaign_id=campaign.id, abonent_id=item.abonent_id, callee=item.callee,
                caller=item.caller, program=program, variables=variables, schedule=schedule,
                zone=zone, retry=not is_http, tariff=row.tariff,
                simulation=campaign.simulation)
            for item, zone, variables in started]
    return jobs, len(started) + len(deferred)
