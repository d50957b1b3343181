"""The dashboard's feed: `GET …/campaigns/{id}/stats` (voicebox.campaigns.stats) on a campaign of
N abonents with N ended calls, each with a five-step trace through an IVR. The console asks for it
every two seconds while a dashboard is open, so this is what one open dashboard costs the
database. `stats ms` reads the campaign counters (voicebox.calls.campaign_counts, seeded here as
the dialer keeps them); `trace scan ms` is how the branch counts were computed before them (every
ended call's trace read with `json_each` / `json_array_elements`, the migration's backfill query),
and the bench checks both give the same counts.

    .venv/bin/python bench/campaign_stats.py [--calls 100000] [--runs 5] [--pg URL | --pg skip]

Prints one table row per database (SQLite in a temporary file; PostgreSQL in a scratch database
on the server of `--pg`, default VOICEBOX_TEST_DATABASE_URL's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _common import bench_campaigns, drop_pg, scratch_pg  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from voicebox.calls.campaign_counts import Tally, apply  # noqa: E402
from voicebox.campaigns.stats import campaign_stats  # noqa: E402
from voicebox.models import Abonent, Call, Campaign  # noqa: E402
from voicebox.store.db import make_sessionmaker  # noqa: E402

# The branch counts straight from the traces: the migration's backfill query, as a SELECT.
_SCAN = {
    "sqlite": """
        SELECT json_extract(step.value, '$.state'), json_extract(step.value, '$.transition'),
               count(*)
        FROM calls, json_each(calls.trace) AS step
        WHERE calls.campaign_id = :campaign AND calls.state = 'ended'
          AND json_type(calls.trace) = 'array' AND json_extract(step.value, '$.kind') = 'IVR'
          AND json_extract(step.value, '$.transition') IS NOT NULL
        GROUP BY 1, 2
    """,
    "postgresql": """
        SELECT step ->> 'state', step ->> 'transition', count(*)
        FROM calls CROSS JOIN LATERAL json_array_elements(
            CASE WHEN json_typeof(calls.trace) = 'array' THEN calls.trace ELSE '[]'::json END
        ) AS step
        WHERE calls.campaign_id = :campaign AND calls.state = 'ended'
          AND step ->> 'kind' = 'IVR' AND step ->> 'transition' IS NOT NULL
        GROUP BY 1, 2
    """,
}

T0 = datetime(2026, 1, 1, tzinfo=UTC)
BRANCHES = ("inputAnalysis[0]", "inputAnalysis[1]", "onNoInput", "onInvalidInput")
CHUNK = 5_000


def _trace(index: int) -> list[dict]:
    way = BRANCHES[index % len(BRANCHES)]
    return [
        {"index": 0, "state": "start", "kind": "Initial", "start": 0, "transition": "success"},
        {"index": 1, "state": "call", "kind": "OutgoingCall", "start": 0.1, "transition": "success"},
        {"index": 2, "state": "greet", "kind": "VoiceMessage", "start": 3.0, "transition": "success",
         "prompt": ["Здравствуйте!"]},
        {"index": 3, "state": "ask", "kind": "IVR", "start": 5.0, "transition": way,
         "heard": ["1" if way.endswith("[0]") else "2"]},
        {"index": 4, "state": "end", "kind": "ReleaseCall", "start": 9.0},
    ]


async def _seed(sessionmaker, campaign_id: int, customer_id: int, count: int) -> None:
    for first in range(0, count, CHUNK):
        part = range(first, min(count, first + CHUNK))
        async with sessionmaker() as session:
            await session.execute(insert(Abonent), [
                {"campaign_id": campaign_id, "phone": f"+7916{i:07d}", "variables": {},
                 "state": ("done", "failed")[i % 7 == 0], "attempts_made": 1} for i in part])
            abonents = list(await session.scalars(
                select(Abonent.id).where(Abonent.campaign_id == campaign_id)
                .order_by(Abonent.id).offset(first).limit(len(part))))
            rows = [
                {"call_id": f"stats-{i}", "customer_id": customer_id, "campaign_id": campaign_id,
                 "abonent_id": abonent, "attempt": 1, "call_type": "outbound",
                 "cg_pn": "74951234589", "cd_pn": f"+7916{i:07d}",
                 "started_at": T0 + timedelta(seconds=i), "state": "ended",
                 "status": 486 if i % 7 == 0 else 200, "duration": 0 if i % 7 == 0 else 9,
                 "answered": i % 7 != 0, "cost": Decimal("0.15"), "trace": _trace(i),
                 "variables": {}}
                for i, abonent in zip(part, abonents, strict=True)]
            await session.execute(insert(Call), rows)
            tally = Tally()  # what the dialer's write of these calls adds to the counters
            for row in rows:
                tally.add(campaign_id, row["status"], row["answered"], row["duration"],
                          row["cost"], row["trace"])
            await apply(session, tally)
            await session.commit()


async def _one(url: str, count: int, runs: int) -> tuple[float, float, float, int]:
    engine, customer_id, [campaign_id] = await bench_campaigns(url, None, 1)
    try:
        sessionmaker = make_sessionmaker(engine)
        started = time.perf_counter()
        await _seed(sessionmaker, campaign_id, customer_id, count)
        seeded = time.perf_counter() - started
        async with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE")
            else:
                await connection.exec_driver_sql("ANALYZE")
        samples, scans = [], []
        for _ in range(runs):
            async with sessionmaker() as session:
                campaign = await session.get(Campaign, campaign_id)
                begin = time.perf_counter()
                stats = await campaign_stats(session, campaign, "RUB")
                samples.append((time.perf_counter() - begin) * 1000)
                begin = time.perf_counter()
                scanned = (await session.execute(text(_SCAN[engine.dialect.name]),
                                                 {"campaign": campaign_id})).all()
                scans.append((time.perf_counter() - begin) * 1000)
        assert stats.callsEnded == count, stats.callsEnded
        assert sum(b.calls for b in stats.answers) == count
        assert {(s, t): int(n) for s, t, n in scanned} == {
            (b.state, b.transition): b.calls for b in stats.answers}
        return (seeded, statistics.median(samples), max(samples), statistics.median(scans),
                len(stats.answers))
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get(
        "VOICEBOX_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    options = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'database':<12} {'calls':>9} {'seed s':>8} {'stats ms':>9} {'max ms':>8} "
          f"{'trace scan ms':>14} {'branches':>9}")

    def row(name: str, seeded: float, median: float, worst: float, scan: float,
            branches: int) -> None:
        print(f"{name:<12} {options.calls:>9,} {seeded:>8.1f} {median:>9.1f} {worst:>8.1f} "
              f"{scan:>14.0f} {branches:>9}")

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/stats.db"
        row("sqlite", *await _one(url, options.calls, options.runs))
    if options.pg != "skip":
        url = await scratch_pg(options.pg, "stats")
        try:
            row("postgresql", *await _one(url, options.calls, options.runs))
        finally:
            await drop_pg(url)


if __name__ == "__main__":
    asyncio.run(main())
