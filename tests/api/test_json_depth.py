"""JSON nested past what storage and recursive readers handle is refused with a 400 on every
endpoint, as a body or as a JSON string inside a field (it gave a 500 on /v1/sb), and nothing
is stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from tests.api.test_sb import http_campaign

from voicebox.models import Call


def nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


async def calls(app) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Call))


@pytest.mark.parametrize("depth", [65, 300, 800, 5000])
@pytest.mark.parametrize("as_string", [False, True])
async def test_sb_data_nested_too_deep(app, client, tenant, depth, as_string):
    campaign = await http_campaign(app, tenant)
    data = {"name": nested(depth)}
    body = {"method": campaign.entry_point_id, "number": "+79991234567",
            "data": _dumps(data).decode() if as_string else data}
    answer = await client.post(
        "/v1/sb", headers={**tenant.headers, "Content-Type": "application/json"},
        content=_dumps(body))
    assert answer.status_code == 400, answer.text
    problem = answer.json()[0]
    assert problem["status"] == 400 and "nested" in problem["message"]
    assert await calls(app) == 0


def _dumps(value: object) -> bytes:
    """json.dumps without its recursion limit (it is recursive too)."""
    if isinstance(value, list):
        return b"[" + b",".join(_dumps(item) for item in value) + b"]" if len(value) != 1 \
            else _dump_list_chain(value)
    if isinstance(value, dict):
        return b"{" + b",".join(json.dumps(k).encode() + b":" + _dumps(v)
                                for k, v in value.items()) + b"}"
    return json.dumps(value).encode()


def _dump_list_chain(value: list) -> bytes:
    depth = 0
    while isinstance(value, list) and len(value) == 1:
        value, depth = value[0], depth + 1
    return b"[" * depth + _dumps(value) + b"]" * depth


async def test_sb_data_at_a_sane_depth_still_works(app, client, tenant):
    campaign = await http_campaign(app, tenant)
    body = {"method": campaign.entry_point_id, "number": "+79991234567",
            "data": {"name": nested(10)}}
    answer = await client.post("/v1/sb", headers=tenant.headers, json=body)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("depth", [100, 5000])
async def test_any_json_body_nested_too_deep(client, tenant, depth):
    body = b'{"name": ' + b"[" * depth + b"1" + b"]" * depth + b"}"
    answer = await client.post(f"/v1/customers/{tenant.id}/campaigns", content=body,
                               headers={**tenant.headers, "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json() == [{"name": "body", "status": 400,
                              "message": "JSON nested more than 64 levels deep is not accepted"}]
