"""auth_0002 on a database made before scopes were enforced: empty scopes become `read write`."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from voicebox.store.db import make_engine
from voicebox.store.migrate import alembic_config


def _migrate(connection: Connection, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, target)


async def test_empty_scopes_are_upgraded_to_full(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "calls_0003")
            await connection.execute(text(
                "INSERT INTO oauth_clients (client_id, name, redirect_uris, scope, created_at) "
                "VALUES ('old', 'Old app', '[]', '', '2026-01-01 00:00:00'), "
                "('narrow', 'Reader', '[]', 'read', '2026-01-01 00:00:00')"))
            await connection.run_sync(_migrate, "auth_0002")
            rows = dict((await connection.execute(
                text("SELECT client_id, scope FROM oauth_clients"))).all())
        assert rows == {"old": "read write", "narrow": "read"}
    finally:
        await engine.dispose()
