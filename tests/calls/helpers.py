"""Call-history test data: seeded calls with many equal timestamps, and a reference answer
computed in Python from every row (independent of the pager's SQL)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from voicebox.calls.repository import HistoryFilter
from voicebox.calls.sweep import HistorySweeper
from voicebox.models import Call, Campaign
from voicebox.models.call import DIALING, ENDED
from voicebox.store.db import utcnow

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def make_campaigns(app, customer_id: int, count: int = 2) -> list[int]:
    async with app.state.sessionmaker() as session:
        campaigns = [Campaign(customer_id=customer_id, name=f"history {n}", campaign_type="outbound",
                              launch_by="list", entry_point_id=uuid.uuid4().hex)
                     for n in range(count)]
        session.add_all(campaigns)
        await session.commit()
        return [c.id for c in campaigns]


@dataclass
class Seeder:
    """Writes calls; `seed` picks few distinct seconds so that ties (broken by id) are common."""

    app: object
    customer_id: int
    campaigns: list[int]
    rng: random.Random
    serial: int = 0

    async def add(self, started_at: datetime, *, state: str = ENDED,
                  campaign_id: int | None = None) -> int:
        self.serial += 1
        async with self.app.state.sessionmaker() as session:
            call = Call(call_id=f"h{self.customer_id}-{self.serial}-{uuid.uuid4().hex[:6]}",
                        customer_id=self.customer_id, campaign_id=campaign_id, attempt=1,
                        call_type="outbound", cg_pn="74951234589", cd_pn="+79160000000",
                        started_at=started_at, state=state, status=200 if state == ENDED else None)
            session.add(call)
            await session.commit()
            return call.id

    async def seed(self, count: int, *, start: datetime = T0, seconds: int = 40) -> None:
        """`count` ended calls in random time order over `seconds` distinct seconds."""
        async with self.app.state.sessionmaker() as session:
            for _ in range(count):
                self.serial += 1
                session.add(Call(
                    call_id=f"h{self.customer_id}-{self.serial}-{uuid.uuid4().hex[:6]}",
                    customer_id=self.customer_id,
                    campaign_id=self.rng.choice([*self.campaigns, None]), attempt=1,
                    call_type="outbound", cg_pn="74951234589", cd_pn="+79160000000",
                    started_at=start + timedelta(seconds=self.rng.randrange(seconds)),
                    state=ENDED, status=200))
            await session.commit()

    async def dial_now(self, count: int) -> list[int]:
        """Calls the way the dialer writes them: started now, not yet ended."""
        return [await self.add(utcnow(), state=DIALING,
                               campaign_id=self.rng.choice([*self.campaigns, None]))
                for _ in range(count)]

    async def end(self, ids: list[int]) -> None:
        async with self.app.state.sessionmaker() as session:
            await session.execute(update(Call).where(Call.id.in_(ids)).values(state=ENDED,
                                                                                status=200))
            await session.commit()


async def sweep_history(app, chunk: int) -> int:
    """One history sweeper round in `chunk`-row transactions; rows counted."""
    return await HistorySweeper(app.state.sessionmaker, chunk=chunk).round()


async def reference(app, where: HistoryFilter) -> list[str]:
    """Every call id the filter admits, newest first, filtered and sorted in Python."""
    async with app.state.sessionmaker() as session:
        calls = (await session.scalars(select(Call))).all()

    def admits(call: Call) -> bool:
        return (call.customer_id == where.customer_id and call.state == ENDED
                and (where.campaign_id is None or call.campaign_id == where.campaign_id)
                and (where.since is None or call.started_at >= where.since)
                and (where.until is None or call.started_at <= where.until))

    chosen = sorted(filter(admits, calls), key=lambda c: (c.started_at, c.id), reverse=True)
    return [c.call_id for c in chosen]
