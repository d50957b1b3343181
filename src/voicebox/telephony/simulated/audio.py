"""An audio-mode simulated call: the simulator's signalling (ringing, answer, hang-up, transfer
as in text mode) with real media: an in-memory audio link whose near end is a `MediaLeg` and
whose far end is a `VirtualSubscriber`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from voicebox.errors import TelephonyError
from voicebox.telephony.base import (
    CallResult,
    CallState,
    Detection,
    Heard,
    Prompt,
    RemoteHangup,
)
from voicebox.telephony.media_leg import MediaKit, MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.simulated.call import SimulatedCall
from voicebox.telephony.simulated.subscriber import VirtualSubscriber, render_phrases


class AudioSimulatedCall(SimulatedCall):
    """Implements `telephony.base.CallLeg` with audio frames both ways once answered."""

    records_itself = True  # the media leg's tap writes the recording live

    def __init__(self, *args: Any, media: MediaKit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kit = media
        self.media: MediaLeg | None = None
        self.subscriber: VirtualSubscriber | None = None
        self._phrases: asyncio.Future[dict[str, bytes]] | None = None

    def _prepare(self) -> asyncio.Future[dict[str, bytes]]:
        if self._phrases is None:
            self._phrases = asyncio.ensure_future(render_phrases(
                self.behaviour, self.kit.prompts))
        return self._phrases

    async def dial(self, number: str, *, ring_seconds: float = 60.0) -> CallResult:
        if self.behaviour.answers:
            self._prepare()  # while it rings
        return await super().dial(number, ring_seconds=ring_seconds)

    def _up(self) -> None:
        super()._up()
        link = MemoryLink(self._clock)
        self.media = self.kit.leg(link.a, self.id)
        self.subscriber = VirtualSubscriber(link.b, self.behaviour, phrases=self._prepare(),
                                            rng=self._rng)

    def _end(self) -> None:
        super()._end()
        if self.media is not None:
            self.media.end()
        if self.subscriber is not None:
            self.subscriber.stop()
        elif self._phrases is not None:
            self._phrases.cancel()

    def _leg(self) -> MediaLeg:
        if self._state is CallState.ENDED:
            raise RemoteHangup("the far end hung up")
        if self.media is None:
            raise TelephonyError("no media before the call is answered", name="call")
        return self.media

    async def play(self, prompt: Prompt, *, barge_in_dtmf: bool = False,
                   barge_in_speech: bool = False) -> Heard:
        return await self._leg().play(prompt, barge_in_dtmf=barge_in_dtmf,
                                      barge_in_speech=barge_in_speech)

    async def collect(self, *, dtmf: bool = True, speech: bool = False, wait_seconds: float = 5.0,
                      max_digits: int | None = None, terminator: str | None = "#",
                      language: str | None = None, hints: Sequence[str] = ()) -> Heard:
        return await self._leg().collect(dtmf=dtmf, speech=speech, wait_seconds=wait_seconds,
                                         max_digits=max_digits, terminator=terminator,
                                         language=language, hints=hints)

    async def detect_machine(self, *, listen_seconds: float = 3.0) -> Detection:
        return await self._leg().detect_machine(listen_seconds=listen_seconds)
