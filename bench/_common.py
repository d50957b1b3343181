"""What the benchmarks share: a scratch PostgreSQL database, and this process's memory and CPU.

Imported as `from _common import …` (the scripts run as `python bench/<name>.py`, so bench/ is
on the path).
"""

from __future__ import annotations

import os
import resource
import secrets
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from voicebox.models import Campaign, Customer, Scenario
from voicebox.store.database import open_database


async def scratch_pg(server: str, prefix: str) -> str:
    """Create an empty database on `server`; returns its URL (drop it with `drop_pg`)."""
    base = make_url(server)
    name = f"vb_bench_{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_pg(url: str) -> None:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    await admin.dispose()


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def rss_kb() -> int:
    """This process's resident memory now (Linux), in KiB."""
    return _status_kb("VmRSS:")


def peak_rss_kb() -> int:
    """This process's own peak (VmHWM; ru_maxrss would include a parent's, inherited at fork)."""
    return _status_kb("VmHWM:")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bench_campaigns(url: str, scenario: dict[str, Any] | None,
                         count: int = 1) -> tuple[AsyncEngine, int, list[int]]:
    """Migrate `url` and add a customer with `count` outbound list campaigns running
    `scenario` (None: no scenario).

    Returns the engine, the customer id and the campaign ids.
    """
    opened = await open_database(url=url)
    engine = opened.engine
    async with opened.sessionmaker() as session:
        customer = Customer(name="bench")
        session.add(customer)
        await session.flush()
        scenario_id = None
        if scenario is not None:
            row = Scenario(customer_id=customer.id, title="bench", type="outgoing",
                           is_valid=True, body=scenario, share_token=secrets.token_hex(16))
            session.add(row)
            await session.flush()
            scenario_id = row.id
        campaigns = [Campaign(customer_id=customer.id, name=f"bench {n}",
                              campaign_type="outbound", launch_by="list", scenario_id=scenario_id,
                              entry_point_id=uuid.uuid4().hex) for n in range(1, count + 1)]
        session.add_all(campaigns)
        await session.commit()
        return engine, customer.id, [campaign.id for campaign in campaigns]
