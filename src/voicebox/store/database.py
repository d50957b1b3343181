"""Opening the database, the one way every entry point does it: the data folder, the engine,
the migrations, a sessionmaker (the API, `voicebox worker`, the CLI, the benchmarks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from voicebox.config import Settings
from voicebox.store.db import make_engine, make_sessionmaker
from voicebox.store.migrate import upgrade


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    async def dispose(self) -> None:
        await self.engine.dispose()


async def open_database(settings: Settings | None = None, *, url: str | None = None,
                        migrate: bool = True) -> Database:
    """An engine on `url` (default: the settings' database), migrated to the newest schema.

    With settings, the data folder is created first (the SQLite file and uploads live there).
    """
    if settings is not None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = url or settings.resolved_database_url
    if url is None:
        raise ValueError("open_database needs settings or a url")
    engine = make_engine(url)
    try:
        if migrate:
            await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Database(engine, make_sessionmaker(engine))


@asynccontextmanager
async def database(settings: Settings | None = None, *, url: str | None = None,
                   migrate: bool = True) -> AsyncIterator[Database]:
    """`open_database` for the length of a block, disposed after it."""
    opened = await open_database(settings, url=url, migrate=migrate)
    try:
        yield opened
    finally:
        await opened.dispose()
