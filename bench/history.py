"""Call-history benchmark: N call rows of one customer (two campaigns), then the time of a
50-row page through the real service (count + keyset seek + page) at several depths, with and
without a campaign filter, on SQLite and PostgreSQL.

    .venv/bin/python bench/history.py [--rows 10000000] [--sqlite-rows 2000000] \
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Bar (DESIGN.md §5): a 50-row page out of 10,000,000 rows in < 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from voicebox.calls import repository
from voicebox.calls.repository import HistoryFilter
from voicebox.calls.service import call_service
from voicebox.models import Call, Campaign, Customer
from voicebox.store.db import make_engine, make_sessionmaker
from voicebox.store.migrate import upgrade

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DEPTHS = [0, 1_000, 10_000, 100_000, 1_000_000]
COLUMNS = ("call_id", "customer_id", "campaign_id", "attempt", "call_type", "cg_pn", "cd_pn",
           "started_at", "state", "status", "duration", "answered", "cost", "created_at")
HISTORY_INDEXES = [i for i in Call.__table__.indexes if i.name.startswith("ix_calls_")]


def rows(count: int, customer_id: int, campaigns: tuple[int, int], stamp) -> Iterator[tuple]:
    """Calls one every 0.3 s, newest last; every 4th on the second campaign."""
    for index in range(count):
        moment = T0 + timedelta(milliseconds=300 * index)
        campaign = campaigns[1] if index % 4 == 0 else campaigns[0]
        status = (200, 486, 480, 200)[index % 4]
        yield (f"bench-{index}", customer_id, campaign, 1, "outbound", "74951234589",
               f"+7916{index % 10_000_000:07d}", stamp(moment), "ended", status,
               index % 120 if status == 200 else 0, status == 200, 0, stamp(moment))


async def _setup(url: str) -> tuple[AsyncEngine, int, tuple[int, int]]:
    engine = make_engine(url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        customer = Customer(name="bench")
        session.add(customer)
        await session.flush()
        campaigns = [Campaign(customer_id=customer.id, name=f"bench {n}", campaign_type="outbound",
                              launch_by="list", entry_point_id=uuid.uuid4().hex) for n in (1, 2)]
        session.add_all(campaigns)
        await session.commit()
        return engine, customer.id, (campaigns[0].id, campaigns[1].id)


def load_sqlite(path: Path, count: int, customer_id: int, campaigns: tuple[int, int]) -> None:
    dialect = sqlite_dialect.dialect()
    to_db = Call.__table__.c.started_at.type.bind_processor(dialect)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for index in HISTORY_INDEXES:
        db.execute(f"DROP INDEX {index.name}")
    sql = f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    db.executemany(sql, rows(count, customer_id, campaigns, to_db))
    db.commit()
    for index in HISTORY_INDEXES:
        columns = ", ".join(c.name for c in index.columns)
        db.execute(f"CREATE INDEX {index.name} ON calls ({columns})")
    db.execute("ANALYZE")
    db.commit()
    db.close()


async def load_pg(engine: AsyncEngine, count: int, customer_id: int, campaigns) -> None:
    async with engine.connect() as connection:
        for index in HISTORY_INDEXES:
            await connection.exec_driver_sql(f"DROP INDEX {index.name}")
        await connection.commit()
        driver = (await connection.get_raw_connection()).driver_connection
        generated = rows(count, customer_id, campaigns, lambda moment: moment)
        while True:
            chunk = [row for _, row in zip(range(200_000), generated, strict=False)]
            if not chunk:
                break
            await driver.copy_records_to_table("calls", records=chunk, columns=COLUMNS)
        for index in HISTORY_INDEXES:
            columns = ", ".join(c.name for c in index.columns)
            await connection.exec_driver_sql(f"CREATE INDEX {index.name} ON calls ({columns})")
        await connection.commit()
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE calls")


async def _median_ms(sessions, where, offset: int, after=None) -> tuple[float, int | None]:
    samples = []
    for _ in range(7):
        async with sessions() as session:
            started = time.perf_counter()
            page = await call_service.history(session, where, offset=offset, limit=50, after=after)
            samples.append((time.perf_counter() - started) * 1000)
        assert len(page.items) == 50
    return statistics.median(samples[1:]), page.total


async def time_pages(engine: AsyncEngine, customer_id: int, campaign_id: int, total: int):
    """Per depth: the page by Range offset, and by keyset cursor (the client paged there)."""
    sessions = make_sessionmaker(engine)
    results = []
    for label, where in (("all", HistoryFilter(customer_id)),
                         ("campaign", HistoryFilter(customer_id, campaign_id))):
        for depth in DEPTHS:
            if depth + 50 >= total // (4 if label == "campaign" else 1):
                continue
            by_offset, count = await _median_ms(sessions, where, depth)
            by_cursor = by_offset
            if depth:
                async with sessions() as session:
                    cursor = await repository.anchor(session, where, depth - 1, None)
                by_cursor, _ = await _median_ms(sessions, where, 0, cursor)
            results.append((label, depth, by_offset, by_cursor, count))
    return results


async def bench(backend: str, url: str, count: int, pg: bool) -> list[tuple]:
    engine, customer_id, campaigns = await _setup(url)
    started = time.perf_counter()
    if pg:
        await load_pg(engine, count, customer_id, campaigns)
    else:
        await engine.dispose()
        load_sqlite(Path(make_url(url).database), count, customer_id, campaigns)
        engine = make_engine(url)
    load_seconds = time.perf_counter() - started
    timings = await time_pages(engine, customer_id, campaigns[1], count)
    await engine.dispose()
    return [(backend, count, load_seconds, *t) for t in timings]


async def _pg_database(server: str) -> str:
    base = make_url(server)
    name = f"vb_bench_history_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def _drop_pg(url: str) -> None:
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=None)
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is created)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        if not args.skip_sqlite:
            url = f"sqlite+aiosqlite:///{Path(scratch) / 'history.db'}"
            results += await bench("SQLite", url, args.sqlite_rows or args.rows, pg=False)
    if args.pg:
        url = await _pg_database(args.pg)
        try:
            results += await bench("PostgreSQL", url, args.rows, pg=True)
        finally:
            await _drop_pg(url)
    print(f"{'backend':<11} {'rows':>11} {'load s':>7} {'filter':<9} {'depth':>9} "
          f"{'Range ms':>9} {'cursor ms':>9} {'total':>6}")
    for backend, count, load, label, depth, by_offset, by_cursor, total in results:
        print(f"{backend:<11} {count:>11,} {load:>7.0f} {label:<9} {depth:>9,} {by_offset:>9.2f} "
              f"{by_cursor:>9.2f} {'*' if total is None else total:>6}")


if __name__ == "__main__":
    asyncio.run(main())
