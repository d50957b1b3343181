"""Every query on the ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Customer, LedgerEntry
from voicebox.store.db import dialect_insert
from voicebox.store.locks import lock_for_update
from voicebox.store.repository import rowcount


class LedgerRepository:
    async def lock_customer(self, session: AsyncSession, customer_id: int) -> None:
        """Serialise the customer's balance-guarded writes until this transaction ends."""
        await lock_for_update(session, select(Customer.id).where(Customer.id == customer_id))

    async def balance(self, session: AsyncSession, customer_id: int) -> Decimal:
        """The maintained balance (`customers.balance`: the sum of the customer's entries)."""
        total = await session.scalar(select(Customer.balance).where(Customer.id == customer_id))
        return Decimal(total or 0)

    async def add(self, session: AsyncSession, entry: LedgerEntry) -> LedgerEntry:
        """Insert one entry (returned with its id) and move the customer's balance."""
        session.add(entry)
        await session.flush()
        await self._move(session, [{"customer_id": entry.customer_id, "amount": entry.amount}])
        return entry

    async def post(self, session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
        """Insert entries and move each customer's balance by their sum, in the same
        transaction; `balance = balance + delta` is atomic on both databases, so concurrent
        posts from several workers never lose one another's money."""
        if not entries:
            return
        await session.execute(insert(LedgerEntry), list(entries))
        await self._move(session, entries)

    async def post_once(self, session: AsyncSession, values: dict[str, Any]) -> bool:
        """Insert an entry unless one with its unique key exists; True if it was inserted."""
        statement = dialect_insert(session)(LedgerEntry).values(**values).on_conflict_do_nothing()
        result = await session.execute(statement)
        inserted = rowcount(result) == 1
        if inserted:
            await self._move(session, [values])
        return inserted

    async def _move(self, session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
        deltas: dict[int, Decimal] = defaultdict(Decimal)
        for entry in entries:
            deltas[int(entry["customer_id"])] += Decimal(entry["amount"])
        for customer_id in sorted(deltas):  # one order: concurrent batches cannot deadlock
            await session.execute(
                update(Customer)
                .where(Customer.id == customer_id)
                .values(balance=Customer.balance + deltas[customer_id])
                .execution_options(synchronize_session=False)
            )

    async def entries(
        self, session: AsyncSession, customer_id: int, *, limit: int = 100
    ) -> list[LedgerEntry]:
        rows = await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.customer_id == customer_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def page(
        self,
        session: AsyncSession,
        customer_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[LedgerEntry], int]:
        """One page of the customer's entries in a period, newest first, and how many the period
        holds (both read through `ix_ledger_entries_customer_created`)."""
        where = [LedgerEntry.customer_id == customer_id]
        if since is not None:
            where.append(LedgerEntry.created_at >= since)
        if until is not None:
            where.append(LedgerEntry.created_at <= until)
        total = await session.scalar(select(func.count()).select_from(LedgerEntry).where(*where))
        rows = await session.scalars(
            select(LedgerEntry)
            .where(*where)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)


ledger_repository = LedgerRepository()
