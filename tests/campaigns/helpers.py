"""Campaign test helpers: a tenant with a bought number and a valid scenario, via the real API."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import update

from tests.api_support import assert_errors  # noqa: F401 - campaign tests import it from here
from tests.dialer.conftest import wait_until
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


async def simulated_campaign(app: Any, client: Any, tenant: Any, *, name: str,
                             program: dict[str, Any], phones: list[str],
                             simulation: dict[str, Any], attempts: int) -> int:
    """A paused outbound campaign calling `phones` with `program` on the simulator as
    `simulation` says, open all day, up to `attempts` calls per abonent; returns its id."""
    created = await create(client, tenant, {
        "name": name, "campaignType": "outbound", "status": "Paused",
        "scenario": {"id": await scenario(client, tenant, program)},
        "callerNumber": {"id": await buy(app, client, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "00:00",
        "scheduleAttempts": str(attempts), "scheduleAttemptsInterval": "1",
        "abonents": [{"phone": phone, "name": "А"} for phone in phones],
        "simulation": simulation,
    })
    return int(created["id"])


def stats_url(tenant: Any, campaign_id: int | str) -> str:
    return url(tenant, f"/{campaign_id}/stats")


async def run_to_the_end(client: Any, tenant: Any, campaign_id: int, *,
                         limit: float) -> dict[str, Any]:
    """Activate the campaign (a dialer must be running) and wait until no abonent is pending or
    being called and no call is in flight; returns its stats then."""
    activated = await client.patch(url(tenant, f"/{campaign_id}/statuses/"),
                                   headers=tenant.headers, json={"status": "Active"})
    assert activated.status_code == 200, activated.text

    async def finished() -> dict[str, Any] | None:
        got: dict[str, Any] = (await client.get(stats_url(tenant, campaign_id),
                                                headers=tenant.headers)).json()
        abonents = got["abonents"]
        done = abonents["pending"] == 0 and abonents["calling"] == 0 and not got["callsInFlight"]
        return got if done else None

    stats: dict[str, Any] = await wait_until(finished, limit=limit)
    return stats
