"""`MediaLeg`: the `CallLeg` protocol's media operations (`play`, `collect`, `detect_machine`),
written once over any `FrameTransport`; every driver (the simulator's audio mode, SIP) keeps
its own signalling and hands media to one of these.

Everything happens on the pacer's tick and the transport's callbacks, never in a task of its
own: an outgoing frame is the next slice of the prompt playing (or silence); each received
frame is checked for loudness, in-band DTMF (unless the far end sends RFC 4733 events, then
those alone count), voice activity and, while `detect_machine` listens, the timing detector.
Utterances go to the `Recognizer`; nothing the far end might attach besides audio is read.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from voicebox.media.amd import ASSISTANT, HUMAN, MACHINE, AmdResult, AmdTiming, MachineDetector
from voicebox.media.asr import NOTHING, NullRecognizer, Recognizer, Transcript
from voicebox.media.dtmf import DtmfListener
from voicebox.media.listen import Listener
from voicebox.media.tap import RecordingTap
from voicebox.media.vad import is_loud
from voicebox.telephony.base import (
    SILENCE,
    Detected,
    Detection,
    Heard,
    Prompt,
    RemoteHangup,
)
from voicebox.telephony.prompts import PromptRenderer
from voicebox.telephony.transport import FRAME_BYTES, SILENT_FRAME, DtmfEvent, FrameTransport

log = logging.getLogger(__name__)
_KINDS = {HUMAN: Detected.HUMAN, MACHINE: Detected.MACHINE, ASSISTANT: Detected.ASSISTANT}
_FOREVER = 1e9  # a Listener that waits for speech as long as the leg wants it


class MediaLeg:
    """Media for one answered call. `end()` when the call ends (either side): operations in
    progress raise `RemoteHangup`, the transport closes and the recording tap is closed."""

    def __init__(
        self,
        transport: FrameTransport,
        *,
        prompts: PromptRenderer,
        recognizer: Recognizer | None = None,
        tap: RecordingTap | None = None,
        language: str = "ru",
        amd: AmdTiming | None = None,
    ):
        self.transport = transport
        self.clock = transport.clock
        self.prompts = prompts
        self.recognizer = recognizer or NullRecognizer()
        self.tap = tap
        self.language = language
        self.amd = amd
        self._pcm: bytes | None = None  # the prompt playing
        self._pos = 0
        self._played: asyncio.Future[str] | None = None  # "end" / "dtmf" / "speech"
        self._barge_dtmf = self._barge_speech = False
        self._digits: list[str] = []
        self._oob = False  # the far end sends out-of-band events: in-band tones are ignored
        self._dtmf = DtmfListener()
        self._listener: Listener | None = None  # hears speech while an operation wants it
        self._hints: tuple[str, ...] = ()
        self._utterances: deque[Transcript] = deque()
        self._want_speech = 0  # operations that want utterances recognised
        self._recognising = 0
        self._detector: MachineDetector | None = None
        self._verdict: bool = False  # the detector has decided
        self._waiters: list[asyncio.Future[None]] = []
        self.ended = False
        transport.set_source(self._next_frame)
        transport.on_frame(self._received)
        transport.on_dtmf(self._event)

    # -- frames out ----------------------------------------------------------------------------
    def _next_frame(self) -> bytes | None:
        pcm = self._pcm
        if pcm is None:
            return None
        pos = self._pos
        frame = pcm[pos:pos + FRAME_BYTES]
        self._pos = pos + FRAME_BYTES
        if len(frame) < FRAME_BYTES:
            frame += bytes(FRAME_BYTES - len(frame))
        if self.tap is not None:
            self.tap.robot(frame, self.clock.now())
        if self._pos >= len(pcm):
            self._stop_prompt("end")
        return frame

    def _stop_prompt(self, why: str) -> None:
        self._pcm = None
        if self._played is not None and not self._played.done():
            self._played.set_result(why)

    # -- frames and events in ------------------------------------------------------------------
    def _received(self, frame: bytes, at: float) -> None:
        if self.ended:
            return
        tone = False
        if frame is not SILENT_FRAME and self.tap is not None:
            self.tap.subscriber(frame, at)
        if frame is SILENT_FRAME or not is_loud(frame):
            self._dtmf.quiet()
        elif not self._oob:
            for digit in self._dtmf.feed(frame):
                self._digit(digit)
            tone = self._dtmf.tone
        if self._detector is not None and not self._verdict:
            self._detector.push(frame)
            if self._detector.done:
                self._verdict = True
                self._wake()
        if tone:
            self._listener = None  # a key press, not speech: forget the half-heard utterance
            return
        if not self._want_speech:
            self._listener = None
            return
        listener = self._listener
        if listener is None:
            listener = self._listener = Listener(wait_seconds=_FOREVER)
        was_speaking = listener.speaking
        listener.push(frame)
        if listener.speaking and not was_speaking:
            if self._pcm is not None and self._barge_speech:
                self._stop_prompt("speech")
            self._wake()
        if listener.done:
            self._listener = None
            utterance = listener.finish()
            if utterance is not None:
                self._heard_utterance(utterance.pcm)

    def _event(self, event: DtmfEvent) -> None:
        if self.ended:
            return
        self._oob = True
        self._dtmf.quiet()
        self._digit(event.digit)

    def _digit(self, digit: str) -> None:
        self._digits.append(digit)
        if self._pcm is not None and self._barge_dtmf:
            self._stop_prompt("dtmf")
        self._wake()

    def _heard_utterance(self, pcm: bytes) -> None:
        if not self._want_speech:
            self._wake()
            return
        self._recognising += 1
        task = asyncio.get_running_loop().create_task(
            self.recognizer.transcribe(pcm, language=self.language, hints=self._hints))
        task.add_done_callback(self._recognised)

    def _recognised(self, task: asyncio.Task[Transcript]) -> None:
        self._recognising -= 1
        if task.cancelled() or task.exception() is not None:
            if not task.cancelled():
                log.warning("recogniser failed: %r", task.exception())
            result = NOTHING  # a failing recogniser means "not understood", not a crash
        else:
            result = task.result()
        self._utterances.append(result)
        self._wake()

    # -- waiting ----------------------------------------------------------------------------
    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _check(self) -> None:
        if self.ended:
            raise RemoteHangup("the far end hung up")

    async def _wait(self, deadline: float | None) -> None:
        """Until something happens on the leg or `deadline` (clock seconds) passes."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        timer = None
        if deadline is not None:
            timer = self.clock.call_later(deadline - self.clock.now(), self._wake)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
        self._check()

    async def _until(self, ready: Callable[[], bool], deadline: float | None) -> bool:
        while not ready():
            if deadline is not None and self.clock.now() >= deadline:
                return False
            await self._wait(deadline)
        return True

    def _hearing(self) -> bool:
        """Speech is under way or being recognised."""
        return (self._listener is not None and self._listener.speaking) or self._recognising > 0

    def _take_digits(self, count: int | None = None) -> str:
        taken = self._digits[:count] if count is not None else self._digits
        self._digits = self._digits[len(taken):]
        return "".join(taken)

    # -- the CallLeg protocol's media operations ---------------------------------------
    async def play(self, prompt: Prompt, *, barge_in_dtmf: bool = False,
                   barge_in_speech: bool = False) -> Heard:
        self._check()
        pcm = await self.prompts.render(prompt)
        self._check()
        if barge_in_dtmf and self._digits:  # typed ahead: the prompt is not needed
            return Heard(dtmf=self._take_digits(), barged_in=True)
        if not pcm:
            return SILENCE
        played = asyncio.get_running_loop().create_future()
        self._pcm, self._pos, self._played = pcm, 0, played
        self._barge_dtmf, self._barge_speech = barge_in_dtmf, barge_in_speech
        self._want_speech += barge_in_speech
        try:
            why = await played
            self._check()
            if why == "dtmf":
                return Heard(dtmf=self._take_digits(), barged_in=True)
            if why == "speech":
                await self._until(lambda: bool(self._utterances) or not self._hearing(), None)
                if not self._utterances:
                    return Heard(barged_in=True)  # it was not speech after all
                return _heard(self._utterances.popleft(), barged_in=True)
            return SILENCE
        finally:
            self._want_speech -= barge_in_speech
            if self._played is played:
                self._pcm, self._played = None, None  # cancelled: the audio stops at once

    async def collect(self, *, dtmf: bool = True, speech: bool = False, wait_seconds: float = 5.0,
                      max_digits: int | None = None, terminator: str | None = "#",
                      language: str | None = None, hints: Sequence[str] = ()) -> Heard:
        self._check()
        if language:
            self.language = language
        self._hints = tuple(hints)
        self._want_speech += speech
        try:
            deadline = self.clock.now() + wait_seconds
            seen = len(self._digits)
            while True:
                if dtmf and self._digits:
                    heard = self._digits_done(max_digits, terminator)
                    if heard is not None:
                        return heard
                    if len(self._digits) > seen:  # a new digit restarts the wait
                        seen = len(self._digits)
                        deadline = self.clock.now() + wait_seconds
                if speech and self._utterances:
                    return _heard(self._utterances.popleft())
                talking = speech and self._hearing()
                if not talking and self.clock.now() >= deadline:
                    if dtmf and self._digits:
                        return Heard(dtmf=self._take_digits(max_digits))
                    return SILENCE
                await self._wait(None if talking else deadline)
        finally:
            self._want_speech -= speech

    def _digits_done(self, max_digits: int | None, terminator: str | None) -> Heard | None:
        if terminator and terminator in self._digits:
            index = self._digits.index(terminator)
            digits = self._take_digits(index + 1)[:-1]
            if max_digits is not None:
                digits = digits[:max_digits]
            return Heard(dtmf=digits)
        if max_digits is not None and len(self._digits) >= max_digits:
            return Heard(dtmf=self._take_digits(max_digits))
        return None

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        self._check()
        detector = self._detector = MachineDetector(
            self.amd, recognizer=self.recognizer, language=self.language)
        self._verdict = False
        try:
            await self._until(lambda: self._verdict, self.clock.now() + listen_seconds)
        finally:
            self._detector = None
        detector.finish()
        verdict: AmdResult = await detector.result()  # a long greeting is transcribed first
        self._check()
        return Detection(_KINDS.get(verdict.kind, Detected.UNKNOWN), verdict.confidence,
                         cause=verdict.cause, decided_at=verdict.decided_at)

    # -- the end ---------------------------------------------------------------------------
    def end(self) -> None:
        """The call is over: close the transport and the recording, wake every waiter."""
        if self.ended:
            return
        self.ended = True
        self._stop_prompt("hangup")
        self.transport.close()
        if self.tap is not None:
            self.tap.close(until=self.clock.now())
        self._wake()


def _heard(said: Transcript, *, barged_in: bool = False) -> Heard:
    return Heard(speech=said.text, confidence=said.confidence, barged_in=barged_in,
                 alternatives=said.alternatives, asr_ms=round(said.seconds * 1000))


TapFactory = Callable[[str, float], "RecordingTap | None"]
"""Opens the recording of call `call_id` whose media clock starts at the given time (None: the
call is not recorded)."""


@dataclass(slots=True)
class MediaKit:
    """What a driver needs to give its calls media legs; one per process, shared by drivers."""

    prompts: PromptRenderer
    recognizer: Recognizer | None = None
    taps: TapFactory | None = None

    def leg(self, transport: FrameTransport, call_id: str, *, language: str = "ru") -> MediaLeg:
        tap = self.taps(call_id, transport.clock.now()) if self.taps is not None else None
        return MediaLeg(transport, prompts=self.prompts, recognizer=self.recognizer, tap=tap,
                        language=language)
