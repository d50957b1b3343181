"""Scaled real time: `scale` call seconds pass per real second (60 = a minute per second); and
each simulated call's own clock on top of it, which stops while real work runs for the call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from voicebox.telephony.base import Clock, TimerHandle
from voicebox.telephony.pacer import pacer_for
from voicebox.telephony.transport import FRAME_SECONDS


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


class _CallTimer:
    """A timer on a `CallClock`: due at a call-clock time, re-armed on the base clock until the
    call's time (which stops while held) reaches it."""

    __slots__ = ("_callback", "_clock", "_due", "_handle", "cancelled")

    def __init__(self, clock: CallClock, due: float, callback: Callable[[], None]):
        self._clock = clock
        self._due = due
        self._callback = callback
        self._handle: TimerHandle | None = None
        self.cancelled = False

    def arm(self) -> None:
        clock = self._clock
        if clock.held:
            clock._parked.append(self)
        else:
            delay = max(self._due - clock.now(), 0.0)
            if clock.media_at is not None and delay > 0:
                delay = max(delay, FRAME_SECONDS)  # waits on the audio: no busy re-arming
            self._handle = clock.base.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        if self.cancelled:
            return
        if self._clock.held or self._clock.now() < self._due - 1e-9:
            self.arm()  # the call was held (or its audio lagged) meanwhile: not due yet
            return
        self._callback()

    def cancel(self) -> None:
        self.cancelled = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class CallClock:
    """One simulated call's clock: its gateway's clock, stopped while the simulator does real
    work for the call (rendering a prompt, recognising speech, getting the subscriber's words
    ready). Scaled time would otherwise multiply those real seconds into call time (at scale 60
    one second of synthesis is a minute of call): on a phone that work overlaps the call or
    happens before it, and the simulator must not bill it. Holds nest (`hold` / `release`).

    Once the call has audio (`media_at`, set by its `CallPacer`), its time is also never ahead
    of its audio: a process that cannot move frames as fast as the scale asks (many calls, a
    busy machine, voice activity detection on every frame) slows the call down instead of
    letting call time pass without audio."""

    def __init__(self, base: Clock):
        self.base = base
        self.offset = 0.0  # base seconds the call was held, in all
        self.media_at: float | None = None  # the end of the last frame moved (call time)
        self._holds = 0
        self._held_at = 0.0
        self._parked: list[_CallTimer] = []

    @property
    def held(self) -> bool:
        return self._holds > 0

    def hold(self) -> None:
        if self._holds == 0:
            self._held_at = self.base.now()
        self._holds += 1

    def release(self) -> None:
        if self._holds == 0:
            return
        self._holds -= 1
        if self._holds == 0:
            self.offset += self.base.now() - self._held_at
            parked, self._parked = self._parked, []
            for timer in parked:
                if not timer.cancelled:
                    timer.arm()

    def running(self) -> float:
        """The call's time by the base clock alone (held time taken out), audio aside."""
        return (self._held_at if self._holds else self.base.now()) - self.offset

    def now(self) -> float:
        now = self.running()
        media = self.media_at
        return now if media is None or media >= now else media

    def wall(self) -> datetime:
        return self.base.wall()

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _CallTimer(self, self.now() + max(seconds, 0.0), callback)
        timer.arm()
        return timer

    def sleep(self, seconds: float) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        self.call_later(seconds, wake)
        return future


class CallPacer:
    """Ticks one call's audio link from the gateway clock's shared pacer, in the call's time:
    no frames move while the call's clock is held (one pacer task for all calls, as before)."""

    def __init__(self, clock: CallClock):
        self.clock = clock
        self._base = pacer_for(clock.base)
        self._turn = False  # a frame moved in this turn of the event loop
        self._tickers: dict[Callable[[float], None], None] = {}
        self._media: float | None = None  # where the call's audio is (call time)

    def add(self, ticker: Callable[[float], None]) -> None:
        self._tickers[ticker] = None
        self._base.add(self._tick)

    def _next_turn(self) -> None:
        self._turn = False

    def remove(self, ticker: Callable[[float], None]) -> None:
        self._tickers.pop(ticker, None)
        if not self._tickers:
            self._base.remove(self._tick)
            self.clock.media_at = None  # no audio any more: time runs on unheld

    def _tick(self, at: float) -> None:
        """One frame each way, unless the call is held, its audio is already ahead of its time,
        or a frame already moved in this turn of the event loop: a pacer catching up runs its
        ticks back to back, and the call's own tasks (the engine, the subscriber) must see
        each frame's effects before the next one, as they would in real time. A call whose
        frames come slower than the clock asks runs on the audio's time (`media_at`)."""
        clock = self.clock
        if clock.held or self._turn:
            return
        local = clock.running() if self._media is None else self._media + FRAME_SECONDS
        if local > clock.running() + 1e-9:
            return
        self._turn = True
        asyncio.get_running_loop().call_soon(self._next_turn)
        self._media = local
        clock.media_at = local + FRAME_SECONDS
        for ticker in list(self._tickers):
            ticker(local)
