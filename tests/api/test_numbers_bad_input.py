"""NUMBERS §6 with bad input: every answer is a spec-format error and nothing changes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from tests.api_support import assert_errors
from tests.numbers.helpers import stock

from voicebox.models import LedgerEntry, NumberOrder, PhoneNumber


async def assert_unchanged(session, tenant) -> None:
    """No order, no charge beyond the opening balance, no owned or reserved number."""
    assert await session.scalar(select(func.count(NumberOrder.id))) == 0
    total = await session.scalar(
        select(func.sum(LedgerEntry.amount)).where(LedgerEntry.customer_id == tenant.id)
    )
    assert Decimal(total) == Decimal(1000)
    taken = await session.scalar(
        select(func.count(PhoneNumber.id)).where(
            (PhoneNumber.customer_id.is_not(None)) | (PhoneNumber.reserved_uid.is_not(None))
        )
    )
    assert taken == 0


def assert_names(errors: list[dict], field: str) -> None:
    """The field at fault is named; a body that is not JSON at all is said to be so."""
    if any("not valid JSON" in item["message"] for item in errors):
        assert field == "body"
        return
    assert field in [item["name"] for item in errors], errors


BAD_ORDERS = [
    (b"{not json", "body"),
    (b"[]", "body"),
    (b'"74951234589"', "body"),
    (b"{}", "orderItemNumber"),
    (b'{"orderItemNumber": null}', "orderItemNumber"),
    (b'{"orderItemNumber": 7.5}', "orderItemNumber"),
    (b'{"orderItemNumber": ["74951234589"]}', "orderItemNumber"),
    (b'{"orderItemNumber": "not-a-number"}', "orderItemNumber"),
    (b'{"orderItemNumber": "123"}', "orderItemNumber"),
    (b'{"orderItemNumber": "7495123458912345678"}', "orderItemNumber"),
    (b'{"orderItemNumber": "74951234589", "orderId": "x"}', "orderId"),
    (b'{"orderItemNumber": "74951234589", "orderId": -1}', "orderId"),
    (b'{"orderItemNumber": "74951234589", "orderId": 1e300}', "orderId"),
    (b'{"orderItemNumber": "74951234589", "orderId": 99999999999999999999999}', "orderId"),
    (b'{"orderItemNumber": "74951234589", "orderName": 5}', "orderName"),
    (json.dumps({"orderItemNumber": "74951234589", "orderName": "x" * 300}).encode(), "orderName"),
]


@pytest.mark.parametrize(("body", "field"), BAD_ORDERS)
async def test_bad_orders(app, client, tenant, session, body, field):
    await stock(app)
    response = await client.post(
        f"/v1/customers/{tenant.id}/numbers",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert_names(assert_errors(response, 400), field)
    await assert_unchanged(session, tenant)


BAD_RESERVATIONS = [
    (b"{oops", "body"),
    (b"{}", "number"),
    (b'{"number": true}', "number"),
    (b'{"number": "74951234589", "period": 0}', "period"),
    (b'{"number": "74951234589", "period": -60}', "period"),
    (b'{"number": "74951234589", "period": 1e30}', "period"),
    (b'{"number": "74951234589", "period": 10000000000000000000000000}', "period"),
    (b'{"number": "74951234589", "period": "soon"}', "period"),
    (b'{"number": "74951234589", "period": 1.5}', "period"),
    (b'{"number": "7495\'; DROP TABLE phone_numbers;--"}', "number"),
]


@pytest.mark.parametrize(("body", "field"), BAD_RESERVATIONS)
async def test_bad_reservations(app, client, tenant, session, body, field):
    await stock(app)
    response = await client.post(
        "/v1/numbers/reservations",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert_names(assert_errors(response, 400), field)
    await assert_unchanged(session, tenant)


async def test_period_above_the_configured_maximum(app, client, tenant, session):
    await stock(app)
    limit = app.state.settings.number_reservation_max_seconds
    response = await client.post(
        "/v1/numbers/reservations",
        json={"number": "74951234589", "period": limit + 1},
        headers=tenant.headers,
    )
    assert str(limit) in assert_errors(response, 400)[0]["message"]
    await assert_unchanged(session, tenant)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "PLATINUM"}, "category"),
        ({"type": "XYZ"}, "type"),
        ({"regionCode": "ZZZ"}, "regionCode"),
        ({"owner": "BEELINE"}, "owner"),
        ({"category": "x" * 33}, "category"),
        ({"mask": "7" * 21}, "mask"),
        ({"mask": "7" * 65}, "mask"),
        ({"mask": "   "}, "mask"),
    ],
)
async def test_bad_search_filters(app, client, tenant, params, field):
    await stock(app)
    response = await client.get("/v1/numbers", params=params, headers=tenant.headers)
    assert assert_errors(response, 400)[0]["name"] == field


@pytest.mark.parametrize(
    "mask",
    ["7495' OR '1'='1", "7495\\%", "\\", "%' --", "7495;DELETE", "[0-9]%", "7495\x00"],
)
async def test_masks_with_sql_metacharacters_are_literal(app, client, tenant, session, mask):
    await stock(app)
    response = await client.get("/v1/numbers", params={"mask": mask}, headers=tenant.headers)
    if "\x00" in mask:  # control characters are refused outright (PostgreSQL rejects NUL)
        assert_errors(response, 400)
    else:
        assert response.status_code == 206, response.text
        assert response.json() == []
    assert await session.scalar(select(func.count(PhoneNumber.id))) == 8


async def test_escaped_wildcard_is_not_a_wildcard(app, client, tenant):
    await stock(app)
    # `\%` would be a literal percent sign in a naive ESCAPE '\' query; here it is a literal
    # backslash followed by the wildcard, and no number contains a backslash.
    response = await client.get("/v1/numbers", params={"mask": "7495\\%"}, headers=tenant.headers)
    assert response.json() == []
    response = await client.get("/v1/numbers", params={"mask": "7495%"}, headers=tenant.headers)
    assert len(response.json()) == 2


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("numbers=abc", 400),
        ("bytes=0-9", 400),
        ("numbers=0-9,20-29", 400),
        ("numbers=-5", 400),
        ("numbers=9-0", 416),
        ("numbers=100-109", 416),
        ("numbers=99999999999999999999-1", 400),
        ("numbers=" + "9" * 5000, 400),
    ],
)
async def test_bad_range_headers(app, client, tenant, header, status):
    await stock(app)
    response = await client.get("/v1/numbers", headers={**tenant.headers, "Range": header})
    assert_errors(response, status)


async def test_huge_range_is_cut_to_the_maximum_page(app, client, tenant):
    await stock(app)
    response = await client.get(
        "/v1/numbers", headers={**tenant.headers, "Range": "numbers=0-999999999999"}
    )
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "numbers 0-7/8"


async def test_oversized_order_body_is_413(app, client, tenant, session):
    await stock(app)
    limit = app.state.settings.max_body_bytes
    body = json.dumps({"orderItemNumber": "74951234589", "orderName": "x" * limit}).encode()
    response = await client.post(
        f"/v1/customers/{tenant.id}/numbers",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert_errors(response, 413)
    await assert_unchanged(session, tenant)


@pytest.mark.parametrize("number_id", ["abc", "0", "-1", "1e5", "9" * 30])
async def test_bad_number_ids(app, client, tenant, number_id):
    base = f"/v1/customers/{tenant.id}/numbers/{number_id}"
    for response in (
        await client.delete(base, headers=tenant.headers),
        await client.get(base + "/price", headers=tenant.headers),
    ):
        # An id that is not ASCII digits in range names nothing that could exist: 404.
        assert assert_errors(response, 404)[0]["name"] == "number_id"


async def test_revoked_and_expired_tokens_change_nothing(app, client, tenant, session):
    from sqlalchemy import update

    from voicebox.models import OAuthToken
    from voicebox.store.db import utcnow

    await stock(app)
    order = {"orderItemNumber": "74951234589"}
    await session.execute(update(OAuthToken).values(access_expires_at=utcnow()))
    await session.commit()
    response = await client.post(
        f"/v1/customers/{tenant.id}/numbers", json=order, headers=tenant.headers
    )
    assert_errors(response, 401)
    await session.execute(
        update(OAuthToken).values(access_expires_at=utcnow().replace(year=2100), revoked=True)
    )
    await session.commit()
    for response in (
        await client.post(f"/v1/customers/{tenant.id}/numbers", json=order, headers=tenant.headers),
        await client.post(
            "/v1/numbers/reservations", json={"number": "74951234589"}, headers=tenant.headers
        ),
        await client.get("/v1/numbers", headers=tenant.headers),
        await client.get("/v1/filters", headers=tenant.headers),
        await client.delete(f"/v1/customers/{tenant.id}/numbers/1", headers=tenant.headers),
    ):
        assert_errors(response, 401)
    await assert_unchanged(session, tenant)
