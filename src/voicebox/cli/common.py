"""Shared CLI plumbing: run async work on a migrated database, print JSON, fail clearly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.config import get_settings
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


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on the configured, migrated database."""

    async def runner() -> T:
        settings = get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        try:
            await upgrade(engine)
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
