"""The simulated gateway: outbound legs to virtual subscribers, inbound calls placed by hand."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from voicebox.errors import TelephonyError
from voicebox.telephony.base import Clock, IncomingHandler
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.simulated.audio import AudioSimulatedCall
from voicebox.telephony.simulated.behaviour import Behaviour, Simulation, parse_simulation, rng_for
from voicebox.telephony.simulated.call import SimulatedCall
from voicebox.telephony.simulated.clock import ScaledClock
from voicebox.telephony.simulated.recording import RENDERS_AT_ONCE, TextRecording

log = logging.getLogger(__name__)


class SimulatedGateway:
    """Implements `telephony.base.Gateway`; `clock` is the clock every call leg lives in.

    Args:
        audio: calls run in audio mode (frames through a `MediaLeg`, needs `media`) unless
            their `simulation` says `audio: false`; text mode hands text over directly (load
            tests, benchmarks) and, when `media` opens taps, renders each answered call into
            its tap once it ends (`simulated/recording.py`).
    """

    name = "sim"

    def __init__(self, *, clock: Clock | None = None, time_scale: float = 1.0,
                 audio: bool = False, media: MediaKit | None = None):
        self.clock: Clock = clock or ScaledClock(time_scale)
        self.audio = audio
        self.media = media
        self._handlers: list[IncomingHandler] = []
        self._live: dict[str, SimulatedCall] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._recordings: dict[str, TextRecording] = {}
        self._renders: set[asyncio.Task[None]] = set()
        self._render_turns = asyncio.Semaphore(RENDERS_AT_ONCE)

    @property
    def live_calls(self) -> int:
        return len(self._live)

    def outbound(
        self,
        *,
        to: str,
        caller: str | None = None,
        call_id: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> SimulatedCall:
        """A leg to `to`; the callee acts out `options["simulation"]`'s behaviour for attempt
        `options["attempt"]`."""
        options = options or {}
        simulation = options.get("simulation")
        attempt = int(options.get("attempt") or 1)
        sim = simulation if isinstance(simulation, Simulation) else parse_simulation(simulation)
        behaviour = sim.behaviour(to, attempt)
        call_id = call_id or uuid.uuid4().hex
        rng = rng_for(sim.seed, to, attempt, "call")
        audio = self.audio if sim.audio is None else sim.audio
        call: SimulatedCall
        if audio:
            call = AudioSimulatedCall(self.clock, behaviour, call_id=call_id, to=to,
                                      caller=caller, rng=rng, on_end=self._ended,
                                      media=self._media())
        else:
            call = self._text(SimulatedCall(self.clock, behaviour, call_id=call_id, to=to,
                                            caller=caller, rng=rng, on_end=self._ended))
        self._track(call)
        return call

    def _media(self) -> MediaKit:
        if self.media is None:
            raise TelephonyError("audio-mode simulation needs a media kit (speech service)",
                                 name="simulation.audio")
        return self.media

    def on_incoming(self, handler: IncomingHandler) -> None:
        self._handlers.append(handler)

    def incoming(
        self,
        *,
        to: str,
        caller: str = "+70000000000",
        inputs: Iterable[str] = (),
        hangup_after: float | None = None,
        call_id: str | None = None,
    ) -> SimulatedCall:
        """Place a call from a virtual caller to `to`; every registered handler gets it."""
        behaviour = Behaviour(inputs=tuple(inputs), hangup_after=hangup_after)
        call_id = call_id or uuid.uuid4().hex
        rng = rng_for(1, caller, 1, call_id)
        call: SimulatedCall
        if self.audio:
            call = AudioSimulatedCall(self.clock, behaviour, call_id=call_id, to=to,
                                      caller=caller, inbound=True, rng=rng, on_end=self._ended,
                                      media=self._media())
        else:
            call = self._text(SimulatedCall(self.clock, behaviour, call_id=call_id, to=to,
                                            caller=caller, inbound=True, rng=rng,
                                            on_end=self._ended))
        self._track(call)
        for handler in self._handlers:
            task = asyncio.get_running_loop().create_task(handler(call))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return call

    def _text(self, call: SimulatedCall) -> SimulatedCall:
        """A text-mode call, recorded from its timeline when the kit records calls."""
        if self.media is not None and self.media.taps is not None:
            self._recordings[call.id] = TextRecording(call, self.media, self._renders,
                                                      self._render_turns)
        return call

    def _track(self, call: SimulatedCall) -> None:
        self._live[call.id] = call

    def _ended(self, call: SimulatedCall) -> None:
        self._live.pop(call.id, None)
        recording = self._recordings.pop(call.id, None)
        if recording is not None:
            recording.ended()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for call in list(self._live.values()):
            await call.hangup()
        for task in list(self._tasks):
            task.cancel()
        self._live.clear()
        if self._renders:  # the recordings of ended text-mode calls, finished
            await asyncio.gather(*list(self._renders), return_exceptions=True)
