"""Shared CLI plumbing: run async work on a migrated database, print JSON, fail clearly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voicebox.config import Settings, get_settings
from voicebox.errors import VoiceboxError
from voicebox.store.db import make_engine, make_sessionmaker
from voicebox.store.migrate import upgrade

T = TypeVar("T")
err_console = Console(stderr=True)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def require_database(settings: Settings) -> None:
    """Refuse to work on a SQLite database that does not exist yet: a command run with another
    data directory than the server's would otherwise create a new, empty one silently."""
    if settings.database_url or settings.sqlite_path.exists():
        return
    fail(
        f"no database at {settings.sqlite_path}. Start the server once (scripts/serve.sh) or run "
        "`voicebox db upgrade` to create it there, or point VOICEBOX_DATA_DIR (or "
        "VOICEBOX_DATABASE_URL) at the server's data."
    )


async def open_database(settings: Settings) -> AsyncEngine:
    """The configured database, migrated; it must exist already (`require_database`)."""
    require_database(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on the configured, migrated database."""

    async def runner() -> T:
        engine = await open_database(get_settings())
        try:
            async with make_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(runner())
    except VoiceboxError as error:
        fail(error.message)
        raise  # unreachable: fail() exits
