"""Number rules through the service and the real database: races, expiry, seeding, campaigns."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.numbers.helpers import stock
from voicebox.errors import Conflict, NotFound
from voicebox.models import LedgerEntry, NumberOrder, PhoneNumber
from voicebox.numbers import catalog
from voicebox.numbers.schemas import OrderCreate
from voicebox.numbers.seed import generate, seed_inventory, seed_on_startup
from voicebox.numbers.service import number_service
from voicebox.store.db import utcnow

NUMBER = "74951234589"


async def test_two_buyers_at_once_one_wins(app, client, make_tenant, session):
    await stock(app)
    numbers = ["74951234589", "78121234589", "73831234589", "79161234589"]
    alice, bob = await make_tenant(balance="5000"), await make_tenant(balance="5000")

    def buy(tenant, number):
        return client.post(
            f"/v1/customers/{tenant.id}/numbers",
            json={"orderItemNumber": number},
            headers=tenant.headers,
        )

    for number in numbers:
        first, second = await asyncio.gather(buy(alice, number), buy(bob, number))
        assert sorted([first.status_code, second.status_code]) == [201, 409], (
            first.text,
            second.text,
        )
    owners = await session.execute(
        select(PhoneNumber.customer_id, func.count())
        .where(PhoneNumber.number.in_(numbers))
        .group_by(PhoneNumber.customer_id)
    )
    assert sum(count for _, count in owners) == len(numbers)
    assert await session.scalar(select(func.count(NumberOrder.id))) == len(numbers)
    charges = await session.scalar(
        select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "number_fee")
    )
    assert charges == len(numbers)


async def test_two_reservations_at_once_one_wins(app, client, make_tenant):
    await stock(app)
    alice, bob = await make_tenant(), await make_tenant()

    def reserve(tenant):
        return client.post(
            "/v1/numbers/reservations", json={"number": NUMBER}, headers=tenant.headers
        )

    first, second = await asyncio.gather(reserve(alice), reserve(bob))
    assert sorted([first.status_code, second.status_code]) == [201, 409]


async def test_reservation_expires_with_the_clock(app, session, make_tenant):
    await stock(app)
    alice, bob = await make_tenant(), await make_tenant(balance="5000")
    now = utcnow()
    await number_service.reserve(
        session, customer_id=alice.id, number=NUMBER, period=30, max_period=3600, now=now
    )
    await session.commit()
    for moment in (now, now + timedelta(seconds=29)):
        with pytest.raises(Conflict):
            await number_service.reserve(
                session, customer_id=bob.id, number=NUMBER, period=30, max_period=3600, now=moment
            )
        found, _ = await number_service.search(session, customer_id=bob.id, mask=NUMBER, now=moment)
        assert found == []
    later = now + timedelta(seconds=30)
    found, total = await number_service.search(session, customer_id=bob.id, mask=NUMBER, now=later)
    assert [n.number for n in found] == [int(NUMBER)] and total == 1
    bob_customer = await session.get(type(alice.customer), bob.id)
    order = await number_service.purchase(
        session, customer=bob_customer, order=OrderCreate(orderItemNumber=NUMBER), now=later
    )
    assert order.status == "completed"
    phone = await number_service.get_owned(session, bob.id, NUMBER)
    assert phone.reserved_uid is None and phone.paid_until == later + timedelta(days=30)


async def test_get_owned_by_id_or_number(app, session, make_tenant):
    await stock(app)
    alice, bob = await make_tenant(), await make_tenant()
    customer = await session.get(type(alice.customer), alice.id)
    await number_service.purchase(
        session, customer=customer, order=OrderCreate(orderItemNumber="+7 495 123-45-89")
    )
    phone = await number_service.get_owned(session, alice.id, NUMBER)
    assert (await number_service.get_owned(session, alice.id, phone.id)).number == NUMBER
    assert (await number_service.get_owned(session, alice.id, int(NUMBER))).id == phone.id
    for key in (phone.id, NUMBER, "nonsense", 999999):
        with pytest.raises(NotFound):
            await number_service.get_owned(session, bob.id, key)
    assert not await number_service.in_use(session, phone.id)


async def test_campaign_holds_its_number(app, client, make_tenant, session):
    models = pytest.importorskip("voicebox.models")
    campaign_model = getattr(models, "Campaign", None)
    if campaign_model is None or not hasattr(campaign_model, "caller_number_id"):
        pytest.skip("campaigns table not built yet")
    await stock(app)
    alice = await make_tenant()
    bought = await client.post(
        f"/v1/customers/{alice.id}/numbers",
        json={"orderItemNumber": NUMBER},
        headers=alice.headers,
    )
    assert bought.status_code == 201
    phone = await number_service.get_owned(session, alice.id, NUMBER)
    campaign = campaign_model(
        customer_id=alice.id,
        name="Reminders",
        campaign_type="outbound",
        launch_by="list",
        caller_number_id=phone.id,
        entry_point_id="ep-test-1",
    )
    session.add(campaign)
    await session.commit()

    assert await number_service.in_use(session, phone.id)
    deleted = await client.delete(
        f"/v1/customers/{alice.id}/numbers/{NUMBER}", headers=alice.headers
    )
    assert deleted.status_code == 409
    [listed] = (await client.get(f"/v1/customers/{alice.id}/numbers", headers=alice.headers)).json()
    assert listed["campaigns"][0]["name"] == "Reminders"
    assert listed["campaigns"][0]["callerNumber"] == {"id": str(phone.id), "number": NUMBER}

    if hasattr(campaign_model, "deleted_at"):
        campaign.deleted_at = utcnow()
        await session.commit()
        deleted = await client.delete(
            f"/v1/customers/{alice.id}/numbers/{NUMBER}", headers=alice.headers
        )
        assert deleted.status_code == 204


def test_generated_inventory_is_plausible_and_deterministic():
    rows = generate()
    again = generate()
    assert [(r["number"], r["category"]) for r in rows] == [
        (r["number"], r["category"]) for r in again
    ]
    assert len(rows) >= 3000
    numbers = [row["number"] for row in rows]
    assert len(set(numbers)) == len(numbers)
    assert all(catalog.is_russian_number(n) for n in numbers)
    assert {row["type"] for row in rows} == {"ABC", "DEF", "8800"}
    assert {row["category"] for row in rows} == set(catalog.CATEGORIES)
    regions = {row["region_code"] for row in rows}
    assert {"MOW", "SPE", "NVS", "SVE", "TA"} <= regions
    for row in rows:
        assert row["monthly_fee"] == catalog.monthly_fee(row["type"], row["category"])
        if row["type"] == "8800":
            assert row["number"].startswith("7800") and row["region_code"] == "RU"
        if row["region_code"] == "MOW" and row["type"] == "ABC":
            assert row["number"][1:4] in ("495", "499")


async def test_seed_fills_an_empty_inventory_once(app, session):
    added = await seed_inventory(session)
    await session.commit()
    assert added == len(generate())
    assert await session.scalar(select(func.count(PhoneNumber.id))) == added
    assert await seed_inventory(session) == 0
    found, total = await number_service.search(
        session, customer_id=1, region_code="MOW", category="REGULAR", type_="ABC", limit=5
    )
    assert len(found) == 5 and total > 100


async def test_startup_hook_follows_the_setting(app, session):
    assert seed_on_startup in app.state.startup_hooks
    off = SimpleNamespace(
        state=SimpleNamespace(
            settings=SimpleNamespace(seed_numbers=False), sessionmaker=app.state.sessionmaker
        )
    )
    await seed_on_startup(off)
    assert await session.scalar(select(func.count(PhoneNumber.id))) == 0
    on = SimpleNamespace(
        state=SimpleNamespace(
            settings=SimpleNamespace(seed_numbers=True), sessionmaker=app.state.sessionmaker
        )
    )
    await seed_on_startup(on)
    assert await session.scalar(select(func.count(PhoneNumber.id))) == len(generate())


async def test_fee_is_charged_to_the_ledger(app, session, make_tenant):
    await stock(app)
    alice = await make_tenant(balance="600")
    customer = await session.get(type(alice.customer), alice.id)
    order = await number_service.purchase(
        session, customer=customer, order=OrderCreate(orderItemNumber=NUMBER)
    )
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "number_fee"))
    assert entry.amount == Decimal(-500) and entry.reference == f"number_order:{order.id}"
