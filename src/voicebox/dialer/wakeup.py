"""Wake-ups across processes, so an HTTP-launched call starts at once in whichever dialer runs
rather than at its next poll. On PostgreSQL the API queues a NOTIFY that is delivered when its
transaction commits, and every dialer LISTENs. SQLite has no such channel: the embedded dialer
is woken in process, a separate worker finds the call at its next poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voicebox.store.db import is_postgresql

log = logging.getLogger(__name__)

CHANNEL = "voicebox_dialer"
CHECK_SECONDS = 15.0  # how often the listening connection is checked (a lost one reconnects)


async def announce(session: AsyncSession) -> None:
    """Wake every dialer when the session's transaction commits (PostgreSQL; else nothing)."""
    if is_postgresql(session):
        await session.execute(text(f"NOTIFY {CHANNEL}"))


async def listen(engine: AsyncEngine, on_wake: Callable[[], None], stop: asyncio.Event) -> None:
    """Call `on_wake` on every announcement until `stop` is set (PostgreSQL; else returns)."""
    if engine.dialect.name != "postgresql":
        return

    def received(*_: object) -> None:
        on_wake()

    while not stop.is_set():
        try:
            async with engine.connect() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None  # a checked-out connection has its driver's
                await driver.add_listener(CHANNEL, received)
                try:
                    while not stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), CHECK_SECONDS)
                        await driver.execute("SELECT 1")  # a lost connection shows here
                finally:
                    with contextlib.suppress(Exception):
                        await driver.remove_listener(CHANNEL, received)
        except Exception:  # reconnect: until then the dialer still polls
            log.warning("dialer wake-up listener lost its connection; reconnecting", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
