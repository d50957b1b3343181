"""CAMPAIGNS §2.3: every status transition a client may try, legal and illegal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.campaigns.helpers import RICH, assert_errors, create, force_status, ready, url

from voicebox.billing.service import billing_service
from voicebox.models import Abonent, Campaign

STATUSES = ["Active", "Paused", "Stopped", "Suspended"]
# (from, to) → expected HTTP status; Suspended → Active with its cause gone.
EXPECTED = {
    ("Active", "Active"): 200,
    ("Active", "Paused"): 200,
    ("Active", "Stopped"): 200,
    ("Active", "Suspended"): 409,
    ("Paused", "Active"): 200,
    ("Paused", "Paused"): 200,
    ("Paused", "Stopped"): 200,
    ("Paused", "Suspended"): 409,
    ("Stopped", "Active"): 409,
    ("Stopped", "Paused"): 409,
    ("Stopped", "Stopped"): 200,
    ("Stopped", "Suspended"): 409,
    ("Suspended", "Active"): 200,
    ("Suspended", "Paused"): 200,
    ("Suspended", "Stopped"): 200,
    ("Suspended", "Suspended"): 200,
}


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


@pytest.mark.parametrize(("current", "wanted"), sorted(EXPECTED))
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_transition(app, client, tenant, current, wanted, method):
    created = await create(client, tenant, await ready(app, client, tenant))
    await force_status(app, created["id"], current, "balance" if current == "Suspended" else None)
    response = await client.request(
        method,
        url(tenant, f"/{created['id']}/statuses/"),
        json={"status": wanted},
        headers=tenant.headers,
    )
    expected = EXPECTED[(current, wanted)]
    if expected == 200:
        assert response.status_code == 200, response.text
        assert response.json() == {"status": wanted}
    else:
        [error] = assert_errors(response, 409)
        assert error["name"] == "status"
    async with app.state.sessionmaker() as session:
        row = await session.get(Campaign, created["id"])
        assert row.status == (wanted if expected == 200 else current)
        if row.status != "Suspended":
            assert row.suspended_reason is None


async def test_stop_cancels_pending_abonents(app, client, tenant):
    body = await ready(app, client, tenant)
    body["abonents"] = [{"phone": f"+7916123456{i}", "fio": "x"} for i in range(3)]
    created = await create(client, tenant, body)
    async with app.state.sessionmaker() as session:
        first = await session.scalar(select(Abonent).where(Abonent.campaign_id == created["id"]))
        first.state = "done"
        await session.commit()
    response = await client.patch(
        url(tenant, f"/{created['id']}/statuses"), json={"status": "stopped"},
        headers=tenant.headers,
    )
    assert response.json() == {"status": "Stopped"}
    progress = (await client.get(url(tenant, f"/{created['id']}"), headers=tenant.headers)).json()
    assert progress["progress"] == {
        "total": 3, "pending": 0, "calling": 0, "done": 1, "failed": 0, "cancelled": 2,
    }


async def test_suspended_stays_while_the_cause_remains(app, client, make_tenant):
    poor = await make_tenant(balance="600")
    created = await create(client, poor, await ready(app, client, poor))  # the number eats 500
    await force_status(app, created["id"], "Suspended", "balance")
    async with app.state.sessionmaker() as session:
        customer = await session.get(type(poor.customer), poor.id)
        spent = await billing_service.available(session, customer)
        await billing_service.post(session, customer_id=poor.id, amount=-spent, kind="test")
        await session.commit()
    path = url(poor, f"/{created['id']}/statuses")
    [error] = assert_errors(
        await client.patch(path, json={"status": "Active"}, headers=poor.headers), 409
    )
    assert "balance" in error["message"]
    async with app.state.sessionmaker() as session:
        customer = await session.get(type(poor.customer), poor.id)
        await billing_service.top_up(session, customer=customer, amount=Decimal(10))
        await session.commit()
    response = await client.patch(path, json={"status": "Active"}, headers=poor.headers)
    assert response.json() == {"status": "Active"}


async def test_bad_status_values(app, client, tenant):
    created = await create(client, tenant, await ready(app, client, tenant))
    path = url(tenant, f"/{created['id']}/statuses")
    for body in ({"status": "Running"}, {"status": 1}, {}, {"state": "Paused"}):
        assert_errors(await client.patch(path, json=body, headers=tenant.headers), 400)
    assert_errors(
        await client.patch(url(tenant, "/999999/statuses"), json={"status": "Paused"},
                           headers=tenant.headers),
        404,
    )
