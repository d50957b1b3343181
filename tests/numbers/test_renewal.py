"""Issue 10 item 9: owned numbers are charged every month, once per period, and taken back after
the grace period without money — with a moved clock, two renewers at once, and a real worker."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tests.dialer.conftest import wait_until
from tests.e2e.workers import env_for, start_worker
from tests.numbers.helpers import stock
from voicebox.models import Campaign, LedgerEntry, PhoneNumber
from voicebox.numbers.renewal import Renewal, RenewalJob, period_reference
from voicebox.store.db import make_engine, make_sessionmaker, utcnow

NUMBER = "74951234589"  # ABC REGULAR: 500 a month
FEES = {"74951234589": 500, "78121234589": 500, "79161234589": 300, "78001234589": 1500}
PERIOD = timedelta(days=30)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _buy(client, tenant, number: str) -> None:
    response = await client.post(
        f"/v1/customers/{tenant.id}/numbers", json={"orderItemNumber": number},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text


async def _phone(session, number: str) -> PhoneNumber:
    return await session.scalar(
        select(PhoneNumber)
        .where(PhoneNumber.number == number)
        .execution_options(populate_existing=True)
    )


async def _fees(session, customer_id: int) -> list[LedgerEntry]:
    rows = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.customer_id == customer_id, LedgerEntry.kind == "number_fee")
        .order_by(LedgerEntry.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _balance(session, customer_id: int) -> Decimal:
    return await session.scalar(
        select(func.sum(LedgerEntry.amount)).where(LedgerEntry.customer_id == customer_id)
    )


async def _bought_and_due(app, client, make_tenant, session):
    """A tenant with 1000 who bought NUMBER, whose paid period ended a minute ago; returns the
    tenant and that end (what a renewer moves one period on)."""
    await stock(app)
    alice = await make_tenant(balance="1000")
    await _buy(client, alice, NUMBER)
    due = utcnow() - timedelta(minutes=1)
    await session.execute(
        update(PhoneNumber).where(PhoneNumber.number == NUMBER).values(paid_until=due)
    )
    await session.commit()
    return alice, due


async def test_each_period_is_charged_once_then_the_number_is_released_after_grace(
    app, client, make_tenant, session, settings, database_url
):
    await stock(app)
    alice, bob = await make_tenant(balance="1000"), await make_tenant()
    await _buy(client, alice, NUMBER)  # the first month: 1000 → 500
    phone = await _phone(session, NUMBER)
    paid = phone.paid_until
    campaign = Campaign(customer_id=alice.id, name="Reminders", campaign_type="outbound",
                        launch_by="list", caller_number_id=phone.id, entry_point_id="ep-renew-1")
    session.add(campaign)
    await session.commit()
    clock = Clock(paid - timedelta(seconds=1))
    job = RenewalJob(app.state.sessionmaker, settings=settings, clock=clock)

    assert await job.run_once() == Counter()  # not due yet
    clock.now = paid
    assert await job.run_once() == Counter({Renewal.CHARGED: 1})
    assert await job.run_once() == Counter()  # the same moment again: nothing more
    assert (await _phone(session, NUMBER)).paid_until == paid + PERIOD
    fees = await _fees(session, alice.id)
    assert [entry.amount for entry in fees] == [Decimal(-500), Decimal(-500)]
    assert fees[1].reference == period_reference(phone.id, paid)
    assert await _balance(session, alice.id) == 0

    # The next month finds no money: overdue, still hers, the campaign still calls.
    clock.now = paid + PERIOD + timedelta(days=1)
    assert await job.run_once() == Counter({Renewal.OVERDUE: 1})
    assert (await _phone(session, NUMBER)).customer_id == alice.id
    await session.refresh(campaign)
    assert campaign.status == "Active"

    # Past the grace period (3 days): back in the inventory, the campaign suspended with why.
    clock.now = paid + PERIOD + timedelta(days=settings.number_renewal_grace_days)
    assert await job.run_once() == Counter({Renewal.RELEASED: 1})
    released = await _phone(session, NUMBER)
    assert released.customer_id is None and released.paid_until is None
    await session.refresh(campaign)
    assert (campaign.status, campaign.suspended_reason) == ("Suspended", "number_unpaid")
    assert len(await _fees(session, alice.id)) == 2 and await _balance(session, alice.id) == 0
    mine = await client.get(f"/v1/customers/{alice.id}/numbers", headers=alice.headers)
    assert mine.json() == []
    offered = await client.get(f"/v1/numbers?mask={NUMBER}", headers=bob.headers)
    assert [n["number"] for n in offered.json()] == [int(NUMBER)]
    assert await job.run_once() == Counter()


async def test_periods_missed_are_charged_while_the_money_lasts(
    app, client, make_tenant, session, settings, database_url
):
    await stock(app)
    alice = await make_tenant(balance="1500")  # the first month and two more
    await _buy(client, alice, NUMBER)
    paid = (await _phone(session, NUMBER)).paid_until
    job = RenewalJob(app.state.sessionmaker, settings=settings,
                     clock=Clock(paid + 2 * PERIOD + timedelta(hours=1)))
    assert await job.run_once() == Counter({Renewal.OVERDUE: 1})
    assert (await _phone(session, NUMBER)).paid_until == paid + 2 * PERIOD
    assert len(await _fees(session, alice.id)) == 3
    assert await _balance(session, alice.id) == 0


async def test_two_renewers_at_once_charge_each_period_once(
    app, client, make_tenant, session, settings, database_url
):
    await stock(app)
    alice, bob = await make_tenant(balance="100000"), await make_tenant(balance="100000")
    for index, number in enumerate(FEES):
        await _buy(client, (alice, bob)[index % 2], number)
    paid = {n: (await _phone(session, n)).paid_until for n in FEES}
    clock = Clock(max(paid.values()) + 2 * PERIOD + timedelta(hours=1))  # three periods each
    engines = [make_engine(database_url), make_engine(database_url)]  # two workers' pools
    try:
        jobs = [RenewalJob(make_sessionmaker(e), settings=settings, clock=clock) for e in engines]
        first, second = await asyncio.gather(*(job.run_once() for job in jobs))
    finally:
        for engine in engines:
            await engine.dispose()
    assert first[Renewal.CHARGED] + second[Renewal.CHARGED] == len(FEES)
    for number, fee in FEES.items():
        phone = await _phone(session, number)
        assert phone.paid_until == paid[number] + 3 * PERIOD
        entries = (await session.scalars(
            select(LedgerEntry.amount).where(LedgerEntry.reference.like(f"number:{phone.id}:%"))
        )).all()
        assert entries == [Decimal(-fee)] * 3, number
    spent = 4 * sum(FEES.values())  # each number: bought, then renewed three times
    assert await _balance(session, alice.id) + await _balance(session, bob.id) == (
        Decimal(200000) - spent
    )


async def test_a_retried_period_is_not_charged_twice(
    app, client, make_tenant, session, settings, database_url
):
    """The ledger's unique key: a period whose charge is already there is not charged again."""
    await stock(app)
    alice = await make_tenant(balance="5000")
    await _buy(client, alice, NUMBER)
    phone = await _phone(session, NUMBER)
    paid = phone.paid_until
    reference = period_reference(phone.id, paid)
    session.add(LedgerEntry(customer_id=alice.id, amount=Decimal(-500), kind="number_fee",
                            reference=reference))
    await session.commit()
    session.add(LedgerEntry(customer_id=alice.id, amount=Decimal(-500), kind="number_fee",
                            reference=reference))
    with pytest.raises(IntegrityError):
        await session.commit()
    await session.rollback()

    job = RenewalJob(app.state.sessionmaker, settings=settings, clock=Clock(paid))
    assert await job.run_once() == Counter({Renewal.CHARGED: 1})
    assert (await _phone(session, NUMBER)).paid_until == paid + PERIOD
    assert len(await _fees(session, alice.id)) == 2
    assert await _balance(session, alice.id) == Decimal(4000)


