"""Posting to the ledger, the one way money moves: every entry also moves the customer's
maintained balance (`customers.balance` = the sum of entries; Decimal, never float)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.billing.repository import ledger_repository
from voicebox.errors import Conflict, InvalidInput
from voicebox.models import Customer, LedgerEntry
from voicebox.store.db import utcnow

MAX_AMOUNT = Decimal("1000000000")
CENT = Decimal("0.01")


def parse_amount(raw: str | Decimal | int, *, field: str = "amount") -> Decimal:
    """A positive money amount with at most 4 decimals, below a sane ceiling."""
    try:
        amount = Decimal(str(raw))
    except InvalidOperation as error:
        raise InvalidInput(f"{field} must be a number", name=field) from error
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(f"{field} must be a positive number", name=field)
    if amount >= MAX_AMOUNT:
        raise InvalidInput(f"{field} must be below {MAX_AMOUNT}", name=field)
    if amount.as_tuple().exponent < -4:  # type: ignore[operator]  # finite, so an int exponent
        raise InvalidInput(f"{field} has more than 4 decimal places", name=field)
    return amount


def money_text(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def entry_values(*, customer_id: int, amount: Decimal, kind: str, description: str = "",
                 reference: str | None = None, created_at: datetime | None = None,
                 ) -> dict[str, Any]:
    """One ledger row's values (positive credits the customer, negative charges them)."""
    return {"customer_id": customer_id, "amount": amount, "kind": kind,
            "description": description[:500], "reference": reference,
            "created_at": created_at or utcnow()}


class BillingService:
    async def post(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        amount: Decimal,
        kind: str,
        description: str = "",
        reference: str | None = None,
    ) -> LedgerEntry:
        return await ledger_repository.add(session, LedgerEntry(**entry_values(
            customer_id=customer_id, amount=amount, kind=kind, description=description,
            reference=reference)))

    async def post_many(self, session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
        """Post several entries at once (`entry_values` makes each): the dialer's batches."""
        await ledger_repository.post(session, entries)

    async def top_up(
        self, session: AsyncSession, *, customer: Customer, amount: Decimal | str, description: str = ""
    ) -> LedgerEntry:
        amount = parse_amount(amount)
        return await self.post(
            session,
            customer_id=customer.id,
            amount=amount,
            kind="topup",
            description=description or "top-up",
        )

    async def charge(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        amount: Decimal,
        kind: str,
        description: str,
        reference: str | None = None,
    ) -> LedgerEntry:
        """Record a charge (a negative entry); amount is given positive."""
        return await self.post(
            session,
            customer_id=customer_id,
            amount=-abs(amount),
            kind=kind,
            description=description,
            reference=reference,
        )

    async def charge_once(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        amount: Decimal,
        kind: str,
        description: str,
        reference: str,
    ) -> bool:
        """Record a charge once: the ledger's unique key on number-fee references makes a second
        one a no-op (then False), whoever races or retries."""
        return await ledger_repository.post_once(session, entry_values(
            customer_id=customer_id, amount=-abs(amount), kind=kind, description=description,
            reference=reference))

    async def balance(self, session: AsyncSession, customer_id: int) -> Decimal:
        return await ledger_repository.balance(session, customer_id)

    async def available(self, session: AsyncSession, customer: Customer) -> Decimal:
        """What may still be spent: balance plus credit limit."""
        return await self.balance(session, customer.id) + customer.credit_limit

    async def hold(self, session: AsyncSession, customer_id: int) -> None:
        """Lock the customer's money until the transaction ends.

        Every write guarded by the balance (a purchase, a reservation, a renewal) calls this
        before its check, so two of them cannot both spend the same money, on either database.
        """
        await ledger_repository.lock_customer(session, customer_id)

    async def ensure_affordable(
        self, session: AsyncSession, *, customer: Customer, amount: Decimal, what: str,
        currency: str,
    ) -> None:
        """409 `balance` unless balance + credit limit covers `amount` (call `hold` first)."""
        available = await self.available(session, customer)
        if available < amount:
            raise Conflict(
                f"insufficient funds: {what} is {money_text(amount)} {currency}, "
                f"available {money_text(available)}",
                name="balance",
            )


billing_service = BillingService()
