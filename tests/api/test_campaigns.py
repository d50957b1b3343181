"""CAMPAIGNS §2.1-2.4 through HTTP: create, list, get, references, schedule, types, delete."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.campaigns.helpers import (
    NUMBERS,
    RICH,
    assert_errors,
    buy,
    create,
    incoming,
    ready,
    scenario,
    url,
)

from voicebox.models import Abonent, Campaign


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


SPEC_LIST_FIELDS = {
    "id",
    "name",
    "campaignType",
    "scenarioid",
    "scheduleStartDate",
    "scheduleStopDate",
    "scheduleCallingCycleStart",
    "scheduleCallingCycleStop",
    "scheduleAttempts",
    "scheduleAttemptsInterval",
    "scheduleMaxPhoneLines",
    "callerNumber",
    "createdAt",
    "updatedAt",
}


async def test_create_list_get(app, client, tenant):
    body = await ready(app, client, tenant)
    created = await create(client, tenant, body)
    assert created["name"] == "Напоминание"
    assert created["campaignType"] == "outbound"
    assert created["launchBy"] == "list"
    assert created["status"] == "Active"
    assert created["scenario"] == body["scenario"]
    assert created["callerNumber"] == {"id": body["callerNumber"]["id"], "number": NUMBERS[0]}
    assert created["entryPoint"] is None
    assert created["progress"]["total"] == 0

    response = await client.get(url(tenant), headers=tenant.headers)
    assert response.status_code == 206
    assert response.headers["content-range"] == "campaigns 0-0/1"
    [item] = response.json()
    assert set(item) >= SPEC_LIST_FIELDS
    assert item["scenarioid"] == body["scenario"]["id"]
    assert item["callerNumber"] == NUMBERS[0]
    assert item["scheduleCallingCycleStart"] == "09:00"
    assert item["scheduleCallingCycleStop"] == "21:00"
    assert item["scheduleAttempts"] == "3"
    assert item["scheduleAttemptsInterval"] == "30"
    assert item["scheduleMaxPhoneLines"] == "10"
    assert item["scheduleStartDate"] is None

    one = await client.get(url(tenant, f"/{created['id']}"), headers=tenant.headers)
    assert one.status_code == 200
    assert one.json()["id"] == created["id"]
    # The trailing-slash spelling of the spec works too.
    assert (await client.get(url(tenant, "/"), headers=tenant.headers)).status_code == 206


async def test_list_ranges(app, client, tenant):
    body = await ready(app, client, tenant)
    for index in range(5):
        await create(client, tenant, {**body, "name": f"c{index}"})
    headers = {**tenant.headers, "Range": "campaigns=1-3"}
    response = await client.get(url(tenant), headers=headers)
    assert response.status_code == 206
    assert response.headers["content-range"] == "campaigns 1-3/5"
    assert [c["name"] for c in response.json()] == ["c1", "c2", "c3"]
    past = await client.get(url(tenant), headers={**tenant.headers, "Range": "campaigns=5-9"})
    assert_errors(past, 416)


async def test_schedule_fields_numbers_strings_and_dates(app, client, tenant):
    body = await ready(app, client, tenant)
    body.update(
        scheduleStartDate="2030-01-02T03:04:05+03:00",
        scheduleStopDate=1_900_000_000,
        scheduleCallingCycleStart="8:30",
        scheduleCallingCycleStop="20:00",
        scheduleAttempts="5",
        scheduleAttemptsInterval=15,
        scheduleMaxPhoneLines="7",
        scheduleTimezone="Asia/Novosibirsk",
    )
    created = await create(client, tenant, body)
    assert created["scheduleStartDate"] == "2030-01-02T00:04:05Z"
    assert created["scheduleStopDate"] == "2030-03-17T17:46:40Z"
    assert created["scheduleCallingCycleStart"] == "08:30"
    assert created["scheduleAttempts"] == "5"
    assert created["scheduleAttemptsInterval"] == "15"
    assert created["scheduleMaxPhoneLines"] == "7"
    assert created["scheduleTimezone"] == "Asia/Novosibirsk"
    async with app.state.sessionmaker() as session:
        row = await session.get(Campaign, created["id"])
        assert row.attempts_interval == 15 * 60


async def test_bad_fields_are_all_reported(app, client, tenant):
    body = await ready(app, client, tenant)
    body.update(
        campaignType="sideways",
        scheduleStartDate="yesterday",
        scheduleCallingCycleStart="25:00",
        scheduleAttempts="many",
        scheduleAttemptsInterval=0,
        scheduleMaxPhoneLines=100000,
        scheduleTimezone="Mars/Olympus",
        status="Stopped",
    )
    names = {e["name"] for e in assert_errors(await client.post(url(tenant), json=body,
                                                               headers=tenant.headers), 400)}
    assert names == {
        "campaignType",
        "scheduleStartDate",
        "scheduleCallingCycleStart",
        "scheduleAttempts",
        "scheduleAttemptsInterval",
        "scheduleMaxPhoneLines",
        "scheduleTimezone",
        "status",
    }
    missing = await client.post(url(tenant), json={"name": "x"}, headers=tenant.headers)
    assert {e["name"] for e in assert_errors(missing, 400)} == {
        "campaignType",
        "scenario",
        "callerNumber",
    }
    stop_first = {**body, "campaignType": "outbound", "status": None}
    for key in ("scheduleStartDate", "scheduleCallingCycleStart", "scheduleAttempts",
                "scheduleAttemptsInterval", "scheduleMaxPhoneLines", "scheduleTimezone"):
        stop_first.pop(key)
    stop_first.update(scheduleStartDate=2_000_000_000, scheduleStopDate=1_900_000_000)
    errors = assert_errors(await client.post(url(tenant), json=stop_first,
                                             headers=tenant.headers), 400)
    assert [e["name"] for e in errors] == ["scheduleStopDate"]
    assert_errors(await client.post(url(tenant), content=b"{nope", headers={
        **tenant.headers, "Content-Type": "application/json"}), 400)
    assert_errors(await client.post(url(tenant), content=b"x", headers={
        **tenant.headers, "Content-Type": "text/xml"}), 415)


@pytest.mark.parametrize(
    ("spelling", "launch_by", "expected_launch"),
    [
        ("outbound", None, "list"),
        ("outgoing", "http", "http"),
        ("Исходящая", None, "list"),
        ("Исходящая по http", None, "http"),
        ("ИСХОДЯЩАЯ ПО HTTP", "http", "http"),
    ],
)
async def test_outbound_spellings(app, client, tenant, spelling, launch_by, expected_launch):
    body = await ready(app, client, tenant)
    body.update(campaignType=spelling, launchBy=launch_by)
    created = await create(client, tenant, body)
    assert created["campaignType"] == "outbound"
    assert created["launchBy"] == expected_launch
    if expected_launch == "http":
        assert created["entryPoint"]["url"] == "http://testserver/v1/sb"
        assert len(created["entryPoint"]["id"]) >= 20
    else:
        assert created["entryPoint"] is None


@pytest.mark.parametrize("spelling", ["inbound", "incoming", "Входящая"])
async def test_inbound_spellings_need_an_incoming_scenario(app, client, tenant, spelling):
    number_id = await buy(app, client, tenant)
    inbound_scenario = await scenario(client, tenant, incoming())
    outgoing_scenario = await scenario(client, tenant)
    body = {"name": "Линия", "campaignType": spelling, "callerNumber": {"id": number_id},
            "scenario": {"id": inbound_scenario}}
    created = await create(client, tenant, body)
    assert (created["campaignType"], created["launchBy"]) == ("inbound", None)

    wrong = {**body, "scenario": {"id": outgoing_scenario}}
    [error] = assert_errors(await client.post(url(tenant), json=wrong, headers=tenant.headers), 400)
    assert error["name"] == "campaignType"
    with_launch = {**body, "launchBy": "list"}
    [error] = assert_errors(
        await client.post(url(tenant), json=with_launch, headers=tenant.headers), 400
    )
    assert error["name"] == "launchBy"
    # A second live inbound campaign on the same number would make routing ambiguous.
    [error] = assert_errors(await client.post(url(tenant), json=body, headers=tenant.headers), 409)
    assert error["name"] == "callerNumber.id"


async def test_outbound_needs_an_outgoing_scenario(app, client, tenant):
    body = await ready(app, client, tenant)
    body["scenario"] = {"id": await scenario(client, tenant, incoming())}
    [error] = assert_errors(await client.post(url(tenant), json=body, headers=tenant.headers), 400)
    assert error["name"] == "campaignType"
    conflict = {**(await ready(app, client, tenant, NUMBERS[1])),
                "campaignType": "Исходящая по http", "launchBy": "list"}
    [error] = assert_errors(
        await client.post(url(tenant), json=conflict, headers=tenant.headers), 400
    )
    assert error["name"] == "launchBy"


async def test_references_must_be_the_customers_and_valid(app, client, make_tenant):
    alice, bob = await make_tenant(balance=RICH), await make_tenant(balance=RICH)
    body = await ready(app, client, alice)
    bobs_scenario = await scenario(client, bob)
    bobs_number = await buy(app, client, bob, NUMBERS[1])

    for patch, name, status in [
        ({"scenario": {"id": bobs_scenario}}, "scenario.id", 404),
        ({"scenario": {"id": "abc"}}, "scenario.id", 404),
        ({"callerNumber": {"id": bobs_number}}, "callerNumber.id", 404),
        ({"callerNumber": {"id": NUMBERS[2]}}, "callerNumber.id", 404),
    ]:
        response = await client.post(url(alice), json={**body, **patch}, headers=alice.headers)
        [error] = assert_errors(response, status)
        assert error["name"] == name

    draft = await client.post(
        f"/v1/customers/{alice.id}/scenarios",
        json={"title": "draft", "type": "outgoing", "states": []},
        headers=alice.headers,
    )
    assert draft.status_code == 201 and draft.json()["isValid"] == "false"
    response = await client.post(
        url(alice), json={**body, "scenario": {"id": draft.json()["id"]}}, headers=alice.headers
    )
    [error] = assert_errors(response, 400)
    assert error["name"] == "scenario.id"
    # The number given by the number itself works as its id.
    created = await create(client, alice, {**body, "callerNumber": {"id": NUMBERS[0]}})
    assert created["callerNumber"]["number"] == NUMBERS[0]


async def test_numbers_list_their_campaigns_in_the_campaign_shape(app, client, tenant):
    body = await ready(app, client, tenant)
    by_list = await create(client, tenant, body)
    by_http = await create(client, tenant, {**body, "name": "По http", "launchBy": "http"})
    assert by_http["entryPoint"]["url"].endswith("/v1/sb")
    response = await client.get(f"/v1/customers/{tenant.id}/numbers", headers=tenant.headers)
    [number] = response.json()
    spec_fields = ("id", "name", "scenario", "launchBy", "callerNumber", "campaignType",
                   "entryPoint")
    assert number["campaigns"] == [{k: c[k] for k in spec_fields} for c in (by_list, by_http)]


async def test_paused_on_create_and_simulation(app, client, tenant):
    body = await ready(app, client, tenant)
    simulation = {
        "seed": 7,
        "default": {"result": "answer", "answerDelay": 2, "inputs": ["1"]},
        "rules": [{"match": "+7999000*", "result": "busy"}],
    }
    created = await create(client, tenant, {**body, "status": "paused", "simulation": simulation})
    assert created["status"] == "Paused"
    assert created["simulation"] == simulation

    bad = {"default": {"result": "maybe", "answerDelay": -1}, "rules": [{"match": "x"}], "z": 1}
    errors = assert_errors(
        await client.post(url(tenant), json={**body, "simulation": bad}, headers=tenant.headers),
        400,
    )
    assert {e["name"] for e in errors} == {
        "simulation.default.result",
        "simulation.default.answerDelay",
        "simulation.rules[0].match",
        "simulation.z",
    }


async def test_delete_is_soft_and_stops_dialing(app, client, tenant):
    body = await ready(app, client, tenant)
    body["abonents"] = [{"phone": "+79161234567", "fio": "А"}, {"phone": "+79161234568", "fio": "Б"}]
    created = await create(client, tenant, body)
    campaign_url = url(tenant, f"/{created['id']}")

    assert (await client.delete(campaign_url, headers=tenant.headers)).status_code == 204
    assert_errors(await client.get(campaign_url, headers=tenant.headers), 404)
    assert_errors(await client.delete(campaign_url, headers=tenant.headers), 404)
    listed = await client.get(url(tenant), headers=tenant.headers)
    assert listed.json() == [] and listed.headers["content-range"] == "campaigns */0"
    async with app.state.sessionmaker() as session:
        row = await session.get(Campaign, created["id"])
        assert row.status == "Stopped" and row.deleted_at is not None
        states = set(await session.scalars(select(Abonent.state).where(
            Abonent.campaign_id == created["id"])))
        assert states == {"cancelled"}
    # Its scenario and number are free again.
    scenario_url = f"/v1/customers/{tenant.id}/scenarios/{body['scenario']['id']}"
    assert (await client.delete(scenario_url, headers=tenant.headers)).status_code == 204
    number_url = f"/v1/customers/{tenant.id}/numbers/{NUMBERS[0]}"
    assert (await client.delete(number_url, headers=tenant.headers)).status_code == 204


async def test_scenario_and_number_in_use_cannot_be_deleted(app, client, tenant):
    body = await ready(app, client, tenant)
    await create(client, tenant, body)
    scenario_url = f"/v1/customers/{tenant.id}/scenarios/{body['scenario']['id']}"
    assert_errors(await client.delete(scenario_url, headers=tenant.headers), 409)
    number_url = f"/v1/customers/{tenant.id}/numbers/{NUMBERS[0]}"
    assert_errors(await client.delete(number_url, headers=tenant.headers), 409)


async def test_another_customers_campaign_is_invisible(app, client, make_tenant):
    alice, bob = await make_tenant(balance=RICH), await make_tenant(balance=RICH)
    created = await create(client, alice, await ready(app, client, alice))
    mine = url(alice, f"/{created['id']}")
    theirs = url(bob, f"/{created['id']}")
    for method, path, kwargs in [
        ("GET", theirs, {}),
        ("DELETE", theirs, {}),
        ("PATCH", theirs + "/statuses", {"json": {"status": "Paused"}}),
        ("POST", theirs + "/abonents", {"json": [{"phone": "+79161234567"}]}),
        # Bob's token on Alice's path: the customer itself is not found.
        ("GET", mine, {}),
        ("GET", url(alice), {}),
    ]:
        response = await client.request(method, path, headers=bob.headers, **kwargs)
        assert_errors(response, 404)
    listed = await client.get(url(bob), headers=bob.headers)
    assert listed.json() == []
    assert (await client.get(mine, headers=alice.headers)).json()["status"] == "Active"
