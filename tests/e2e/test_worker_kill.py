"""Reliability: a `voicebox worker` killed with SIGKILL mid-campaign and replaced loses and
duplicates nothing (DESIGN.md §5). Runs on SQLite and, with VOICEBOX_TEST_DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from tests.dialer.conftest import all_final, insert_campaign, states, wait_until
from tests.e2e.workers import env_for, start_worker
from voicebox.models import Abonent, Call

pytestmark = pytest.mark.slow

TOTAL = 1000
SIMULATION = {
    "seed": 7,
    "default": {"result": "answer", "answerDelay": 3, "inputs": ["", "1"]},
    "rules": [
        # +79990000000…099: busy, then answer; …100…149: never answer; …150…199 machines
        {"match": "+799900000*", "attempts": [{"result": "busy"},
                                              {"result": "answer", "inputs": ["2"]}]},
        {"match": "+799900001[0-4]*", "result": "noanswer"},
        {"match": "+799900001*", "result": "machine"},
    ],
}


async def in_flight(app, campaign_id: int) -> int:
    return (await states(app, campaign_id)).get("calling", 0)


async def test_sigkill_mid_campaign_loses_and_duplicates_nothing(app, make_tenant, settings,
                                                                 tmp_path):
    tenant = await make_tenant(balance="100000")
    campaign = await insert_campaign(
        app, tenant.id, phones=[f"+7999{n:07d}" for n in range(TOTAL)], simulation=SIMULATION,
        max_lines=250, attempts=3, attempts_interval=30)
    env = env_for(settings.database_url, tmp_path, VOICEBOX_SIM_TIME_SCALE="30",
                  VOICEBOX_DIALER_LEASE_SECONDS="3", VOICEBOX_DIALER_POLL_SECONDS="0.05")
    log = tmp_path / "workers.log"
    first = start_worker(env, "--id", "victim", log=log)
    try:
        await wait_until(lambda: _calls_at_least(app, campaign.id, 300), limit=40)
        await wait_until(lambda: in_flight(app, campaign.id), limit=10, every=0.01)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    orphaned = await in_flight(app, campaign.id)
    assert orphaned > 20, "the kill should leave many calls in flight"
    # A different worker takes over once the victim's leases expire.
    second = start_worker(env, "--id", "heir", log=log)
    try:
        counts = await wait_until(lambda: all_final(app, campaign.id), limit=50, every=0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.to_thread(second.wait, 20)
    assert sum(counts.values()) == TOTAL
    assert counts == {"done": TOTAL - 50, "failed": 50}  # the 50 that never answer

    async with app.state.sessionmaker() as session:
        calls = (await session.execute(
            select(Call.abonent_id, Call.attempt, Call.status, Call.state, Call.error,
                   Call.call_id).where(Call.campaign_id == campaign.id))).all()
        made = dict((await session.execute(
            select(Abonent.id, Abonent.attempts_made)
            .where(Abonent.campaign_id == campaign.id))).all())
        ledger_calls = await session.scalar(select(func.count()).select_from(Call).where(
            Call.campaign_id == campaign.id, Call.answered.is_(True)))
    attempts: dict[int, list[int]] = defaultdict(list)
    for row in calls:
        attempts[row.abonent_id].append(row.attempt)
    # Exactly one history row per attempt made: none twice, none lost.
    assert len({row.call_id for row in calls}) == len(calls)
    assert set(attempts) == set(made)
    for abonent_id, numbers in attempts.items():
        assert sorted(numbers) == list(range(1, made[abonent_id] + 1)), abonent_id
    assert all(row.state == "ended" and row.status is not None for row in calls)
    lost = [row for row in calls if row.error == "worker lost during the call"]
    assert len(lost) >= orphaned  # the victim's live calls were closed as failed (503)
    assert all(row.status == 503 for row in lost)
    assert ledger_calls > 0


async def _calls_at_least(app, campaign_id: int, count: int) -> bool:
    async with app.state.sessionmaker() as session:
        made = await session.scalar(select(func.count()).select_from(Call)
                                    .where(Call.campaign_id == campaign_id))
    return made >= count
