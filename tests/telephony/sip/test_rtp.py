"""`RtpTransport` on loopback sockets, and the pacer's schedule on a hand-driven loop."""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ports import free_ports
from tests.telephony.sip.rtp_capture import tone
from voicebox.media import g711
from voicebox.telephony.base import VirtualClock
from voicebox.telephony.pacer import FramePacer
from voicebox.telephony.sip.ports import PortPool
from voicebox.telephony.sip.rtp import RtpBatch, RtpTransport, batch_for
from voicebox.telephony.sip.rtp_packet import RtpPacket, event_payload
from voicebox.telephony.sip.sdp import PCMA, PCMU, Media
from voicebox.telephony.transport import FRAME_BYTES, DtmfEvent, FrameTransport


async def _until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll: the condition is filled by datagrams, with no event to wait on."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def _pair() -> tuple[RtpTransport, RtpTransport]:
    base = free_ports(11, even=True)
    pool = PortPool(base, base + 10)
    a, b = RtpTransport(pool.bind("127.0.0.1")), RtpTransport(pool.bind("127.0.0.1"))
    a.start(Media("127.0.0.1", b.local_port, PCMA, 101))
    b.start(Media("127.0.0.1", a.local_port, PCMA, 101))
    return a, b


async def test_frames_and_digits_cross_between_two_transports() -> None:
    a, b = _pair()
    assert isinstance(a, FrameTransport)
    try:
        pcm = tone(0.4)
        frames = [pcm[i:i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
        a.set_source(lambda at: frames.pop(0) if frames else None)
        received: list[tuple[bytes, float]] = []
        digits: list[DtmfEvent] = []
        b.on_frame(lambda frame, at: received.append((frame, at)))
        b.on_dtmf(digits.append)
        await _until(lambda: not frames and len(received) >= 30)
        a.send_dtmf("5#", seconds=0.06)
        await _until(lambda: len(digits) == 2)
        await asyncio.sleep(0.2)  # the end packets' repeats must not count again
        assert [d.digit for d in digits] == ["5", "#"]
        assert all(len(frame) == FRAME_BYTES for frame, _ in received)
        times = [at for _, at in received]
        assert times == sorted(times)  # media time from the RTP timestamps
        assert a.frames_from_source == 20 and a.packets_sent > 20  # silence after the tone
    finally:
        a.close()
        b.close()
        a.close()  # idempotent


async def test_a_call_whose_sending_fails_does_not_stop_the_others() -> None:
    """Every call's RTP goes out in one pacer tick: one call's send raising (here a far-end port
    no socket can send to) ends that call's sending only."""
    a, b = _pair()
    base = free_ports(5, even=True)
    broken = RtpTransport(PortPool(base, base + 4).bind("127.0.0.1"))
    try:
        received: list[bytes] = []
        b.on_frame(lambda frame, at: received.append(frame))
        broken.start(Media("127.0.0.1", 70000, PCMA, 101))
        await asyncio.sleep(0.1)
        before = len(received)
        await _until(lambda: len(received) >= before + 10)
        assert broken.packets_sent == 0
    finally:
        for transport in (a, b, broken):
            transport.close()


async def test_any_packet_size_is_cut_into_frames_and_a_new_ssrc_is_a_new_stream() -> None:
    base = free_ports(5, even=True)
    transport = RtpTransport(PortPool(base, base + 4).bind("127.0.0.1"))
    transport.start(Media("127.0.0.1", 9, PCMU, 96))
    frames: list[tuple[bytes, float]] = []
    digits: list[DtmfEvent] = []
    transport.on_frame(lambda frame, at: frames.append((frame, at)))
    transport.on_dtmf(digits.append)
    pcm = tone(0.12)  # 960 samples
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        address = ("127.0.0.1", transport.local_port)
        # 40 ms μ-law packets, then 10 ms A-law ones: decoded by their own payload type.
        for i in range(3):
            chunk = pcm[i * 640:(i + 1) * 640]
            peer.sendto(bytes(RtpPacket(PCMU, i, 1000 + 320 * i, 1, g711.encode(chunk, "ulaw"))),
                        address)
        peer.sendto(bytes(RtpPacket(96, 10, 5000, 1, event_payload("7", end=False,
                                                                    duration=160))), address)
        peer.sendto(bytes(RtpPacket(96, 11, 5000, 1, event_payload("7", end=True,
                                                                   duration=320))), address)
        for i in range(4):  # another SSRC: a new stream
            chunk = pcm[i * 160:(i + 1) * 160]
            peer.sendto(bytes(RtpPacket(PCMA, i, 77 + 80 * i, 2, g711.encode(chunk, "alaw"))),
                        address)
        await _until(lambda: len(frames) >= 7 and digits)
    transport.close()
    assert len(frames) == 6 + 2  # 3×40 ms → 6 frames; 4×10 ms → 2 frames
    assert [d.digit for d in digits] == ["7"]
    assert all(len(frame) == FRAME_BYTES for frame, _ in frames)


SIPP_PCAPS = Path("/usr/share/sip-tester")


def _udp_payloads(path: Path) -> list[bytes]:
    """The UDP payloads of a classic Ethernet pcap."""
    data = path.read_bytes()
    order = "<" if struct.unpack_from("<I", data)[0] == 0xA1B2C3D4 else ">"
    offset, payloads = 24, []
    while offset + 16 <= len(data):
        length = struct.unpack_from(order + "IIII", data, offset)[2]
        ip = data[offset + 16 + 14:offset + 16 + length]
        payloads.append(ip[(ip[0] & 0x0F) * 4 + 8:])
        offset += 16 + length
    return payloads


@pytest.mark.skipif(not (SIPP_PCAPS / "dtmf_2833_0.pcap").exists(), reason="no sip-tester pcaps")
async def test_rfc_4733_captures_shipped_with_sipp_give_each_digit_once() -> None:
    base = free_ports(5, even=True)
    transport = RtpTransport(PortPool(base, base + 4).bind("127.0.0.1"))
    digits: list[str] = []
    transport.on_dtmf(lambda event: digits.append(event.digit))
    names = [*"0123456789", "star", "pound"]
    for name in names:  # another implementation's packets: repeats, end bits, one SSRC
        for payload in _udp_payloads(SIPP_PCAPS / f"dtmf_2833_{name}.pcap"):
            transport.receive(payload)
    transport.close()
    assert "".join(digits) == "0123456789*#"


def _ticked(clock: VirtualClock) -> tuple[RtpTransport, RtpBatch, socket.socket]:
    """A transport on a hand-driven pacer (ticks are `batch.tick(at)` calls), and its peer."""
    base = free_ports(5, even=True)
    transport = RtpTransport(PortPool(base, base + 4).bind("127.0.0.1"), clock=clock,
                             the_pacer=FramePacer(clock))
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(5)
    transport.start(Media("127.0.0.1", peer.getsockname()[1], PCMA, 101))
    assert transport._pacer is not None
    return transport, batch_for(transport._pacer), peer


async def test_a_tick_reads_reordered_duplicate_and_repeated_packets_once_each() -> None:
    transport, batch, peer = _ticked(VirtualClock(auto_advance=False))
    frames: list[tuple[bytes, float]] = []
    digits: list[DtmfEvent] = []
    transport.on_frame(lambda frame, at: frames.append((frame, at)))
    transport.on_dtmf(digits.append)
    pcm = tone(0.1)
    address = ("127.0.0.1", transport.local_port)

    def audio(seq: int, frame: int, ssrc: int = 7) -> bytes:
        chunk = pcm[frame * FRAME_BYTES:(frame + 1) * FRAME_BYTES]
        return bytes(RtpPacket(PCMA, seq, 160 * frame, ssrc, g711.encode(chunk, "alaw")))

    with peer:
        for data in (audio(0, 0), audio(2, 2), audio(1, 1), audio(2, 2)):  # 1 late, 2 twice
            peer.sendto(data, address)
        event = bytes(RtpPacket(101, 3, 480, 7, event_payload("9", end=True, duration=320)))
        for _ in range(3):  # an end packet goes three times: one digit
            peer.sendto(event, address)
        peer.sendto(audio(0, 4, ssrc=8), address)  # a new stream from its first packet
        batch.tick(0.0)
    transport.close()
    assert [at for _, at in frames] == [0.0, 0.04, 0.0]  # the late frame 1 is gone
    assert all(len(frame) == FRAME_BYTES and any(frame) for frame, _ in frames)
    assert [d.digit for d in digits] == ["9"]
    assert transport.packets_received == 8


async def test_packets_go_a_tick_after_they_are_made_and_a_digit_silences_the_next() -> None:
    transport, batch, peer = _ticked(VirtualClock(auto_advance=False))
    loud = tone(0.02)
    asked: list[float] = []
    digits: list[DtmfEvent] = []

    def source(at: float) -> bytes | None:
        asked.append(at)
        return None if digits else loud

    transport.set_source(source)
    transport.on_dtmf(digits.append)
    with peer:
        batch.tick(0.0)  # makes the packet that goes at 0.02
        assert asked == [0.02]
        peer.sendto(bytes(RtpPacket(101, 0, 0, 3, event_payload("1", end=False, duration=160))),
                    ("127.0.0.1", transport.local_port))
        batch.tick(0.02)  # sends the loud packet made before the digit; reads the digit
        batch.tick(0.04)
        sent = [peer.recv(2048)[12:] for _ in range(2)]
    transport.close()
    assert asked == [0.02, 0.04, 0.06]  # each frame pulled with the media time it goes out at
    assert [d.digit for d in digits] == ["1"]
    assert sent == [g711.encode(loud, "alaw"), g711.encode(bytes(FRAME_BYTES), "alaw")]


async def test_calls_are_spread_over_the_phases_and_each_is_paced_every_20_ms() -> None:
    clock = VirtualClock()
    pacer = FramePacer(clock, phases=4)
    base = free_ports(21, even=True)
    pool = PortPool(base, base + 20)
    asked: list[list[float]] = [[] for _ in range(8)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        transports = [RtpTransport(pool.bind("127.0.0.1"), clock=clock, the_pacer=pacer)
                      for _ in range(8)]
        for transport, times in zip(transports, asked, strict=True):
            transport.set_source(lambda at, times=times: times.append(at))  # silence
            transport.start(Media("127.0.0.1", peer.getsockname()[1], PCMA, 101))
        phases = sorted(batch_for(pacer).transports.values())
        await clock.sleep(0.2)
        for transport in transports:
            transport.close()
    assert phases == [0, 0, 1, 1, 2, 2, 3, 3]
    for times in asked:
        assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [0.02] * (len(times) - 1)
    assert len({round(times[0] % 0.02, 6) for times in asked}) == 4  # 5 ms apart
    assert all(transport.packets_sent >= 8 for transport in transports)


async def test_rtp_from_a_host_that_is_not_the_far_end_is_dropped() -> None:
    """Someone who finds a call's port cannot speak or press keys into it: only the SDP's host
    and the signalling peer (`accept_from`: a trunk behind NAT) are heard."""
    transport, batch, peer = _ticked(VirtualClock(auto_advance=False))
    frames: list[bytes] = []
    digits: list[DtmfEvent] = []
    transport.on_frame(lambda frame, at: frames.append(frame))
    transport.on_dtmf(digits.append)
    address = ("127.0.0.1", transport.local_port)
    event = bytes(RtpPacket(101, 1, 160, 9, event_payload("1", end=True, duration=320)))
    audio = bytes(RtpPacket(PCMA, 2, 320, 9, g711.encode(tone(0.02), "alaw")))
    with peer, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.bind(("127.0.0.2", 0))
        stranger.sendto(event, address)
        stranger.sendto(audio, address)
        batch.tick(0.0)
        assert (frames, digits, transport.packets_refused) == ([], [], 2)
        transport.accept_from("127.0.0.2")  # e.g. the trunk's signalling address
        stranger.sendto(event, address)
        stranger.sendto(audio, address)
        batch.tick(0.02)
    transport.close()
    assert [d.digit for d in digits] == ["1"] and len(frames) == 1


@pytest.mark.parametrize(("host", "direction"), [
    ("0.0.0.0", "sendrecv"), ("127.0.0.1", "sendonly"), ("127.0.0.1", "inactive")])
async def test_a_far_end_that_puts_us_on_hold_gets_no_packets(host: str, direction: str) -> None:
    """a=sendonly / a=inactive, or c=0.0.0.0 (RFC 2543 hold, where Linux would deliver a
    datagram to a port on this machine): nothing is sent until the next SDP asks again."""
    transport, batch, peer = _ticked(VirtualClock(auto_advance=False))
    with peer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listener.bind(("0.0.0.0", 0))
        listener.setblocking(False)
        with listener:
            transport.start(Media(host, listener.getsockname()[1], PCMA, 101, direction))
            for n in range(5):
                batch.tick(n * 0.02)
            with pytest.raises(BlockingIOError):
                listener.recv(2048)
            assert transport.packets_sent == 0
            transport.start(Media("127.0.0.1", listener.getsockname()[1], PCMA, 101))  # resumed
            for n in range(5, 10):
                batch.tick(n * 0.02)
            assert listener.recv(2048) and transport.packets_sent > 0
    transport.close()
