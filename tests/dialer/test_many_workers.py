"""Several dialers on one database share the queue: every abonent called once, the campaign's
line limit held across them (PostgreSQL's production layout; SQLite copes too)."""

from __future__ import annotations

from tests.dialer.conftest import calls_of, insert_campaign, states, wait_until


async def test_two_workers_share_a_campaign_within_its_lines(app, tenant, dialer):
    total, lines = 120, 6
    campaign = await insert_campaign(
        app, tenant.id, phones=[f"+7999{n:07d}" for n in range(total)], max_lines=lines,
        simulation={"default": {"answerDelay": 2, "inputs": ["1"]}})
    workers = [await dialer(worker_id="a"), await dialer(worker_id="b")]
    peak = 0

    async def watch():
        nonlocal peak
        counts = await states(app, campaign.id)
        peak = max(peak, counts.get("calling", 0))
        return counts if counts.get("done", 0) == total else None

    await wait_until(watch, limit=60, every=0.01)
    assert peak <= lines
    calls = await calls_of(app, campaign.id)
    assert len(calls) == total and {c.attempt for c in calls} == {1}
    assert len({c.abonent_id for c in calls}) == total
    assert all(w.started_calls > 0 for w in workers), [w.started_calls for w in workers]
