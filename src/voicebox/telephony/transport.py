"""The audio-frame transport under a media leg: 20 ms of 8 kHz signed 16-bit PCM each way, with
DTMF as out-of-band events.

A transport carries audio; it knows nothing of prompts, digits collection or recordings (the
media leg does that once for every driver). Two implementations: in-memory (the simulator in
audio mode, tests) and RTP (`telephony/sip/`).

Sending is *pulled*: one pacer per process ticks every 20 ms of the transport's clock and asks
each live transport's source for its next frame, so no call needs a sleeping task of its own and
RTP never stops while a call is up (no frame from the source means silence is sent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from voicebox.telephony.base import Clock

SAMPLE_RATE = 8000
FRAME_SECONDS = 0.02
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
FRAME_BYTES = FRAME_SAMPLES * 2  # 16-bit samples
SILENT_FRAME = bytes(FRAME_BYTES)


@dataclass(frozen=True, slots=True)
class DtmfEvent:
    """One key press received out of band (RFC 4733 event or SIP INFO), reported once, when it
    starts; `at` is the transport clock's time, `seconds` how long the key was held (0 if the
    sender did not say)."""

    digit: str
    at: float
    seconds: float = 0.0


FrameSource = Callable[[float], bytes | None]
"""Gives the 20 ms frame (`FRAME_BYTES` of PCM) that goes out at the given media time (a
transport may pull a frame before it goes: RTP makes its packets a tick ahead), or None for
silence."""
FrameSink = Callable[[bytes, float], None]
"""Takes one received 20 ms frame and its media time (transport clock seconds)."""
DtmfSink = Callable[[DtmfEvent], None]


@runtime_checkable
class FrameTransport(Protocol):
    """Audio in both directions for one answered call."""

    @property
    def clock(self) -> Clock:
        """The clock frames are paced by (virtual in the simulator, real on RTP)."""
        ...

    def set_source(self, source: FrameSource) -> None:
        """Where the pacer pulls outgoing frames from, once every 20 ms until `close`."""
        ...

    def on_frame(self, sink: FrameSink) -> None:
        """Register the receiver of every incoming frame (decoded to PCM, 20 ms each)."""
        ...

    def on_dtmf(self, sink: DtmfSink) -> None:
        """Register the receiver of out-of-band digits."""
        ...

    def send_dtmf(self, digits: str, *, seconds: float = 0.1) -> None:
        """Send `digits` out of band (RFC 4733 events on RTP), one after the other."""
        ...

    def close(self) -> None:
        """Stop sending and receiving; idempotent."""
        ...


class FrameEnds:
    """The registration half every `FrameTransport` shares: the clock, the source the pacer
    pulls from, and the frame and digit sinks. Digits that arrive before anyone listens are
    kept and handed to the first `on_dtmf` sink (type-ahead is never lost)."""

    __slots__ = ("_clock", "_dtmf_sink", "_frame_sink", "_pending_dtmf", "_source")

    def __init__(self, clock: Clock):
        self._clock = clock
        self._source: FrameSource | None = None
        self._frame_sink: FrameSink | None = None
        self._dtmf_sink: DtmfSink | None = None
        self._pending_dtmf: list[DtmfEvent] = []

    @property
    def clock(self) -> Clock:
        return self._clock

    def set_source(self, source: FrameSource) -> None:
        self._source = source

    def on_frame(self, sink: FrameSink) -> None:
        self._frame_sink = sink

    def on_dtmf(self, sink: DtmfSink) -> None:
        self._dtmf_sink = sink
        pending, self._pending_dtmf = self._pending_dtmf, []
        for event in pending:
            sink(event)

    def deliver_frame(self, frame: bytes, at: float) -> None:
        sink = self._frame_sink
        if sink is not None:
            sink(frame, at)

    def deliver_dtmf(self, event: DtmfEvent) -> None:
        """Report a received digit (kept until a sink is registered)."""
        sink = self._dtmf_sink
        if sink is None:
            self._pending_dtmf.append(event)
        else:
            sink(event)
