"""The one way a background writer begins a write transaction: `write_session(sessionmaker)`.

SQLite has one writer at a time, and Python's sqlite3 begins a transaction only at the first
INSERT/UPDATE: what a writer reads before its first write is read under no lock, so another
process (or another connection of this one) can commit in between and the write lands on a
stale read (a lost update; tests/store/test_writes.py shows it). So here a write transaction takes
the write lock first (`BEGIN IMMEDIATE`, which waits out the busy timeout like any write), and
the writers of one process queue on an asyncio lock per engine instead of polling in SQLite's
busy handler, each holding a pooled connection. One lock for every writer (the dialer's claims,
leases, results and status changes; inbound calls; recordings; retention; the history sweeper;
number renewal), not a dialer detail that the others bypass.

On PostgreSQL this is a plain session: row locks (`FOR UPDATE`, `SKIP LOCKED`) order writers.

The caller commits; leaving the block without committing rolls back. API requests write through
their request session (`api/deps.py`) and take `store.locks.lock_for_update` where a check must
hold until their write.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

_LOCKS: weakref.WeakKeyDictionary[Engine, dict[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary())


def _writer_lock(engine: Engine) -> asyncio.Lock:
    """This process's lock for `engine`'s writers (one per event loop: a lock binds to one)."""
    per_loop = _LOCKS.setdefault(engine, {})
    loop = asyncio.get_running_loop()
    lock = per_loop.get(loop)
    if lock is None:
        for stale in [other for other in per_loop if other.is_closed()]:
            del per_loop[stale]
        lock = per_loop[loop] = asyncio.Lock()
    return lock


async def begin_write(session: AsyncSession) -> None:
    """On SQLite, take the database's write lock now (`BEGIN IMMEDIATE`) unless the session's
    transaction already wrote (and so holds it); on PostgreSQL nothing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None  # a checked-out connection has its driver's
    if not raw.driver_connection.in_transaction:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


@asynccontextmanager
async def write_session(sessionmaker: async_sessionmaker[AsyncSession],
                        ) -> AsyncIterator[AsyncSession]:
    """A session whose transaction is this database's writer until it commits or ends."""
    bind = sessionmaker.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        async with sessionmaker() as session:
            yield session
        return
    async with _writer_lock(bind.sync_engine), sessionmaker() as session:
        await begin_write(session)
        yield session
