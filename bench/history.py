"""Call-history benchmark: N call rows of one customer (two campaigns), then the time of a
50-row page through the real service at several depths, with and without a campaign filter, on
SQLite and PostgreSQL, after the history sweeper has counted the loaded rows (its backfill time
is shown; one cold deep page before it, for contrast): the first Range page at each depth, the
sequential pages below it, the keyset cursor, and random jumps; median, p95.

    .venv/bin/python bench/history.py [--rows 10000000] [--sqlite-rows 2000000] \
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Bar (DESIGN.md §5): a 50-row page out of 10,000,000 rows in < 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import bench_campaigns, drop_pg, scratch_pg
from sqlalchemy import event
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex

from voicebox.calls import repository
from voicebox.calls.repository import HistoryFilter
from voicebox.calls.service import call_service
from voicebox.calls.sweep import HistorySweeper
from voicebox.models import Call
from voicebox.store.db import driver_value, make_engine, make_sessionmaker

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DEPTHS = [0, 1_000, 10_000, 100_000, 1_000_000, 5_000_000]
COLUMNS = ("call_id", "customer_id", "campaign_id", "attempt", "call_type", "cg_pn", "cd_pn",
           "started_at", "state", "status", "duration", "answered", "cost", "created_at")
HISTORY_INDEXES = [i for i in Call.__table__.indexes if i.name.startswith("ix_calls_")]


def _create_index(index, dialect) -> str:
    return str(CreateIndex(index).compile(dialect=dialect))


def rows(count: int, customer_id: int, campaigns: Sequence[int], stamp) -> Iterator[tuple]:
    """Calls one every 0.3 s, newest last; every 4th on the second campaign."""
    for index in range(count):
        moment = T0 + timedelta(milliseconds=300 * index)
        campaign = campaigns[1] if index % 4 == 0 else campaigns[0]
        status = (200, 486, 480, 200)[index % 4]
        yield (f"bench-{index}", customer_id, campaign, 1, "outbound", "74951234589",
               f"+7916{index % 10_000_000:07d}", stamp(moment), "ended", status,
               index % 120 if status == 200 else 0, status == 200, 0, stamp(moment))


def load_sqlite(path: Path, count: int, customer_id: int, campaigns: Sequence[int]) -> None:
    dialect = sqlite_dialect.dialect()
    to_db = driver_value(Call.__table__.c.started_at.type, dialect)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for index in HISTORY_INDEXES:
        db.execute(f"DROP INDEX {index.name}")
    sql = f"INSERT INTO calls ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    db.executemany(sql, rows(count, customer_id, campaigns, to_db))
    db.commit()
    for index in HISTORY_INDEXES:
        db.execute(_create_index(index, dialect))
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
            await connection.exec_driver_sql(_create_index(index, connection.dialect))
        await connection.commit()
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE calls")


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


async def _request_ms(sessions, where, offset: int, after=None) -> tuple[float, object]:
    """One Range request as the router makes it: its own session, the real service."""
    async with sessions() as session:
        started = time.perf_counter()
        page = await call_service.history(session, where, offset=offset, limit=50, after=after)
        elapsed = (time.perf_counter() - started) * 1000
    assert len(page.items) == 50 or page.total is not None
    return elapsed, page


def _filters(customer_id: int, campaign_id: int, total: int) -> list[tuple[str, HistoryFilter, int]]:
    """Every page kind's filter with its row count: all calls, one campaign (every 4th row),
    and a from/to window over the middle half of the history."""
    quarter = timedelta(milliseconds=300 * (total // 4))
    middle = HistoryFilter(customer_id, since=T0 + quarter, until=T0 + 3 * quarter)
    return [("all", HistoryFilter(customer_id), total),
            ("campaign", HistoryFilter(customer_id, campaign_id), total // 4),
            ("from/to", middle, total // 2)]


async def time_pages(engine: AsyncEngine, customer_id: int, campaign_id: int, total: int,
                     pages: int, jumps: int):
    """Per filter: the first (cold) Range page at each depth and the sequential pages below it,
    the keyset cursor at each depth, and random jumps anywhere."""
    sessions = make_sessionmaker(engine)
    rng = random.Random(5)
    results = []
    for label, where, size in _filters(customer_id, campaign_id, total):
        for depth in DEPTHS:
            if depth + 50 * (pages + 1) >= size:
                continue
            cold, page = await _request_ms(sessions, where, depth)
            samples = [(await _request_ms(sessions, where, depth + 50 * n))[0]
                       for n in range(1, pages + 1)]
            results.append((label, f"Range seq @{depth:,}", *_stats(samples), cold, page.total))
            if depth:
                async with sessions() as session:
                    after = await repository.key_at(session, where, None, depth - 1)
                samples = [(await _request_ms(sessions, where, 0, after))[0]
                           for _ in range(pages)]
                results.append((label, f"cursor @{depth:,}", *_stats(samples), None, None))
        samples = [(await _request_ms(sessions, where, rng.randrange(size - 50)))[0]
                   for _ in range(jumps)]
        results.append((label, "jump anywhere", *_stats(samples), None, None))
    return results


async def unswept(engine: AsyncEngine, customer_id: int, total: int) -> list[tuple]:
    """Before the sweeper has run, a deep page walks the index: one cold jump for contrast."""
    depth = min(DEPTHS[-1], total - 100)
    elapsed, page = await _request_ms(make_sessionmaker(engine), HistoryFilter(customer_id), depth)
    return [("all", f"unswept @{depth:,}", elapsed, elapsed, elapsed, page.total)]


async def sweep_seconds(engine: AsyncEngine) -> float:
    """The history sweeper's backfill over the whole loaded history."""
    started = time.perf_counter()
    await HistorySweeper(make_sessionmaker(engine)).round()
    return time.perf_counter() - started


