"""The maintained balance: every ledger post (one entry, a dialer batch, a once-only fee) moves
`customers.balance` in its transaction, concurrent posts from several workers lose nothing, and
the migration fills it from the existing ledger."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from voicebox.billing.service import billing_service, entry_values
from voicebox.models import Customer, LedgerEntry
from voicebox.store.database import database
from voicebox.store.migrate import alembic_config


async def ledger_sum(session, customer_id: int) -> Decimal:
    total = await session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.customer_id == customer_id))
    return Decimal(total)


async def test_every_kind_of_post_moves_the_balance(app, make_tenant, database_url) -> None:
    alice = await make_tenant(balance="100")
    async with app.state.sessionmaker() as session:
        assert await billing_service.balance(session, alice.id) == Decimal(100)
        await billing_service.charge(session, customer_id=alice.id, amount=Decimal("2.5"),
                                     kind="call", description="x")
        await billing_service.post_many(session, [
            entry_values(customer_id=alice.id, amount=Decimal(-1), kind="call"),
            entry_values(customer_id=alice.id, amount=Decimal("-0.25"), kind="call")])
        reference = f"fee-{uuid.uuid4().hex}"
        for _ in range(2):  # the second is refused by the unique key and moves nothing
            await billing_service.charge_once(session, customer_id=alice.id, amount=Decimal(10),
                                              kind="number_fee", description="fee",
                                              reference=reference)
        await session.commit()
        assert await billing_service.balance(session, alice.id) == Decimal("86.25")
        assert await ledger_sum(session, alice.id) == Decimal("86.25")


async def test_concurrent_workers_lose_no_charge(app, make_tenant, database_url) -> None:
    """Eight writers (as eight workers' persisters) post batches for the same customers at once."""
    alice, bob = await make_tenant(balance="1000"), await make_tenant(balance="1000")

    async def worker(n: int) -> None:
        for batch in range(5):
            async with app.state.sessionmaker() as session:
                await billing_service.post_many(session, [
                    entry_values(customer_id=who.id, amount=Decimal(f"-{n + 1}.{batch}"),
                                 kind="call", reference=f"w{n}-{batch}-{who.id}")
                    for who in (bob, alice)])
                await session.commit()

    await asyncio.gather(*(worker(n) for n in range(8)))
    spent = sum(Decimal(f"{n + 1}.{batch}") for n in range(8) for batch in range(5))
    async with app.state.sessionmaker() as session:
        for who in (alice, bob):
            assert await billing_service.balance(session, who.id) == Decimal(1000) - spent
            assert await ledger_sum(session, who.id) == Decimal(1000) - spent


def _to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_migration_fills_the_balance_from_the_ledger(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    async with database(url=url, migrate=False) as old, old.engine.begin() as connection:
        await connection.run_sync(_to, "auth_0002")
        await connection.execute(text(
            "INSERT INTO customers (id, name, currency, credit_limit, created_at) VALUES "
            "(1, 'a', 'RUB', 0, '2026-01-01'), (2, 'b', 'RUB', 0, '2026-01-01')"))
        await connection.execute(text(
            "INSERT INTO ledger_entries (customer_id, amount, kind, description, created_at) "
            "VALUES (1, 100, 'topup', '', '2026-01-01'), (1, -12.5, 'call', '', "
            "'2026-01-02')"))
    async with database(url=url) as new, new.sessionmaker() as session:
        balances = dict((await session.execute(select(Customer.id, Customer.balance))).all())
    assert balances == {1: Decimal("87.5"), 2: Decimal(0)}
