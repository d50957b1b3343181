"""CUSTOMERS §4.2 call history, CAMPAIGNS §2.5 campaigns with history, and the trace extension."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tests.campaigns.helpers import RICH, assert_errors, create, ready, url

from voicebox.calls import pager, repository
from voicebox.models import Call

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SPEC_FIELDS = {
    "startCallDT", "status", "callDuration", "callType", "campaignId", "campaignName",
    "cgPN", "cdPN", "callId", "callRecord",
}


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


def history(tenant, query: str = "") -> str:
    return f"/v1/customers/{tenant.id}/callhistory{query}"


async def seed(app, customer_id: int, campaign_id: int | None, count: int, *, start=T0,
               prefix: str = "c", **fields) -> list[Call]:
    """`count` ended calls one minute apart, oldest first."""
    calls = []
    async with app.state.sessionmaker() as session:
        for index in range(count):
            values = {
                "call_id": f"{prefix}{index}", "customer_id": customer_id,
                "campaign_id": campaign_id, "call_type": "outbound", "cg_pn": "74951234589",
                "cd_pn": f"+7916000{index:04d}", "started_at": start + timedelta(minutes=index),
                "status": 200 if index % 2 == 0 else 486, "duration": index,
                "answered": index % 2 == 0, "attempt": 1, "cost": Decimal("0.5"),
            }
            values.update(fields)
            calls.append(await repository.insert_call(session, **values))
        await session.commit()
    return calls


async def test_history_newest_first_with_ranges(app, client, tenant):
    campaign = await create(client, tenant, await ready(app, client, tenant))
    await seed(app, tenant.id, campaign["id"], 20)
    response = await client.get(history(tenant), headers={**tenant.headers,
                                                          "Range": "callhistory=0-14"})
    assert response.status_code == 206
    assert response.headers["content-range"] == "callhistory 0-14/20"
    page = response.json()
    assert len(page) == 15 and set(page[0]) == SPEC_FIELDS
    assert [c["callId"] for c in page[:3]] == ["c19", "c18", "c17"]
    first = page[0]
    assert first["startCallDT"] == int((T0 + timedelta(minutes=19)).timestamp())
    assert (first["status"], first["callDuration"], first["callType"]) == (486, 19, "outbound")
    assert (first["campaignId"], first["campaignName"]) == (campaign["id"], "Напоминание")
    assert (first["cgPN"], first["cdPN"], first["callRecord"]) == (
        "74951234589", "+79160000019", False)

    rest = await client.get(history(tenant, "/"), headers={**tenant.headers,
                                                           "Range": "callhistory=15-29"})
    assert rest.headers["content-range"] == "callhistory 15-19/20"
    assert [c["callId"] for c in rest.json()] == ["c4", "c3", "c2", "c1", "c0"]
    past = await client.get(history(tenant), headers={**tenant.headers,
                                                      "Range": "callhistory=20-29"})
    assert_errors(past, 416)
    bad = await client.get(history(tenant), headers={**tenant.headers, "Range": "calls=0-9"})
    assert_errors(bad, 400)


async def test_same_second_ties_are_stable(app, client, tenant):
    await seed(app, tenant.id, None, 5, start=T0, prefix="same", started_at=T0)
    ids = []
    for first in range(5):
        headers = {**tenant.headers, "Range": f"callhistory={first}-{first}"}
        ids += [c["callId"] for c in (await client.get(history(tenant), headers=headers)).json()]
    assert ids == ["same4", "same3", "same2", "same1", "same0"]


async def test_filters(app, client, tenant):
    first = await create(client, tenant, await ready(app, client, tenant))
    body = await ready(app, client, tenant, "78121234589")
    second = await create(client, tenant, {**body, "name": "Второй"})
    await seed(app, tenant.id, first["id"], 10, prefix="a")
    await seed(app, tenant.id, second["id"], 5, prefix="b", start=T0 + timedelta(seconds=30))

    async def ids(query: str) -> list[str]:
        response = await client.get(history(tenant, query), headers=tenant.headers)
        assert response.status_code == 206, response.text
        return [c["callId"] for c in response.json()]

    assert await ids(f"?campaignId={second['id']}") == ["b4", "b3", "b2", "b1", "b0"]
    since = int((T0 + timedelta(minutes=8)).timestamp())
    assert await ids(f"?from={since}") == ["a9", "a8"]
    assert await ids("?to=2026-11-01T12:01:00Z") == ["a1", "b0", "a0"]
    assert await ids("?from=2026-11-01T15:02:00%2B03:00&to=2026-11-01T12:03:00") == [
        "a3", "b2", "a2"]
    assert await ids(f"?campaignId={first['id']}&from={since}&to={since}") == ["a8"]
    assert await ids("?campaignId=999999") == []
    # Extension: the final status, with the other filters and with Range (a9, a7 … are 486).
    assert await ids(f"?campaignId={second['id']}&status=200") == ["b4", "b2", "b0"]
    assert await ids(f"?status=486&from={since}") == ["a9"]
    response = await client.get(
        history(tenant, "?status=486"), headers={**tenant.headers, "Range": "callhistory=1-2"}
    )
    assert [c["callId"] for c in response.json()] == ["a7", "a5"]
    assert response.headers["content-range"] == "callhistory 1-2/7"

    for query, names in [
        ("?from=yesterday", {"from"}),
        ("?to=2026-13-01", {"to"}),
        ("?campaignId=abc&from=x", {"campaignId", "from"}),
        ("?from=2026-11-02&to=2026-11-01", {"to"}),
        ("?status=ok", {"status"}),
        ("?status=99", {"status"}),
    ]:
        response = await client.get(history(tenant, query), headers=tenant.headers)
        assert {e["name"] for e in assert_errors(response, 400)} == names


async def test_only_ended_calls_and_records(app, client, tenant):
    await seed(app, tenant.id, None, 2, prefix="done", record_path="/rec/x.wav")
    await seed(app, tenant.id, None, 1, prefix="live", state="in_progress", status=None)
    response = await client.get(history(tenant), headers=tenant.headers)
    assert [c["callId"] for c in response.json()] == ["done1", "done0"]
    assert all(c["callRecord"] for c in response.json())
    assert response.json()[0]["campaignId"] is None


async def test_total_past_the_counting_cap_is_unknown(app, client, tenant, monkeypatch):
    await seed(app, tenant.id, None, 12)
    monkeypatch.setattr(pager, "COUNT_MARGIN", 3)
    response = await client.get(history(tenant), headers={**tenant.headers,
                                                          "Range": "callhistory=0-4"})
    assert response.headers["content-range"] == "callhistory 0-4/*"
    assert len(response.json()) == 5
    response = await client.get(history(tenant), headers={**tenant.headers,
                                                          "Range": "callhistory=8-11"})
    assert response.headers["content-range"] == "callhistory 8-11/12"


async def test_history_campaigns_include_deleted_ones(app, client, tenant):
    body = await ready(app, client, tenant)
    used = await create(client, tenant, body)
    await create(client, tenant, {**body, "name": "без звонков"})
    await seed(app, tenant.id, used["id"], 2)
    path = f"/v1/customers/{tenant.id}/callhistory/campaigns"
    response = await client.get(path, headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == [{"id": used["id"], "name": "Напоминание"}]
    assert (await client.delete(url(tenant, f"/{used['id']}"),
                                headers=tenant.headers)).status_code == 204
    assert (await client.get(path + "/", headers=tenant.headers)).json() == [
        {"id": used["id"], "name": "Напоминание"}]
    listed = (await client.get(history(tenant), headers=tenant.headers)).json()
    assert {c["campaignName"] for c in listed} == {"Напоминание"}


async def test_trace(app, client, tenant):
    [call] = await seed(app, tenant.id, None, 1, trace=[{"state": "start", "kind": "Initial"}],
                        variables={"fio": "Иван", "answer": "да"}, error=None)
    response = await client.get(f"/v1/customers/{tenant.id}/calls/{call.call_id}/trace",
                                headers=tenant.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["trace"] == [{"state": "start", "kind": "Initial"}]
    assert body["variables"] == {"fio": "Иван", "answer": "да"}
    assert (body["status"], body["cost"], body["attempt"]) == (200, "0.5000", 1)
    missing = await client.get(f"/v1/customers/{tenant.id}/calls/nope/trace",
                               headers=tenant.headers)
    assert_errors(missing, 404)


async def test_another_customers_history_is_invisible(app, client, make_tenant):
    alice, bob = await make_tenant(balance=RICH), await make_tenant(balance=RICH)
    campaign = await create(client, alice, await ready(app, client, alice))
    await seed(app, alice.id, campaign["id"], 3)
    response = await client.get(history(bob), headers=bob.headers)
    assert response.json() == []
    response = await client.get(history(bob, f"?campaignId={campaign['id']}"), headers=bob.headers)
    assert response.json() == []
    assert (await client.get(f"/v1/customers/{bob.id}/callhistory/campaigns",
                             headers=bob.headers)).json() == []
    assert_errors(await client.get(f"/v1/customers/{bob.id}/calls/c0/trace",
                                   headers=bob.headers), 404)
    for path in (history(alice), f"/v1/customers/{alice.id}/callhistory/campaigns",
                 f"/v1/customers/{alice.id}/calls/c0/trace"):
        assert_errors(await client.get(path, headers=bob.headers), 404)


async def test_keyset_cursor_pages_through_everything(app, client, tenant):
    await seed(app, tenant.id, None, 17, prefix="k")
    await seed(app, tenant.id, None, 3, prefix="tie", started_at=T0 + timedelta(minutes=5))
    expected = [c["callId"] for c in (await client.get(
        history(tenant), headers={**tenant.headers, "Range": "callhistory=0-99"})).json()]
    seen, cursor = [], None
    while True:
        query = f"?after={cursor}" if cursor else ""
        response = await client.get(history(tenant, query),
                                    headers={**tenant.headers, "Range": "callhistory=0-6"})
        assert response.status_code == 206
        seen += [c["callId"] for c in response.json()]
        cursor = response.headers.get("x-next-cursor")
        if cursor is None:
            break
    assert seen == expected and len(seen) == 20
    for bad in ("x", "1.", "-5.3", "1.2.3"):
        response = await client.get(history(tenant, f"?after={bad}"), headers=tenant.headers)
        assert [e["name"] for e in assert_errors(response, 400)] == ["after"]
