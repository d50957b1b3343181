"""Every query on the ledger."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Customer, LedgerEntry
from voicebox.store.db import dialect_insert
from voicebox.store.locks import lock_for_update


class LedgerRepository:
    async def lock_customer(self, session: AsyncSession, customer_id: int) -> None:
        """Serialise the customer's balance-guarded writes until this transaction ends."""
        await lock_for_update(session, select(Customer.id).where(Customer.id == customer_id))

    async def balance(self, session: AsyncSession, customer_id: int) -> Decimal:
        total = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.customer_id == customer_id
            )
        )
        return Decimal(total or 0)

    async def post_once(self, session: AsyncSession, values: dict[str, object]) -> bool:
        """Insert an entry unless one with its unique key exists; True if it was inserted."""
        statement = dialect_insert(session)(LedgerEntry).values(**values).on_conflict_do_nothing()
        result = await session.execute(statement)
        return result.rowcount == 1  # type: ignore[attr-defined]

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


ledger_repository = LedgerRepository()
