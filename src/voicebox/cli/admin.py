"""`voicebox admin …`: how operators bootstrap customers, users, clients and money."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.auth import scopes
from voicebox.auth.service import auth_service
from voicebox.billing.service import billing_service, money_text
from voicebox.cli.common import fail, print_json, run_in_session
from voicebox.customers.service import customer_service

app = typer.Typer(help="Operator commands; each prints one JSON object.", no_args_is_help=True)


def _decimal(raw: str, option: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        fail(f"{option} must be a number, got {raw!r}")
        raise


@app.command("create-customer")
def create_customer(
    name: Annotated[str, typer.Option(help="Customer name")],
    balance: Annotated[str, typer.Option(help="Opening balance")] = "0",
    credit_limit: Annotated[str, typer.Option(help="Credit limit")] = "0",
    currency: Annotated[str, typer.Option(help="Currency code")] = "RUB",
) -> None:
    """Create a customer (a tenant)."""
    opening = _decimal(balance, "--balance")
    limit = _decimal(credit_limit, "--credit-limit")

    async def work(session: AsyncSession) -> dict:
        customer = await customer_service.create(
            session, name=name, balance=opening, credit_limit=limit, currency=currency
        )
        value = await billing_service.balance(session, customer.id)
        return {
            "id": customer.id,
            "name": customer.name,
            "balance": money_text(value),
            "credit_limit": money_text(customer.credit_limit),
            "currency": customer.currency,
        }

    print_json(run_in_session(work))


@app.command("create-user")
def create_user(
    customer: Annotated[int, typer.Option(help="Customer id")],
    username: Annotated[str, typer.Option(help="Login name")],
    password: Annotated[str, typer.Option(help="Password (8+ characters)")],
) -> None:
    """Create a user who acts for one customer."""

    async def work(session: AsyncSession) -> dict:
        user = await auth_service.create_user(
            session, customer_id=customer, username=username, password=password
        )
        return {"id": user.id, "customer_id": user.customer_id, "username": user.username}

    print_json(run_in_session(work))


@app.command("create-client")
def create_client(
    name: Annotated[str, typer.Option(help="Client application name")],
    redirect_uri: Annotated[
        list[str] | None, typer.Option(help="Allowed redirect URI (repeatable)")
    ] = None,
    public: Annotated[bool, typer.Option(help="Public client (no secret; PKCE)")] = False,
    scope: Annotated[
        str, typer.Option(help="Scopes its tokens may get: 'read write', or 'read' (read-only)")
    ] = scopes.FULL,
) -> None:
    """Register an OAuth 2.0 client; the secret is shown once and stored hashed."""

    async def work(session: AsyncSession) -> dict:
        issued = await auth_service.create_client(
            session, name=name, redirect_uris=redirect_uri or [], public=public, scope=scope
        )
        return {
            "id": issued.client.id,
            "client_id": issued.client.client_id,
            "client_secret": issued.secret,
            "redirect_uris": issued.client.redirect_uris,
            "scope": issued.client.scope,
        }

    print_json(run_in_session(work))


@app.command("top-up")
def top_up(
    customer: Annotated[int, typer.Option(help="Customer id")],
    amount: Annotated[str, typer.Option(help="Amount to add")],
) -> None:
    """Add money to a customer's balance (a ledger entry)."""

    async def work(session: AsyncSession) -> dict:
        target = await customer_service.get(session, customer)
        entry = await billing_service.top_up(session, customer=target, amount=amount)
        value = await billing_service.balance(session, target.id)
        return {
            "id": entry.id,
            "customer_id": target.id,
            "amount": money_text(entry.amount),
            "balance": money_text(value),
            "currency": target.currency,
        }

    print_json(run_in_session(work))
