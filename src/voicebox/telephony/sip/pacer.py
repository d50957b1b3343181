"""One pacer per event loop: every 20 ms it asks each live RTP stream for its next packet.

The schedule is absolute (tick n is due at start + n × 20 ms on `loop.time()`), so lateness
never accumulates; a tick that runs late is followed at once by the next one due, and a loop
stalled for longer than `MAX_BEHIND` skips ahead instead of bursting.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from typing import Protocol

log = logging.getLogger(__name__)

PERIOD = 0.02
MAX_BEHIND = 0.2


class Paced(Protocol):
    def tick(self) -> None:
        """Send this period's packet; must not block."""
        ...


class Pacer:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, period: float = PERIOD):
        self._loop = loop
        self._period = period
        self._members: dict[int, Paced] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0
        self.lateness: deque[float] = deque(maxlen=50_000)  # seconds past due, for bench/sip.py
        self.skipped = 0

    def __len__(self) -> int:
        return len(self._members)

    def add(self, member: Paced) -> None:
        self._members[id(member)] = member
        if self._handle is None:
            self._due = self._loop.time() + self._period
            self._handle = self._loop.call_at(self._due, self._tick)

    def remove(self, member: Paced) -> None:
        self._members.pop(id(member), None)
        if not self._members and self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        now = self._loop.time()
        self.lateness.append(now - self._due)
        for member in list(self._members.values()):
            try:
                member.tick()
            except Exception:  # one broken stream must not stop every call's audio
                log.exception("RTP stream failed to send; removed from the pacer")
                self._members.pop(id(member), None)
        self._due += self._period
        if now - self._due > MAX_BEHIND:
            behind = int((now - self._due) / self._period)
            self.skipped += behind
            self._due += behind * self._period
        if self._members:
            self._handle = self._loop.call_at(self._due, self._tick)
        else:
            self._handle = None


_pacers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pacer] = (
    weakref.WeakKeyDictionary())


def pacer() -> Pacer:
    """The running loop's pacer."""
    loop = asyncio.get_running_loop()
    found = _pacers.get(loop)
    if found is None:
        found = _pacers[loop] = Pacer(loop)
    return found
