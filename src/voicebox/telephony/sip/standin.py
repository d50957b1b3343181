"""STAND-IN media for SIP calls until the shared `MediaLeg` (issue 12) lands: NOT the media leg.

It speaks the same `FrameTransport` contract the leg will, so replacing it is one line in
`SipCall._attach_media`. It plays a PCM buffer a renderer gives for a prompt (no TTS of its own),
collects digits from out-of-band events (kept while nobody listens: type-ahead), keeps what it
heard for tests, and answers `detect_machine` with unknown. No in-band DTMF, VAD, speech,
barge-in by speech or recording.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import numpy as np

from voicebox.media.audio import from_float
from voicebox.telephony.base import SILENCE, Clock, Detection, Heard, Prompt, RemoteHangup
from voicebox.telephony.transport import FRAME_BYTES, DtmfEvent, FrameTransport

Renderer = Callable[[Prompt], Awaitable[bytes]]
MAX_HEARD_BYTES = 60 * 8000 * 2  # a minute of received audio kept for inspection


async def beep_renderer(prompt: Prompt) -> bytes:
    """Half a second of 440 Hz per prompt: a placeholder for speech."""
    t = np.arange(4000) / 8000
    return from_float(0.3 * np.sin(2 * np.pi * 440 * t))


class StandInMedia:
    def __init__(self, transport: FrameTransport, clock: Clock, render: Renderer):
        self._transport = transport
        self._clock = clock
        self._render = render
        self._playing: bytes = b""
        self._offset = 0
        self._played: asyncio.Event = asyncio.Event()
        self._played.set()
        self._digits: deque[str] = deque()
        self._digit_arrived = asyncio.Event()
        self._ended = False
        self.heard = bytearray()
        self.heard_digits: list[DtmfEvent] = []
        transport.set_source(self._next_frame)
        transport.on_frame(self._frame)
        transport.on_dtmf(self._dtmf)

    def _next_frame(self) -> bytes | None:
        if self._offset >= len(self._playing):
            return None
        frame = self._playing[self._offset:self._offset + FRAME_BYTES]
        self._offset += FRAME_BYTES
        if self._offset >= len(self._playing):
            self._played.set()
        return frame.ljust(FRAME_BYTES, b"\0")

    def _frame(self, frame: bytes, at: float) -> None:
        if len(self.heard) < MAX_HEARD_BYTES:
            self.heard += frame

    def _dtmf(self, event: DtmfEvent) -> None:
        self.heard_digits.append(event)
        self._digits.append(event.digit)
        self._digit_arrived.set()

    def end(self) -> None:
        """The call is over: wake every waiter (they raise RemoteHangup)."""
        self._ended = True
        self._stop_playing()
        self._digit_arrived.set()

    def _stop_playing(self) -> None:
        self._playing, self._offset = b"", 0
        self._played.set()

    def _check(self) -> None:
        if self._ended:
            raise RemoteHangup("the far end hung up")

    async def _wait(self, event: asyncio.Event, seconds: float | None) -> bool:
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def play(self, prompt: Prompt, *, barge_in_dtmf: bool = False,
                   barge_in_speech: bool = False) -> Heard:
        self._check()
        if barge_in_dtmf and self._digits:
            return Heard(dtmf=self._digits.popleft(), barged_in=True)
        pcm = await self._render(prompt)
        self._check()
        self._playing, self._offset = pcm, 0
        self._played.clear()
        try:
            while not self._played.is_set():
                self._digit_arrived.clear()
                waiters = [asyncio.ensure_future(self._played.wait())]
                if barge_in_dtmf:
                    waiters.append(asyncio.ensure_future(self._digit_arrived.wait()))
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                self._check()
                if barge_in_dtmf and self._digits:
                    return Heard(dtmf=self._digits.popleft(), barged_in=True)
        finally:
            self._stop_playing()
        self._check()
        return SILENCE

    async def collect(self, *, dtmf: bool = True, speech: bool = False, wait_seconds: float = 5.0,
                      max_digits: int | None = None, terminator: str | None = "#",
                      language: str | None = None, hints: Sequence[str] = ()) -> Heard:
        self._check()
        if not dtmf:
            await self._wait(asyncio.Event(), wait_seconds)  # the stand-in hears no speech
            self._check()
            return SILENCE
        digits = ""
        while True:
            while self._digits:
                digit = self._digits.popleft()
                if terminator and digit == terminator:
                    return Heard(dtmf=digits) if digits else SILENCE
                digits += digit
                if max_digits is not None and len(digits) >= max_digits:
                    return Heard(dtmf=digits)
            self._digit_arrived.clear()
            arrived = await self._wait(self._digit_arrived, wait_seconds)
            self._check()
            if not arrived:
                return Heard(dtmf=digits) if digits else SILENCE

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        self._check()
        return Detection()
