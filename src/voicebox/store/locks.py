"""Serialising a read-check-write (a balance check, then a charge) against every other writer.

PostgreSQL locks the given rows (`FOR UPDATE`) until the transaction ends. SQLite has one
writer at a time, so the transaction takes that write lock now (`BEGIN IMMEDIATE`) instead of at
its first write: Python's sqlite3 only begins a transaction before the first INSERT/UPDATE, so
without it a balance read before the write sees no lock at all, and forty purchases read the same
balance (issue 10: a customer who could afford 10 numbers bought 23). The lock spans processes,
which an in-process asyncio lock would not.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.store.db import is_postgresql
from voicebox.store.writes import begin_write


async def lock_for_update(session: AsyncSession, rows: Select[Any]) -> None:
    """Hold `rows` (PostgreSQL) or the database's write lock (SQLite) until commit/rollback.

    Reads made after this see every committed write, and no other caller of this function on the
    same rows commits in between. Call it before reading what the check depends on.
    """
    if is_postgresql(session):
        await session.execute(rows.with_for_update())
        return
    await begin_write(session)
