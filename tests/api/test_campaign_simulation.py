"""The campaign `simulation` object through HTTP: every simulator feature is accepted and acts."""

from __future__ import annotations

from tests.campaigns.helpers import RICH, assert_errors, buy, scenario, url
from tests.dialer.conftest import dialer, wait_until  # noqa: F401
from tests.dialer.scenarios import survey

SIMULATION = {
    "seed": 9,
    "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"], "bargeIn": True,
                "confidence": 0.8, "transfer": "busy"},
    "rules": [{"match": "+79990000001", "attempts": [{"result": "busy"}, {"result": "answer"}]},
              {"match": "+79990000002", "result": "failed"}],
}


async def body(app, client, tenant, simulation) -> dict:
    return {
        "name": "Симуляция", "campaignType": "outbound", "status": "Paused",
        "scenario": {"id": await scenario(client, tenant, survey())},
        "callerNumber": {"id": await buy(app, client, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "00:00",
        "scheduleAttempts": "2", "scheduleAttemptsInterval": "1",
        "abonents": [{"phone": "+79990000001", "name": "А"}, {"phone": "+79990000002",
                                                            "name": "Б"}],
        "simulation": simulation,
    }


async def test_per_attempt_behaviours_and_failed_take_effect(app, client, make_tenant,
                                                             dialer):  # noqa: F811
    tenant = await make_tenant(balance=RICH)
    created = await client.post(url(tenant), headers=tenant.headers,
                                json=await body(app, client, tenant, SIMULATION))
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["simulation"] == SIMULATION
    await dialer(scale=300)
    activated = await client.patch(url(tenant, f"/{campaign['id']}/statuses/"),
                                   headers=tenant.headers, json={"status": "Active"})
    assert activated.status_code == 200, activated.text

    async def two_each():
        response = await client.get(
            f"/v1/customers/{tenant.id}/callhistory?campaignId={campaign['id']}",
            headers={**tenant.headers, "Range": "callhistory=0-49"})
        calls = response.json()[::-1]  # history is newest first (ties by id): oldest first here
        by_number: dict[str, list[int]] = {}
        for call in calls:
            by_number.setdefault(call["cdPN"], []).append(call["status"])
        done = len(by_number.get("+79990000001", ())) >= 2 and "+79990000002" in by_number
        return by_number if done else None

    by_number = await wait_until(two_each, limit=40)
    assert by_number["+79990000001"] == [486, 200]  # busy first, then the second attempt answers
    assert set(by_number["+79990000002"]) == {503}


async def test_bad_simulator_values_list_every_field(app, client, make_tenant):
    tenant = await make_tenant(balance=RICH)
    bad = {"default": {"confidence": 3, "bargeIn": "perhaps", "transfer": "machine"},
           "rules": [{"match": "+7999*", "attempts": [{"result": "maybe"}]},
                     {"match": "+7998*", "attempts": []}]}
    errors = assert_errors(await client.post(
        url(tenant), headers=tenant.headers, json=await body(app, client, tenant, bad)), 400)
    assert {e["name"] for e in errors} == {
        "simulation.default.confidence", "simulation.default.bargeIn",
        "simulation.default.transfer", "simulation.rules[0].attempts[0].result",
        "simulation.rules[1].attempts"}
