"""Migrations and models agree: one head, and a database migrated from nothing has exactly the
tables, columns, indexes and constraints the models declare (Alembic's autogenerate finds no
difference), on the database under test."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

import voicebox.models  # noqa: F401  (registers every table)
from voicebox.store.db import Base
from voicebox.store.migrate import alembic_config


def test_one_migration_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: add a merge revision"


def _differences(connection: Connection) -> list:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return compare_metadata(context, Base.metadata)


async def test_models_match_migrations(app, database_url: str) -> None:
    async with app.state.engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == [], f"models and migrations disagree: {differences}"