@pytest.mark.slow
async def test_a_real_worker_renews_due_numbers(
    app, client, make_tenant, session, settings, database_url, tmp_path
):
    alice, due = await _bought_and_due(app, client, make_tenant, session)
    env = env_for(database_url, tmp_path, VOICEBOX_NUMBER_RENEWAL_INTERVAL_SECONDS="0.5")
    worker = start_worker(env, "--id", "renewer", log=tmp_path / "worker.log")

    async def renewed() -> bool:
        return (await _phone(session, NUMBER)).paid_until == due + PERIOD

    try:
        await wait_until(renewed, limit=90)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    assert len(await _fees(session, alice.id)) == 2


async def test_the_embedded_dialer_of_serve_renews_due_numbers(
    app, client, make_tenant, session, settings, database_url
):
    from voicebox.app import create_app
    from voicebox.dialer.runtime import embed

    alice, due = await _bought_and_due(app, client, make_tenant, session)
    served = create_app(settings)
    embed(served)  # what `voicebox serve` does without --no-dialer

    async def renewed() -> bool:
        return (await _phone(session, NUMBER)).paid_until == due + PERIOD

    async with served.router.lifespan_context(served):
        assert isinstance(served.state.renewal, RenewalJob)
        await wait_until(renewed, limit=60)
    assert len(await _fees(session, alice.id)) == 2


async def test_two_numbers_renewed_at_once_never_overdraw(
    app, client, make_tenant, session, settings, database_url
):
    """Two workers renew two numbers of one customer who can pay for one: one is renewed.

    The first worker's transaction is held open after its charge; the second must wait for it
    (the customer's money lock) and then see the money gone. Without the lock it would read the
    old balance meanwhile and charge too.
    """
    from voicebox.numbers.renewal import renewal_service

    await stock(app)
    alice = await make_tenant(balance="1500")
    numbers = ["74951234589", "78121234589"]  # 500 each: 1500 pays both, and one renewal
    for number in numbers:
        await _buy(client, alice, number)
    first, second = [(await _phone(session, number)).id for number in numbers]
    now = max([(await _phone(session, n)).paid_until for n in numbers]) + timedelta(hours=1)
    grace = timedelta(days=settings.number_renewal_grace_days)
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        async with make_sessionmaker(engines[0])() as one, make_sessionmaker(engines[1])() as two:

            async def renew_second() -> Renewal:
                outcome = await renewal_service.renew(two, number_id=second, now=now, grace=grace)
                await two.commit()
                return outcome

            assert await renewal_service.renew(
                one, number_id=first, now=now, grace=grace
            ) == Renewal.CHARGED
            racing = asyncio.create_task(renew_second())
            await asyncio.sleep(0.5)  # room for it to read the balance, were it not locked out
            await one.commit()
            assert await racing == Renewal.OVERDUE
    finally:
        for engine in engines:
            await engine.dispose()
    assert await _balance(session, alice.id) == 0
