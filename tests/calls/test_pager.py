"""The Range pager against the database: anchors are per customer and filter, shift exactly
when the floor rises, and a stale or foreign anchor never changes an answer it can detect."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import delete

from tests.calls.helpers import T0, Seeder, make_campaigns, reference
from voicebox.calls import pager
from voicebox.calls.anchors import AnchorCache
from voicebox.calls.repository import HistoryFilter
from voicebox.models import Call
from voicebox.store.db import utcnow


@pytest.fixture(autouse=True)
def _anchors_from_the_first_page(monkeypatch):
    # Real shallow pages skip the cache; these tests have small histories.
    monkeypatch.setattr(pager, "DIRECT_BELOW", 0)


async def _ids(app, where: HistoryFilter, offset: int, limit: int, cache: AnchorCache) -> list[str]:
    async with app.state.sessionmaker() as session:
        rows, _ = await pager.window(session, where, offset=offset, limit=limit, cache=cache)
    return [call.call_id for call, _ in rows]


async def _walk_all(app, where: HistoryFilter, cache: AnchorCache, size: int = 10) -> list[str]:
    seen: list[str] = []
    while page := await _ids(app, where, len(seen), size, cache):
        seen += page
    return seen


async def test_anchors_are_used_and_per_customer(app, make_tenant):
    alice, bob = await make_tenant(), await make_tenant()
    rng = random.Random(3)
    await Seeder(app, alice.id, [], rng).seed(90)
    await Seeder(app, bob.id, [], rng).seed(60)
    cache = AnchorCache()
    mine, theirs = HistoryFilter(alice.id), HistoryFilter(bob.id)
    assert await _walk_all(app, mine, cache) == await reference(app, mine)
    assert await _walk_all(app, theirs, cache) == await reference(app, theirs)
    alice_rows = set(await reference(app, mine))
    entry = cache.get((theirs, None))
    # Bob's anchors point at Bob's rows only.
    async with app.state.sessionmaker() as session:
        owners = {row.id: row.customer_id for row in (await session.execute(
            Call.__table__.select())).all()}
    assert entry is not None and entry.anchors
    assert {owners[key[1]] for key in entry.anchors.values()} == {bob.id}
    # The pager really seeks from anchors: a doctored one shifts the answer...
    position, key = next(iter(cache.get((mine, None)).anchors.items()))
    cache.get((mine, None)).anchors[position] = key
    cache.get((mine, None)).anchors[position + 1] = key
    expected = await reference(app, mine)
    assert await _ids(app, mine, position + 1, 3, cache) != expected[position + 1:position + 4]
    # ...while Bob's pages, under his own key, stay exact.
    assert await _ids(app, theirs, 20, 10, cache) == (await reference(app, theirs))[20:30]
    assert not alice_rows & set(await _walk_all(app, theirs, cache))


async def test_floor_rises_past_a_long_call(app, tenant, monkeypatch):
    monkeypatch.setattr(pager, "REBASE_AT", 5)
    rng = random.Random(11)
    campaigns = await make_campaigns(app, tenant.id)
    seeder = Seeder(app, tenant.id, campaigns, rng)
    await seeder.seed(40)
    stuck = await seeder.add(T0 + timedelta(seconds=10), state="dialing")
    await seeder.seed(30, start=utcnow() - timedelta(minutes=30), seconds=600)
    cache, where = AnchorCache(), HistoryFilter(tenant.id, campaigns[0])
    expected = await reference(app, where)
    assert await _walk_all(app, where, cache, 4) == expected
    pinned = cache.get((where, None)).floor
    assert pinned == T0 + timedelta(seconds=10)
    await seeder.end([stuck])
    expected = await reference(app, where)
    for offset in range(0, len(expected), 3):
        assert await _ids(app, where, offset, 3, cache) == expected[offset:offset + 3]
    assert cache.get((where, None)).floor > utcnow() - timedelta(minutes=2)


async def test_deleted_and_reused_rows_drop_the_anchors(app, tenant):
    rng = random.Random(5)
    seeder = Seeder(app, tenant.id, [], rng)
    await seeder.seed(50)
    cache, where = AnchorCache(), HistoryFilter(tenant.id)
    assert await _walk_all(app, where, cache) == await reference(app, where)
    async with app.state.sessionmaker() as session:
        await session.execute(delete(Call).where(Call.customer_id == tenant.id))
        await session.commit()
    await seeder.seed(45, start=T0 - timedelta(days=1))
    assert await _walk_all(app, where, cache, 7) == await reference(app, where)
