"""Retention: recordings older than `VOICEBOX_RECORDING_RETENTION_DAYS` are deleted from storage
and their calls' `record_path` cleared (`callRecord` turns false). Keys are dated
(`recordings/<yyyy>/<mm>/<dd>/…`) and listed in key order, so the listing stops at the first
recording young enough to keep: a purge costs what it deletes, not the size of the history."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePosixPath

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.recordings.recorder import RECORDINGS_DIR
from voicebox.recordings.repository import recording_repository
from voicebox.storage import Storage
from voicebox.store.writes import write_session

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0
_BATCH = 500


def _day(key: str) -> date | None:
    """The date in `recordings/<yyyy>/<mm>/<dd>/<name>`; None for any other key."""
    parts = key.split("/")
    if len(parts) != 5:
        return None
    try:
        return date(int(parts[1]), int(parts[2]), int(parts[3]))
    except ValueError:
        return None


async def purge_recordings(
    sessionmaker: async_sessionmaker[AsyncSession], storage: Storage, days: int,
    *, now: datetime | None = None,
) -> dict[str, int]:
    """Delete recordings made more than `days` days ago (0 keeps everything)."""
    if days <= 0:
        return {"files": 0, "calls": 0}
    before = ((now or datetime.now(UTC)) - timedelta(days=days)).date()
    files = calls = 0
    batch: list[str] = []

    async def purge(keys: list[str]) -> None:
        nonlocal files, calls
        wavs = [key for key in keys if key.endswith(".wav")]
        if wavs:
            async with write_session(sessionmaker) as session:
                calls += await recording_repository.clear_paths(
                    session, [PurePosixPath(key).stem for key in wavs], wavs)
                await session.commit()
        for key in keys:
            await storage.delete(key)
        files += len(wavs)

    async for key in storage.list(f"{RECORDINGS_DIR}/"):
        day = _day(key)
        if day is None:
            continue
        if day >= before:
            break  # key order is date order: everything after is younger
        batch.append(key)
        if len(batch) >= _BATCH:
            await purge(batch)
            batch = []
    if batch:
        await purge(batch)
    if files:
        log.info("purged %d recordings older than %d days", files, days)
    return {"files": files, "calls": calls}
