"""Extension `GET /v1/customers/{id}/ledger`: the entries behind the balance, through real HTTP —
Range paging like the call history, a date period, one customer's rows only, bad input in the
spec's error format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.api_support import assert_errors

from voicebox.billing.service import billing_service, entry_values

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _seed(app, tenant, count: int, *, kind: str = "call", step: int = 60) -> None:
    """`count` charges one minute apart from T0 (the i-th costs i/100)."""
    async with app.state.sessionmaker() as db:
        await billing_service.post_many(db, [
            entry_values(customer_id=tenant.id, amount=-Decimal(i) / 100, kind=kind,
                         description=f"{kind} {i}", reference=f"{kind}-{i}",
                         created_at=T0 + timedelta(seconds=step * i))
            for i in range(count)
        ])
        await db.commit()


async def _get(client, tenant, query: str = "", rng: str | None = None, *, of=None):
    headers = dict(tenant.headers)
    if rng is not None:
        headers["Range"] = rng
    return await client.get(f"/v1/customers/{(of or tenant).id}/ledger{query}", headers=headers)


async def test_pages_newest_first_with_content_range(app, client, tenant):
    await _seed(app, tenant, 30)
    # 30 charges and the opening balance's top-up (posted now, so the newest).
    first = await _get(client, tenant, rng="ledger=0-9")
    assert first.status_code == 206, first.text
    assert first.headers["content-range"] == "ledger 0-9/31"
    rows = first.json()
    assert rows[0]["kind"] == "topup" and rows[0]["amount"] == "1000.00"
    assert rows[0]["currency"] == "RUB"
    assert [r["reference"] for r in rows[1:]] == [f"call-{i}" for i in range(29, 20, -1)]
    assert rows[1]["amount"] == "-0.29"
    assert set(rows[1]) == {"id", "createdAt", "amount", "currency", "kind", "description",
                            "reference"}
    assert datetime.fromisoformat(rows[1]["createdAt"]) == T0 + timedelta(minutes=29)

    seen = []
    while True:
        page = await _get(client, tenant, rng=f"ledger={len(seen)}-{len(seen) + 6}")
        assert page.status_code == 206
        seen += [r["id"] for r in page.json()]
        if len(seen) == 31:
            break
    assert len(set(seen)) == 31
    past = await _get(client, tenant, rng="ledger=31-40")
    assert_errors(past, 416)
    assert past.headers["content-range"] == "ledger */31"


async def test_period_filters_in_unix_seconds_or_iso(app, client, tenant):
    await _seed(app, tenant, 30)
    since = int((T0 + timedelta(minutes=10)).timestamp())
    until = (T0 + timedelta(minutes=19)).isoformat().replace("+00:00", "Z")
    response = await _get(client, tenant, f"?from={since}&to={until}", "ledger=0-99")
    assert response.status_code == 206, response.text
    assert response.headers["content-range"] == "ledger 0-9/10"
    assert [r["reference"] for r in response.json()] == [f"call-{i}" for i in range(19, 9, -1)]
    empty = await _get(client, tenant, "?to=2001-01-01T00:00:00Z")
    assert empty.status_code == 206 and empty.json() == []
    assert empty.headers["content-range"] == "ledger */0"


async def test_a_token_sees_only_its_customers_rows(app, client, make_tenant):
    a, b = await make_tenant(name="Ledger A"), await make_tenant(name="Ledger B", balance="5")
    await _seed(app, a, 5, kind="call")
    await _seed(app, b, 7, kind="number_fee")
    mine = await _get(client, a, rng="ledger=0-99")
    assert mine.headers["content-range"] == "ledger 0-5/6"
    assert {r["kind"] for r in mine.json()} == {"call", "topup"}
    theirs = await _get(client, b, rng="ledger=0-99")
    assert theirs.headers["content-range"] == "ledger 0-7/8"
    assert {r["kind"] for r in theirs.json()} == {"number_fee", "topup"}
    assert not {r["id"] for r in mine.json()} & {r["id"] for r in theirs.json()}
    # A's token on B's ledger: the same 404 as a customer that does not exist.
    assert_errors(await _get(client, a, of=b), 404)


async def test_bad_parameters_answer_in_the_spec_format(client, tenant):
    bad_from = assert_errors(await _get(client, tenant, "?from=yesterday"), 400)
    assert [p["name"] for p in bad_from] == ["from"]
    reversed_period = assert_errors(await _get(client, tenant, "?from=1772000000&to=1771000000"), 400)
    assert [p["name"] for p in reversed_period] == ["to"]
    both = assert_errors(await _get(client, tenant, "?from=x&to=99999999999999"), 400)
    assert sorted(p["name"] for p in both) == ["from", "to"]
    assert [p["name"] for p in assert_errors(await _get(client, tenant, rng="calls=0-9"), 400)] == [
        "Range"]
    assert_errors(await _get(client, tenant, rng="ledger=9-2"), 416)
    unauthenticated = await client.get(f"/v1/customers/{tenant.id}/ledger")
    assert_errors(unauthenticated, 401)
