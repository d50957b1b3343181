"""A `CallLeg` that follows a script, for unit tests of the engine and for benchmarks.

Not a telephony driver: nobody is on the line. It answers from a queue of `Heard` items, takes
virtual time from the clock it is given (a prompt lasts `seconds_per_char` per character) and
keeps a log of what the engine made it do.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from voicebox.errors import MediaError
from voicebox.telephony.base import (
    SILENCE,
    CallResult,
    CallState,
    Clock,
    Detected,
    Detection,
    Heard,
    Prompt,
    TransferTarget,
)
from voicebox.telephony.leg import Leg, as_collected, interrupts


def dtmf(digits: str, *, barge_in: bool = False) -> Heard:
    return Heard(dtmf=digits, barged_in=barge_in)


def say(text: str, *, barge_in: bool = False, confidence: float = 0.9) -> Heard:
    return Heard(speech=text, confidence=confidence, barged_in=barge_in)


class ScriptedCall(Leg):
    """Answers `collect` (and barge-in on `play` for items marked `barged_in`) from `answers`;
    an exhausted script is silence."""

    def __init__(
        self,
        clock: Clock,
        answers: Iterable[Heard | None] = (),
        *,
        call_id: str = "call-1",
        state: CallState = CallState.NEW,
        dial_result: CallResult = CallResult.ANSWERED,
        ring_seconds: float = 3.0,
        detection: Detection = Detection(Detected.HUMAN, 0.95),
        transfer_result: CallResult = CallResult.ANSWERED,
        hangup_after: float | None = None,
        seconds_per_char: float = 0.05,
        answer_seconds: float = 1.0,
        fail_prompt: str | None = None,
        keep_log: bool = True,
    ):
        super().__init__(clock, call_id=call_id, state=state)
        self._answers: deque[Heard | None] = deque(answers)
        self.dial_result = dial_result
        self.ring_seconds = ring_seconds
        self.detection = detection
        self.transfer_result = transfer_result
        self.hangup_after = hangup_after
        self.seconds_per_char = seconds_per_char
        self.answer_seconds = answer_seconds
        self.fail_prompt = fail_prompt
        self.log: list[tuple[str, object]] | None = [] if keep_log else None
        if state is CallState.ANSWERED:
            self._up()

    # -- bookkeeping ---------------------------------------------------------------------------
    def _note(self, event: str, value: object = None) -> None:
        if self.log is not None:
            self.log.append((event, value))

    def _up(self) -> None:
        super()._up()
        if self.hangup_after is not None:
            self._clock.call_later(self.hangup_after, self.remote_hangup)

    def remote_hangup(self) -> None:
        if self._state is not CallState.ENDED:
            self._note("remote_hangup")
        super().remote_hangup()

    # -- the CallLeg protocol --------------------------------------------------------------
    async def dial(self, number: str, *, ring_seconds: float = 60.0) -> CallResult:
        self._note("dial", number)
        self._state = CallState.RINGING
        await self._clock.sleep(min(self.ring_seconds, ring_seconds))
        if self._state is CallState.ENDED:
            return CallResult.CANCELLED
        if self.dial_result is CallResult.ANSWERED:
            self._up()
        else:
            self._state = CallState.ENDED
        return self.dial_result

    async def answer(self) -> CallResult:
        self._note("answer")
        if self._state is CallState.ENDED:
            return CallResult.CANCELLED
        self._up()
        return CallResult.ANSWERED

    async def play(
        self, prompt: Prompt, *, barge_in_dtmf: bool = False, barge_in_speech: bool = False
    ) -> Heard:
        shown = prompt.text if prompt.text is not None else f"file:{prompt.file}"
        self._note("play", shown)
        if self.fail_prompt is not None and self.fail_prompt in shown:
            raise MediaError(f"cannot render prompt {shown!r}")
        seconds = len(prompt.text or "") * self.seconds_per_char if prompt.text else 2.0
        nxt = self._answers[0] if self._answers else None
        if nxt is not None and nxt.barged_in and interrupts(
            nxt, dtmf=barge_in_dtmf, speech=barge_in_speech
        ):
            self._answers.popleft()
            await self._spend(seconds / 2)
            self._note("barge_in", nxt.text)
            return nxt
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
        heard = self._answers.popleft() if self._answers else None
        if heard is None or heard.empty or (heard.dtmf and not dtmf) or (
            heard.speech and not speech
        ):
            await self._spend(wait_seconds)
            self._note("heard", "")
            return SILENCE
        await self._spend(self.answer_seconds)
        heard = as_collected(heard, max_digits=max_digits, terminator=terminator)
        self._note("heard", heard.text)
        return heard

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        await self._spend(min(listen_seconds, 1.5))
        self._note("detect", self.detection.kind.value)
        return self.detection

    async def transfer(self, target: TransferTarget, *, ring_seconds: float = 60.0) -> CallResult:
        self._note("transfer", target.sip_uri or target.number)
        await self._spend(min(self.ring_seconds, ring_seconds))
        return self.transfer_result

    async def hangup(self, result: CallResult = CallResult.ANSWERED) -> None:
        if self._state is CallState.ENDED:
            return
        self._note("hangup", int(result))
        self._hang_up_here()

    def played(self) -> list[str]:
        return [str(value) for event, value in (self.log or []) if event == "play"]
