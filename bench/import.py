"""Abonent import benchmark: a CSV of N rows through the real import path (parse, E.164,
time zone, bulk write, duplicate merge) into SQLite and PostgreSQL, one fresh process each so
peak RSS is the import's own.

    .venv/bin/python bench/import.py [--rows 1000000 100000] \
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Bar (DESIGN.md §5): 1,000,000 rows in ≤ 20 s with flat memory (peak RSS about the same for
100,000 and 1,000,000 rows). "CPU s" is this process's CPU time (parsing + driver); "server CPU s" is the PostgreSQL backend's
(read from /proc, so the server must run on this host): on a busy machine wall time overstates
the cost. "stage s" / "merge s": wall time in the writer's write() / finish().
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_campaigns, drop_pg, scratch_pg
from sqlalchemy import text

from voicebox.campaigns import bulk
from voicebox.campaigns.service import campaign_service
from voicebox.store.db import make_sessionmaker

SCENARIO = {
    "title": "bench", "type": "outgoing", "customVariables": ["fio", "amount"],
    "states": [{"type": "Initial", "name": "start", "success": None}],
}


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """Russian mobile numbers over 90 9XX codes (93X has gaps), 1% duplicates, two variables."""
    rng = random.Random(seed)
    codes = [c for c in range(100) if c // 10 != 3]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("phone,fio,amount\n")
        for index in range(rows):
            if index and rng.random() < 0.01:
                number = f"+79{rng.choice(codes):02d}{rng.randrange(10**4):04d}000"
            else:
                number = f"8 9{rng.choice(codes):02d} {rng.randrange(10**7):07d}"
            out.write(f"{number},Абонент {index},{rng.randrange(100000)}.{index % 100:02d}\n")


_SPLITS: dict[str, float] = {}


def _timed(cls: type, name: str, label: str) -> None:
    """Wall seconds spent in one writer step, summed into _SPLITS[label]."""
    method = getattr(cls, name)

    async def wrapper(self, *args):
        started = time.perf_counter()
        try:
            return await method(self, *args)
        finally:
            _SPLITS[label] = _SPLITS.get(label, 0.0) + time.perf_counter() - started

    setattr(cls, name, wrapper)


for _writer in (bulk._SQLiteWriter, bulk._PostgresWriter):
    _timed(_writer, "write", "stage")
    _timed(_writer, "finish", "merge")


async def _server_pid(session) -> int | None:
    """The PostgreSQL backend's process id (same host), to read its CPU time from /proc."""
    if session.bind.dialect.name != "postgresql":
        return None
    return int(await session.scalar(text("SELECT pg_backend_pid()")))


def _cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_run(url: str, csv_path: Path) -> dict:
    engine, customer_id, [campaign_id] = await bench_campaigns(url, SCENARIO)
    sessions = make_sessionmaker(engine)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    async with sessions() as session:
        backend = await _server_pid(session)
        server_before = _cpu_of(backend)
        with csv_path.open("rb") as stream:
            report = await campaign_service.add_abonents(
                session, customer_id, campaign_id, csv_file=stream
            )
        await session.commit()
        server_cpu = _cpu_of(backend) - server_before
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    await engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "cpu": cpu, "added": report.added, "merged": report.merged,
            "received": report.received, "peak_mb": peak_kb / 1024,
            "server_cpu": server_cpu, "stage": _SPLITS.get("stage", 0.0), "merge": _SPLITS.get("merge", 0.0)}


def measure(backend: str, url: str, csv_path: Path) -> dict:
    """Run one import in a fresh interpreter (peak RSS is then the import's alone)."""
    output = subprocess.run(
        [sys.executable, __file__, "--one", url, str(csv_path)],
        check=True, capture_output=True, text=True,
    ).stdout
    return {"backend": backend, **json.loads(output.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is created)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one_run(args.one[0], Path(args.one[1])))))
        return
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for rows in args.rows:
            csv_path = Path(scratch) / f"abonents_{rows}.csv"
            write_csv(csv_path, rows)
            sqlite_url = f"sqlite+aiosqlite:///{Path(scratch) / f'import_{rows}.db'}"
            if not args.no_sqlite:
                results.append({"rows": rows, **measure("SQLite", sqlite_url, csv_path)})
            if args.pg:
                pg_url = asyncio.run(scratch_pg(args.pg, "import"))
                try:
                    results.append({"rows": rows, **measure("PostgreSQL", pg_url, csv_path)})
                finally:
                    asyncio.run(drop_pg(pg_url))
    print(f"{'backend':<11} {'rows':>9} {'added':>9} {'merged':>7} {'seconds':>8} "
          f"{'rows/s':>9} {'CPU s':>6} {'server CPU s':>12} {'stage s':>7} {'merge s':>7} {'peak RSS MB':>11}")
    for r in results:
        print(f"{r['backend']:<11} {r['rows']:>9,} {r['added']:>9,} {r['merged']:>7,} "
              f"{r['seconds']:>8.2f} {r['rows'] / r['seconds']:>9,.0f} {r['cpu']:>6.1f} "
              f"{r['server_cpu']:>12.1f} {r['stage']:>7.1f} {r['merge']:>7.1f} "
              f"{r['peak_mb']:>11.0f}")


if __name__ == "__main__":
    main()
