"""An audio-mode simulated call: the simulator's signalling (ringing, answer, hang-up, transfer
as in text mode) with real media: an in-memory audio link whose near end is a `MediaLeg` and
whose far end is a `VirtualSubscriber`.

Each call runs on its own `CallClock`, held while the simulator does real work for it (the
subscriber's phrases before the answer, the robot's prompts, recognition: see `MediaLeg`), so
at any time scale a call lasts as long as it would on a phone, whatever the synthesiser costs."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from voicebox.telephony.base import (
    CallResult,
    CallState,
    Clock,
)
from voicebox.telephony.media_delegate import MediaDelegate
from voicebox.telephony.media_leg import MediaKit, MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.simulated.call import SimulatedCall
from voicebox.telephony.simulated.clock import CallClock, CallPacer
from voicebox.telephony.simulated.subscriber import VirtualSubscriber, render_phrases


class AudioSimulatedCall(MediaDelegate, SimulatedCall):
    """Implements `telephony.base.CallLeg` with audio frames both ways once answered."""

    def __init__(self, clock: Clock, *args: Any, media: MediaKit, **kwargs: Any):
        self.call_clock = CallClock(clock)
        super().__init__(self.call_clock, *args, **kwargs)
        self._voice_rng = random.Random(self._rng.random())
        self.kit = media
        self.media: MediaLeg | None = None
        self.subscriber: VirtualSubscriber | None = None
        self._phrases: asyncio.Future[dict[str, bytes]] | None = None

    def _prepare(self) -> asyncio.Future[dict[str, bytes]]:
        if self._phrases is None:
            self._phrases = asyncio.ensure_future(render_phrases(
                self.behaviour, self._voice_rng))
        return self._phrases

    async def _before_answer(self) -> None:
        phrases = self._prepare()
        if phrases.done():
            return
        self.call_clock.hold()  # the subscriber picks up once it has its words ready
        try:
            await asyncio.shield(phrases)
        finally:
            self.call_clock.release()

    async def dial(self, number: str, *, ring_seconds: float = 60.0) -> CallResult:
        if self.behaviour.answers and self.state is CallState.NEW:
            self._prepare()  # while it rings
        return await super().dial(number, ring_seconds=ring_seconds)

    def _up(self) -> None:
        super()._up()
        link = MemoryLink(self.call_clock, pacer=CallPacer(self.call_clock))  # type: ignore[arg-type]  # FramePacer-shaped: add / remove
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
