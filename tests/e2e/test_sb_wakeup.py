"""`POST /v1/sb` wakes a separate `voicebox worker` at once (PostgreSQL NOTIFY/LISTEN): the call
starts well before the worker's next poll."""

from __future__ import annotations

import asyncio
import signal
import time
from functools import partial

import pytest
from sqlalchemy import select

from tests.dialer.conftest import insert_campaign, wait_until
from tests.e2e.workers import env_for, start_worker
from voicebox.models import Call

POLL = 30.0  # the worker's poll interval: without a wake-up a call would wait up to this


async def _started(app, call_id: str) -> bool:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(Call.id).where(Call.call_id == call_id)) is not None


async def _launch(app, client, tenant, campaign, number: str, *, limit: float) -> None:
    """POST /v1/sb and wait until the worker has started that call."""
    answer = await client.post("/v1/sb", headers=tenant.headers, json={
        "method": campaign.entry_point_id, "number": number})
    assert answer.status_code == 200, answer.text
    await wait_until(partial(_started, app, answer.json()["id"]), limit=limit, every=0.02)


async def test_sb_call_starts_at_once_in_a_separate_worker(app, client, make_tenant, settings,
                                                          tmp_path):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("a separate worker on SQLite finds HTTP calls at its next poll")
    tenant = await make_tenant(balance="1000")
    campaign = await insert_campaign(
        app, tenant.id, launch_by="http",
        simulation={"default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}})
    env = env_for(settings.database_url, tmp_path, VOICEBOX_SIM_TIME_SCALE="30",
                  VOICEBOX_DIALER_POLL_SECONDS=str(POLL))
    worker = start_worker(env, "--id", "listener", log=tmp_path / "worker.log")
    try:
        # The first call proves the worker is up. It is untimed: it may come before the worker
        # LISTENs, and then only its next poll finds it. The second comes while the worker
        # sleeps through a poll, so only the wake-up can start it within seconds.
        await _launch(app, client, tenant, campaign, "+79990000001", limit=POLL * 1.5)
        await asyncio.sleep(2.0)
        posted = time.monotonic()
        await _launch(app, client, tenant, campaign, "+79990000002", limit=POLL / 2)
        assert time.monotonic() - posted < 3.0
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.to_thread(worker.wait, 20)
