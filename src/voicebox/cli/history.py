"""`voicebox admin sweep-history`: count the call history for deep pages now, with a progress
bar (every dialer also does it in the background; this is for a large history after an upgrade,
or a deployment whose dialers are stopped)."""

from __future__ import annotations

import asyncio

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from voicebox.calls.sweep import HistorySweeper
from voicebox.cli.common import err_console, open_database, print_json
from voicebox.config import get_settings
from voicebox.models import Call, HistoryCount
from voicebox.models.history_mark import ALL_CAMPAIGNS
from voicebox.store.db import make_sessionmaker


def register(admin: typer.Typer) -> None:
    @admin.command("sweep-history")
    def sweep_history() -> None:
        """Count every customer's call history up to a minute ago (resumable: stop it any time,
        the next run or any dialer carries on)."""
        settings = get_settings()

        async def run() -> dict:
            engine = await open_database(settings)
            try:
                sessions = make_sessionmaker(engine)
                async with sessions() as session:
                    calls = await session.scalar(select(func.count()).select_from(Call)) or 0
                    done = await session.scalar(select(func.coalesce(func.sum(
                        HistoryCount.counted), 0)).where(HistoryCount.campaign_id == ALL_CAMPAIGNS))
                progress = Progress(TextColumn("counting call history"), BarColumn(),
                                    MofNCompleteColumn(), TimeRemainingColumn(),
                                    console=err_console, transient=True)
                with progress:
                    task = progress.add_task("calls", total=max(0, calls - int(done or 0)))
                    counted = await HistorySweeper(sessions).round(
                        progress=lambda n: progress.advance(task, n))
                return {"counted": counted, "calls": calls}
            finally:
                await engine.dispose()

        print_json(asyncio.run(run()))
