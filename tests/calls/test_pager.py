"""Deep Range pages over the sweeper's marks, against the database: every page at every depth
and filter equals the plain OFFSET answer with an exact total, after sweeps in small chunks,
with ties, calls not yet ended below the floor, rows that land below it later, two customers,
and two sweepers at once."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from tests.calls.helpers import T0, Seeder, make_campaigns, reference, sweep_history
from voicebox.calls import pager, sweep
from voicebox.calls.repository import HistoryFilter
from voicebox.models import Call, HistoryCount, HistoryMark, HistorySweep
from voicebox.models.history_mark import ALL_CAMPAIGNS
from voicebox.store.db import utcnow


@pytest.fixture(autouse=True)
def _small_steps(monkeypatch):
    # Small histories: seek from marks from the first page on, a mark every 7 rows, and a walk
    # total only when fewer than 3 rows follow (so an exact deep total proves the marks served).
    monkeypatch.setattr(pager, "DIRECT_BELOW", 0)
    monkeypatch.setattr(pager, "COUNT_MARGIN", 3)
    monkeypatch.setattr(sweep, "MARK_EVERY", 7)


async def _sweep(app, chunk: int = 23) -> int:
    return await sweep_history(app, chunk)


async def _page(app, where: HistoryFilter, offset: int, limit: int):
    async with app.state.sessionmaker() as session:
        rows, total = await pager.window(session, where, offset=offset, limit=limit)
    return [call.call_id for call, _ in rows], total


async def _assert_every_page(app, where: HistoryFilter, size: int = 5, *,
                             exact: bool = True) -> None:
    expected = await reference(app, where)
    for offset in range(len(expected) + 2):
        got, total = await _page(app, where, offset, size)
        assert got == expected[offset:offset + size], (where, offset)
        if exact:
            assert total == len(expected), (where, offset)


def _filters(customer_id: int, campaigns: list[int]) -> list[HistoryFilter]:
    since, until = T0 + timedelta(seconds=8), T0 + timedelta(seconds=31)
    return [HistoryFilter(customer_id), HistoryFilter(customer_id, campaigns[0]),
            HistoryFilter(customer_id, since=since), HistoryFilter(customer_id, until=until),
            HistoryFilter(customer_id, campaigns[1], since, until)]


async def test_every_depth_and_filter_from_the_marks(app, tenant):
    rng = random.Random(20261127)
    campaigns = await make_campaigns(app, tenant.id)
    seeder = Seeder(app, tenant.id, campaigns, rng)
    await seeder.seed(260)
    stuck = [await seeder.add(T0 + timedelta(seconds=s), state="dialing", campaign_id=c)
             for s, c in ((10, campaigns[0]), (25, None), (30, campaigns[1]))]
    assert await _sweep(app) == 263
    for where in _filters(tenant.id, campaigns):
        await _assert_every_page(app, where)
    # Calls deep in the history end; new ones start and end above the floor.
    await seeder.end(stuck[:2])
    live = await seeder.dial_now(6)
    await seeder.end(live[:4])
    for where in _filters(tenant.id, campaigns)[:2]:
        await _assert_every_page(app, where)
    async with app.state.sessionmaker() as session:
        counts = dict((await session.execute(
            select(HistoryCount.campaign_id, HistoryCount.counted)
            .where(HistoryCount.customer_id == tenant.id))).all())
        per_campaign = dict((await session.execute(
            select(Call.campaign_id, func.count()).where(Call.customer_id == tenant.id,
                                                         Call.started_at < T0 + timedelta(days=1))
            .group_by(Call.campaign_id))).all())
    assert counts[ALL_CAMPAIGNS] == 263
    assert {c: counts[c] for c in campaigns} == {c: per_campaign[c] for c in campaigns}


async def test_a_doctored_mark_changes_answers_of_its_customer_only(app, make_tenant):
    alice, bob = await make_tenant(), await make_tenant()
    rng = random.Random(3)
    await Seeder(app, alice.id, [], rng).seed(90)
    await Seeder(app, bob.id, [], rng).seed(60)
    await _sweep(app)
    mine, theirs = HistoryFilter(alice.id), HistoryFilter(bob.id)
    expected = await reference(app, mine)
    of_alice = (HistoryMark.customer_id == alice.id, HistoryMark.campaign_id == ALL_CAMPAIGNS)
    async with app.state.sessionmaker() as session:
        later = (await session.execute(select(HistoryMark.started_at, HistoryMark.call_row_id)
                                       .where(*of_alice, HistoryMark.rank == 42))).one()
        await session.execute(update(HistoryMark).where(*of_alice, HistoryMark.rank == 35)
                              .values(started_at=later[0], call_row_id=later[1]))
        await session.commit()
    # Ascending rank 35 is offset 54 from the top: the page there now starts 7 rows too high.
    got, _ = await _page(app, mine, 54, 3)
    assert got != expected[54:57]
    await _assert_every_page(app, theirs)


async def test_rows_landing_below_the_floor_reset_the_marks(app, tenant, caplog):
    rng = random.Random(5)
    campaigns = await make_campaigns(app, tenant.id)
    seeder = Seeder(app, tenant.id, campaigns, rng)
    await seeder.seed(80)
    await _sweep(app)
    where = HistoryFilter(tenant.id, campaigns[0])
    await _assert_every_page(app, where)
    # Written straight into the old history (a clock step back; no dialer does this): pages walk.
    await seeder.seed(30, start=T0 - timedelta(days=1))
    await _assert_every_page(app, where, exact=False)
    assert await _sweep(app) == 110  # the next sweep recounts everything
    assert "recounting" in caplog.text
    await _assert_every_page(app, where)


async def test_calls_within_the_slack_are_not_counted(app, tenant):
    seeder = Seeder(app, tenant.id, [], random.Random(9))
    await seeder.seed(40)
    await seeder.seed(12, start=utcnow() - timedelta(seconds=20), seconds=10)
    assert await _sweep(app) == 40
    await _assert_every_page(app, HistoryFilter(tenant.id))
    assert await _sweep(app) == 0  # nothing new has aged past the slack


async def test_two_sweepers_at_once_count_each_row_once(app, tenant):
    seeder = Seeder(app, tenant.id, await make_campaigns(app, tenant.id), random.Random(13))
    await seeder.seed(300)
    counted = await asyncio.gather(_sweep(app, chunk=17), _sweep(app, chunk=29))
    assert sum(counted) == 300
    async with app.state.sessionmaker() as session:
        total = await session.scalar(select(HistoryCount.counted).where(
            HistoryCount.customer_id == tenant.id, HistoryCount.campaign_id == ALL_CAMPAIGNS))
    assert total == 300
    await _assert_every_page(app, HistoryFilter(tenant.id), size=9)


async def test_a_recount_replaces_marks_left_behind(app, tenant):
    await Seeder(app, tenant.id, [], random.Random(17)).seed(40)
    await _sweep(app)
    async with app.state.sessionmaker() as session:  # as if a reset raced a sweep's commit
        await session.execute(delete(HistorySweep).where(HistorySweep.customer_id == tenant.id))
        await session.commit()
    assert await _sweep(app) == 40
    await _assert_every_page(app, HistoryFilter(tenant.id))


async def test_postgresql_sessions_never_jit_compile(app, session):
    # PostgreSQL's row estimates for keyset ranges are pessimistic: with JIT on, a 0.2 ms count
    # of a thousand index entries paid a 4-20 ms compile (bench/history.py, the from/to pages).
    if session.bind.dialect.name != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    assert await session.scalar(text("SHOW jit")) == "off"
