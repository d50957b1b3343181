"""The plumbing every in-process call leg shares (`ScriptedCall`, `SimulatedCall`).

Time passes on the leg's clock; a hang-up by the far end ends the leg, runs the `on_hangup`
callbacks once and makes whatever waits on the leg raise `RemoteHangup`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

from voicebox.telephony.base import CallState, Clock, Heard, RemoteHangup


class Leg:
    def __init__(self, clock: Clock, *, call_id: str, state: CallState, to: str = "",
                 caller: str | None = None):
        self._clock = clock
        self._id = call_id
        self.to = to
        self.caller = caller
        self._state = state
        self._answered_at: float | None = None
        self._ended_at: float | None = None
        self._hangup_callbacks: list[Callable[[], None]] = []
        self.remote_hung_up = False
        self.final_code: int | None = None
        self.error: str | None = None

    @property
    def id(self) -> str:
        return self._id

    @property
    def state(self) -> CallState:
        return self._state

    @property
    def clock(self) -> Clock:
        return self._clock

    def _up(self) -> None:
        self._state = CallState.ANSWERED
        self._answered_at = self._clock.now()

    def _end(self) -> None:
        self._state = CallState.ENDED
        self._ended_at = self._clock.now()

    def _hang_up_here(self) -> None:
        """Our side hangs up: the far end's callbacks will never run."""
        self._end()
        self._hangup_callbacks.clear()

    def remote_hangup(self) -> None:
        """The far end hangs up now."""
        if self._state is CallState.ENDED:
            return
        self._end()
        self.remote_hung_up = True
        callbacks, self._hangup_callbacks = self._hangup_callbacks, []
        for callback in callbacks:
            callback()

    async def _spend(self, seconds: float) -> None:
        """Let `seconds` of call time pass; RemoteHangup if the far end is (or goes) away."""
        if self._state is CallState.ENDED:
            raise RemoteHangup("the far end hung up")
        if seconds > 0:
            await self._clock.sleep(seconds)
        if self._state is CallState.ENDED:  # type: ignore[comparison-overlap]  # may end while we sleep
            raise RemoteHangup("the far end hung up")

    def on_hangup(self, callback: Callable[[], None]) -> None:
        if self.remote_hung_up:
            callback()
        else:
            self._hangup_callbacks.append(callback)

    def elapsed(self) -> float:
        if self._answered_at is None:
            return 0.0
        end = self._ended_at if self._ended_at is not None else self._clock.now()
        return end - self._answered_at


def as_collected(heard: Heard, *, max_digits: int | None, terminator: str | None) -> Heard:
    """What `collect` returns for `heard`: digits cut at the terminator and at `max_digits`."""
    if not heard.dtmf:
        return heard
    digits = heard.dtmf
    if terminator and terminator in digits:
        digits = digits.split(terminator, 1)[0]
    if max_digits is not None:
        digits = digits[:max_digits]
    return Heard(dtmf=digits)


def interrupts(heard: Heard | None, *, dtmf: bool, speech: bool) -> TypeGuard[Heard]:
    """Whether `heard` may cut a prompt short that allows barge-in by digits / speech."""
    return heard is not None and bool((heard.dtmf and dtmf) or (heard.speech and speech))
