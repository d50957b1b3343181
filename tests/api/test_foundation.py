"""The platform's HTTP foundation: errors in the spec's format, auth, tenancy, ranges, limits."""

from __future__ import annotations

import pytest

from voicebox.api.ranges import parse_range
from voicebox.errors import InvalidInput, RangeNotSatisfiable


def assert_spec_error(response, status: int) -> list[dict]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body
    for item in body:
        assert set(item) == {"name", "message", "status"}
        assert item["status"] == status
        assert isinstance(item["name"], str) and isinstance(item["message"], str)
    return body


async def test_balance_in_spec_shape(client, tenant):
    response = await client.get(f"/v1/customers/{tenant.id}/balance", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == [
        {
            "balance": {"value": "1000.00", "currency": "RUB"},
            "credit_limit": {"value": "0.00", "currency": "RUB"},
        }
    ]


async def test_trailing_slash_variant(client, tenant):
    response = await client.get(f"/v1/customers/{tenant.id}/balance/", headers=tenant.headers)
    assert response.status_code == 200


async def test_missing_and_bad_tokens_are_401(client, tenant):
    assert_spec_error(await client.get(f"/v1/customers/{tenant.id}/balance"), 401)
    response = await client.get(
        f"/v1/customers/{tenant.id}/balance", headers={"Authorization": "Bearer nope"}
    )
    assert_spec_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_other_customer_is_404_without_data(client, make_tenant):
    alice = await make_tenant(balance="5")
    bob = await make_tenant(balance="7")
    response = await client.get(f"/v1/customers/{bob.id}/balance", headers=alice.headers)
    body = assert_spec_error(response, 404)
    assert "7" not in str(body)
    response = await client.get("/v1/customers/999999/balance", headers=alice.headers)
    assert_spec_error(response, 404)


async def test_unknown_route_and_method(client, tenant):
    assert_spec_error(await client.get("/v1/nothing-here"), 404)
    response = await client.delete(f"/v1/customers/{tenant.id}/balance", headers=tenant.headers)
    assert_spec_error(response, 405)


async def test_path_id_that_cannot_exist_is_404_naming_it(client, tenant):
    response = await client.get("/v1/customers/abc/balance", headers=tenant.headers)
    body = assert_spec_error(response, 404)
    assert body[0]["name"] == "customer_id"


async def test_oversized_body_is_413(client, app, tenant):
    limit = app.state.settings.max_body_bytes
    response = await client.post(
        f"/v1/customers/{tenant.id}/balance",
        content=b"x" * (limit + 1),
        headers=tenant.headers,
    )
    assert_spec_error(response, 413)


async def test_request_id_header(client):
    response = await client.get("/v1/nothing-here", headers={"X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, (0, 10)),
        ("numbers=0-9", (0, 10)),
        ("numbers=5-5", (5, 1)),
        ("numbers=20-", (20, 10)),
        ("numbers=0-100000", (0, 1000)),
    ],
)
def test_parse_range(header, expected):
    window = parse_range(header, "numbers", default_size=10, max_size=1000)
    assert (window.offset, window.limit) == expected


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ("numbers=9-0", RangeNotSatisfiable),
        ("bytes=0-9", InvalidInput),
        ("numbers=a-b", InvalidInput),
        ("numbers=-5", InvalidInput),
        ("numbers=99999999999999999999-1", InvalidInput),
        ("numbers=0-9, 20-30", InvalidInput),
    ],
)
def test_parse_range_rejects(header, error):
    with pytest.raises(error):
        parse_range(header, "numbers", default_size=10, max_size=1000)
