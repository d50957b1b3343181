"""`voicebox db …`: schema migrations."""

from __future__ import annotations

import asyncio

import typer

from voicebox.cli.common import err_console
from voicebox.config import get_settings
from voicebox.store.db import make_engine
from voicebox.store.migrate import upgrade as apply_migrations

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration (SQLite or PostgreSQL, from VOICEBOX_DATABASE_URL)."""

    async def run() -> None:
        settings = get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        try:
            await apply_migrations(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    settings = get_settings()
    where = settings.sqlite_path if not settings.database_url else "VOICEBOX_DATABASE_URL"
    err_console.print(f"database is up to date ({where})")
