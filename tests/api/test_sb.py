"""POST /v1/sb: HTTP-launched calls, bearer and HTTP Basic, errors, rate limit."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select
from tests.dialer.conftest import dialer, insert_campaign, wait_until  # noqa: F401

from voicebox.api.routers.sb import TokenBucket
from voicebox.models import Call

SIM = {"default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(autouse=True)
def fresh_limiter(app):
    app.state.sb_limiter = None
    yield
    app.state.sb_limiter = None


async def http_campaign(app, tenant, **fields):
    return await insert_campaign(app, tenant.id, launch_by="http", simulation=SIM, **fields)


async def ended_call(app, call_id: str):
    async def find():
        async with app.state.sessionmaker() as session:
            call = await session.scalar(select(Call).where(Call.call_id == call_id))
        return call if call is not None and call.state == "ended" else None

    return await wait_until(find)


async def test_bearer_launch_places_the_call_at_once(app, client, tenant, dialer):  # noqa: F811
    campaign = await http_campaign(app, tenant)
    await dialer()
    answer = await client.post("/v1/sb", headers=tenant.headers, json={
        "method": campaign.entry_point_id, "number": "8 (999) 123-45-67",
        "data": {"name": "Иван"}})
    assert answer.status_code == 200, answer.text
    call_id = answer.json()["id"]
    call = await ended_call(app, call_id)
    assert call.status == 200 and call.call_type == "http" and call.cd_pn == "+79991234567"
    assert call.variables["name"] == "Иван"
    assert call.trace[2]["prompt"] == ["Здравствуйте, Иван!"]


async def test_basic_auth_number_in_data_and_data_as_string(app, client, tenant,
                                                            dialer):  # noqa: F811
    campaign = await http_campaign(app, tenant)
    await dialer()
    data = json.dumps({"number": "+79991230000", "name": "Анна"}, ensure_ascii=False)
    answer = await client.post("/v1/sb/", headers=basic(tenant.user.username, "password-123"),
                               json={"method": campaign.entry_point_id, "data": data})
    assert answer.status_code == 200, answer.text
    call = await ended_call(app, answer.json()["id"])
    assert call.cd_pn == "+79991230000" and call.variables["name"] == "Анна"


async def test_a_number_can_be_called_again_after_its_call_ended(app, client, tenant,
                                                                 dialer):  # noqa: F811
    campaign = await http_campaign(app, tenant)
    await dialer()
    ids = []
    for _ in range(2):
        answer = await client.post("/v1/sb", headers=tenant.headers, json={
            "method": campaign.entry_point_id, "number": "+79991234567"})
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["id"])
        call = await ended_call(app, ids[-1])
    assert call.attempt == 2 and ids[0] != ids[1]


@pytest.mark.parametrize(
    ("body", "status", "name"),
    [
        ({"method": "nope", "number": "+79991234567"}, 404, "method"),
        ({"method": "{ep}", "number": "12"}, 400, "number"),
        ({"method": "{ep}"}, 400, "number"),
        ({"method": "{ep}", "number": "+79991234567", "data": "{not json"}, 400, "data"),
        ({"method": "{ep}", "number": "+79991234567", "data": "[1, 2]"}, 400, "data"),
        ({"number": "+79991234567"}, 400, None),
        # NUL reaches no SQL: the field is named, the same on SQLite and PostgreSQL.
        ({"method": "ab\u0000cd", "number": "+79991234567"}, 400, "method"),
        ({"method": "{ep}", "number": "+7999\u00001234567"}, 400, "number"),
        ({"method": "{ep}", "number": "+79991234567", "data": {"a\u0000": "x"}}, 400, "data"),
        ({"method": "{ep}", "number": "+79991234567", "data": {"a": ["\u0000"]}}, 400,
         "data.a[0]"),
        ({"method": "{ep}", "number": "+79991234567", "data": '{"a": "\\u0000"}'}, 400, "data"),
        ({"method": "{ep}", "number": "7" * 40}, 400, "number"),
    ],
)
async def test_bad_requests_are_explained(app, client, tenant, body, status, name):
    campaign = await http_campaign(app, tenant)
    if body.get("method") == "{ep}":
        body = {**body, "method": campaign.entry_point_id}
    answer = await client.post("/v1/sb", headers=tenant.headers, json=body)
    assert answer.status_code == status, answer.text
    problems = answer.json()
    assert isinstance(problems, list) and problems[0]["status"] == status
    if name:
        assert problems[0]["name"] == name
    if "\x00" in str(body):
        assert "NUL" in problems[0]["message"]


async def test_campaign_state_and_ownership(app, client, tenant, make_tenant):
    other = await make_tenant()
    foreign = await http_campaign(app, other)
    listed = await insert_campaign(app, tenant.id, launch_by="list")
    paused = await http_campaign(app, tenant, status="Paused")
    number = "+79991234567"
    cases = [(foreign, 404), (listed, 409), (paused, 409)]
    for campaign, status in cases:
        answer = await client.post("/v1/sb", headers=tenant.headers, json={
            "method": campaign.entry_point_id, "number": number})
        assert answer.status_code == status, (campaign.status, answer.text)


async def test_same_number_while_queued_is_a_conflict(app, client, tenant):
    campaign = await http_campaign(app, tenant)
    body = {"method": campaign.entry_point_id, "number": "+79991234567"}
    assert (await client.post("/v1/sb", headers=tenant.headers, json=body)).status_code == 200
    again = await client.post("/v1/sb", headers=tenant.headers, json=body)
    assert again.status_code == 409 and again.json()[0]["name"] == "number"


async def test_no_money_no_call(app, client, make_tenant):
    broke = await make_tenant(balance="0")
    campaign = await http_campaign(app, broke)
    answer = await client.post("/v1/sb", headers=broke.headers, json={
        "method": campaign.entry_point_id, "number": "+79991234567"})
    assert answer.status_code == 409 and answer.json()[0]["name"] == "balance"


async def test_authentication_is_required(app, client, tenant):
    campaign = await http_campaign(app, tenant)
    body = {"method": campaign.entry_point_id, "number": "+79991234567"}
    assert (await client.post("/v1/sb", json=body)).status_code == 401
    wrong = await client.post("/v1/sb", json=body, headers=basic(tenant.user.username, "x"))
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Basic")
    bad_token = await client.post("/v1/sb", json=body, headers={"Authorization": "Bearer x"})
    assert bad_token.status_code == 401


async def test_rate_limit_per_customer(app, client, tenant, make_tenant):
    app.state.sb_limiter = TokenBucket(rate=0.01, burst=2)
    campaign = await http_campaign(app, tenant)
    codes = []
    for n in range(4):
        answer = await client.post("/v1/sb", headers=tenant.headers, json={
            "method": campaign.entry_point_id, "number": f"+7999123456{n}"})
        codes.append(answer.status_code)
    assert codes == [200, 200, 429, 429]
    assert int(answer.headers["Retry-After"]) >= 1
    other = await make_tenant()  # another customer has its own bucket
    theirs = await http_campaign(app, other)
    answer = await client.post("/v1/sb", headers=other.headers, json={
        "method": theirs.entry_point_id, "number": "+79991234567"})
    assert answer.status_code == 200
