"""`RtpTransport`: the `FrameTransport` of a SIP call, G.711 over RTP with RFC 4733 digits.

Sending is driven by the shared frame pacer of the transport's clock (`telephony/pacer.py`: one
task for every call on that clock, as for the in-memory transport): each tick pulls a frame from
the source (silence when it has none), so RTP flows for as long as the call is up. Received
packets are decoded by their payload type whatever their size and cut into 20 ms frames stamped
with the media time their RTP timestamp gives; a new SSRC starts a new stream.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections import deque
from functools import cache
from typing import cast

from voicebox.media import g711
from voicebox.telephony.base import Clock, RealClock
from voicebox.telephony.pacer import FramePacer, pacer_for
from voicebox.telephony.sip.rtp_packet import (
    RtpPacket,
    event_payload,
    parse_event,
    parse_rtp,
    rtp_bytes,
)
from voicebox.telephony.sip.sdp import G711, Media
from voicebox.telephony.transport import (
    FRAME_BYTES,
    FRAME_SAMPLES,
    SAMPLE_RATE,
    SILENT_FRAME,
    DtmfEvent,
    DtmfSink,
    FrameSink,
    FrameSource,
)

log = logging.getLogger(__name__)

REAL_TIME = RealClock()  # one real clock, so every RTP stream shares one pacer
# A pacer late by more than this skips ahead rather than bursting packets: a far end's jitter
# buffer takes ~200 ms, and a burst on a loop that is already late only makes it later.
RTP_MAX_BEHIND = 10
_END_REPEATS = 3  # RFC 4733 §2.5.1.4: the end packet goes three times
_DIGIT_GAP_FRAMES = 3  # silence between two sent digits


@cache
def _silence(law: str) -> bytes:
    return g711.encode(SILENT_FRAME, law)


class _Stream:
    """One received SSRC: where its timestamps sit on our clock, and the partial frame."""

    __slots__ = ("base_time", "base_ts", "buffer", "buffer_ts", "ssrc")

    def __init__(self, ssrc: int, timestamp: int, now: float):
        self.ssrc = ssrc
        self.base_ts = timestamp
        self.base_time = now
        self.buffer = bytearray()
        self.buffer_ts = timestamp

    def time_of(self, timestamp: int) -> float:
        return self.base_time + ((timestamp - self.base_ts) & 0xFFFFFFFF) / SAMPLE_RATE


class _DigitSender:
    """RFC 4733 packets for one digit, one call of `next` per 20 ms tick."""

    def __init__(self, digit: str, frames: int, timestamp: int):
        self.digit = digit
        self.frames = max(frames, 1)
        self.timestamp = timestamp
        self.sent = 0

    def next(self) -> list[tuple[bytes, bool]]:
        self.sent += 1
        duration = self.sent * FRAME_SAMPLES
        if self.sent < self.frames:
            return [(event_payload(self.digit, end=False, duration=duration), self.sent == 1)]
        end = event_payload(self.digit, end=True, duration=duration)
        return [(end, self.sent == 1)] + [(end, False)] * (_END_REPEATS - 1)

    @property
    def done(self) -> bool:
        return self.sent >= self.frames


class RtpTransport(asyncio.DatagramProtocol):
    """Implements `telephony.transport.FrameTransport` over one RTP port."""

    def __init__(self, sock: socket.socket, *, clock: Clock | None = None,
                 the_pacer: FramePacer | None = None):
        self._sock = sock
        self._clock: Clock = clock or REAL_TIME
        self._pacer = the_pacer
        self._udp: asyncio.DatagramTransport | None = None
        self._media: Media | None = None
        self._source: FrameSource | None = None
        self._frame_sink: FrameSink | None = None
        self._dtmf_sink: DtmfSink | None = None
        self._pending_dtmf: list[DtmfEvent] = []
        self._ssrc = secrets.randbits(32)
        self._seq = secrets.randbits(16)
        self._ts = secrets.randbits(32)
        self._stream: _Stream | None = None
        self._seen_events: deque[tuple[int, int]] = deque(maxlen=64)
        self._digits: deque[tuple[str, int]] = deque()
        self._sending: _DigitSender | None = None
        self._gap = 0
        self._closed = False
        self.packets_sent = 0
        self.packets_received = 0
        self.frames_from_source = 0  # frames the source gave (the rest went out as silence)
        self.started_at: float | None = None
        self.last_received: float | None = None

    @property
    def local_port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def media(self) -> Media | None:
        return self._media

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, sock=self._sock)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._udp = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def start(self, media: Media) -> None:
        """Begin sending to the far end's `media` (from its SDP); later calls re-target."""
        self._media = media
        if self._closed:
            return
        if self.started_at is None:
            self.started_at = self._clock.now()
        if self._pacer is None:
            self._pacer = pacer_for(self._clock, max_behind=RTP_MAX_BEHIND)
        self._pacer.add(self.tick)

    # FrameTransport

    def set_source(self, source: FrameSource) -> None:
        self._source = source

    def on_frame(self, sink: FrameSink) -> None:
        self._frame_sink = sink

    def on_dtmf(self, sink: DtmfSink) -> None:
        self._dtmf_sink = sink
        pending, self._pending_dtmf = self._pending_dtmf, []
        for event in pending:
            sink(event)

    def send_dtmf(self, digits: str, *, seconds: float = 0.1) -> None:
        frames = max(round(seconds / 0.02), 1)
        self._digits.extend((digit, frames) for digit in digits.upper() if digit.strip())

    def silent_for(self) -> float:
        """Seconds since the last packet received (or since sending started)."""
        last = self.last_received if self.last_received is not None else self.started_at
        return 0.0 if last is None else self._clock.now() - last

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pacer is not None:
            self._pacer.remove(self.tick)
        self._flush()
        if self._udp is not None:
            self._udp.close()
        else:
            self._sock.close()

    # Received out of band elsewhere (SIP INFO) but reported like RFC 4733 digits.
    def deliver_dtmf(self, event: DtmfEvent) -> None:
        if self._dtmf_sink is None:
            self._pending_dtmf.append(event)
        else:
            self._dtmf_sink(event)

    # Sending, once per pacer tick.

    def tick(self, at: float = 0.0) -> None:
        media, udp = self._media, self._udp
        if media is None or udp is None or self._closed:
            return
        address = (media.host, media.port)
        if self._sending is None and self._gap == 0 and self._digits and media.event_pt is not None:
            digit, frames = self._digits.popleft()
            self._sending = _DigitSender(digit, frames, self._ts)
        frame = self._source() if self._source is not None else None
        if frame is not None:
            self.frames_from_source += 1
        if self._sending is not None:
            for payload, marker in self._sending.next():
                self._send(udp, address, media.event_pt or 101, self._sending.timestamp,
                           payload, marker)
            if self._sending.done:
                self._sending = None
                self._gap = _DIGIT_GAP_FRAMES
        else:
            if self._gap:
                self._gap -= 1
            if frame is None or frame == SILENT_FRAME:
                payload = _silence(media.law)
            else:
                if len(frame) != FRAME_BYTES:
                    frame = bytes(frame[:FRAME_BYTES]).ljust(FRAME_BYTES, b"\0")
                payload = g711.encode(frame, media.law)
            self._send(udp, address, media.codec_pt, self._ts, payload, False)
        self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF

    def _send(self, udp: asyncio.DatagramTransport, address: tuple[str, int], pt: int,
              timestamp: int, payload: bytes, marker: bool) -> None:
        data = rtp_bytes(pt, self._seq, timestamp, self._ssrc, payload, marker)
        self._seq = (self._seq + 1) & 0xFFFF
        udp.sendto(data, address)
        self.packets_sent += 1

    # Receiving.

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._closed:
            return
        packet = parse_rtp(data)
        if packet is None:
            return
        self.packets_received += 1
        self.last_received = self._clock.now()
        stream = self._stream
        if stream is None or stream.ssrc != packet.ssrc:
            self._flush()
            stream = self._stream = _Stream(packet.ssrc, packet.timestamp, self._clock.now())
        media = self._media
        event_pt = media.event_pt if media is not None and media.event_pt is not None else 101
        if packet.payload_type == event_pt:
            self._event(stream, packet)
        elif packet.payload_type in G711:
            self._audio(stream, packet)

    def _event(self, stream: _Stream, packet: RtpPacket) -> None:
        event = parse_event(packet.payload)
        key = (packet.ssrc, packet.timestamp)
        if event is None or key in self._seen_events:
            return
        self._seen_events.append(key)
        self.deliver_dtmf(DtmfEvent(event.digit, stream.time_of(packet.timestamp),
                                    event.duration / SAMPLE_RATE))

    def _audio(self, stream: _Stream, packet: RtpPacket) -> None:
        pcm = g711.decode(packet.payload, G711[packet.payload_type])
        expected = (stream.buffer_ts + len(stream.buffer) // 2) & 0xFFFFFFFF
        if packet.timestamp != expected:
            ahead = (packet.timestamp - expected) & 0xFFFFFFFF
            if ahead >= 0x80000000:
                return  # late or duplicate packet: its frame is gone
            self._flush()
            stream.buffer_ts = packet.timestamp
        stream.buffer += pcm
        while len(stream.buffer) >= FRAME_BYTES:
            frame = bytes(stream.buffer[:FRAME_BYTES])
            del stream.buffer[:FRAME_BYTES]
            at = stream.time_of(stream.buffer_ts)
            stream.buffer_ts = (stream.buffer_ts + FRAME_SAMPLES) & 0xFFFFFFFF
            if self._frame_sink is not None:
                self._frame_sink(frame, at)

    def _flush(self) -> None:
        """Hand over a partial frame, padded with silence (a gap or the stream's end)."""
        stream = self._stream
        if stream is None or not stream.buffer:
            return
        frame = bytes(stream.buffer).ljust(FRAME_BYTES, b"\0")
        at = stream.time_of(stream.buffer_ts)
        stream.buffer_ts = (stream.buffer_ts + len(stream.buffer) // 2) & 0xFFFFFFFF
        stream.buffer.clear()
        if self._frame_sink is not None:
            self._frame_sink(frame, at)

    def error_received(self, exc: Exception) -> None:
        log.debug("RTP socket error: %s", exc)
