"""Test media for sipp: RTP streams (G.711 tone, RFC 4733 digits) written as a pcap file that
sipp's `play_pcap_audio` sends to whatever address our SDP names."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from voicebox.media import g711
from voicebox.media.audio import from_float
from voicebox.telephony.sip.rtp_packet import RtpPacket, event_payload

SSRC = 0x1234ABCD
TONE_HZ = 1000


def tone(seconds: float, hz: float = TONE_HZ, level: float = 0.4) -> bytes:
    t = np.arange(round(seconds * 8000)) / 8000
    return from_float(level * np.sin(2 * np.pi * hz * t))


def rtp_stream(*, tone_seconds: float = 1.0, digits: str = "", pt: int = 8,
               event_pt: int = 101, frame_samples: int = 160) -> list[tuple[float, bytes]]:
    """(send time, RTP packet) pairs: the tone in `frame_samples` packets, then each digit as a
    100 ms RFC 4733 event (end packet sent three times), 200 ms apart."""
    law = "alaw" if pt == 8 else "ulaw"
    packets: list[tuple[float, bytes]] = []
    seq, ts, at = 1, 8000, 0.0
    pcm = tone(tone_seconds)
    step = frame_samples * 2
    for offset in range(0, len(pcm), step):
        payload = g711.encode(pcm[offset:offset + step], law)
        packets.append((at, bytes(RtpPacket(pt, seq, ts, SSRC, payload))))
        seq, ts, at = seq + 1, ts + frame_samples, at + frame_samples / 8000
    for digit in digits:
        for i in range(1, 6):
            end = i == 5
            payload = event_payload(digit, end=end, duration=160 * i)
            for _ in range(3 if end else 1):
                packets.append((at, bytes(RtpPacket(event_pt, seq, ts, SSRC, payload,
                                                    marker=i == 1))))
                seq += 1
            at += 0.02
        ts += 160 * 5
        for _ in range(10):  # 200 ms of silence between digits
            payload = g711.encode(bytes(320), law)
            packets.append((at, bytes(RtpPacket(pt, seq, ts, SSRC, payload))))
            seq, ts, at = seq + 1, ts + 160, at + 0.02
    return packets


def write_pcap(path: Path, packets: list[tuple[float, bytes]], *, sport: int = 6000,
               dport: int = 6002) -> Path:
    """A classic pcap (Ethernet / IPv4 / UDP) holding `packets` as UDP payloads."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    start = 1_700_000_000.0
    for at, payload in packets:
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        when = start + at
        seconds = int(when)
        out += struct.pack("<IIII", seconds, round((when - seconds) * 1e6), len(frame),
                           len(frame))
        out += frame
    path.write_bytes(bytes(out))
    return path


def rtp_timeline(seconds: float, *, loud: tuple[tuple[float, float], ...] = (),
                 voice: tuple[tuple[float, bytes], ...] = (),
                 digits: str = "", digits_at: float = 0.0, pt: int = 8,
                 event_pt: int = 101) -> list[tuple[float, bytes]]:
    """(send time, RTP packet) pairs for `seconds` of continuous 20 ms audio: a tone during
    each (start, end) of `loud`, each (start, PCM) of `voice` played from its start (speech a
    voice detector takes for speech, which a tone is not), silence elsewhere, and `digits` as
    100 ms RFC 4733 events (200 ms apart) from `digits_at` on, in place of the audio."""
    law = "alaw" if pt == 8 else "ulaw"
    silence = g711.encode(bytes(320), law)
    loud_frame = g711.encode(tone(0.02), law)
    events: dict[int, tuple[str, int]] = {}  # frame index → (digit, its n-th packet, 1..5)
    first = round(digits_at / 0.02)
    for k, digit in enumerate(digits):
        for i in range(1, 6):
            events[first + 15 * k + i - 1] = (digit, i)
    packets: list[tuple[float, bytes]] = []
    seq, ts = 1, 8000
    event_ts = 0
    for n in range(round(seconds / 0.02)):
        at = n * 0.02
        if n in events:
            digit, i = events[n]
            if i == 1:
                event_ts = ts
            payload = event_payload(digit, end=i == 5, duration=160 * i)
            for _ in range(3 if i == 5 else 1):
                packets.append((at, bytes(RtpPacket(event_pt, seq, event_ts, SSRC, payload,
                                                    marker=i == 1))))
                seq += 1
        else:
            payload = loud_frame if any(a <= at < b for a, b in loud) else silence
            for start, pcm in voice:
                offset = round((at - start) * 8000) * 2
                if 0 <= offset < len(pcm):
                    frame = pcm[offset:offset + 320]
                    payload = g711.encode(frame + bytes(320 - len(frame)), law)
            packets.append((at, bytes(RtpPacket(pt, seq, ts, SSRC, payload))))
            seq += 1
        ts += 160
    return packets
