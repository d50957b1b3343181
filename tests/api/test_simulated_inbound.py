"""Extension `POST …/campaigns/{id}/simulated-calls`: an inbound scenario tried through the public
API — the server's own dialer answers the simulator's call like a real caller's, and the call's
trace shows the path (the console's *Try it* for inbound scenarios)."""

from __future__ import annotations

import pytest
from tests.campaigns.helpers import NUMBERS, assert_errors, buy, scenario, url
from tests.dialer.conftest import wait_until
from tests.dialer.scenarios import inbound, survey

from voicebox.dialer.runtime import build_dialer


@pytest.fixture
async def served(app, settings):
    """The API process's embedded dialer (what `voicebox serve` runs), on scaled time."""
    fast = settings.model_copy(update={"sim_time_scale": 100.0, "dialer_poll_seconds": 0.05})
    dialer = build_dialer(app.state.sessionmaker, fast)
    await dialer.start()
    app.state.dialer = dialer
    yield dialer
    del app.state.dialer
    await dialer.stop()


async def _campaign(app, client, tenant, body, number=NUMBERS[0], **fields) -> int:
    created = await client.post(url(tenant), headers=tenant.headers, json={
        "name": "Горячая линия", "campaignType": body["type"],
        "scenario": {"id": await scenario(client, tenant, body)},
        "callerNumber": {"id": await buy(app, client, tenant, number)}, **fields})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _call_url(tenant, campaign_id) -> str:
    return url(tenant, f"/{campaign_id}/simulated-calls")


async def test_an_inbound_scenario_runs_and_its_trace_shows_the_path(app, client, make_tenant,
                                                                     served):
    tenant = await make_tenant(balance="1000")
    campaign_id = await _campaign(app, client, tenant, inbound())
    placed = await client.post(_call_url(tenant, campaign_id), headers=tenant.headers,
                               json={"caller": "8 916 123-45-67", "inputs": ["нет"]})
    assert placed.status_code == 202, placed.text
    call_id = placed.json()["callId"]

    async def ended():
        got = await client.get(f"/v1/customers/{tenant.id}/calls/{call_id}/trace",
                               headers=tenant.headers)
        return got.json() if got.status_code == 200 and got.json()["state"] == "ended" else None

    trace = await wait_until(ended, limit=60)
    assert trace["campaignId"] == campaign_id and trace["callType"] == "inbound"
    assert trace["status"] == 200
    assert [step["state"] for step in trace["trace"]] == ["start", "greet", "ask", "no", "end"]
    assert trace["trace"][2]["heard"] == ["нет"]
    history = (await client.get(f"/v1/customers/{tenant.id}/callhistory",
                                headers=tenant.headers)).json()
    [row] = [c for c in history if c["callId"] == call_id]
    assert row["cgPN"].endswith("79161234567")


async def test_bad_calls_answer_in_the_spec_format(app, client, make_tenant, served):
    tenant = await make_tenant(balance="1000")
    campaign_id = await _campaign(app, client, tenant, inbound(), status="Paused")
    bad = assert_errors(await client.post(_call_url(tenant, campaign_id), headers=tenant.headers,
                                          json={"caller": "nobody"}), 400)
    assert [p["name"] for p in bad] == ["caller"]
    many = assert_errors(await client.post(_call_url(tenant, campaign_id), headers=tenant.headers,
                                           json={"inputs": ["1"] * 21}), 400)
    assert [p["name"] for p in many] == ["inputs"]
    paused = assert_errors(await client.post(_call_url(tenant, campaign_id),
                                             headers=tenant.headers, json={}), 409)
    assert paused[0]["name"] == "campaign_id"
    other = await make_tenant()
    assert_errors(await client.post(_call_url(other, campaign_id), headers=other.headers,
                                    json={}), 404)


async def test_outbound_campaigns_and_a_server_without_dialer_refuse(app, client, make_tenant):
    tenant = await make_tenant(balance="1000")
    outbound = await _campaign(app, client, tenant, survey(), status="Paused",
                               abonents=[{"phone": "+79990000001", "name": "А"}])
    refused = assert_errors(await client.post(_call_url(tenant, outbound),
                                              headers=tenant.headers, json={}), 409)
    assert refused[0]["name"] == "campaign_id"
    assert not hasattr(app.state, "dialer")  # the test app runs no dialer
    other = await make_tenant(balance="1000")
    answering = await _campaign(app, client, other, inbound(), NUMBERS[1])
    no_dialer = assert_errors(await client.post(_call_url(other, answering),
                                                headers=other.headers, json={}), 409)
    assert "no dialer" in no_dialer[0]["message"]
