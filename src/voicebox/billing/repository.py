"""Every query on the ledger."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Customer, LedgerEntry
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
