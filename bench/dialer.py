"""Dialer benchmark on the simulator: sustained call starts/s with every result persisted,
and concurrent live calls held by one process. SQLite always; PostgreSQL with --pg URL.

    .venv/bin/python bench/dialer.py [--calls 20000] [--hold 10000] \
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Bars (DESIGN.md §5): ≥ 500 starts/s sustained; 10,000 concurrent calls in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from _common import cpu_seconds, drop_pg, rss_kb, scratch_pg
from sqlalchemy import func, select

from voicebox.billing.service import billing_service
from voicebox.config import Settings
from voicebox.dialer.worker import Dialer
from voicebox.models import Abonent, Call, Campaign, Customer, Scenario
from voicebox.store.database import open_database
from voicebox.telephony.simulated import SimulatedGateway


def edge(target: str) -> dict[str, str]:
    return {"title": "", "newState": target}


def scenario(hold: int) -> dict:
    """Dial, greet, (hold `hold` s), hang up."""
    states = [
        {"type": "Initial", "name": "start", "success": edge("call")},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
         "success": edge("greet"), "error": edge("end")},
        {"type": "VoiceMessage", "name": "greet",
         "announcement": {"type": "text", "text": "Здравствуйте!"},
         "success": edge("hold" if hold else "end")},
        {"type": "ReleaseCall", "name": "end"},
    ]
    if hold:
        states.append({"type": "Pause", "name": "hold", "timeout": hold,
                       "success": edge("end")})
    return {"title": "bench", "type": "outgoing", "states": states}


async def prepare(url: str, count: int, *, hold: int, lines: int):
    opened = await open_database(url=url)
    engine, maker = opened.engine, opened.sessionmaker
    async with maker() as session:
        customer = Customer(name="bench", credit_limit=Decimal(0))
        session.add(customer)
        await session.flush()
        await billing_service.post(session, customer_id=customer.id, amount=Decimal(10**8),
                                   kind="topup")
        body = scenario(hold)
        scen = Scenario(customer_id=customer.id, title="bench", type="outgoing", is_valid=True,
                        body=body, share_token=secrets.token_hex(16))
        session.add(scen)
        await session.flush()
        campaign = Campaign(customer_id=customer.id, name="bench", campaign_type="outbound",
                            launch_by="list", scenario_id=scen.id,
                            entry_point_id=uuid.uuid4().hex, window_start="00:00",
                            window_stop="00:00", attempts=1, attempts_interval=0,
                            max_lines=lines,
                            simulation={"default": {"result": "answer", "answerDelay": 1}})
        session.add(campaign)
        await session.flush()
        rows = [{"campaign_id": campaign.id, "phone": f"+7999{n:07d}", "variables": {},
                 "state": "pending", "attempts_made": 0} for n in range(count)]
        for start in range(0, count, 5000):
            await session.execute(Abonent.__table__.insert(), rows[start:start + 5000])
        await session.commit()
    return engine, maker, campaign.id


async def throughput(url: str, count: int) -> dict:
    """Short calls (about 2 s of call time at scale 100 = 20 ms): starts/s with persistence."""
    engine, maker, campaign_id = await prepare(url, count, hold=0, lines=count)
    settings = Settings(database_url=url, dialer_concurrency=2000, dialer_poll_seconds=0.01,
                        dialer_batch=500)
    dialer = Dialer(maker, gateway=SimulatedGateway(time_scale=100), settings=settings,
                    worker_id="bench")
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    await dialer.start()
    while dialer.persister.written < count:  # noqa: ASYNC110 - polling a counter
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    await dialer.stop()
    async with maker() as session:
        persisted = await session.scalar(select(func.count()).select_from(Call).where(
            Call.campaign_id == campaign_id, Call.state == "ended"))
    await engine.dispose()
    return {"calls": count, "persisted": persisted, "seconds": elapsed,
            "starts_per_s": count / elapsed, "per_cpu_s": count / cpu,
            "peak_live": dialer.peak_live}


async def concurrency(url: str, count: int) -> dict:
    """Calls that hold for 10 minutes: how many live at once, and the memory they take."""
    engine, maker, _ = await prepare(url, count, hold=600, lines=count)
    settings = Settings(database_url=url, dialer_concurrency=count, dialer_poll_seconds=0.01,
                        dialer_batch=1000)
    gateway = SimulatedGateway(time_scale=1)
    dialer = Dialer(maker, gateway=gateway, settings=settings, worker_id="bench-hold")
    rss_before = rss_kb()
    started = time.perf_counter()
    await dialer.start()
    while len(dialer.live) < count and time.perf_counter() - started < 120:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    ramp = time.perf_counter() - started
    await asyncio.sleep(3)  # answered and holding
    answered = sum(1 for job, _ in dialer.live.values() if job.answered)
    rss_after = rss_kb()
    live = len(dialer.live)
    await dialer.stop()
    await engine.dispose()
    return {"live": live, "answered": answered, "ramp_seconds": ramp,
            "kb_per_call": (rss_after - rss_before) / max(live, 1)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--hold", type=int, default=10000)
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite", lambda n: f"sqlite+aiosqlite:///{Path(tmp) / f'{n}.db'}")]
        if args.pg:
            backends.append(("PostgreSQL", None))
        for name, make in backends:
            urls = []
            for phase in ("rate", "hold"):
                urls.append(make(phase) if make else await scratch_pg(args.pg, "dialer"))
            try:
                rate = await throughput(urls[0], args.calls)
                held = await concurrency(urls[1], args.hold)
            finally:
                if not make:
                    for url in urls:
                        await drop_pg(url)
            rows.append((name, rate, held))
    print(f"{'backend':<11} {'calls':>7} {'persisted':>9} {'starts/s':>9} {'/CPU-s':>7} "
          f"{'held live':>9} {'answered':>9} {'ramp s':>7} {'KB/call':>8}")
    for name, rate, held in rows:
        print(f"{name:<11} {rate['calls']:>7} {rate['persisted']:>9} "
              f"{rate['starts_per_s']:>9.0f} {rate['per_cpu_s']:>7.0f} {held['live']:>9} {held['answered']:>9} "
              f"{held['ramp_seconds']:>7.1f} {held['kb_per_call']:>8.1f}")


if __name__ == "__main__":
    asyncio.run(main())
