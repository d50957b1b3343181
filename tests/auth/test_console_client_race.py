"""Two servers starting at once on one SQLite database both register the console's client: the
second must wait for the first, not fail its start on a stale read ("database is locked")."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete

from voicebox.auth.console_client import ensure_console_client
from voicebox.models import OAuthClient
from voicebox.store.db import make_engine, make_sessionmaker


async def test_two_processes_register_the_console_client_at_once(app, database_url):
    engines = [make_engine(database_url), make_engine(database_url)]  # two servers' own engines
    makers = [make_sessionmaker(engine) for engine in engines]
    try:
        for _ in range(10):
            async with makers[0]() as session:
                await session.execute(delete(OAuthClient))
                await session.commit()
            await asyncio.gather(*(ensure_console_client(maker, None) for maker in makers))
        async with makers[0]() as session:
            clients = (await session.scalars(OAuthClient.__table__.select())).all()
        assert len(clients) == 1
    finally:
        for engine in engines:
            await engine.dispose()
