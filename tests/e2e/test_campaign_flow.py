"""Done-when of the dialer (issue 5): through the HTTP API a user creates a scenario, buys a
number, creates a campaign with a CSV of abonents, activates it, and sees every abonent called,
retries where due, history pages, charges in the balance, and HTTP-launched calls."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.campaigns.helpers import buy, scenario, url
from tests.dialer.conftest import dialer, wait_until  # noqa: F401
from tests.dialer.scenarios import survey

SIMULATION = {
    "seed": 5,
    "default": {"result": "answer", "answerDelay": 2, "inputs": ["1"]},
    "rules": [{"match": "+79990000002", "result": "busy"},
              {"match": "+79990000003", "result": "machine"}],
}
CSV = "phone,name\n" + "".join(f"+7999000000{n},Клиент {n}\n" for n in range(1, 7))


async def history(client, tenant, query: str = "", rng: str = "callhistory=0-49"):
    response = await client.get(f"/v1/customers/{tenant.id}/callhistory{query}",
                                headers={**tenant.headers, "Range": rng})
    assert response.status_code == 206, response.text
    return response


async def balance(client, tenant) -> Decimal:
    response = await client.get(f"/v1/customers/{tenant.id}/balance", headers=tenant.headers)
    return Decimal(response.json()[0]["balance"]["value"])


async def test_a_whole_campaign_through_the_api(app, client, make_tenant, dialer):  # noqa: F811
    tenant = await make_tenant(balance="100000")
    body = {
        "name": "Опрос", "campaignType": "outbound", "status": "Paused",
        "scenario": {"id": await scenario(client, tenant, survey())},
        "callerNumber": {"id": await buy(app, client, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59:59",
        "scheduleAttempts": "3", "scheduleAttemptsInterval": "1", "scheduleMaxPhoneLines": "3",
        "simulation": SIMULATION,
    }
    created = await client.post(url(tenant), headers=tenant.headers, files={
        "campaign": (None, json.dumps(body), "application/json"),
        "abonents": ("contacts.csv", CSV.encode(), "text/csv")})
    assert created.status_code == 201, created.text
    campaign = created.json()
    await dialer(scale=300)
    before = await balance(client, tenant)
    activated = await client.patch(url(tenant, f"/{campaign['id']}/statuses/"),
                                   headers=tenant.headers, json={"status": "Active"})
    assert activated.status_code == 200, activated.text

    async def finished():
        got = await client.get(url(tenant, f"/{campaign['id']}"), headers=tenant.headers)
        progress = got.json()["progress"]
        return progress if progress.get("pending", 0) + progress.get("calling", 0) == 0 \
            else None

    progress = await wait_until(finished, limit=40)
    assert progress["total"] == 6 and progress["done"] == 5 and progress["failed"] == 1

    calls = (await history(client, tenant, f"?campaignId={campaign['id']}")).json()
    by_number: dict[str, list[int]] = {}
    for call in sorted(calls, key=lambda c: c["startCallDT"]):
        by_number.setdefault(call["cdPN"], []).append(call["status"])
    assert by_number["+79990000002"] == [486, 486, 486]  # retried, then given up
    assert all(by_number[f"+7999000000{n}"] == [200] for n in (1, 3, 4, 5, 6))
    assert all(c["campaignId"] == campaign["id"] and c["callType"] == "outbound"
               for c in calls)
    page = await history(client, tenant, f"?campaignId={campaign['id']}", "callhistory=0-2")
    assert page.headers["content-range"] == "callhistory 0-2/8" and len(page.json()) == 3

    answered_seconds = sum(c["callDuration"] for c in calls if c["status"] == 200)
    assert answered_seconds > 0
    spent = before - await balance(client, tenant)
    # mobile at the default 2.50 a minute, per second (history rounds to whole seconds)
    assert Decimal("2.50") * answered_seconds / 60 * Decimal("0.8") < spent
    assert spent < Decimal("2.50") * (answered_seconds + 10) / 60

    # The same user starts a call over HTTP.
    http_body = {**body, "name": "По запросу", "launchBy": "http", "status": "Active",
                 "callerNumber": {"id": await buy(app, client, tenant, "78121234589")}}
    made = await client.post(url(tenant), headers=tenant.headers, json=http_body)
    assert made.status_code == 201, made.text
    entry = made.json()["entryPoint"]
    assert entry["url"].endswith("/v1/sb")
    started = await client.post("/v1/sb", headers=tenant.headers, json={
        "method": entry["id"], "number": "+79990000009", "data": {"name": "Пётр"}})
    assert started.status_code == 200, started.text
    call_id = started.json()["id"]

    async def http_call():
        rows = (await history(client, tenant, f"?campaignId={made.json()['id']}")).json()
        return next((c for c in rows if c["callId"] == call_id), None)

    call = await wait_until(http_call)
    assert call["status"] == 200 and call["cdPN"] == "+79990000009"
