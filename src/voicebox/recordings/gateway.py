"""The gateway that runs the process's `Recorder` beside its calls: every call records itself
into the tap its driver opens from the media kit (audio calls live through their media leg,
text-mode simulated calls from their timeline when they end); this decorator only starts the
recorder with the gateway and drains it when the gateway stops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicebox.recordings.recorder import Recorder
from voicebox.telephony.base import Gateway


class RecordingGateway:
    """Implements `telephony.base.Gateway` around another gateway; calls pass through."""

    def __init__(self, inner: Gateway, recorder: Recorder):
        self._inner = inner
        self.recorder = recorder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def outbound(self, **kwargs: Any) -> Any:
        return self._inner.outbound(**kwargs)

    def on_incoming(self, handler: Callable[[Any], Any]) -> None:
        self._inner.on_incoming(handler)

    @property
    def clock(self) -> Any:
        return self._inner.clock

    async def start(self) -> None:
        await self._inner.start()
        self.recorder.start()

    async def stop(self) -> None:
        await self._inner.stop()  # its calls end and close their taps
        await self.recorder.stop()


def recordings_on(settings: Any) -> bool:
    return str(getattr(settings, "recordings", "on")).lower() not in ("off", "false", "0", "no")


def with_recordings(gateway: Gateway, sessionmaker: Any, settings: Any, *,
                    recorder: Recorder | None = None) -> Gateway:
    """`gateway` with the recorder running unless `VOICEBOX_RECORDINGS=off`."""
    if not recordings_on(settings):
        return gateway
    recorder = recorder or Recorder(sessionmaker, settings)
    return RecordingGateway(gateway, recorder)
