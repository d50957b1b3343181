"""What the benchmarks share: a scratch PostgreSQL database, and this process's memory and CPU.

Imported as `from _common import …` (the scripts run as `python bench/<name>.py`, so bench/ is
on the path).
"""

from __future__ import annotations

import resource
import secrets
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from voicebox.models import Campaign, Customer, Scenario
from voicebox.store.database import open_database
from voicebox.store.scratch import create_scratch_database
from voicebox.store.scratch import drop_database as drop_pg  # noqa: F401  (the scripts' name)


async def scratch_pg(server: str, prefix: str) -> str:
    """Create an empty database on `server`; returns its URL (drop it with `drop_pg`)."""
    return await create_scratch_database(server, f"bench_{prefix}")


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
