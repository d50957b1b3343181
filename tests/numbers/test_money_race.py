"""Issue 10 item 4: forty purchases at once by a customer who can afford ten buy exactly ten.

On SQLite the balance check and the charge used to run outside one write transaction, so the
forty requests all read the same balance (23 numbers bought, balance −6,500). Fired through the
ASGI app and through two real `voicebox serve` processes, on both databases.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.e2e.workers import env_for, start_server
from tests.numbers.helpers import stock
from tests.ports import free_port
from voicebox.models import LedgerEntry, NumberOrder, PhoneNumber

FEE = Decimal(500)
NUMBERS = [f"7495555{i:04d}" for i in range(40)]
# Balance 3,000 and credit 2,000: ten fees of 500, ending at −2,000.
BALANCE, CREDIT, AFFORDABLE = "3000", "2000", 10


async def _stock_forty(app) -> None:
    await stock(app, {n: {"category": "REGULAR", "monthly_fee": str(FEE)} for n in NUMBERS})


async def _buy_all_at_once(clients: list[httpx.AsyncClient], tenant) -> list[int]:
    async def buy(index: int, number: str) -> int:
        response = await clients[index % len(clients)].post(
            f"/v1/customers/{tenant.id}/numbers",
            json={"orderItemNumber": number},
            headers=tenant.headers,
        )
        assert response.status_code in (201, 409), response.text
        if response.status_code == 409:
            assert response.json()[0]["name"] == "balance", response.text
        return response.status_code

    return list(await asyncio.gather(*(buy(i, n) for i, n in enumerate(NUMBERS))))


async def _assert_exactly_affordable(session, tenant, statuses: list[int]) -> None:
    assert statuses.count(201) == AFFORDABLE, statuses
    owned = await session.scalar(
        select(func.count(PhoneNumber.id)).where(PhoneNumber.customer_id == tenant.id)
    )
    orders = await session.scalar(
        select(func.count(NumberOrder.id)).where(NumberOrder.customer_id == tenant.id)
    )
    balance = await session.scalar(
        select(func.sum(LedgerEntry.amount)).where(LedgerEntry.customer_id == tenant.id)
    )
    assert owned == orders == AFFORDABLE
    assert balance == Decimal(BALANCE) - AFFORDABLE * FEE
    assert balance >= -Decimal(CREDIT)


async def test_forty_purchases_at_once_buy_only_what_the_money_covers(
    app, client, make_tenant, session, database_url
):
    await _stock_forty(app)
    tenant = await make_tenant(balance=BALANCE, credit_limit=CREDIT)
    statuses = await _buy_all_at_once([client], tenant)
    await _assert_exactly_affordable(session, tenant, statuses)


async def _wait_ready(http: httpx.AsyncClient, headers: dict[str, str], server) -> None:
    deadline = time.monotonic() + 120  # two cold starts on two busy cores
    while time.monotonic() < deadline:
        assert server.poll() is None, "voicebox serve exited"
        try:
            if (await http.get("/v1/filters", headers=headers)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.25)
    raise AssertionError("voicebox serve did not answer in 120 s")


@pytest.mark.slow
async def test_forty_purchases_across_two_real_servers(
    app, make_tenant, session, settings, tmp_path: Path
):
    """Two `voicebox serve` processes, twenty connections each, one customer's money."""
    await _stock_forty(app)
    tenant = await make_tenant(balance=BALANCE, credit_limit=CREDIT)
    env = env_for(settings.database_url, tmp_path)
    ports = [free_port(), free_port()]
    servers = [start_server(env, port, log=tmp_path / "servers.log") for port in ports]
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) for port in ports
    ]
    try:
        for http, server in zip(clients, servers, strict=True):
            await _wait_ready(http, tenant.headers, server)
        statuses = await _buy_all_at_once(clients, tenant)
    finally:
        for http in clients:
            await http.aclose()
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
    await _assert_exactly_affordable(session, tenant, statuses)
