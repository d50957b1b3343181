"""RTP ports from the configured range (`VOICEBOX_RTP_PORTS`), handed out round-robin."""

from __future__ import annotations

import socket

from voicebox.errors import TelephonyError


def parse_range(text: str, *, name: str = "VOICEBOX_RTP_PORTS") -> tuple[int, int]:
    first_text, sep, last_text = text.strip().partition("-")
    try:
        first, last = int(first_text), int(last_text if sep else first_text)
    except ValueError:
        raise TelephonyError(f"{name} must be FIRST-LAST (e.g. 30000-30999), not {text!r}",
                             name=name) from None
    if not 1024 <= first <= last <= 65535 or last - first < 1:
        raise TelephonyError(f"{name} must be a range of at least two ports within 1024-65535, "
                             f"not {text!r}", name=name)
    return first, last


class PortPool:
    """Binds a UDP socket on the next free even port (RTP convention) of the range."""

    def __init__(self, first: int, last: int):
        self._first = first + (first & 1)
        self._last = last
        self._next = self._first

    def bind(self, host: str) -> socket.socket:
        count = (self._last - self._first) // 2 + 1
        for _ in range(count):
            port = self._next
            self._next = port + 2 if port + 2 <= self._last else self._first
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind((host, port))
            except OSError:
                sock.close()
                continue
            sock.setblocking(False)
            return sock
        raise TelephonyError(f"no free RTP port in {self._first}-{self._last} "
                             "(VOICEBOX_RTP_PORTS)", name="VOICEBOX_RTP_PORTS")
