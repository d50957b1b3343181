"""`voicebox admin purge-recordings`: apply the recording retention now (the dialer also does
it hourly when `VOICEBOX_RECORDING_RETENTION_DAYS` is set)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from voicebox.cli.common import existing_database, fail, print_json
from voicebox.config import get_settings
from voicebox.recordings.retention import purge_recordings
from voicebox.storage import open_storage


def register(admin: typer.Typer) -> None:
    @admin.command("purge-recordings")
    def purge(
        days: Annotated[
            int | None,
            typer.Option(help="Keep this many days (default VOICEBOX_RECORDING_RETENTION_DAYS)"),
        ] = None,
    ) -> None:
        """Delete recordings older than the retention period; their calls lose `callRecord`."""
        settings = get_settings()
        keep = settings.recording_retention_days if days is None else days
        if keep <= 0:
            fail("retention is off: give --days N or set VOICEBOX_RECORDING_RETENTION_DAYS")

        async def run() -> dict:
            async with existing_database(settings) as opened:
                return await purge_recordings(opened.sessionmaker, open_storage(settings), keep)

        print_json({"days": keep, **asyncio.run(run())})
