"""`RtpTransport`: the `FrameTransport` of a SIP call, G.711 over RTP with RFC 4733 digits.

Both directions are driven by the shared frame pacer of the transport's clock
(`telephony/pacer.py`: one task for every call on that clock, as for the in-memory transport).
Each tick first sends: it pulls a frame from every call's source (silence when it has none), so
RTP flows for as long as the call is up; then it reads every call's socket dry. The sockets are
never registered with the event loop: a callback per received packet (25,000 a second at 500
calls) cost more than the packet's own work, and ran in the middle of the next tick's sends.
A digit that arrives during a frame period is read at the end of that period's tick, so a
prompt it barges in on stops with the next frame. Received packets are decoded by their payload
type whatever their size and cut into 20 ms frames stamped with the media time their RTP
timestamp gives; a new SSRC starts a new stream.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import select
import socket
import time
import weakref
from collections import deque
from functools import cache

from voicebox.media import g711
from voicebox.telephony.base import Clock, RealClock
from voicebox.telephony.pacer import FramePacer
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
    FRAME_SECONDS,
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
# The calls are spread over this many sub-ticks of each 20 ms period, each call always in the
# same one: a call's packets are still 20 ms apart, and no tick sends more than a quarter of
# them (500 sends in one tick took 2.5 ms, the last packet that late every period).
RTP_PHASES = 4
_END_REPEATS = 3  # RFC 4733 §2.5.1.4: the end packet goes three times
_DIGIT_GAP_FRAMES = 3  # silence between two sent digits
_MAX_READ = 2048  # bytes of one datagram (G.711 at 20 ms: 172)
_MAX_READS = 32  # datagrams read from one socket per tick (a flood waits, or the kernel drops)
_TIMED_SENDS = 25  # with lateness measured, the clock is read after every this many sends


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


class RtpTransport(FrameEnds):
    """Implements `telephony.transport.FrameTransport` over one RTP port (a non-blocking
    socket, read by the pacer's tick once `start` is called)."""

    def __init__(self, sock: socket.socket, *, clock: Clock | None = None,
                 the_pacer: FramePacer | None = None):
        super().__init__(clock or REAL_TIME)
        self._sock = sock
        self._pacer = the_pacer
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
        self.packets_refused = 0  # from a host that is not the far end
        self._peers: set[str] = set()  # the hosts RTP is taken from
        self._target: tuple[str, int] | None = None  # where packets go (None: on hold)
        self.frames_from_source = 0  # frames the source gave (the rest went out as silence)
        self.started_at: float | None = None
        self.last_received: float | None = None

    @property
    def local_port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def media(self) -> Media | None:
        return self._media

    def start(self, media: Media) -> None:
        """Begin sending to the far end's `media` (from its SDP); later calls re-target."""
        self._media = media
        self._target = (media.host, media.port) if media.wants_audio else None
        self._peers.add(media.host)
        if self._closed:
            return
        if self.started_at is None:
            self.started_at = self._clock.now()
            self._discard()  # early media, before the answer: not the call's audio
        if self._pacer is None:
            self._pacer = rtp_pacer(self._clock)
        batch_for(self._pacer).add(self)

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
            batch_for(self._pacer).remove(self)
        self._flush()
        self._sock.close()

    # Sending. Each tick the batch sends the packets it made at the tick before, reads every
    # socket, then makes the next tick's packets: `_next_audio` for every call, every frame
    # encoded at once, `_audio_packet`. The sends, the part timed to the grid, are then no more
    # than the `sendto`s.

    def _next_audio(self, at: float, out: list[tuple[RtpTransport, bytes]]) -> bytes | None:
        """Make what is not audio (digit packets, into `out`) and pull the frame that goes out at
        media time `at`: None when no audio goes this period, b"" for silence, else the PCM."""
        media = self._media
        if media is None or self._closed:
            return None
        if self._sending is None and self._gap == 0 and self._digits and media.event_pt is not None:
            digit, frames = self._digits.popleft()
            self._sending = _DigitSender(digit, frames, self._ts)
        source = self._source
        frame = source(at) if source is not None else None
        if frame is not None:
            self.frames_from_source += 1
        sending = self._sending
        if sending is not None:
            for payload, marker in sending.next():
                out.append((self, self._packet(media.event_pt or 101, sending.timestamp, payload,
                                               marker)))
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

    def _audio_packet(self, payload: bytes | None) -> bytes:
        """The packet of the frame `_next_audio` gave, encoded (None: silence)."""
        media = self._media
        assert media is not None
        data = self._packet(media.codec_pt, self._ts,
                            _silence(media.law) if payload is None else payload, False)
        self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF
        return data

    def _packet(self, pt: int, timestamp: int, payload: bytes, marker: bool) -> bytes:
        data = rtp_bytes(pt, self._seq, timestamp, self._ssrc, payload, marker)
        self._seq = (self._seq + 1) & 0xFFFF
        return data

    def _transmit(self, data: bytes) -> None:
        target = self._target
        if target is None or self._closed:
            return
        try:  # no buffering: a full socket drops
            self._sock.sendto(data, target)
        except (BlockingIOError, InterruptedError):
            self.packets_dropped += 1
            return
        except OSError as exc:  # ICMP unreachable reported on a later send, and the like
            log.debug("RTP send failed: %s", exc)
            return
        self.packets_sent += 1

    # Receiving, once per pacer tick after the sends.

    def accept_from(self, host: str) -> None:
        """Also take RTP from `host`, the far end's signalling address: a trunk behind NAT sends
        media from there whatever its SDP says. Packets from any other host are dropped, so
        nobody who finds the port can speak or press keys into the call."""
        self._peers.add(host)

    def read(self) -> None:
        """Take one datagram from the socket (the batch knows it holds one)."""
        try:
            data, (host, _port) = self._sock.recvfrom(_MAX_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # an ICMP error reported on the socket, and the like
            log.debug("RTP receive failed: %s", exc)
            return
        if host not in self._peers:
            self.packets_refused += 1
            return
        self.receive(data)

    def _discard(self) -> None:
        with contextlib.suppress(OSError):
            while self._sock.recv(_MAX_READ):
                pass

    def receive(self, data: bytes) -> None:
        """One datagram from the far end."""
        if self._closed:
            return
        packet = parse_rtp(data)
        if packet is None:
            return
        self.packets_received += 1
        now = self.last_received = self._clock.now()
        stream = self._stream
        if stream is None or stream.ssrc != packet.ssrc:
            self._flush()
            stream = self._stream = _Stream(packet.ssrc, packet.timestamp, now)
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
        buffer = stream.buffer
        expected = (stream.buffer_ts + len(buffer) // 2) & 0xFFFFFFFF
        if packet.timestamp != expected:
            ahead = (packet.timestamp - expected) & 0xFFFFFFFF
            if ahead >= 0x80000000:
                return  # late or duplicate packet: its frame is gone
            self._flush()
            stream.buffer_ts = packet.timestamp
        if not buffer and len(pcm) == FRAME_BYTES:  # the usual packet: one whole frame
            at = stream.time_of(stream.buffer_ts)
            stream.buffer_ts = (stream.buffer_ts + FRAME_SAMPLES) & 0xFFFFFFFF
            self.deliver_frame(pcm, at)
            return
        buffer += pcm
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


class RtpBatch:
    """Every started `RtpTransport` on one pacer, ticked as one. Each call belongs to one of the
    pacer's phases (the least full when it starts). A tick sends the packets made for its phase
    at that phase's tick before, so what is timed to the grid is nothing but the `sendto`s; then
    it reads every socket (a digit received stops a prompt from the next packet made); then it
    makes its phase's packets for the next period: each call's frame is pulled, all of them
    G.711-encoded in one numpy operation per law (one lookup for five hundred calls costs what
    two single-frame ones do), and each call's packet built.

    `send_lateness`, when set to a list (the benchmark), gets `(seconds, packets)` pairs: how
    far past its tick's grid time the clock was after those packets were sent (each packet
    counted at the clock read after it, so never earlier than it went)."""

    def __init__(self, pacer: FramePacer):
        self.pacer = pacer
        self.transports: dict[RtpTransport, int] = {}  # each call's phase
        self._phases: list[dict[RtpTransport, None]] = [{} for _ in range(pacer.phases)]
        # Packets made for each phase's next tick.
        self._ready: list[list[tuple[RtpTransport, bytes]]] = [[] for _ in self._phases]
        self.send_lateness: list[tuple[float, int]] | None = None
        self._poll = select.epoll()  # the started transports' sockets (level-triggered)
        self._by_fd: dict[int, RtpTransport] = {}

    def add(self, transport: RtpTransport) -> None:
        if transport in self.transports:
            return
        if not self.transports:
            self.pacer.add(self.tick)
        phase = min(range(len(self._phases)), key=lambda index: len(self._phases[index]))
        self.transports[transport] = phase
        self._phases[phase][transport] = None
        fd = transport._sock.fileno()
        self._poll.register(fd, select.EPOLLIN)
        self._by_fd[fd] = transport

    def remove(self, transport: RtpTransport) -> None:
        phase = self.transports.pop(transport, None)
        if phase is None:
            return
        del self._phases[phase][transport]
        fd = transport._sock.fileno()
        if self._by_fd.pop(fd, None) is not None:
            self._poll.unregister(fd)
        if not self.transports:
            self.pacer.remove(self.tick)
            self._ready = [[] for _ in self._phases]

    def tick(self, at: float) -> None:
        phase = self.pacer.ticks % len(self._phases)
        ready, self._ready[phase] = self._ready[phase], []
        if self.send_lateness is None:
            self._send(ready)
        else:
            self._timed_sends(ready, at)
        self._read()
        self._ready[phase] = self._make(self._phases[phase], at + FRAME_SECONDS)

    def _read(self) -> None:
        """Every datagram waiting, at most `_MAX_READS` a socket: one `epoll_wait` says which
        sockets hold one, one `recv` each, and again until none does (a `recv` on every socket
        until it fails cost as much again as the packets)."""
        by_fd = self._by_fd
        for _ in range(_MAX_READS):
            ready = self._poll.poll(0, max(len(by_fd), 1))
            if not ready:
                return
            for fd, _events in ready:
                transport = by_fd.get(fd)
                if transport is None:
                    continue
                try:
                    transport.read()
                except Exception:  # one broken call must not stall every other call's audio
                    self.remove(transport)
                    log.exception("RTP receive failed; its call hears no more audio")

    def _make(self, transports: dict[RtpTransport, None],
              at: float) -> list[tuple[RtpTransport, bytes]]:
        packets: list[tuple[RtpTransport, bytes]] = []
        silent: list[RtpTransport] = []
        audio: dict[str, tuple[list[RtpTransport], list[bytes]]] = {}
        for transport in list(transports):
            try:
                frame = transport._next_audio(at, packets)
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
        payloads: list[tuple[RtpTransport, bytes | None]] = [(t, None) for t in silent]
        for law, (transports, frames) in audio.items():
            encoded = g711.encode(b"".join(frames), law)
            payloads += [(transport, encoded[index * FRAME_SAMPLES:(index + 1) * FRAME_SAMPLES])
                         for index, transport in enumerate(transports)]
        for transport, payload in payloads:
            try:
                packets.append((transport, transport._audio_packet(payload)))
            except Exception:
                self._drop(transport)
        return packets

    def _send(self, packets: list[tuple[RtpTransport, bytes]]) -> None:
        for transport, data in packets:
            try:
                transport._transmit(data)
            except Exception:  # not a socket error (those are counted): a broken far end
                self._drop(transport)

    def _drop(self, transport: RtpTransport) -> None:
        self.remove(transport)
        log.exception("RTP sending failed; its call sends no more audio")

    def _timed_sends(self, packets: list[tuple[RtpTransport, bytes]], at: float) -> None:
        lateness = self.send_lateness
        assert lateness is not None
        now = time.monotonic if self.pacer.clock is REAL_TIME else self.pacer.clock.now
        for start in range(0, len(packets), _TIMED_SENDS):
            chunk = packets[start:start + _TIMED_SENDS]
            self._send(chunk)
            lateness.append((now() - at, len(chunk)))


_PACERS: weakref.WeakKeyDictionary[Clock, FramePacer] = weakref.WeakKeyDictionary()
_BATCHES: weakref.WeakKeyDictionary[FramePacer, RtpBatch] = weakref.WeakKeyDictionary()


def rtp_pacer(clock: Clock) -> FramePacer:
    """The pacer every RTP stream on `clock` is ticked by (its own: `RTP_PHASES` ticks per
    frame period, and `RTP_MAX_BEHIND`)."""
    pacer = _PACERS.get(clock)
    if pacer is None:
        pacer = _PACERS[clock] = FramePacer(clock, max_behind=RTP_MAX_BEHIND, phases=RTP_PHASES)
    return pacer


def batch_for(pacer: FramePacer) -> RtpBatch:
    batch = _BATCHES.get(pacer)
    if batch is None:
        batch = _BATCHES[pacer] = RtpBatch(pacer)
    return batch
