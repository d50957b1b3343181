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
import weakref
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
    FrameEnds,
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
        # Signed: a packet from before the stream's first one (reordered) is a little earlier,
        # not 2^32 samples (six days) later.
        delta = (timestamp - self.base_ts) & 0xFFFFFFFF
        if delta >= 0x80000000:
            delta -= 0x100000000
        return self.base_time + delta / SAMPLE_RATE


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


class RtpTransport(FrameEnds, asyncio.DatagramProtocol):
    """Implements `telephony.transport.FrameTransport` over one RTP port."""

    def __init__(self, sock: socket.socket, *, clock: Clock | None = None,
                 the_pacer: FramePacer | None = None):
        super().__init__(clock or REAL_TIME)
        self._sock = sock
        self._pacer = the_pacer
        self._udp: asyncio.DatagramTransport | None = None
        self._media: Media | None = None
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
        self.packets_dropped = 0  # the socket's buffer was full
        self.packets_received = 0
        self.frames_from_source = 0  # frames the source gave (the rest went out as silence)
        self.started_at: float | None = None
        self.last_received: float | None = None

    @property
    def local_port(self) -> int:
        return int(self._sock.getsockname()[1])

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
        _batch_for(self._pacer).add(self)

    # FrameTransport (the source and sinks are `FrameEnds`')

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
            _batch_for(self._pacer).remove(self)
        self._flush()
        if self._udp is not None:
            self._udp.close()
        else:
            self._sock.close()

    # Sending, once per pacer tick: `_next_audio` then `_send_audio` (the batch in between
    # encodes every call's frame at once).

    def tick(self, at: float = 0.0) -> None:
        """One frame period of this transport alone (the batch does this for every call)."""
        frame = self._next_audio()
        if frame is not None:
            self._send_audio(g711.encode(frame, self._media.law) if frame else None)  # type: ignore[union-attr]  # a frame means media started

    def _next_audio(self) -> bytes | None:
        """Send what is not audio (digits) and pull the frame: None when nothing is to be sent
        this period, b"" for silence, else the PCM frame to encode."""
        media = self._media
        if media is None or self._udp is None or self._closed:
            return None
        if self._sending is None and self._gap == 0 and self._digits and media.event_pt is not None:
            digit, frames = self._digits.popleft()
            self._sending = _DigitSender(digit, frames, self._ts)
        source = self._source
        frame = source() if source is not None else None
        if frame is not None:
            self.frames_from_source += 1
        sending = self._sending
        if sending is not None:
            for payload, marker in sending.next():
                self._send(media.event_pt or 101, sending.timestamp, payload, marker)
            if sending.done:
                self._sending = None
                self._gap = _DIGIT_GAP_FRAMES
            self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF
            return None
        if self._gap:
            self._gap -= 1
        if frame is None or frame == SILENT_FRAME:
            return b""
        if len(frame) != FRAME_BYTES:
            frame = bytes(frame[:FRAME_BYTES]).ljust(FRAME_BYTES, b"\0")
        return frame

    def _send_audio(self, payload: bytes | None) -> None:
        """The frame `_next_audio` gave, encoded (None: silence)."""
        media = self._media
        assert media is not None
        self._send(media.codec_pt, self._ts,
                   _silence(media.law) if payload is None else payload, False)
        self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF

    def _send(self, pt: int, timestamp: int, payload: bytes, marker: bool) -> None:
        media = self._media
        assert media is not None
        data = rtp_bytes(pt, self._seq, timestamp, self._ssrc, payload, marker)
        self._seq = (self._seq + 1) & 0xFFFF
        try:  # the socket itself, not the asyncio transport: no buffering, a full one drops
            self._sock.sendto(data, (media.host, media.port))
        except (BlockingIOError, InterruptedError):
            self.packets_dropped += 1
            return
        except OSError as exc:  # ICMP unreachable reported on a later send, and the like
            log.debug("RTP send failed: %s", exc)
            return
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
            self.deliver_frame(frame, at)

    def _flush(self) -> None:
        """Hand over a partial frame, padded with silence (a gap or the stream's end)."""
        stream = self._stream
        if stream is None or not stream.buffer:
            return
        frame = bytes(stream.buffer).ljust(FRAME_BYTES, b"\0")
        at = stream.time_of(stream.buffer_ts)
        stream.buffer_ts = (stream.buffer_ts + len(stream.buffer) // 2) & 0xFFFFFFFF
        stream.buffer.clear()
        self.deliver_frame(frame, at)

    def error_received(self, exc: Exception) -> None:
        log.debug("RTP socket error: %s", exc)


class _RtpBatch:
    """Every started `RtpTransport` on one pacer, ticked as one: each call's frame is pulled,
    the frames to send are G.711-encoded in one numpy operation per law (one lookup for five
    hundred calls costs what two single-frame ones do), then each call's packet is sent."""

    def __init__(self, pacer: FramePacer):
        self.pacer = pacer
        self.transports: dict[RtpTransport, None] = {}

    def add(self, transport: RtpTransport) -> None:
        if not self.transports:
            self.pacer.add(self.tick)
        self.transports[transport] = None

    def remove(self, transport: RtpTransport) -> None:
        self.transports.pop(transport, None)
        if not self.transports:
            self.pacer.remove(self.tick)

    def tick(self, at: float) -> None:
        silent: list[RtpTransport] = []
        audio: dict[str, tuple[list[RtpTransport], list[bytes]]] = {}
        for transport in list(self.transports):
            try:
                frame = transport._next_audio()
            except Exception:  # one broken call must not stall every other call's audio
                self._drop(transport)
                continue
            if frame is None:
                continue
            if not frame:
                silent.append(transport)
                continue
            law = transport._media.law  # type: ignore[union-attr]  # a frame means media started
            group = audio.get(law)
            if group is None:
                group = audio[law] = ([], [])
            group[0].append(transport)
            group[1].append(frame)
        for transport in silent:
            try:
                transport._send_audio(None)
            except Exception:
                self._drop(transport)
        for law, (transports, frames) in audio.items():
            encoded = g711.encode(b"".join(frames), law)
            for index, transport in enumerate(transports):
                try:
                    transport._send_audio(
                        encoded[index * FRAME_SAMPLES:(index + 1) * FRAME_SAMPLES])
                except Exception:
                    self._drop(transport)

    def _drop(self, transport: RtpTransport) -> None:
        self.remove(transport)
        log.exception("RTP sending failed; its call sends no more audio")


_BATCHES: weakref.WeakKeyDictionary[FramePacer, _RtpBatch] = weakref.WeakKeyDictionary()


def _batch_for(pacer: FramePacer) -> _RtpBatch:
    batch = _BATCHES.get(pacer)
    if batch is None:
        batch = _BATCHES[pacer] = _RtpBatch(pacer)
    return batch
