"""Retention: recordings older than `VOICEBOX_RECORDING_RETENTION_DAYS` are deleted and their
calls' `record_path` cleared (`callRecord` turns false). Walks the dated folders, so a purge
costs what it deletes, not the size of the call history."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.recordings.recorder import RECORDINGS_DIR
from voicebox.recordings.repository import recording_repository

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0
_BATCH = 500


def _old_folders(root: Path, before: date) -> list[tuple[date, Path]]:
    found = []
    for year in sorted(root.glob("[0-9][0-9][0-9][0-9]")):
        for month in sorted(year.glob("[0-9][0-9]")):
            for day in sorted(month.glob("[0-9][0-9]")):
                try:
                    when = date(int(year.name), int(month.name), int(day.name))
                except ValueError:
                    continue
                if when < before:
                    found.append((when, day))
    return found


def _remove(folder: Path) -> int:
    removed = 0
    for path in folder.iterdir():
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += path.suffix == ".wav"
    for empty in (folder, folder.parent, folder.parent.parent):
        try:
            empty.rmdir()
        except OSError:
            break
    return removed


async def purge_recordings(
    sessionmaker: async_sessionmaker[AsyncSession], data_dir: Path, days: int,
    *, now: datetime | None = None,
) -> dict[str, int]:
    """Delete recordings made more than `days` days ago (0 keeps everything)."""
    if days <= 0:
        return {"files": 0, "calls": 0}
    root = Path(data_dir) / RECORDINGS_DIR
    before = ((now or datetime.now(UTC)) - timedelta(days=days)).date()
    folders = await asyncio.to_thread(_old_folders, root, before) if root.is_dir() else []
    files = calls = 0
    for _, folder in folders:
        names = await asyncio.to_thread(lambda f=folder: [p for p in f.glob("*.wav")])
        prefix = folder.relative_to(data_dir).as_posix() + "/"
        for start in range(0, len(names), _BATCH):
            chunk = names[start:start + _BATCH]
            async with sessionmaker() as session:
                calls += await recording_repository.clear_paths(
                    session, [p.stem for p in chunk], [prefix + p.name for p in chunk])
                await session.commit()
        files += await asyncio.to_thread(_remove, folder)
    if files:
        log.info("purged %d recordings older than %d days", files, days)
    return {"files": files, "calls": calls}
