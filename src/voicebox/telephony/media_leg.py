"""`MediaLeg`: the `CallLeg` protocol's media operations (`play`, `collect`, `detect_machine`),
written once over any `FrameTransport`; every driver (the simulator's audio mode, SIP) keeps
its own signalling and hands media to one of these.

Everything happens on the pacer's tick and the transport's callbacks, never in a task of its
own: an outgoing frame is the next slice of the prompt playing (or silence); each received
frame is checked for loudness, in-band DTMF (unless the far end sends RFC 4733 events, then
those alone count), voice activity and, while `detect_machine` listens, the timing detector.
Utterances go to the `Recognizer`; nothing the far end might attach besides audio is read.

The callee's greeting: people (and the simulator's subscribers) say «Алло?» when they pick up,
while the robot's first prompt starts (or before it, when the prompt is slow to render). Speech
that began before any prompt had been heard to its end, and either within `greeting_seconds`
of the answer or before the first prompt started, is that greeting: it neither barges in nor
answers a question the callee has not heard yet, and is dropped unrecognised. When it began is
the start of the current loud stretch of received audio (tracked on every frame, so speech
already under way when an operation starts listening is dated right).

Real work done for the call (rendering a prompt, recognising an utterance, transcribing a
greeting) holds the call's clock when the clock can be held (a simulated call's `CallClock`:
such work must not count as call time under a scaled clock); a real clock runs on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from voicebox.errors import MediaError
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
from voicebox.telephony.prompts import PromptRenderer, stream_of
from voicebox.telephony.transport import FRAME_BYTES, SILENT_FRAME, DtmfEvent, FrameTransport
from voicebox.waiters import Waiters

log = logging.getLogger(__name__)
_KINDS = {HUMAN: Detected.HUMAN, MACHINE: Detected.MACHINE, ASSISTANT: Detected.ASSISTANT}
_FOREVER = 1e9  # a Listener that waits for speech as long as the leg wants it
GREETING_SECONDS = 2.0  # speech starting this soon after the answer may be the callee's hello
_TALK_GAP = 15  # quiet frames (0.3 s) that end a loud stretch


def _nothing() -> None:
    return None


def hold_clock(clock: object) -> Callable[[], None]:
    """Hold `clock` while real work runs for the call, if it is a clock that can stop (the
    simulator's); returns the release."""
    hold = getattr(clock, "hold", None)
    release: Callable[[], None] | None = getattr(clock, "release", None)
    if hold is None or release is None:
        return _nothing
    hold()
    return release


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
        greeting_seconds: float = GREETING_SECONDS,
    ):
        self.transport = transport
        self.clock = transport.clock
        self.answered_at = self.clock.now()  # a leg is made when the call is answered
        self.greeting_seconds = greeting_seconds
        self._first_prompt_at: float | None = None
        self._loud_since: float | None = None  # when the far end's current loud stretch began
        self._quiet_run = 0
        self.prompts = prompts
        self.recognizer = recognizer or NullRecognizer()
        self.tap = tap
        self.language = language
        self.amd = amd
        self._pcm: bytes | bytearray | None = None  # the prompt playing (as far as rendered)
        self._complete = True  # all of the playing prompt is in `_pcm`
        self._pos = 0
        self.underruns = 0  # frames sent as silence while a streaming prompt's engine lagged
        self._played: asyncio.Future[str] | None = None  # "end" / "dtmf" / "speech"
        self._barge_dtmf = self._barge_speech = False
        self._digits: list[str] = []
        self._oob = False  # the far end sends out-of-band events: in-band tones are ignored
        self._dtmf = DtmfListener()
        self._listener: Listener | None = None  # hears speech while an operation wants it
        self._greeting = False  # what the listener hears is the callee's greeting
        self._immediate = False  # utterances end at the first pause (`immediateStt`)
        self._prompts_heard = 0  # prompts played to their end (or cut short)
        self._hints: tuple[str, ...] = ()
        self._utterances: deque[Transcript] = deque()
        self._want_speech = 0  # operations that want utterances recognised
        self._recognising = 0
        self._detector: MachineDetector | None = None
        self._verdict: bool = False  # the detector has decided
        self._waiters = Waiters()
        self.ended = False
        transport.set_source(self._next_frame)
        transport.on_frame(self._received)
        transport.on_dtmf(self._event)

    # -- frames out ----------------------------------------------------------------------------
    def _next_frame(self, at: float) -> bytes | None:
        pcm = self._pcm
        if pcm is None:
            return None
        pos = self._pos
        if not self._complete and pos + FRAME_BYTES > len(pcm):
            self.underruns += 1  # the engine is slower than real time: silence, never a gap
            return None
        frame = bytes(pcm[pos:pos + FRAME_BYTES])
        self._pos = pos + FRAME_BYTES
        if len(frame) < FRAME_BYTES:
            frame += bytes(FRAME_BYTES - len(frame))
        if self.tap is not None:
            self.tap.robot(frame, at)
        if self._complete and self._pos >= len(pcm):
            self._stop_prompt("end")
        return frame

    def _stop_prompt(self, why: str) -> None:
        if self._pcm is not None:
            self._prompts_heard += 1
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
            self._quiet_run += 1
            if self._quiet_run >= _TALK_GAP:
                self._loud_since = None
        else:
            self._quiet_run = 0
            if self._loud_since is None:
                self._loud_since = at
            if not self._oob:
                for digit in self._dtmf.feed(frame):
                    self._digit(digit)
                tone = self._dtmf.tone
        detector = self._detector
        if detector is not None:
            beeped = detector.beeped
            detector.push(frame)  # after its timing verdict it still listens for a beep
            if (detector.done and not self._verdict) or detector.beeped != beeped:
                self._verdict = True
                self._waiters.wake()
        if tone:
            self._listener = None  # a key press, not speech: forget the half-heard utterance
            return
        if not self._want_speech:
            self._listener = None
            return
        listener = self._listener
        if listener is None:
            listener = self._listener = Listener(wait_seconds=_FOREVER,
                                                 immediate=self._immediate)
            self._greeting = False
        was_speaking = listener.speaking
        listener.push(frame)
        if listener.speaking and not was_speaking:
            self._greeting = self._is_greeting(at)
            if not self._greeting:
                if self._pcm is not None and self._barge_speech:
                    self._stop_prompt("speech")
                self._waiters.wake()
        if listener.done:
            self._listener = None
            utterance = listener.finish()
            if utterance is not None and not self._greeting:
                self._heard_utterance(utterance.pcm)
            elif self._greeting:
                log.debug("call greeting heard and dropped (%.1f s)",
                          utterance.seconds if utterance else 0.0)
            self._greeting = False

    def _is_greeting(self, at: float) -> bool:
        """Speech heard now is the callee's hello: it began soon after the answer, or before
        the first prompt started, and no prompt has been heard to its end yet."""
        if self._prompts_heard:
            return False
        began = self._loud_since if self._loud_since is not None else at
        first = self._first_prompt_at
        return began < self.answered_at + self.greeting_seconds or \
            (first is not None and began < first)

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
        self._waiters.wake()

    def _heard_utterance(self, pcm: bytes) -> None:
        if not self._want_speech:
            self._waiters.wake()
            return
        self._recognising += 1
        release = hold_clock(self.clock)
        task = asyncio.get_running_loop().create_task(
            self.recognizer.transcribe(pcm, language=self.language, hints=self._hints))
        task.add_done_callback(lambda done: self._recognised(done, release))

    def _recognised(self, task: asyncio.Task[Transcript], release: Callable[[], None]) -> None:
        release()
        self._recognising -= 1
        if task.cancelled() or task.exception() is not None:
            if not task.cancelled():
                log.warning("recogniser failed: %r", task.exception())
            result = NOTHING  # a failing recogniser means "not understood", not a crash
        else:
            result = task.result()
        self._utterances.append(result)
        self._waiters.wake()

    # -- waiting ----------------------------------------------------------------------------
    def _check(self) -> None:
        if self.ended:
            raise RemoteHangup("the far end hung up")

    async def _wait(self, deadline: float | None) -> None:
        """Until something happens on the leg or `deadline` (clock seconds) passes."""
        waiter = self._waiters.park()
        timer = None
        if deadline is not None:
            timer = self.clock.call_later(deadline - self.clock.now(), self._waiters.wake)
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
        """Speech (not the greeting) is under way or being recognised."""
        return (self._listener is not None and self._listener.speaking and not self._greeting) \
            or self._recognising > 0

    def _take_digits(self, count: int | None = None) -> str:
        taken = self._digits[:count] if count is not None else self._digits
        self._digits = self._digits[len(taken):]
        return "".join(taken)

    # -- the CallLeg protocol's media operations ---------------------------------------
    async def play(self, prompt: Prompt, *, barge_in_dtmf: bool = False,
                   barge_in_speech: bool = False) -> Heard:
        self._check()
        pieces = stream_of(self.prompts, prompt)
        try:
            # Rendering up to the first piece is not call time in the simulator; after it the
            # prompt plays while the engine goes on (an engine that cannot stream: all of it).
            release = hold_clock(self.clock)
            try:
                first = await anext(pieces, b"")
            finally:
                release()
            self._check()
            if barge_in_dtmf and self._digits:  # typed ahead: the prompt is not needed
                return Heard(dtmf=self._take_digits(), barged_in=True)
            if not first:
                return SILENCE
        except BaseException:
            await pieces.aclose()
            raise
        played = asyncio.get_running_loop().create_future()
        if self._first_prompt_at is None:
            self._first_prompt_at = self.clock.now()
        self._pcm, self._pos, self._played, self._complete = first, 0, played, False
        pump = asyncio.get_running_loop().create_task(self._pump(pieces, played))
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
            if not pump.done():  # stopped early: the engine stops too (nothing is cached)
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)

    async def _pump(self, pieces: AsyncGenerator[bytes, None], played: asyncio.Future[str]) -> None:
        """Append the rest of a streaming prompt to what is playing, as the engine makes it
        (a cached prompt is one piece: it is complete at once, and never copied)."""
        try:
            async with aclosing(pieces):
                async for piece in pieces:
                    pcm = self._pcm
                    if self._played is not played or pcm is None:
                        return  # stopped meanwhile
                    if not isinstance(pcm, bytearray):
                        pcm = self._pcm = bytearray(pcm)
                    pcm += piece
        except MediaError as error:  # the engine failed mid-prompt: as a failed render does
            if not played.done():
                played.set_exception(error)
            return
        pcm = self._pcm
        if self._played is played and pcm is not None:
            self._complete = True
            if self._pos >= len(pcm):
                self._stop_prompt("end")

    async def collect(self, *, dtmf: bool = True, speech: bool = False, wait_seconds: float = 5.0,
                      max_digits: int | None = None, terminator: str | None = "#",
                      language: str | None = None, hints: Sequence[str] = (),
                      immediate: bool = False) -> Heard:
        self._check()
        if language:
            self.language = language
        self._hints = tuple(hints)
        self._want_speech += speech
        self._immediate = immediate
        if immediate and self._listener is not None:  # an utterance already under way
            self._listener.end_silence = min(self._listener.end_silence, Listener.PAUSE)
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
            self._immediate = False

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
        started = self.clock.now()
        deadline = started + listen_seconds
        try:
            verdict = await self._detected(detector, deadline)
            if detector.listens_on(verdict):
                # One ordinary cue or none so far («Здравствуйте, вы позвонили Ивану…»): hear
                # the greeting on, up to VOICEBOX_AMD_TOTAL, before saying unknown or a person.
                detector.resume()
                self._verdict = detector.done
                verdict = await self._detected(
                    detector, started + max(listen_seconds, detector.timing.total))
            if detector.awaits_beep(verdict):
                # Voicemail greetings end in a beep that may come long after the words: a
                # greeting no words gave away is heard out for one until `listen_seconds`.
                await self._until(lambda: detector.beeped, deadline)
            verdict = detector.with_beep(verdict)
        finally:
            self._detector = None
        self._check()
        return Detection(_KINDS.get(verdict.kind, Detected.UNKNOWN), verdict.confidence,
                         cause=verdict.cause, decided_at=verdict.decided_at)

    async def _detected(self, detector: MachineDetector, deadline: float) -> AmdResult:
        """`detector`'s verdict once it decides or `deadline` passes; a long greeting is
        transcribed with the media clock held (recognition time is not call time)."""
        await self._until(lambda: self._verdict, deadline)
        detector.finish()
        release = hold_clock(self.clock)
        try:
            verdict: AmdResult = await detector.result()
        finally:
            release()
        self._check()
        return verdict

    # -- the end ---------------------------------------------------------------------------
    def end(self) -> None:
        """The call is over: close the transport and the recording, wake every waiter."""
        if self.ended:
            return
        self.ended = True
        until = self.clock.now()  # the media clock, before the transport stops moving it
        self._stop_prompt("hangup")
        self.transport.close()
        if self.tap is not None:
            self.tap.close(until=until)
        self._waiters.wake()


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
