"""Report benchmark: a campaign of N abonents, each with a finished call (trace, variables,
cost), written in bulk; then its report is produced through the real service (the query
streamed from the database, CSV chunks / the streaming XLSX writer), each format in a fresh
interpreter so peak RSS is the report's own.

    .venv/bin/python bench/report.py [--rows 100000 1000000] \
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Bar (DESIGN.md §5): reports of 1,000,000 rows streamed with flat memory (peak RSS about the
same for 100,000 and 1,000,000 rows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from _common import bench_campaigns, drop_pg, peak_rss_kb, rss_kb, scratch_pg
from sqlalchemy import insert, select

from voicebox.models import Abonent, Call, Campaign
from voicebox.reports.service import report_service
from voicebox.store.db import make_engine, make_sessionmaker

SCENARIO = {
    "title": "bench", "type": "outgoing", "customVariables": ["fio", "amount"],
    "states": [
        {"type": "Initial", "name": "start", "success": "ask"},
        {"type": "IVR", "name": "ask", "announcement": {"text": "Удобно говорить?"},
         "inputAnalysis": [{"dtmf": "1", "success": "code"}], "success": "end"},
        {"type": "Input", "name": "code", "variable": "code", "success": "end"},
        {"type": "ReleaseCall", "name": "end"},
    ],
}
CHUNK = 20_000


def _trace(index: int) -> list[dict]:
    return [
        {"index": 0, "state": "start", "kind": "Initial", "start": 0, "end": 0},
        {"index": 1, "state": "ask", "kind": "IVR", "start": 0, "end": 4.2,
         "prompt": ["Удобно говорить?"], "heard": ["1"], "transition": "inputAnalysis[0]"},
        {"index": 2, "state": "code", "kind": "Input", "start": 4.2, "end": 9.1,
         "heard": [str(1000 + index % 9000)], "detail": {"variable": "code"}},
        {"index": 3, "state": "end", "kind": "ReleaseCall", "start": 9.1, "end": 9.1},
    ]


async def populate(url: str, rows: int) -> int:
    engine, customer_id, [campaign_id] = await bench_campaigns(url, SCENARIO)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    for start in range(0, rows, CHUNK):
        numbers = range(start, min(start + CHUNK, rows))
        async with sessions() as session:
            ids = list(await session.scalars(
                insert(Abonent).returning(Abonent.id, sort_by_parameter_order=True), [
                    {"campaign_id": campaign_id, "phone": f"+7999{n:07d}", "state": "done",
                     "attempts_made": 1, "last_status": 200, "created_at": now,
                     "updated_at": now,
                     "variables": {"fio": f"Абонент {n}", "amount": f"{n % 100000}.00"}}
                    for n in numbers]))
            await session.execute(insert(Call), [
                {"call_id": uuid.uuid4().hex, "customer_id": customer_id,
                 "campaign_id": campaign_id, "abonent_id": abonent_id, "attempt": 1,
                 "call_type": "outbound", "cg_pn": "+74951234567", "cd_pn": f"+7999{n:07d}",
                 "started_at": now, "ended_at": now, "state": "ended", "status": 200,
                 "duration": 9, "answered": True, "cost": Decimal("1.3500"),
                 "trace": _trace(n), "variables": {"code": str(1000 + n % 9000)},
                 "created_at": now}
                for abonent_id, n in zip(ids, numbers, strict=True)])
            await session.commit()
    await engine.dispose()
    return campaign_id


async def one_run(url: str, campaign_id: int, fmt: str, scratch: Path) -> dict:
    """Produce the report once; `rss_mb` samples how memory moved while rows went out."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        customer_id = await session.scalar(
            select(Campaign.customer_id).where(Campaign.id == campaign_id))
        report = await report_service.prepare(session, customer_id, campaign_id, fmt)
    samples: list[float] = []
    started = time.perf_counter()
    size = 0
    if fmt == "csv":
        async for chunk in report_service.csv_chunks(sessions, report):
            size += len(chunk)
            if len(samples) < 1 or size // 20_000_000 > len(samples) - 1:
                samples.append(rss_kb() / 1024)
    else:
        path = await report_service.write_file(sessions, report, scratch)
        size = path.stat().st_size
        path.unlink()
    seconds = time.perf_counter() - started
    await engine.dispose()
    samples.append(rss_kb() / 1024)
    return {"seconds": seconds, "bytes": size, "peak_mb": peak_rss_kb() / 1024,
            "rss_mb": [round(s) for s in samples]}


def measure(url: str, campaign_id: int, fmt: str, scratch: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--one", url, str(campaign_id), fmt, str(scratch)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"])
    parser.add_argument("--pg", help="PostgreSQL server URL (a scratch database is created)")
    parser.add_argument("--only-pg", action="store_true", help="skip the SQLite runs")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        url, campaign_id, fmt, scratch = args.one
        print(json.dumps(asyncio.run(one_run(url, int(campaign_id), fmt, Path(scratch)))))
        return
    results = []
    header = (f"{'backend':<11} {'format':<6} {'rows':>9} {'seconds':>8} {'rows/s':>8} "
              f"{'MB out':>7} {'peak RSS MB':>11}  RSS while streaming (MB)")

    def line(r: dict) -> str:
        return (f"{r['backend']:<11} {r['format']:<6} {r['rows']:>9,} {r['seconds']:>8.1f} "
                f"{r['rows'] / r['seconds']:>8,.0f} {r['bytes'] / 2**20:>7.0f} "
                f"{r['peak_mb']:>11.0f}  {r['rss_mb']}")

    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for rows in args.rows:
            backends = [] if args.only_pg else [
                ("SQLite", f"sqlite+aiosqlite:///{scratch / f'report_{rows}.db'}")]
            if args.pg:
                backends.append(("PostgreSQL", asyncio.run(scratch_pg(args.pg, "report"))))
            for backend, url in backends:
                try:
                    began = time.perf_counter()
                    campaign_id = asyncio.run(populate(url, rows))
                    print(f"{backend}: {rows:,} abonents and calls written in "
                          f"{time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
                    for fmt in args.formats:
                        results.append({"backend": backend, "rows": rows, "format": fmt,
                                        **measure(url, campaign_id, fmt, scratch)})
                        print(line(results[-1]), file=sys.stderr, flush=True)
                finally:
                    if backend == "PostgreSQL":
                        asyncio.run(drop_pg(url))
    print(header)
    for r in results:
        print(line(r))


if __name__ == "__main__":
    main()
