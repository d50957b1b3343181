"""The frame pacer: one task per clock ticks every 20 ms and lets every live transport move one
frame each way, so a thousand calls cost one sleeping task, not a thousand.

Ticks are scheduled on an absolute grid (start + n·20 ms) so lateness never accumulates; a
pacer that fell behind (the loop was busy) catches up tick by tick without sleeping, so every
call still gets one frame per 20 ms of its clock, unless it is more than `max_behind` frames
behind: then it skips ahead (a gap beats a second-long burst; RTP allows a shorter burst than
in-memory links: `telephony/sip/rtp.py`). `lateness` keeps how late each
tick ran, for the benchmark. A pacer of several `phases` ticks that many times per frame period,
evenly spaced (RTP spreads its calls' sends over them: see `telephony/sip/rtp.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable

from voicebox.telephony.base import Clock
from voicebox.telephony.transport import FRAME_SECONDS

log = logging.getLogger(__name__)
Ticker = Callable[[float], None]
"""Called once per frame period with the tick's media time (the grid time, not `now()`)."""
MAX_BEHIND = 50  # one second


class FramePacer:
    def __init__(self, clock: Clock, *, max_behind: int = MAX_BEHIND, phases: int = 1):
        self.clock = clock
        self.max_behind = max_behind
        self.phases = phases
        self.period = FRAME_SECONDS / phases
        self._tickers: dict[Ticker, None] = {}  # insertion-ordered set
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0
        self.lateness: list[float] | None = None  # set to [] to measure

    def add(self, ticker: Ticker) -> None:
        self._tickers[ticker] = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, ticker: Ticker) -> None:
        self._tickers.pop(ticker, None)

    @property
    def live(self) -> int:
        return len(self._tickers)

    async def _run(self) -> None:
        clock = self.clock
        due = clock.now()
        period = self.period
        while self._tickers:
            due += period
            delay = due - clock.now()
            if delay > 0:
                await clock.sleep(delay)
            late = clock.now() - due
            if self.lateness is not None:
                self.lateness.append(late)
            if late > self.max_behind * FRAME_SECONDS:
                due = clock.now()
            self.ticks += 1
            for ticker in list(self._tickers):
                try:
                    ticker(due)
                except Exception:  # one broken call must not stall every other call's audio
                    self._tickers.pop(ticker, None)
                    log.exception("frame ticker failed; its call gets no more audio")

    async def stop(self) -> None:
        self._tickers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


_PACERS: weakref.WeakKeyDictionary[object, FramePacer] = weakref.WeakKeyDictionary()


def pacer_for(clock: Clock) -> FramePacer:
    """The process's pacer for `clock` (one per clock: virtual and real time cannot share)."""
    pacer = _PACERS.get(clock)
    if pacer is None:
        pacer = _PACERS[clock] = FramePacer(clock)
    return pacer
