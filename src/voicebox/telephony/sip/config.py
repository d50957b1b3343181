"""The SIP driver's settings (`VOICEBOX_SIP_*`, `VOICEBOX_RTP_PORTS`), checked at start-up: a bad
value is a `TelephonyError` naming the variable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sipmessage import URI

from voicebox.errors import TelephonyError
from voicebox.telephony.sip.inbound_from import InboundFrom, parse_inbound_from
from voicebox.telephony.sip.ports import parse_range


@dataclass(frozen=True, slots=True)
class SipConfig:
    trunk_host: str
    trunk_port: int = 5060
    username: str | None = None
    password: str | None = None
    bind_host: str = "0.0.0.0"
    bind_port: int = 5060
    rtp_ports: tuple[int, int] = (30000, 30999)
    register: bool = False
    strip_plus: bool = False
    home_region: str = "RU"
    register_expires: int = 3600
    inbound_from: InboundFrom = field(default_factory=InboundFrom)

    @property
    def trunk_address(self) -> tuple[str, int]:
        return (self.trunk_host, self.trunk_port)

    @classmethod
    def from_settings(cls, settings: Any) -> SipConfig:
        trunk = getattr(settings, "sip_trunk", None)
        if not trunk:
            raise TelephonyError("VOICEBOX_SIP_TRUNK is required with VOICEBOX_TELEPHONY=sip "
                                 "(sip:user:password@host:port)", name="VOICEBOX_SIP_TRUNK")
        host, port, user, password = parse_trunk(trunk)
        bind_host, bind_port = parse_bind(getattr(settings, "sip_bind", "0.0.0.0:5060"))
        return cls(
            trunk_host=host, trunk_port=port, username=user, password=password,
            bind_host=bind_host, bind_port=bind_port,
            rtp_ports=parse_range(getattr(settings, "rtp_ports", "30000-30999")),
            register=_flag(getattr(settings, "sip_register", "off"), "VOICEBOX_SIP_REGISTER"),
            strip_plus=_flag(getattr(settings, "sip_strip_plus", False), "VOICEBOX_SIP_STRIP_PLUS"),
            home_region=getattr(settings, "home_region", "RU"),
            inbound_from=parse_inbound_from(getattr(settings, "sip_inbound_from", "trunk")),
        )


def parse_trunk(text: str) -> tuple[str, int, str | None, str | None]:
    """`sip:user:password@host:port` → host, port, user, password."""
    name = "VOICEBOX_SIP_TRUNK"
    raw = text.strip()
    if not raw.startswith("sip:"):
        raw = "sip:" + raw
    try:
        uri = URI.parse(raw)
    except ValueError:
        raise TelephonyError(f"{name} must look like sip:user:password@host:port, not {text!r}",
                             name=name) from None
    if uri.scheme != "sip" or not uri.host:
        raise TelephonyError(f"{name} must be a sip: URI with a host, not {text!r}", name=name)
    if uri.password is not None and not uri.user:
        raise TelephonyError(f"{name} has a password but no user", name=name)
    return uri.host.strip("[]"), uri.port or 5060, uri.user, uri.password


def parse_bind(text: str) -> tuple[str, int]:
    name = "VOICEBOX_SIP_BIND"
    host, sep, port_text = str(text).strip().rpartition(":")
    if not sep:
        host, port_text = port_text, "5060"
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535 or not host:
        raise TelephonyError(f"{name} must be address:port (e.g. 0.0.0.0:5060), not {text!r}",
                             name=name)
    return host.strip("[]"), port


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0", ""):
        return False
    raise TelephonyError(f"{name} must be on or off, not {value!r}", name=name)
