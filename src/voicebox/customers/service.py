"""Creating customers and reading their balance and ledger."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.billing.repository import ledger_repository
from voicebox.billing.service import billing_service, money_text
from voicebox.customers.schemas import Balance, LedgerItem, Money
from voicebox.errors import InvalidInput, NotFound
from voicebox.models import Customer
from voicebox.periods import parse_period

CURRENCIES = {"RUB", "USD", "EUR", "KZT", "BYN"}


class CustomerService:
    async def create(
        self,
        session: AsyncSession,
        *,
        name: str,
        balance: Decimal = Decimal(0),
        credit_limit: Decimal = Decimal(0),
        currency: str = "RUB",
    ) -> Customer:
        name = name.strip()
        if not name or len(name) > 255:
            raise InvalidInput("name must be 1-255 characters", name="name")
        currency = currency.upper()
        if currency not in CURRENCIES:
            raise InvalidInput(
                f"currency must be one of {', '.join(sorted(CURRENCIES))}", name="currency"
            )
        if credit_limit < 0:
            raise InvalidInput("credit limit cannot be negative", name="credit_limit")
        customer = Customer(name=name, currency=currency, credit_limit=credit_limit)
        session.add(customer)
        await session.flush()
        if balance:
            await billing_service.top_up(
                session, customer=customer, amount=balance, description="opening balance"
            )
        return customer

    async def get(self, session: AsyncSession, customer_id: int) -> Customer:
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} does not exist", name="customer_id")
        return customer

    async def balance(self, session: AsyncSession, customer: Customer) -> Balance:
        value = await billing_service.balance(session, customer.id)
        return Balance(
            balance=Money(value=money_text(value), currency=customer.currency),
            credit_limit=Money(value=money_text(customer.credit_limit), currency=customer.currency),
        )

    async def ledger(
        self,
        session: AsyncSession,
        customer: Customer,
        *,
        since: str | None,
        until: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[LedgerItem], int]:
        """A page of the customer's ledger in a period (`from`/`to` as the call history reads
        them; each bad one is a 400 naming it) and the period's entry count."""
        start, end = parse_period(("from", since), ("to", until))
        rows, total = await ledger_repository.page(
            session, customer.id, since=start, until=end, offset=offset, limit=limit
        )
        items = [
            LedgerItem(
                id=row.id,
                createdAt=row.created_at,
                amount=money_text(row.amount),
                currency=customer.currency,
                kind=row.kind,
                description=row.description,
                reference=row.reference,
            )
            for row in rows
        ]
        return items, total


customer_service = CustomerService()
