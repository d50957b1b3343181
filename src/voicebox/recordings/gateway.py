"""Recording text-mode simulated calls (which carry no audio): a gateway decorator whose call
legs note what is played and heard (the simulator's `on_play` / `on_input` hooks) and hand the
timeline of every answered call to the `Recorder` when it ends. Audio calls record themselves
through their media leg's tap (live.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicebox.recordings.recorder import Recorder
from voicebox.recordings.timeline import Timeline
from voicebox.telephony.base import CallResult, CallState, Gateway, Heard, Prompt


class RecordedCall:
    """Wraps one leg; everything but `hangup` passes through."""

    def __init__(self, inner: Any, recorder: Recorder):
        self._inner = inner
        self._recorder = recorder
        self._timeline = Timeline(inner.id)
        self._answered = False
        self._done = False
        inner.on_play(self._played)
        inner.on_input(self._heard)
        inner.on_hangup(self._ended)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def id(self) -> str:
        return self._inner.id

    @property
    def state(self) -> CallState:
        return self._inner.state

    def _played(self, prompt: Prompt) -> None:
        self._answered = True
        self._timeline.played(self._inner.elapsed(), prompt)

    def _heard(self, heard: Heard) -> None:
        self._timeline.heard(self._inner.elapsed(), heard)

    def _ended(self) -> None:
        if self._done:
            return
        self._done = True
        self._timeline.duration = self._inner.elapsed()
        if self._answered or self._timeline.duration > 0:
            self._recorder.finished(self._timeline)

    async def hangup(self, result: CallResult = CallResult.ANSWERED) -> None:
        await self._inner.hangup(result)
        self._ended()


class RecordingGateway:
    """Implements `telephony.base.Gateway` around another gateway; text-mode simulated legs are
    recorded from their timeline, every other leg records itself (its media leg's tap)."""

    def __init__(self, inner: Gateway, recorder: Recorder):
        self._inner = inner
        self.recorder = recorder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _wrap(self, call: Any) -> Any:
        if hasattr(call, "on_play") and not getattr(call, "records_itself", True):
            return RecordedCall(call, self.recorder)
        return call

    def outbound(self, **kwargs: Any) -> Any:
        return self._wrap(self._inner.outbound(**kwargs))

    def on_incoming(self, handler: Callable[[Any], Any]) -> None:
        self._inner.on_incoming(lambda call: handler(self._wrap(call)))

    @property
    def clock(self) -> Any:
        return self._inner.clock

    async def start(self) -> None:
        await self._inner.start()
        self.recorder.start()

    async def stop(self) -> None:
        await self._inner.stop()
        await self.recorder.stop()


def recordings_on(settings: Any) -> bool:
    return str(getattr(settings, "recordings", "on")).lower() not in ("off", "false", "0", "no")


def with_recordings(gateway: Gateway, sessionmaker: Any, settings: Any, *,
                    recorder: Recorder | None = None) -> Gateway:
    """`gateway`, recording every answered call unless `VOICEBOX_RECORDINGS=off`."""
    if not recordings_on(settings):
        return gateway
    recorder = recorder or Recorder(sessionmaker, settings)
    return RecordingGateway(gateway, recorder)