async def explain(engine: AsyncEngine, customer_id: int) -> None:
    """The plan of every statement of one deep Range request (index use on this backend)."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sessions = make_sessionmaker(engine)
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    await _request_ms(sessions, HistoryFilter(customer_id), 500_050)
    event.remove(engine.sync_engine, "before_cursor_execute", record)
    prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    async with engine.connect() as connection:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = await connection.exec_driver_sql(prefix + statement, parameters)
            print(" ".join(statement.split())[:160])
            for row in plan:
                print("    ", row[-1])


async def bench(backend: str, url: str, count: int, pg: bool, pages: int, jumps: int,
                show_plans: bool) -> tuple[float, float, list[tuple]]:
    engine, customer_id, campaigns = await bench_campaigns(url, None, count=2)
    started = time.perf_counter()
    if pg:
        await load_pg(engine, count, customer_id, campaigns)
    else:
        await engine.dispose()
        load_sqlite(Path(make_url(url).database), count, customer_id, campaigns)
        engine = make_engine(url)
    load_seconds = time.perf_counter() - started
    timings = await unswept(engine, customer_id, count)
    swept = await sweep_seconds(engine)
    timings += await time_pages(engine, customer_id, campaigns[1], count, pages, jumps)
    if show_plans:
        await explain(engine, customer_id)
    await engine.dispose()
    return load_seconds, swept, [(backend, count, *t) for t in timings]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=None)
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is created)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--pages", type=int, default=40, help="sequential pages per depth")
    parser.add_argument("--jumps", type=int, default=40, help="random jumps per kind")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()
    results, setup = [], []
    with tempfile.TemporaryDirectory() as scratch:
        if not args.skip_sqlite:
            url = f"sqlite+aiosqlite:///{Path(scratch) / 'history.db'}"
            count = args.sqlite_rows or args.rows
            load, swept, rows = await bench("SQLite", url, count, False, args.pages, args.jumps,
                                            args.explain)
            setup.append(("SQLite", count, load, swept))
            results += rows
    if args.pg:
        url = await scratch_pg(args.pg, "history")
        try:
            load, swept, rows = await bench("PostgreSQL", url, args.rows, True, args.pages,
                                            args.jumps, args.explain)
            setup.append(("PostgreSQL", args.rows, load, swept))
            results += rows
        finally:
            await drop_pg(url)
    print(f"{'backend':<11} {'rows':>11} {'load s':>7} {'sweep s':>8}")
    for backend, count, load, swept in setup:
        print(f"{backend:<11} {count:>11,} {load:>7.0f} {swept:>8.1f}")
    print(f"\n{'backend':<11} {'rows':>11} {'filter':<9} {'kind':<20} "
          f"{'median ms':>9} {'p95 ms':>8} {'first ms':>8} {'total':>9}")
    for backend, count, label, kind, median, p95, first, total in results:
        first_text = "" if first is None else f"{first:.1f}"
        print(f"{backend:<11} {count:>11,} {label:<9} {kind:<20} {median:>9.2f} "
              f"{p95:>8.2f} {first_text:>8} {'*' if total is None else total:>9}")

if __name__ == "__main__":
    asyncio.run(main())
