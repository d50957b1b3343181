"""Bulk abonent writes: rows go to a staging table (SQLite executemany, PostgreSQL COPY) and are
merged into `abonents` in one statement at the end.

Both merge duplicates (the later row's variables win) and run inside the caller's transaction,
so a refused import leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from voicebox.campaigns.abonents import Row
from voicebox.models import Abonent
from voicebox.models.abonent import PENDING
from voicebox.store.db import driver_value, is_postgresql

_SQLITE_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS abonent_import"
    " (seq INTEGER, phone TEXT, variables TEXT, timezone TEXT)"
)
_SQLITE_STAGE_ROWS = (
    "INSERT INTO temp.abonent_import (seq, phone, variables, timezone) VALUES (?, ?, ?, ?)"
)
# Merged in phone order, so the unique index grows at its end instead of at a random page per
# row; a later duplicate updates the row an earlier one inserted in this same statement.
_SQLITE_MERGE = (
    "INSERT INTO abonents (campaign_id, phone, variables, timezone, state, attempts_made,"
    " created_at, updated_at) SELECT ?, phone, variables, timezone, ?, 0, ?, ?"
    " FROM temp.abonent_import WHERE true ORDER BY phone, seq"
    " ON CONFLICT (campaign_id, phone) DO UPDATE SET variables = excluded.variables,"
    " timezone = excluded.timezone, updated_at = excluded.updated_at"
)
_PG_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS abonent_import"
    " (seq bigint, phone text, variables text, timezone text) ON COMMIT DROP"
)
# The newest row per phone of the staged file. Byte order ("C") sorts several times faster than
# the database's collation (strcoll per comparison); equality is the same in both.
_PG_LATEST = (
    'SELECT DISTINCT ON (phone COLLATE "C") phone, variables, timezone FROM abonent_import'
    ' ORDER BY phone COLLATE "C", seq DESC'
)
# Two plain statements rather than INSERT … ON CONFLICT: a speculative insertion per row costs
# PostgreSQL several times a plain one. The campaign row is locked by the caller meanwhile.
_PG_UPDATE = text(
    f"UPDATE abonents AS a SET variables = s.variables::json, timezone = s.timezone,"
    f" updated_at = CAST(:now AS timestamptz) FROM ({_PG_LATEST}) AS s"
    " WHERE a.campaign_id = CAST(:campaign_id AS integer) AND a.phone = s.phone"
)
_PG_INSERT = text(
    "INSERT INTO abonents (campaign_id, phone, variables, timezone, state, attempts_made,"
    " created_at, updated_at)"
    " SELECT CAST(:campaign_id AS integer), s.phone, s.variables::json, s.timezone,"
    " CAST(:state AS varchar), 0, CAST(:now AS timestamptz), CAST(:now AS timestamptz)"
    f" FROM ({_PG_LATEST}) AS s WHERE NOT EXISTS (SELECT 1 FROM abonents AS a"
    " WHERE a.campaign_id = CAST(:campaign_id AS integer) AND a.phone = s.phone)"
)
_PG_ANY = text("SELECT EXISTS (SELECT 1 FROM abonents WHERE campaign_id = :campaign_id)")


class AbonentWriter(Protocol):
    async def write(self, rows: Sequence[Row]) -> None: ...

    async def finish(self) -> None: ...


class _SQLiteWriter:
    def __init__(self, connection: AsyncConnection, campaign_id: int, now: datetime) -> None:
        self.connection = connection
        self.campaign_id = campaign_id
        self.now = driver_value(Abonent.__table__.c.created_at.type, connection.dialect)(now)
        self.started = False

    async def write(self, rows: Sequence[Row]) -> None:
        if not self.started:
            await self.connection.exec_driver_sql(_SQLITE_STAGE)
            await self.connection.exec_driver_sql("DELETE FROM temp.abonent_import")
            self.started = True
        await self.connection.exec_driver_sql(_SQLITE_STAGE_ROWS, list(rows))

    async def finish(self) -> None:
        if not self.started:
            return
        await self.connection.exec_driver_sql(
            _SQLITE_MERGE, (self.campaign_id, PENDING, self.now, self.now)
        )
        await self.connection.exec_driver_sql("DROP TABLE temp.abonent_import")


class _PostgresWriter:
    def __init__(self, connection: AsyncConnection, campaign_id: int, now: datetime) -> None:
        self.connection = connection
        self.campaign_id = campaign_id
        self.now = now
        self.started = False

    async def _driver(self):
        raw = await self.connection.get_raw_connection()
        return raw.driver_connection

    async def write(self, rows: Sequence[Row]) -> None:
        if not self.started:
            # Through SQLAlchemy first, so the transaction is open before COPY uses the driver.
            await self.connection.exec_driver_sql(_PG_STAGE)
            await self.connection.exec_driver_sql("TRUNCATE abonent_import")
            self.started = True
        driver = await self._driver()
        await driver.copy_records_to_table(
            "abonent_import", records=rows, columns=("seq", "phone", "variables", "timezone")
        )

    async def finish(self) -> None:
        if not self.started:
            return
        params = {"campaign_id": self.campaign_id, "state": PENDING, "now": self.now}
        # Sorting a million staged rows in the default 4 MB spills to disk.
        await self.connection.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        if await self.connection.scalar(_PG_ANY, {"campaign_id": self.campaign_id}):
            await self.connection.execute(_PG_UPDATE, params)
        # The foreign key is checked per row; we keep it (no replica-mode bypass) so the import
        # behaves the same whatever role the service connects as.
        await self.connection.execute(_PG_INSERT, params)
        await self.connection.exec_driver_sql("DROP TABLE abonent_import")
        await self.connection.exec_driver_sql("RESET work_mem")


async def abonent_writer(session: AsyncSession, campaign_id: int, now: datetime) -> AbonentWriter:
    connection = await session.connection()
    if is_postgresql(session):
        return _PostgresWriter(connection, campaign_id, now)
    return _SQLiteWriter(connection, campaign_id, now)
