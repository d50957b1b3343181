"""RTP packets (RFC 3550) and RFC 4733 telephone-event payloads, parsed and built."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

EVENT_DIGITS = "0123456789*#ABCD"
_HEADER = struct.Struct("!BBHII")
_EVENT = struct.Struct("!BBH")


class RtpPacket(NamedTuple):  # a tuple: built for every packet received, at a tenth the cost
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def __bytes__(self) -> bytes:
        return rtp_bytes(self.payload_type, self.sequence, self.timestamp, self.ssrc,
                         self.payload, self.marker)


def rtp_bytes(payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes,
              marker: bool = False) -> bytes:
    """One packet on the wire (the pacer's hot path: no object built)."""
    second = (0x80 if marker else 0) | (payload_type & 0x7F)
    return _HEADER.pack(0x80, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF,
                        ssrc) + payload


def parse_rtp(data: bytes) -> RtpPacket | None:
    """The packet in `data`, or None if it is not RTP version 2 (or is RTCP)."""
    if len(data) < 12:
        return None
    first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
    payload_type = second & 0x7F
    if first == 0x80 and not 72 <= payload_type <= 76:  # the usual packet: a plain header
        return RtpPacket(payload_type, sequence, timestamp, ssrc, data[12:], second > 0x7F)
    if first >> 6 != 2:
        return None
    if 72 <= payload_type <= 76:  # RTCP multiplexed on the port (RFC 5761)
        return None
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        if len(data) < offset + 4:
            return None
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20 and end > offset:  # padding: the last byte says how much
        end -= data[-1]
    if end < offset:
        return None
    return RtpPacket(payload_type, sequence, timestamp, ssrc, data[offset:end],
                     marker=bool(second & 0x80))


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    digit: str
    end: bool
    volume: int
    duration: int  # timestamp units (1/8000 s)


def parse_event(payload: bytes) -> TelephoneEvent | None:
    if len(payload) < 4:
        return None
    event, flags, duration = _EVENT.unpack_from(payload)
    if event >= len(EVENT_DIGITS):
        return None  # not a DTMF key (flash, tones)
    return TelephoneEvent(EVENT_DIGITS[event], bool(flags & 0x80), flags & 0x3F, duration)


def event_payload(digit: str, *, end: bool, duration: int, volume: int = 10) -> bytes:
    flags = (0x80 if end else 0) | (volume & 0x3F)
    return _EVENT.pack(EVENT_DIGITS.index(digit.upper()), flags, min(duration, 0xFFFF))
