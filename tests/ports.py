"""Loopback ports for the servers and SIP peers tests start, safe when pytests run at once.

CI runs its pytest passes side by side (scripts/test.sh), so "probe a free port, close it, hand
it on" could give two passes the same port. Instead each pytest process takes
ports from its own block, chosen by VOICEBOX_TEST_PORT_BLOCK (0 to 3; the script sets it), below
the kernel's ephemeral range where `bind(0)` and outgoing connections never land. Within the
block ports are handed out in turn, each checked free for UDP and TCP first, so a port a test
still holds, or another program's, is skipped.
"""

from __future__ import annotations

import os
import socket

_FIRST, _SIZE, _BLOCKS = 10_000, 2_500, 4  # 10000-12499, … 17500-19999 (ephemeral: 32768+)
BLOCK_ENV = "VOICEBOX_TEST_PORT_BLOCK"


def _block() -> range:
    index = int(os.environ.get(BLOCK_ENV) or 0)
    if not 0 <= index < _BLOCKS:
        raise ValueError(f"{BLOCK_ENV}={index}: expected 0..{_BLOCKS - 1}")
    start = _FIRST + index * _SIZE
    return range(start, start + _SIZE)


_next = _block().start


def _bindable(port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_ports(count: int = 1, *, even: bool = False) -> int:
    """The first of `count` consecutive ports free for UDP and TCP (an even one with `even`:
    sipp's media port and RTP ranges), not handed out before in this block's turn."""
    global _next
    block = _block()
    for _ in range(len(block)):
        first = _next + (_next & 1 if even else 0)
        if first + count > block.stop:
            first = block.start
        _next = first + count
        if all(_bindable(port) for port in range(first, first + count)):
            return first
    raise RuntimeError(f"no {count} free ports left in {block}")


def free_port() -> int:
    """One port free for UDP and TCP."""
    return free_ports(1)
