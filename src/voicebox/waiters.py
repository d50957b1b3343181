"""Coroutines parked until something changes: each gets a future, and `wake` resolves every one
parked so far; they then look again at what changed (and park again if it is not theirs)."""

from __future__ import annotations

import asyncio


class Waiters:
    def __init__(self) -> None:
        self._futures: list[asyncio.Future[None]] = []

    def park(self) -> asyncio.Future[None]:
        """A future resolved at the next `wake`."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._futures.append(future)
        return future

    def wake(self) -> None:
        futures, self._futures = self._futures, []
        for future in futures:
            if not future.done():
                future.set_result(None)
