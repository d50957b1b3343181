"""Throw-away PostgreSQL databases, one per test session or benchmark run, so parallel runs
never share tables (tests/conftest.py and bench/_common.py both use these; here in the package,
both import it as they import the rest of VoiceBox)."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def create_scratch_database(server: str, prefix: str) -> str:
    """Create an empty database `vb_<prefix>_<pid>_<random>` on `server`; returns its URL."""
    base = make_url(server)
    name = f"vb_{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    """Drop the database `url` names, even with connections still open to it."""
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    await admin.dispose()
