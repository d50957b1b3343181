"""`store.writes.write_session`, the one way background writers begin a write: on SQLite it takes
the write lock first (`BEGIN IMMEDIATE`), so a writer that reads then writes never writes over
another process's commit made in between, and waits its turn instead of failing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from tests.dialer.conftest import insert_campaign
from voicebox.billing.service import billing_service
from voicebox.dialer.worker import Dialer
from voicebox.models import Abonent, Customer
from voicebox.store.db import is_sqlite, make_engine, make_sessionmaker, utcnow
from voicebox.store.writes import write_session
from voicebox.telephony.simulated import SimulatedGateway


@pytest.fixture
async def other_process(settings):
    """A second engine on the same database: another worker process's connections."""
    if not is_sqlite(settings.database_url):
        pytest.skip("SQLite's single writer; PostgreSQL orders writers by row locks")
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _balance(sessionmaker, customer_id: int) -> Decimal:
    async with sessionmaker() as session:
        return await billing_service.balance(session, customer_id)


async def test_plain_sessions_lose_an_update_across_processes(app, tenant, other_process):
    """What `write_session` prevents, step by step with plain sessions: Python's sqlite3 begins a
    transaction only at the first write, so a read-check-write reads outside any lock and writes
    over another process's commit made in between."""
    start = await _balance(app.state.sessionmaker, tenant.id)
    async with app.state.sessionmaker() as mine:
        read = await mine.scalar(select(Customer.balance).where(Customer.id == tenant.id))
        async with other_process() as theirs:
            await theirs.execute(update(Customer).where(Customer.id == tenant.id)
                                 .values(balance=Customer.balance + 1))
            await theirs.commit()
        await mine.execute(update(Customer).where(Customer.id == tenant.id)
                           .values(balance=read + 5))
        await mine.commit()
    assert await _balance(app.state.sessionmaker, tenant.id) == start + 5  # their +1 is lost


async def test_write_session_waits_for_the_other_writer_and_reads_its_commit(
        app, tenant, other_process):
    start = await _balance(app.state.sessionmaker, tenant.id)
    holding = asyncio.Event()

    async def other() -> None:
        async with write_session(other_process) as session:
            await session.execute(update(Customer).where(Customer.id == tenant.id)
                                  .values(balance=Customer.balance + 1))
            holding.set()
            await asyncio.sleep(0.3)  # hold the write lock while ours begins
            await session.commit()

    async def mine() -> None:
        await holding.wait()
        async with write_session(app.state.sessionmaker) as session:
            read = await session.scalar(select(Customer.balance).where(Customer.id == tenant.id))
            await session.execute(update(Customer).where(Customer.id == tenant.id)
                                  .values(balance=read + 5))
            await session.commit()

    await asyncio.gather(other(), mine())
    assert await _balance(app.state.sessionmaker, tenant.id) == start + 6  # no update lost


async def test_writers_of_two_modules_in_two_processes_never_see_database_locked(
        app, settings, tenant, other_process):
    """The dialer's reaper (reads the stalled leases, then writes) while billing, in another
    process, holds the write lock for a top-up: the reaper waits its turn instead of failing."""
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000001", "+79990000002"])
    async with app.state.sessionmaker() as session:
        await session.execute(update(Abonent).where(Abonent.campaign_id == campaign.id).values(
            state="calling", attempts_made=1, lease_owner="gone",
            lease_expires_at=utcnow() - timedelta(minutes=5)))
        await session.commit()
    reaper = Dialer(app.state.sessionmaker, gateway=SimulatedGateway(), settings=settings,
                    worker_id="reaper")
    holding = asyncio.Event()

    async def top_up() -> None:
        async with write_session(other_process) as session:
            customer = await session.get(Customer, tenant.id)
            await billing_service.top_up(session, customer=customer, amount=Decimal(10))
            holding.set()
            await asyncio.sleep(0.3)
            await session.commit()

    async def reap() -> int:
        await holding.wait()
        return await reaper.reap()

    _, reaped = await asyncio.gather(top_up(), reap())
    assert reaped == 2
    async with app.state.sessionmaker() as session:
        left = await session.scalars(select(Abonent.state).where(
            Abonent.campaign_id == campaign.id))
        assert set(left) == {"pending"}
