"""`voicebox db …`: schema migrations."""

from __future__ import annotations

import asyncio

import typer

from voicebox.cli.common import err_console
from voicebox.config import get_settings
from voicebox.store.database import database

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Apply every pending migration (SQLite or PostgreSQL, from VOICEBOX_DATABASE_URL)."""

    async def run() -> None:
        async with database(get_settings()):
            pass

    asyncio.run(run())
    settings = get_settings()
    where = settings.sqlite_path if not settings.database_url else "VOICEBOX_DATABASE_URL"
    err_console.print(f"database is up to date ({where})")
