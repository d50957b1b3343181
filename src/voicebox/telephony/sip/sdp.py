"""SDP offer / answer (RFC 3264) for one G.711 audio stream with RFC 4733 events.

We offer PCMA, PCMU and telephone-event/8000 as payload type 101; we answer with the offer's
first G.711 codec and take events on whatever payload type the far end names.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass

from voicebox.ids import ascii_int, is_ascii_digits

PCMU, PCMA = 0, 8
G711 = {PCMU: "ulaw", PCMA: "alaw"}
_STATIC_NAMES = {PCMU: "PCMU", PCMA: "PCMA"}
OUR_EVENT_PT = 101


class SdpError(ValueError):
    """The far end's SDP has no usable audio stream (answered 488)."""


DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_ANSWER_DIRECTION = {"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly",
                     "inactive": "inactive"}  # RFC 3264 §6.1
ON_HOLD = "0.0.0.0"  # RFC 2543 hold: "send nothing" (a datagram to it reaches this machine)


@dataclass(frozen=True, slots=True)
class Media:
    """Where and how to send audio: the far end's address, the codec and the events' type, and
    the direction the far end asked for (`sendonly` / `inactive`: it puts us on hold)."""

    host: str
    port: int
    codec_pt: int
    event_pt: int | None
    direction: str = "sendrecv"

    @property
    def law(self) -> str:
        return G711[self.codec_pt]

    @property
    def wants_audio(self) -> bool:
        """Whether the far end takes our RTP now (not on hold)."""
        return self.host != ON_HOLD and self.direction in ("sendrecv", "recvonly")

    @property
    def sends_audio(self) -> bool:
        """Whether the far end said it sends RTP (a silent `inactive` hold is no lost peer)."""
        return self.direction in ("sendrecv", "sendonly")


@dataclass(slots=True)
class LocalSession:
    """Our side of the session; `version` rises only when what we describe changes."""

    host: str
    port: int
    session_id: int = 0
    version: int = 0
    _described: tuple[str, ...] = ()  # what the last body said, but for its o= line

    def __post_init__(self) -> None:
        self.session_id = self.session_id or secrets.randbelow(2**31) + 1
        self.version = self.version or self.session_id

    def describe(self, payload_types: list[int], event_pt: int | None,
                 direction: str = "sendrecv") -> bytes:
        """An SDP body offering (or answering with) `payload_types` and events on `event_pt`."""
        fmts = [*payload_types, *([event_pt] if event_pt is not None else [])]
        lines = [
            "s=VoiceBox",
            f"c=IN IP4 {self.host}",
            "t=0 0",
            f"m=audio {self.port} RTP/AVP {' '.join(map(str, fmts))}",
        ]
        lines += [f"a=rtpmap:{pt} {_STATIC_NAMES[pt]}/8000" for pt in payload_types]
        if event_pt is not None:
            lines += [f"a=rtpmap:{event_pt} telephone-event/8000", f"a=fmtp:{event_pt} 0-16"]
        lines += ["a=ptime:20", f"a={direction}"]
        if self._described and tuple(lines) != self._described:
            self.version += 1  # RFC 3264 §8: a changed description gets a higher version
        self._described = tuple(lines)
        head = ["v=0", f"o=VoiceBox {self.session_id} {self.version} IN IP4 {self.host}"]
        return ("\r\n".join(head + lines) + "\r\n").encode()

    def offer(self) -> bytes:
        return self.describe([PCMA, PCMU], OUR_EVENT_PT)

    def answer(self, media: Media) -> bytes:
        return self.describe([media.codec_pt], media.event_pt,
                             _ANSWER_DIRECTION[media.direction])


def parse(body: bytes) -> Media:
    """The far end's first audio stream: its address, first G.711 codec and event type."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SdpError("SDP is not UTF-8") from error
    session_host: str | None = None
    media_host: str | None = None
    port: int | None = None
    formats: list[int] = []
    names: dict[int, str] = {}
    in_audio = False
    session_direction = media_direction = None
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            if port is not None:
                break  # only the first audio stream matters
            parts = value.split()
            in_audio = len(parts) >= 4 and parts[0] == "audio" and parts[2].startswith("RTP/")
            if in_audio:
                port = _port(parts[1])
                formats = [int(f) for f in parts[3:] if is_ascii_digits(f)]
        elif kind == "c":
            parts = value.split()
            if len(parts) >= 3:
                host: str | None = parts[2].split("/")[0]
                if in_audio:
                    media_host = host
                elif port is None:
                    session_host = host
        elif kind == "a" and value in DIRECTIONS:
            if in_audio:
                media_direction = value
            elif port is None:
                session_direction = value
        elif kind == "a" and in_audio and value.startswith("rtpmap:"):
            pt_text, _, encoding = value[len("rtpmap:"):].partition(" ")
            if is_ascii_digits(pt_text):
                names[int(pt_text)] = encoding.strip().lower()
    host = media_host or session_host
    if port is None or host is None:
        raise SdpError("SDP has no audio stream with an address")
    _check_address(host)
    codec = next((pt for pt in formats if _g711_of(pt, names) is not None), None)
    if codec is None:
        raise SdpError("SDP offers no G.711 codec (PCMA / PCMU)")
    event = next((pt for pt in formats if names.get(pt, "").startswith("telephone-event/8000")),
                 None)
    return Media(host=host, port=port, codec_pt=_g711_of(codec, names) or codec, event_pt=event,
                 direction=media_direction or session_direction or "sendrecv")


def _port(text: str) -> int:
    """The media port of an `m=` line (`port` or `port/count`); 0 is a refused stream."""
    port = ascii_int(text.split("/")[0], low=1, high=65535)
    if port is None:
        raise SdpError(f"SDP audio port {text!r} is not a usable port")
    return port


def _check_address(host: str) -> None:
    """Media goes to an IPv4 address as written: a host name would be looked up on every
    packet sent, and our RTP sockets are IPv4."""
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        raise SdpError(f"SDP connection address {host!r} is not an IPv4 address") from None


def _g711_of(pt: int, names: dict[int, str]) -> int | None:
    """The static G.711 type `pt` stands for (a dynamic type may name PCMU / PCMA too)."""
    name = names.get(pt)
    if name is None:
        return pt if pt in G711 else None
    if name.startswith("pcmu/8000"):
        return PCMU
    if name.startswith("pcma/8000"):
        return PCMA
    return None
