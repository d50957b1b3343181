"""Campaign test helpers: a tenant with a bought number and a valid scenario, via the real API."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import update

from tests.api_support import assert_errors  # noqa: F401 - campaign tests import it from here
from tests.numbers.helpers import stock
from tests.scenarios.samples import minimal
from voicebox.models import Campaign

# Regular numbers of the test inventory (tests/numbers/helpers.py), cheap enough to buy several.
NUMBERS = ["74951234589", "78121234589", "73831234589", "74991112344"]
RICH = "100000"


def url(tenant, suffix: str = "") -> str:
    return f"/v1/customers/{tenant.id}/campaigns{suffix}"


def incoming() -> dict[str, Any]:
    body = copy.deepcopy(minimal())
    body["type"] = "incoming"
    body["title"] = "Входящий"
    body["states"] = [s for s in body["states"] if s["type"] != "OutgoingCall"]
    body["states"][0]["success"] = {"title": "", "newState": "hello"}
    return body


async def scenario(client, tenant, body: dict[str, Any] | None = None) -> str:
    response = await client.post(
        f"/v1/customers/{tenant.id}/scenarios", json=body or minimal(), headers=tenant.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def buy(app, client, tenant, number: str = NUMBERS[0]) -> str:
    """Stock the inventory (idempotent) and buy `number`; returns its id."""
    await stock(app)
    bought = await client.post(
        f"/v1/customers/{tenant.id}/numbers",
        json={"orderItemNumber": number},
        headers=tenant.headers,
    )
    assert bought.status_code == 201, bought.text
    owned = (await client.get(f"/v1/customers/{tenant.id}/numbers", headers=tenant.headers)).json()
    return str(next(n["id"] for n in owned if str(n["number"]) == number))


async def ready(app, client, tenant, number: str = NUMBERS[0]) -> dict[str, Any]:
    """A create body that works: the tenant's valid outgoing scenario and its own number."""
    return {
        "name": "Напоминание",
        "campaignType": "outbound",
        "scenario": {"id": await scenario(client, tenant)},
        "callerNumber": {"id": await buy(app, client, tenant, number)},
    }


async def create(client, tenant, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(url(tenant), json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def inbound_campaign(app: Any, client: Any, tenant: Any, *, program: dict[str, Any],
                           number: str = NUMBERS[0]) -> dict[str, Any]:
    """An inbound campaign answering `number` (bought for the tenant) with `program`."""
    body = {"name": "Горячая линия", "campaignType": "inbound",
            "scenario": {"id": await scenario(client, tenant, program)},
            "callerNumber": {"id": await buy(app, client, tenant, number)}}
    return await create(client, tenant, body)


async def force_status(app, campaign_id: int, status: str, reason: str | None = None) -> None:
    """Put a campaign in a status only the system can set."""
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(status=status, suspended_reason=reason)
        )
        await session.commit()
