"""Money holds: what calls in progress have promised, so that workers claiming calls together
cannot start more than the customer's money covers.

A claim, under the customer's money lock (the row `billing_service.hold` locks: PostgreSQL
`FOR UPDATE` on the customer row, taken here without waiting; SQLite's write lock), reads the
free money (balance + credit limit - `held`),
starts only the calls whose hold fits, writes each call's hold on its history row
(`calls.hold`) and adds them to `customers.held`, all in the claim's transaction. When the call
ends its result is written with its charge and the hold is released in the same transaction
(dialer/persist.py); the reaper releases the holds of a dead worker's calls as it closes them
(dialer/leases.py). Releasing zeroes `calls.hold`, so a hold is released once whoever comes
second. A hold is the call's expected minimum cost (`VOICEBOX_DIALER_HOLD_SECONDS` at the
callee's price); the call itself is charged its real cost when it ends, as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.billing.tariffs import call_cost
from voicebox.models import Call, Customer
from voicebox.store.db import is_postgresql
from voicebox.store.writes import begin_write


def hold_for(seconds: int, number: str, *, tariff: Mapping[str, Any] | None,
             home_region: str) -> Decimal:
    """The hold of one call to `number`: `seconds` answered seconds at its price."""
    return call_cost(seconds, number, tariff=tariff, home_region=home_region)


async def try_lock_money(session: AsyncSession, customer_id: int) -> bool:
    """Take the customer's money lock (the one `billing_service.hold` waits for) if it is free
    now: PostgreSQL `FOR UPDATE SKIP LOCKED` on the customer row; SQLite's write lock, which the
    caller's write session already holds. False when another transaction holds it."""
    if not is_postgresql(session):
        await begin_write(session)
        return True
    locked = await session.scalar(select(Customer.id).where(Customer.id == customer_id)
                                  .with_for_update(skip_locked=True))
    return locked is not None


async def free_money(session: AsyncSession, customer_id: int) -> Decimal:
    """Balance + credit limit - holds: what new calls may still promise (take the money lock
    first for the answer to hold until commit)."""
    row = (await session.execute(
        select(Customer.balance, Customer.credit_limit, Customer.held)
        .where(Customer.id == customer_id))).first()
    if row is None:
        return Decimal(0)
    return Decimal(row.balance or 0) + Decimal(row.credit_limit or 0) - Decimal(row.held or 0)


async def add_held(session: AsyncSession, customer_id: int, amount: Decimal) -> None:
    """Count `amount` more as held (the claim writes each call's share on its `calls` row)."""
    if amount:
        await session.execute(
            update(Customer).where(Customer.id == customer_id)
            .values(held=Customer.held + amount).execution_options(synchronize_session=False))


async def release(session: AsyncSession, call_ids: Sequence[str]) -> Decimal:
    """Release the holds of these calls (ended, or closed by the reaper); a call whose hold is
    already released counts nothing. Returns the total released."""
    if not call_ids:
        return Decimal(0)
    # Both callers have just updated these calls' rows in this transaction (the results batch, or
    # the reaper closing them), so on PostgreSQL they hold the row locks or read what the other
    # committed first: a hold is never read twice as unreleased.
    rows = (await session.execute(
        select(Call.id, Call.customer_id, Call.hold)
        .where(Call.call_id.in_(sorted(set(call_ids))), Call.hold != 0))).all()
    if not rows:
        return Decimal(0)
    await session.execute(update(Call).where(Call.id.in_([row.id for row in rows]))
                          .values(hold=0).execution_options(synchronize_session=False))
    freed: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        freed[row.customer_id] += Decimal(row.hold)
    for customer_id in sorted(freed):  # one order: concurrent releases cannot deadlock
        await session.execute(
            update(Customer).where(Customer.id == customer_id)
            .values(held=Customer.held - freed[customer_id])
            .execution_options(synchronize_session=False))
    return sum(freed.values(), Decimal(0))
