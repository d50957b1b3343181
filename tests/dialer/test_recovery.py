"""Calls of a dead worker: closed as failed (503) for their attempt, retried once their lease
expires, or at once when a worker restarts under the same id. Never a second call for the same
attempt."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from tests.dialer.conftest import calls_of, insert_campaign, states, wait_until
from voicebox.models import Abonent, Call
from voicebox.store.db import utcnow

SIM = {"default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}


async def make_orphans(app, tenant, *, owner: str, expires_in: float):
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000001", "+79990000002"],
                                     simulation=SIM)
    async with app.state.sessionmaker() as session:
        now = utcnow()
        for row in await session.scalars(select(Abonent).where(
                Abonent.campaign_id == campaign.id)):
            row.state, row.attempts_made, row.lease_owner = "calling", 1, owner
            row.lease_expires_at = now + timedelta(seconds=expires_in)
            session.add(Call(call_id=f"orphan-{row.id}", customer_id=tenant.id,
                             campaign_id=campaign.id, abonent_id=row.id, attempt=1,
                             call_type="outbound", cd_pn=row.phone, state="dialing",
                             started_at=now))
        await session.commit()
    return campaign


def check_history(calls) -> None:
    for phone in ("+79990000001", "+79990000002"):
        mine = sorted((c.attempt, c.status, c.error) for c in calls if c.cd_pn == phone)
        assert mine == [(1, 503, "worker lost during the call"), (2, 200, None)]


async def test_restart_under_the_same_id_requeues_at_once(app, tenant, dialer):
    campaign = await make_orphans(app, tenant, owner="w-1", expires_in=3600)
    await dialer(worker_id="w-1")
    assert await wait_until(lambda: _done(app, campaign.id), limit=10) == {"done": 2}
    check_history(await calls_of(app, campaign.id))


async def test_another_worker_waits_for_the_lease_to_expire(app, tenant, dialer):
    campaign = await make_orphans(app, tenant, owner="w-dead", expires_in=3600)
    await dialer(worker_id="w-2", settings={"dialer_lease_seconds": 0.2})
    await asyncio.sleep(0.5)
    assert await states(app, campaign.id) == {"calling": 2}  # the lease still holds
    async with app.state.sessionmaker() as session:
        await session.execute(update(Abonent).where(Abonent.campaign_id == campaign.id)
                              .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert await wait_until(lambda: _done(app, campaign.id), limit=10) == {"done": 2}
    check_history(await calls_of(app, campaign.id))


async def _done(app, campaign_id: int):
    counts = await states(app, campaign_id)
    return counts if set(counts) == {"done"} else None
