"""NUMBERS §6 over HTTP: filters, search, reservation, purchase, the customer's numbers, release."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.api_support import assert_errors
from tests.numbers.helpers import SMALL, fee, stock


async def balance(client, tenant) -> Decimal:
    response = await client.get(f"/v1/customers/{tenant.id}/balance", headers=tenant.headers)
    assert response.status_code == 200
    return Decimal(response.json()[0]["balance"]["value"])


async def test_new_user_searches_reserves_buys_and_pays(app, client, tenant):
    await stock(app)
    numbers = await client.get(
        "/v1/numbers", params={"regionCode": "MOW", "type": "ABC"}, headers=tenant.headers
    )
    assert numbers.status_code == 206
    found = numbers.json()
    assert {n["number"] for n in found} == {74951234589, 74951237777, 74991112344}
    assert all(n["state"] == "free" and n["owner"] == "MTT" for n in found)
    assert numbers.headers["Content-Range"] == "numbers 0-2/3"

    reserved = await client.post(
        "/v1/numbers/reservations",
        json={"number": "74951234589", "period": 600},
        headers=tenant.headers,
    )
    assert reserved.status_code == 201, reserved.text
    assert len(reserved.json()["reserved_uid"]) == 36
    assert reserved.json()["reserved_until"].endswith("Z")

    order = await client.post(
        f"/v1/customers/{tenant.id}/numbers",
        json={"orderItemNumber": "74951234589", "orderName": "main line"},
        headers=tenant.headers,
    )
    assert order.status_code == 201, order.text
    body = order.json()
    assert body["orderItemNumber"] == "74951234589"
    assert body["orderStatus"] == "completed"
    assert body["orderName"] == "main line"
    assert body["orderId"] == body["id"]
    assert await balance(client, tenant) == Decimal(1000) - fee("74951234589")

    mine = await client.get(f"/v1/customers/{tenant.id}/numbers", headers=tenant.headers)
    assert mine.status_code == 200
    [owned] = mine.json()
    assert owned["number"] == 74951234589
    assert owned["regionCode"] == "MOW" and owned["regionName"] == "Москва"
    assert owned["campaigns"] == []

    price = await client.get(
        f"/v1/customers/{tenant.id}/numbers/{owned['id']}/price", headers=tenant.headers
    )
    assert price.json() == {"monthly_fee": int(fee("74951234589")), "currency": "RUB"}

    # The bought number is no longer on offer.
    after = await client.get("/v1/numbers", params={"mask": "7495%"}, headers=tenant.headers)
    assert 74951234589 not in {n["number"] for n in after.json()}


async def test_filters_are_built_from_the_inventory(app, client, tenant):
    await stock(app)
    response = await client.get("/v1/filters", headers=tenant.headers)
    assert response.status_code == 200
    items = response.json()
    assert all(len(item) == 1 for item in items)
    kinds = {key for item in items for key in item}
    assert kinds == {"owner", "category", "type", "regionCode"}
    owners = [i["owner"] for i in items if "owner" in i]
    assert owners == [
        {"owner_name": "MTT", "owner_id": "MTT", "description": owners[0]["description"]}
    ]
    categories = {i["category"]["category_id"]: i["category"] for i in items if "category" in i}
    assert set(categories) == {"REGULAR", "BRONZE", "GOLD"}
    assert categories["REGULAR"]["monthly_fee"] == 300  # the cheapest REGULAR is a DEF number
    types = {i["type"]["type_id"] for i in items if "type" in i}
    assert types == {"ABC", "DEF", "8800"}
    regions = {i["regionCode"]["region_code"]: i["regionCode"] for i in items if "regionCode" in i}
    assert set(regions) == {"MOW", "SPE", "NVS", "RU"}
    assert regions["SPE"]["region_name"] == "Санкт-Петербург"
    assert regions["MOW"]["region_id"] == "77"


async def test_filters_and_numbers_need_a_token(app, client):
    await stock(app)
    assert_errors(await client.get("/v1/filters"), 401)
    assert_errors(await client.get("/v1/numbers"), 401)
    assert_errors(await client.post("/v1/numbers/reservations", json={"number": "74951234589"}), 401)


async def test_search_filters_and_range(app, client, tenant):
    await stock(app)
    everything = await client.get("/v1/numbers", headers=tenant.headers)
    assert everything.status_code == 206
    assert everything.headers["Content-Range"] == f"numbers 0-{len(SMALL) - 1}/{len(SMALL)}"
    assert [n["number"] for n in everything.json()] == sorted(int(n) for n in SMALL)

    page = await client.get("/v1/numbers", headers={**tenant.headers, "Range": "numbers=2-4"})
    assert page.status_code == 206
    assert page.headers["Content-Range"] == f"numbers 2-4/{len(SMALL)}"
    assert [n["number"] for n in page.json()] == sorted(int(n) for n in SMALL)[2:5]

    cases = [
        ({"category": "GOLD"}, {74951237777}),
        ({"category": "gold"}, {74951237777}),
        ({"type": "8800"}, {78001234589}),
        ({"type": "DEF", "regionCode": "SPE"}, {79211234589}),
        ({"owner": "MTT", "mask": "7812%"}, {78121234589}),
        ({"mask": "7495123____"}, {74951234589, 74951237777}),
        ({"mask": "%4589", "type": "ABC"}, {74951234589, 78121234589, 73831234589}),
        ({"mask": "+74991112344"}, {74991112344}),  # a leading "+" is ignored
        ({"mask": "74951234589"}, {74951234589}),
        ({"category": "", "mask": "7800%"}, {78001234589}),  # an empty filter is no filter
        ({"mask": "", "type": "8800"}, {78001234589}),
    ]
    for params, expected in cases:
        response = await client.get("/v1/numbers", params=params, headers=tenant.headers)
        assert response.status_code == 206, (params, response.text)
        assert {n["number"] for n in response.json()} == expected, params


async def test_nothing_matches_is_an_empty_page(app, client, tenant):
    await stock(app)
    response = await client.get("/v1/numbers?mask=7000%", headers=tenant.headers)
    assert response.status_code == 206
    assert response.json() == []
    assert response.headers["Content-Range"] == "numbers */0"


async def test_reservation_hides_the_number_from_others(app, client, make_tenant):
    await stock(app)
    alice, bob = await make_tenant(balance="20000"), await make_tenant()
    reserved = await client.post(
        "/v1/numbers/reservations",
        json={"number": 74951237777, "period": 60},
        headers=alice.headers,
    )
    assert reserved.status_code == 201

    for_alice = await client.get("/v1/numbers?mask=74951237777", headers=alice.headers)
    assert [(n["number"], n["state"]) for n in for_alice.json()] == [(74951237777, "reserved")]
    for_bob = await client.get("/v1/numbers?mask=74951237777", headers=bob.headers)
    assert for_bob.json() == []

    taken = await client.post(
        "/v1/numbers/reservations", json={"number": "74951237777"}, headers=bob.headers
    )
    assert assert_errors(taken, 409)[0]["name"] == "number"
    bought = await client.post(
        f"/v1/customers/{bob.id}/numbers",
        json={"orderItemNumber": "74951237777"},
        headers=bob.headers,
    )
    assert "reserved" in assert_errors(bought, 409)[0]["message"]
    assert await balance(client, bob) == Decimal(1000)
    price = await client.get(
        f"/v1/customers/{bob.id}/numbers/74951237777/price", headers=bob.headers
    )
    assert_errors(price, 404)

    # Alice may renew her own hold.
    again = await client.post(
        "/v1/numbers/reservations", json={"number": "+7 (495) 123-77-77"}, headers=alice.headers
    )
    assert again.status_code == 201
    assert again.json()["reserved_uid"] != reserved.json()["reserved_uid"]


async def test_expired_reservation_frees_the_number(app, client, make_tenant, session):
    from datetime import timedelta

    from sqlalchemy import update

    from voicebox.models import PhoneNumber
    from voicebox.store.db import utcnow

    await stock(app)
    alice, bob = await make_tenant(balance="20000"), await make_tenant(balance="20000")
    reserved = await client.post(
        "/v1/numbers/reservations",
        json={"number": "74951237777", "period": 60},
        headers=alice.headers,
    )
    assert reserved.status_code == 201
    # Let the hold run out (moving the clock of one row rather than sleeping).
    await session.execute(
        update(PhoneNumber)
        .where(PhoneNumber.number == "74951237777")
        .values(reserved_until=utcnow() - timedelta(seconds=1))
    )
    await session.commit()

    visible = await client.get("/v1/numbers?mask=74951237777", headers=bob.headers)
    assert [n["number"] for n in visible.json()] == [74951237777]
    bought = await client.post(
        f"/v1/customers/{bob.id}/numbers",
        json={"orderItemNumber": "74951237777"},
        headers=bob.headers,
    )
    assert bought.status_code == 201, bought.text


async def test_owner_of_a_reservation_buys_it(app, client, make_tenant):
    await stock(app)
    alice = await make_tenant(balance="100000")
    await client.post(
        "/v1/numbers/reservations", json={"number": "74951237777"}, headers=alice.headers
    )
    bought = await client.post(
        f"/v1/customers/{alice.id}/numbers",
        json={"orderItemNumber": 74951237777, "orderId": 42, "orderOfferName": "gold"},
        headers=alice.headers,
    )
    assert bought.status_code == 201, bought.text
    assert bought.json()["orderId"] == 42
    assert await balance(client, alice) == Decimal(100000) - fee("74951237777")


async def test_buying_twice_or_a_taken_number_is_409(app, client, make_tenant):
    await stock(app)
    alice, bob = await make_tenant(), await make_tenant()
    url = "/v1/customers/{}/numbers"
    first = await client.post(
        url.format(alice.id), json={"orderItemNumber": "74951234589"}, headers=alice.headers
    )
    assert first.status_code == 201
    again = await client.post(
        url.format(alice.id), json={"orderItemNumber": "74951234589"}, headers=alice.headers
    )
    assert "already yours" in assert_errors(again, 409)[0]["message"]
    other = await client.post(
        url.format(bob.id), json={"orderItemNumber": "84951234589"}, headers=bob.headers
    )
    assert assert_errors(other, 409)[0]["name"] == "orderItemNumber"
    reserve = await client.post(
        "/v1/numbers/reservations", json={"number": "74951234589"}, headers=bob.headers
    )
    assert_errors(reserve, 409)
    assert await balance(client, bob) == Decimal(1000)


async def test_insufficient_funds_changes_nothing(app, client, make_tenant):
    await stock(app)
    poor = await make_tenant(balance="100", credit_limit="100")
    response = await client.post(
        f"/v1/customers/{poor.id}/numbers",
        json={"orderItemNumber": "74951234589"},
        headers=poor.headers,
    )
    body = assert_errors(response, 409)
    assert body[0]["name"] == "balance" and "insufficient funds" in body[0]["message"]
    assert await balance(client, poor) == Decimal(100)
    mine = await client.get(f"/v1/customers/{poor.id}/numbers", headers=poor.headers)
    assert mine.json() == []
    # The credit limit counts: 300 (DEF) is within 100 + 200.
    rich = await make_tenant(balance="100", credit_limit="200")
    ok = await client.post(
        f"/v1/customers/{rich.id}/numbers",
        json={"orderItemNumber": "79161234589"},
        headers=rich.headers,
    )
    assert ok.status_code == 201, ok.text
    assert await balance(client, rich) == Decimal(-200)


async def test_unknown_number_is_404(app, client, tenant):
    await stock(app)
    order = await client.post(
        f"/v1/customers/{tenant.id}/numbers",
        json={"orderItemNumber": "74950000001"},
        headers=tenant.headers,
    )
    assert assert_errors(order, 404)[0]["name"] == "orderItemNumber"
    reserve = await client.post(
        "/v1/numbers/reservations", json={"number": "74950000001"}, headers=tenant.headers
    )
    assert_errors(reserve, 404)


async def test_release_returns_the_number_to_the_pool(app, client, make_tenant):
    await stock(app)
    alice, bob = await make_tenant(), await make_tenant()
    order = await client.post(
        f"/v1/customers/{alice.id}/numbers",
        json={"orderItemNumber": "78121234589"},
        headers=alice.headers,
    )
    assert order.status_code == 201
    [owned] = (await client.get(f"/v1/customers/{alice.id}/numbers", headers=alice.headers)).json()

    # Bob cannot see, price or delete Alice's number, by id or by number.
    for key in (owned["id"], "78121234589"):
        assert_errors(
            await client.get(f"/v1/customers/{bob.id}/numbers/{key}/price", headers=bob.headers),
            404,
        )
        assert_errors(
            await client.delete(f"/v1/customers/{bob.id}/numbers/{key}", headers=bob.headers), 404
        )
        assert_errors(
            await client.delete(f"/v1/customers/{alice.id}/numbers/{key}", headers=bob.headers), 404
        )
    assert (await client.get(f"/v1/customers/{bob.id}/numbers", headers=bob.headers)).json() == []
    hidden = await client.get("/v1/numbers?mask=78121234589", headers=bob.headers)
    assert hidden.json() == []

    deleted = await client.delete(
        f"/v1/customers/{alice.id}/numbers/78121234589", headers=alice.headers
    )
    assert deleted.status_code == 204 and deleted.content == b""
    assert (
        await client.get(f"/v1/customers/{alice.id}/numbers", headers=alice.headers)
    ).json() == []
    assert_errors(
        await client.delete(
            f"/v1/customers/{alice.id}/numbers/{owned['id']}", headers=alice.headers
        ),
        404,
    )
    back = await client.get("/v1/numbers?mask=78121234589", headers=bob.headers)
    assert [n["number"] for n in back.json()] == [78121234589]


async def test_price_of_a_number_on_offer(app, client, tenant):
    await stock(app)
    response = await client.get(
        f"/v1/customers/{tenant.id}/numbers/78001234589/price", headers=tenant.headers
    )
    assert response.json() == {"monthly_fee": 1500, "currency": "RUB"}


@pytest.mark.parametrize("path", ["/v1/filters/", "/v1/numbers/"])
async def test_trailing_slash(app, client, tenant, path):
    await stock(app)
    response = await client.get(path, headers=tenant.headers)
    assert response.status_code in (200, 206)


async def test_done_when_a_new_user_with_a_token_buys_a_number(app, session):
    """The issue's acceptance path: bootstrap, OAuth password grant, search, reserve, buy, pay."""
    import httpx

    from voicebox.auth.service import auth_service
    from voicebox.customers.service import customer_service
    from voicebox.numbers.seed import seed_inventory

    await seed_inventory(session)
    customer = await customer_service.create(session, name="Acme", balance=Decimal(1000))
    await auth_service.create_user(
        session, customer_id=customer.id, username="alice-numbers", password="s3cret-pass"
    )
    registered = await auth_service.create_client(session, name="my-app", redirect_uris=[])
    await session.commit()

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        token = await http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "alice-numbers", "password": "s3cret-pass"},
            auth=(registered.client.client_id, registered.secret),
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        filters = (await http.get("/v1/filters", headers=headers)).json()
        assert any(item.get("regionCode", {}).get("region_code") == "MOW" for item in filters)
        found = await http.get(
            "/v1/numbers",
            params={"regionCode": "MOW", "category": "REGULAR", "type": "ABC", "mask": "7495%"},
            headers={**headers, "Range": "numbers=0-9"},
        )
        assert found.status_code == 206 and len(found.json()) == 10
        assert found.headers["Content-Range"].startswith("numbers 0-9/")
        pick = found.json()[0]["number"]
        assert str(pick).startswith("7495")

        reserved = await http.post(
            "/v1/numbers/reservations", json={"number": str(pick), "period": 300}, headers=headers
        )
        assert reserved.status_code == 201
        price = await http.get(f"/v1/customers/{customer.id}/numbers/{pick}/price", headers=headers)
        assert price.json() == {"monthly_fee": 500, "currency": "RUB"}
        order = await http.post(
            f"/v1/customers/{customer.id}/numbers",
            json={"orderItemNumber": str(pick)},
            headers=headers,
        )
        assert order.status_code == 201 and order.json()["orderStatus"] == "completed"
        balance = await http.get(f"/v1/customers/{customer.id}/balance", headers=headers)
        assert balance.json()[0]["balance"]["value"] == "500.00"
