"""Extension `GET …/campaigns/{id}/stats`: the dashboard's figures computed in the database, checked
against what the history and each call's trace say, on a campaign the simulator really ran."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from tests.campaigns.helpers import (
    RICH,
    assert_errors,
    run_to_the_end,
    simulated_campaign,
    stats_url,
)
from tests.dialer.conftest import dialer  # noqa: F401
from tests.dialer.scenarios import survey

PHONES = [f"+7999000000{i}" for i in range(1, 8)]
SIMULATION = {
    "seed": 15,
    "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]},
    "rules": [
        {"match": "+79990000002", "result": "answer", "answerDelay": 1, "inputs": ["2"]},
        {"match": "+79990000003", "result": "answer", "answerDelay": 1, "inputs": ["2"]},
        {"match": "+79990000004", "result": "busy"},
        {"match": "+79990000005", "result": "answer", "answerDelay": 1, "inputs": [""]},
    ],
}


async def _campaign(app, client, tenant) -> int:
    return await simulated_campaign(app, client, tenant, name="Статистика", program=survey(),
                                    phones=PHONES, simulation=SIMULATION, attempts=1)


async def test_stats_equal_the_history_and_the_traces(app, client, make_tenant,
                                                      dialer):  # noqa: F811
    tenant = await make_tenant(balance=RICH)
    campaign_id = await _campaign(app, client, tenant)

    before = await client.get(stats_url(tenant, campaign_id), headers=tenant.headers)
    assert before.status_code == 200, before.text
    assert before.json() == {
        "campaignId": campaign_id,
        "abonents": {"pending": 7, "calling": 0, "done": 0, "failed": 0, "cancelled": 0},
        "callsInFlight": 0, "callsEnded": 0, "answered": 0, "talkSeconds": 0, "outcomes": [],
        "spent": "0.00", "currency": "RUB", "answers": []}

    await dialer(scale=300)
    stats = await run_to_the_end(client, tenant, campaign_id, limit=60)
    history = (await client.get(
        f"/v1/customers/{tenant.id}/callhistory?campaignId={campaign_id}",
        headers={**tenant.headers, "Range": "callhistory=0-99"})).json()
    assert len(history) == stats["callsEnded"] == len(PHONES)
    statuses = Counter(call["status"] for call in history)
    assert {o["status"]: o["calls"] for o in stats["outcomes"]} == dict(statuses)
    assert statuses[486] == 1 and statuses[200] == 6

    spent = Decimal(0)
    left: Counter[tuple[str, str]] = Counter()
    talk = 0
    for call in history:
        trace = (await client.get(f"/v1/customers/{tenant.id}/calls/{call['callId']}/trace",
                                  headers=tenant.headers)).json()
        spent += Decimal(trace["cost"])
        talk += trace["callDuration"]
        for step in trace["trace"]:
            if step.get("kind") == "IVR" and step.get("transition"):
                left[(step["state"], step["transition"])] += 1
    assert Decimal(stats["spent"]) == spent.quantize(Decimal("0.01")) > 0
    assert stats["talkSeconds"] == talk
    assert stats["answered"] == 6
    assert {(b["state"], b["transition"]): b["calls"] for b in stats["answers"]} == dict(left)
    # Four pressed 1, two pressed 2 (the silent one left by onNoInput after its repeat).
    assert left[("ask", "inputAnalysis[0]")] == 3
    assert left[("ask", "inputAnalysis[1]")] == 2
    assert left[("ask", "onNoInput")] == 1
    assert sum(stats["abonents"].values()) == len(PHONES)


async def test_stats_of_another_customer_or_a_bad_id(app, client, make_tenant):
    owner, other = await make_tenant(balance=RICH), await make_tenant()
    campaign_id = await _campaign(app, client, owner)
    assert_errors(await client.get(stats_url(owner, campaign_id), headers=other.headers), 404)
    assert_errors(await client.get(stats_url(other, campaign_id), headers=other.headers), 404)
    # A path id that is no id answers like one that does not exist (the API's rule for paths).
    bad = assert_errors(await client.get(stats_url(owner, "x1"), headers=owner.headers), 404)
    assert bad[0]["name"] == "campaign_id"
