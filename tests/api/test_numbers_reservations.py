"""Issue 10 item 6: reservations cannot squat the inventory (cap, period, money), over HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update
from tests.api_support import assert_errors
from tests.numbers.helpers import stock

from voicebox.models import PhoneNumber
from voicebox.store.db import utcnow

NUMBERS = [f"7495666{i:04d}" for i in range(30)]
CAP = 20  # VOICEBOX_NUMBER_RESERVATIONS_PER_CUSTOMER's default
DAY = 24 * 3600


async def _stock_thirty(app) -> None:
    await stock(app, {n: {"category": "REGULAR", "monthly_fee": "500"} for n in NUMBERS})


def _reserve(client, tenant, number: str, period: int | None = None):
    body = {"number": number} if period is None else {"number": number, "period": period}
    return client.post("/v1/numbers/reservations", json=body, headers=tenant.headers)


async def _held_by(session, tenant) -> int:
    return await session.scalar(
        select(func.count(PhoneNumber.id)).where(
            PhoneNumber.reserved_by == tenant.id, PhoneNumber.reserved_until > utcnow()
        )
    )


async def test_a_customer_who_could_not_buy_the_number_cannot_reserve_it(
    app, client, make_tenant, session, database_url
):
    await _stock_thirty(app)
    poor = await make_tenant(balance="100", credit_limit="300")  # 400 < the fee of 500
    refused = await _reserve(client, poor, NUMBERS[0])
    [error] = assert_errors(refused, 409)
    assert error["name"] == "balance" and "500.00 RUB" in error["message"]
    assert await _held_by(session, poor) == 0
    # Credit counts: 100 + 400 covers 500.
    able = await make_tenant(balance="100", credit_limit="400")
    assert (await _reserve(client, able, NUMBERS[0])).status_code == 201


async def test_reservations_per_customer_are_capped(
    app, client, make_tenant, session, database_url
):
    await _stock_thirty(app)
    squatter = await make_tenant(balance="1000")
    for number in NUMBERS[:CAP]:
        assert (await _reserve(client, squatter, number)).status_code == 201
    [error] = assert_errors(await _reserve(client, squatter, NUMBERS[CAP]), 409)
    assert error["name"] == "reservations" and str(CAP) in error["message"]
    # Renewing a hold already counted is not a new one.
    assert (await _reserve(client, squatter, NUMBERS[0], 600)).status_code == 201
    # Another customer is not affected.
    other = await make_tenant(balance="1000")
    assert (await _reserve(client, other, NUMBERS[CAP])).status_code == 201
    # Once a hold expires there is room again.
    await session.execute(
        update(PhoneNumber)
        .where(PhoneNumber.number == NUMBERS[1])
        .values(reserved_until=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    assert (await _reserve(client, squatter, NUMBERS[CAP + 1])).status_code == 201
    assert await _held_by(session, squatter) == CAP


async def test_thirty_reservations_at_once_stop_at_the_cap(
    app, client, make_tenant, session, database_url
):
    await _stock_thirty(app)
    squatter = await make_tenant(balance="1000")
    responses = await asyncio.gather(*(_reserve(client, squatter, n) for n in NUMBERS))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == CAP and statuses.count(409) == len(NUMBERS) - CAP, statuses
    assert await _held_by(session, squatter) == CAP


async def test_the_reservation_period_is_at_most_a_day(app, client, make_tenant, database_url):
    await _stock_thirty(app)
    tenant = await make_tenant(balance="1000")
    [error] = assert_errors(await _reserve(client, tenant, NUMBERS[0], 7 * DAY), 400)
    assert error["name"] == "period" and str(DAY) in error["message"]
    assert (await _reserve(client, tenant, NUMBERS[0], DAY)).status_code == 201
