"""Workers cannot overspend together: each call started holds its expected minimum cost from the
customer's money, under the money lock, until it ends (billing/holds.py).

The money here covers exactly three holds of a minute (3 × 2.50 at the default mobile price);
each call talks 45 s (1.875), so after three calls 1.25 is left, less than a hold: three calls
and no more, whatever the number of workers and lines, and the balance never goes below zero.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from tests.dialer.conftest import calls_of, insert_campaign, states, wait_until
from tests.dialer.scenarios import survey
from tests.e2e.workers import env_for, start_worker
from voicebox.billing.service import billing_service
from voicebox.dialer.worker import Dialer
from voicebox.models import Abonent, Call, Customer, LedgerEntry
from voicebox.store.db import utcnow
from voicebox.telephony.simulated import SimulatedGateway

HOLD_SECONDS = 60
HOLD = Decimal("2.50")  # a minute to a mobile at the default tariff
CALLS = 3
SCALE = 10.0  # a 45 s call lasts 4.5 s: the 15 s left under its hold absorb a slow machine


def phones(count: int) -> list[str]:
    return [f"+7999{n:07d}" for n in range(count)]


async def _money(app, customer_id: int) -> tuple[Decimal, Decimal, int]:
    """(balance, held, calls with a hold) as one snapshot."""
    async with app.state.sessionmaker() as session:
        customer = await session.get(Customer, customer_id)
        holding = await session.scalar(select(func.count()).select_from(Call).where(
            Call.customer_id == customer_id, Call.hold != 0))
        return customer.balance, customer.held, holding or 0


async def _poor_campaign(app, make_tenant):
    poor = await make_tenant(balance=str(HOLD * CALLS))
    campaign = await insert_campaign(
        app, poor.id, phones=phones(30), max_lines=50, attempts=1, body=survey(pause=600),
        simulation={"default": {"answerDelay": 1, "hangupAfter": 45}})
    return poor, campaign


async def _watch_until_settled(app, customer_id: int, campaign_id: int) -> int:
    """Sample the campaign until three calls are charged; the most calls live at once."""
    peak = 0

    async def settled():
        nonlocal peak
        counts = await states(app, campaign_id)
        peak = max(peak, counts.get("calling", 0))
        balance, held, _ = await _money(app, customer_id)
        assert balance >= 0 and held <= balance, (balance, held)
        async with app.state.sessionmaker() as session:
            charged = await session.scalar(select(func.count()).select_from(LedgerEntry).where(
                LedgerEntry.customer_id == customer_id, LedgerEntry.kind == "call"))
        return charged >= CALLS and counts.get("calling", 0) == 0

    await wait_until(settled, limit=120, every=0.02)
    return peak


async def _assert_three_calls_and_money_left(app, customer_id: int, campaign_id: int) -> None:
    calls = await calls_of(app, campaign_id)
    assert len(calls) == CALLS, [(c.status, c.duration, c.cost) for c in calls]
    assert all(c.answered and c.cost <= HOLD and c.hold == 0 for c in calls)
    balance, held, holding = await _money(app, customer_id)
    assert held == 0 and holding == 0
    assert balance == HOLD * CALLS - sum(c.cost for c in calls) and 0 <= balance < HOLD
    assert (await states(app, campaign_id)).get("pending") == 30 - CALLS


async def test_two_workers_start_no_more_calls_than_the_money_holds(app, make_tenant, dialer):
    poor, campaign = await _poor_campaign(app, make_tenant)
    options = {"scale": SCALE, "settings": {"dialer_hold_seconds": HOLD_SECONDS}}
    workers = [await dialer(worker_id="a", **options), await dialer(worker_id="b", **options)]
    peak = await _watch_until_settled(app, poor.id, campaign.id)
    assert peak <= CALLS
    ticks = [w.stats() for w in workers]
    await asyncio.sleep(1.0)  # more passes of both workers: the money left holds no call
    assert [w.stats()["started"] for w in workers] == [t["started"] for t in ticks]
    await _assert_three_calls_and_money_left(app, poor.id, campaign.id)


@pytest.mark.slow
async def test_two_worker_processes_start_no_more_calls_than_the_money_holds(
        app, make_tenant, settings, tmp_path):
    """The same with two real `voicebox worker` processes on the test database."""
    poor, campaign = await _poor_campaign(app, make_tenant)
    env = env_for(settings.database_url, settings.data_dir,
                  VOICEBOX_DIALER_HOLD_SECONDS=str(HOLD_SECONDS),
                  VOICEBOX_SIM_TIME_SCALE=str(SCALE), VOICEBOX_DIALER_POLL_SECONDS="0.05",
                  VOICEBOX_RECORDINGS="off")
    log = tmp_path / "workers.log"
    workers = [start_worker(env, "--id", name, "--jobs", "dialer", log=log)
               for name in ("p1", "p2")]
    try:
        peak = await _watch_until_settled(app, poor.id, campaign.id)
        await asyncio.sleep(2.0)  # both workers keep polling: the money left holds no call
        await _assert_three_calls_and_money_left(app, poor.id, campaign.id)
        assert peak <= CALLS
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await asyncio.to_thread(worker.wait, 30)
    assert all(worker.returncode == 0 for worker in workers), log.read_text()[-2000:]


async def test_the_reaper_releases_the_holds_of_a_dead_worker(app, make_tenant, settings):
    poor = await make_tenant(balance="10")
    campaign = await insert_campaign(app, poor.id, phones=phones(2))
    gone = utcnow() - timedelta(minutes=5)
    async with app.state.sessionmaker() as session:
        abonents = list(await session.scalars(
            select(Abonent).where(Abonent.campaign_id == campaign.id)))
        for abonent in abonents:  # what a worker that died mid-call leaves behind
            abonent.state, abonent.attempts_made = "calling", 1
            abonent.lease_owner, abonent.lease_expires_at = "dead", gone
            session.add(Call(call_id=uuid.uuid4().hex, customer_id=poor.id,
                             campaign_id=campaign.id, abonent_id=abonent.id, attempt=1,
                             call_type="outbound", cd_pn=abonent.phone, started_at=gone,
                             state="in_progress", hold=HOLD))
        await session.execute(update(Customer).where(Customer.id == poor.id)
                              .values(held=HOLD * 2))
        await session.commit()
    assert await _money(app, poor.id) == (Decimal(10), HOLD * 2, 2)
    reaper = Dialer(app.state.sessionmaker, gateway=SimulatedGateway(), settings=settings,
                    worker_id="heir")
    assert await reaper.reap() == 2
    assert await _money(app, poor.id) == (Decimal(10), Decimal(0), 0)
    assert await reaper.reap() == 0  # nothing released twice
    async with app.state.sessionmaker() as session:
        assert await billing_service.balance(session, poor.id) == Decimal(10)
