"""The in-memory `FrameTransport`: two ends of one audio link in a process (the simulator's
audio mode, tests, the media benchmark). On each pacer tick the link pulls one frame from each
end's source and hands it to the other end, with the tick's media time; digits sent out of band
arrive as `DtmfEvent`s, one per `seconds` (plus a 50 ms gap)."""

from __future__ import annotations

from collections import deque

from voicebox.telephony.base import Clock
from voicebox.telephony.pacer import FramePacer, pacer_for
from voicebox.telephony.transport import SILENT_FRAME, DtmfEvent, FrameEnds

_GAP = 0.05


class MemoryTransport(FrameEnds):
    """Implements `telephony.transport.FrameTransport`; made in pairs by `MemoryLink`."""

    __slots__ = ("_events", "_link", "_next_event", "closed")

    def __init__(self, clock: Clock, link: MemoryLink):
        super().__init__(clock)
        self._link = link
        self._events: deque[tuple[str, float]] = deque()  # digits to send, with their length
        self._next_event = 0.0
        self.closed = False

    def send_dtmf(self, digits: str, *, seconds: float = 0.1) -> None:
        for digit in digits:
            self._events.append((digit, seconds))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._link.close()

    def _due_event(self, at: float) -> DtmfEvent | None:
        if not self._events or at < self._next_event:
            return None
        digit, seconds = self._events.popleft()
        self._next_event = at + seconds + _GAP
        return DtmfEvent(digit, at, seconds)


class MemoryLink:
    """Both ends of one call's audio, ticked by the clock's pacer while both are open."""

    __slots__ = ("a", "b", "pacer")

    def __init__(self, clock: Clock, *, pacer: FramePacer | None = None):
        self.a = MemoryTransport(clock, self)
        self.b = MemoryTransport(clock, self)
        self.pacer = pacer or pacer_for(clock)
        self.pacer.add(self.tick)

    def tick(self, at: float) -> None:
        # The pacer's hot path (a thousand links every 20 ms): attribute reads, no helper calls
        # where nothing is due.
        a, b = self.a, self.b
        source = a._source
        from_a = source(at) if source is not None else None
        source = b._source
        from_b = source(at) if source is not None else None
        if a._events or b._events:
            for end, other in ((a, b), (b, a)):
                event = end._due_event(at)
                if event is not None:
                    other.deliver_dtmf(event)
        sink = b._frame_sink
        if sink is not None:
            sink(SILENT_FRAME if from_a is None else from_a, at)
        sink = a._frame_sink
        if sink is not None and not a.closed:
            sink(SILENT_FRAME if from_b is None else from_b, at)

    def close(self) -> None:
        """Either end hung up: no more audio either way."""
        self.a.closed = self.b.closed = True
        self.pacer.remove(self.tick)
