"""Scaled real time: `scale` call seconds pass per real second (60 = a minute per second)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from voicebox.telephony.base import TimerHandle


class ScaledClock:
    """The event loop's clock sped up; `wall()` stays the real wall time (schedules are real)."""

    def __init__(self, scale: float = 1.0):
        if scale <= 0:
            raise ValueError("the time scale must be positive")
        self.scale = float(scale)

    def now(self) -> float:
        return asyncio.get_running_loop().time() * self.scale

    def wall(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0) / self.scale)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(max(seconds, 0.0) / self.scale, callback)
