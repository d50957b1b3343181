"""An audio-mode simulated call: the simulator's signalling (ringing, answer, hang-up, transfer
as in text mode) with real media: an in-memory audio link whose near end is a `MediaLeg` and
whose far end is a `VirtualSubscriber`."""

from __future__ import annotations

import asyncio
from typing import Any

from voicebox.telephony.base import (
    CallResult,
)
from voicebox.telephony.media_delegate import MediaDelegate
from voicebox.telephony.media_leg import MediaKit, MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.simulated.call import SimulatedCall
from voicebox.telephony.simulated.subscriber import VirtualSubscriber, render_phrases


class AudioSimulatedCall(MediaDelegate, SimulatedCall):
    """Implements `telephony.base.CallLeg` with audio frames both ways once answered."""

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
