"""Limits and knobs the engine is given; the dialer builds one from `voicebox.config.Settings`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str | None) -> tuple[Network, ...]:
    """`VOICEBOX_HTTP_ALLOWED_NETWORKS`: comma-separated CIDRs (a bare address is a /32 or /128)."""
    if not text:
        return ()
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


@dataclass(frozen=True, slots=True)
class EngineConfig:
    max_steps: int = 500
    max_duration: float = 3600.0  # seconds of one run, dialling included
    expiry_grace: float = 60.0  # seconds an onExpiry branch gets before a hard stop
    http_timeout: float = 10.0  # seconds, when the state sets no `timeout`
    http_max_body: int = 1_000_000  # bytes of a response body read at most
    http_max_redirects: int = 5
    allowed_networks: tuple[Network, ...] = field(default_factory=tuple)
    ring_seconds: float = 60.0  # how long a dial or a transfer rings
    detect_seconds: float = 3.0  # how long machine detection listens
    detect_min_confidence: float = 0.5
    asr_min_confidence: float = 0.4  # recognised speech below it counts as invalid input

    @classmethod
    def from_settings(cls, settings: object, **overrides: object) -> EngineConfig:
        """Read the fields it knows from a settings object (`http_allowed_networks` as text)."""
        networks = parse_networks(getattr(settings, "http_allowed_networks", "") or "")
        known: dict[str, object] = {"allowed_networks": networks}
        confidence = getattr(settings, "asr_min_confidence", None)
        if isinstance(confidence, float):
            known["asr_min_confidence"] = confidence
        return cls(**(known | overrides))  # type: ignore[arg-type]  # fields by name, checked at run time
