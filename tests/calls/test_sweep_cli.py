"""`voicebox admin sweep-history` as a real process on the test database."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess

from sqlalchemy import func, select

from tests.calls.helpers import Seeder
from tests.e2e.workers import VOICEBOX, env_for
from voicebox.models import HistoryMark


def _sweep(settings) -> dict:
    done = subprocess.run([*VOICEBOX, "admin", "sweep-history"], capture_output=True, text=True,
                          env=env_for(settings.database_url, settings.data_dir), timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def test_sweep_history_counts_once(app, tenant, settings):
    await Seeder(app, tenant.id, [], random.Random(1)).seed(2_500)
    assert await asyncio.to_thread(_sweep, settings) == {"counted": 2_500, "calls": 2_500}
    async with app.state.sessionmaker() as session:
        ranks = list(await session.scalars(select(HistoryMark.rank).order_by(HistoryMark.rank)))
        assert await session.scalar(select(func.count()).select_from(HistoryMark)) == 3
    assert ranks == [0, 1_000, 2_000]
    assert await asyncio.to_thread(_sweep, settings) == {"counted": 0, "calls": 2_500}
