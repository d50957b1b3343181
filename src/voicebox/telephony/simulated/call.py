"""One simulated call leg: a virtual subscriber acting out a `Behaviour` on the call's clock."""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Callable, Sequence

from voicebox.telephony.base import (
    SILENCE,
    CallResult,
    CallState,
    Clock,
    Detected,
    Detection,
    Heard,
    Prompt,
    TimerHandle,
    TransferTarget,
)
from voicebox.telephony.leg import Leg, as_collected, interrupts
from voicebox.telephony.simulated.behaviour import TRANSFER_RESULTS, Behaviour

_DIGITS = re.compile(r"^[0-9*#]+$")
SECONDS_PER_CHAR = 0.07  # synthesised speech, about 14 characters a second
FILE_SECONDS = 3.0
MACHINE_GREETING_SECONDS = 30.0  # an answering machine records, then hangs up

PlayHook = Callable[[Prompt], None]
InputHook = Callable[[Heard], None]


def as_heard(text: str, confidence: float = 0.9) -> Heard:
    """A scripted input: digits (and `*`, `#`) are DTMF, anything else speech, "" silence."""
    text = text.strip()
    if not text:
        return SILENCE
    if _DIGITS.match(text):
        return Heard(dtmf=text)
    return Heard(speech=text, confidence=confidence)


class SimulatedCall(Leg):
    """Implements `telephony.base.CallLeg` in text mode. Hooks `on_play` / `on_input` let its
    recording (`simulated/recording.py`) and tests listen in."""

    def __init__(
        self,
        clock: Clock,
        behaviour: Behaviour,
        *,
        call_id: str,
        to: str,
        caller: str | None = None,
        inbound: bool = False,
        rng: random.Random | None = None,
        on_end: Callable[[SimulatedCall], None] | None = None,
    ):
        super().__init__(clock, call_id=call_id,
                         state=CallState.RINGING if inbound else CallState.NEW, to=to,
                         caller=caller)
        self.behaviour = behaviour
        self.inbound = inbound
        self._rng = rng or random.Random(call_id)
        self._inputs: deque[Heard] = deque(as_heard(t, behaviour.confidence)
                                           for t in behaviour.inputs)
        self._play_hooks: list[PlayHook] = []
        self._input_hooks: list[InputHook] = []
        self._timer: TimerHandle | None = None
        self.result: CallResult | None = None  # the final SIP result, once known
        self._on_end = on_end

    # -- hooks for observers (recordings, tests) ----------------------------------------------
    def on_play(self, hook: PlayHook) -> None:
        self._play_hooks.append(hook)

    def on_input(self, hook: InputHook) -> None:
        self._input_hooks.append(hook)

    # -- internals -------------------------------------------------------------------------------
    def _up(self) -> None:
        super()._up()
        self.result = CallResult.ANSWERED
        after = self.behaviour.hangup_after
        if after is None and self.behaviour.result == "machine":
            after = MACHINE_GREETING_SECONDS
        if after is not None:
            self._timer = self._clock.call_later(after, self.remote_hangup)

    async def _before_answer(self) -> None:
        """What must be ready before the line goes up (nothing in text mode)."""

    def _end(self) -> None:
        super()._end()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._on_end is not None:
            self._on_end(self)

    def _heard(self, heard: Heard) -> Heard:
        for hook in self._input_hooks:
            hook(heard)
        return heard

    # -- the CallLeg protocol --------------------------------------------------------------
    async def dial(self, number: str, *, ring_seconds: float = 60.0) -> CallResult:
        if self._state is not CallState.NEW:
            return self.result or CallResult.FAILED
        self._state = CallState.RINGING
        behaviour = self.behaviour
        if behaviour.answers and behaviour.answer_delay <= ring_seconds:
            result, wait = CallResult.ANSWERED, behaviour.answer_delay
        elif behaviour.answers or behaviour.result == "noanswer":
            result, wait = CallResult.NO_ANSWER, ring_seconds
        else:
            result = {"busy": CallResult.BUSY, "unreachable": CallResult.UNREACHABLE}.get(
                behaviour.result, CallResult.FAILED)
            wait = min(behaviour.answer_delay, ring_seconds)
        await self._clock.sleep(wait)
        if self._state is CallState.ENDED:
            return CallResult.CANCELLED
        if result is CallResult.ANSWERED:
            await self._before_answer()
            if self._state is CallState.ENDED:  # type: ignore[comparison-overlap]  # may end while we wait
                return CallResult.CANCELLED
            self._up()
        else:
            self.result = result
            self.final_code = behaviour.code
            self._end()
        return result

    async def answer(self) -> CallResult:
        if self._state is CallState.ENDED:
            return CallResult.CANCELLED
        if self._state is not CallState.ANSWERED:
            await self._before_answer()
            if self._state is CallState.ENDED:  # type: ignore[comparison-overlap]  # may end while we wait
                return CallResult.CANCELLED
            self._up()
        return CallResult.ANSWERED

    async def play(
        self, prompt: Prompt, *, barge_in_dtmf: bool = False, barge_in_speech: bool = False
    ) -> Heard:
        for hook in self._play_hooks:
            hook(prompt)
        seconds = (max(0.5, len(prompt.text) * SECONDS_PER_CHAR) if prompt.text
                   else FILE_SECONDS)
        nxt = self._inputs[0] if self._inputs else None
        if self.behaviour.barge_in and interrupts(nxt, dtmf=barge_in_dtmf,
                                                  speech=barge_in_speech):
            self._inputs.popleft()
            await self._spend(seconds * 0.4)
            return self._heard(Heard(dtmf=nxt.dtmf, speech=nxt.speech,
                                     confidence=nxt.confidence, barged_in=True))
        await self._spend(seconds)
        return SILENCE

    async def collect(
        self,
        *,
        dtmf: bool = True,
        speech: bool = False,
        wait_seconds: float = 5.0,
        max_digits: int | None = None,
        terminator: str | None = "#",
        language: str | None = None,
        hints: Sequence[str] = (),
        immediate: bool = False,
    ) -> Heard:
        heard = self._inputs.popleft() if self._inputs else SILENCE
        usable = interrupts(heard, dtmf=dtmf, speech=speech)
        reply_after = round(self._rng.uniform(0.8, 2.5), 2)
        if not usable or reply_after > wait_seconds:
            await self._spend(wait_seconds)
            return self._heard(SILENCE)
        await self._spend(reply_after)
        return self._heard(as_collected(heard, max_digits=max_digits, terminator=terminator))

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        await self._spend(min(listen_seconds, 2.0))
        kind = {"machine": Detected.MACHINE, "assistant": Detected.ASSISTANT}.get(
            self.behaviour.result, Detected.HUMAN)
        return Detection(kind, self.behaviour.confidence)

    async def transfer(self, target: TransferTarget, *, ring_seconds: float = 60.0) -> CallResult:
        result = TRANSFER_RESULTS[self.behaviour.transfer]
        wait = ring_seconds if result is CallResult.NO_ANSWER else min(
            ring_seconds, round(self._rng.uniform(2.0, 6.0), 2))
        await self._spend(wait)
        return result

    async def hangup(self, result: CallResult = CallResult.ANSWERED) -> None:
        if self._state is CallState.ENDED:
            return
        if self.result is None:
            self.result = result
        self._hang_up_here()
