"""`VOICEBOX_SIP_INBOUND_FROM`: who may start a call with us.

Our SIP port takes INVITEs from the network, so by default only the trunk may ring our numbers
(anyone else could run up the customer's minutes or probe their scenarios). The value is `trunk`
(the default: the trunk host's addresses), `any`, or a comma-separated list of IPv4 addresses and
networks, which may include `trunk`: `trunk, 203.0.113.0/24`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass

from voicebox.errors import TelephonyError

NAME = "VOICEBOX_SIP_INBOUND_FROM"


@dataclass(frozen=True, slots=True)
class InboundFrom:
    anyone: bool = False
    trunk: bool = True
    networks: tuple[ipaddress.IPv4Network, ...] = ()

    def allows(self, host: str, trunk_hosts: Collection[str]) -> bool:
        """Whether an INVITE from `host` (an IP) may ring us; `trunk_hosts`: the trunk's IPs."""
        if self.anyone or (self.trunk and host in trunk_hosts):
            return True
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def parse_inbound_from(text: str) -> InboundFrom:
    items = [item.strip() for item in str(text).split(",") if item.strip()]
    if not items:
        raise TelephonyError(f"{NAME} must be trunk, any or a list of IPv4 networks, not "
                             f"{text!r}", name=NAME)
    if [item.lower() for item in items] == ["any"]:
        return InboundFrom(anyone=True, trunk=True)
    networks = []
    for item in items:
        if item.lower() == "trunk":
            continue
        try:
            networks.append(ipaddress.IPv4Network(item, strict=False))
        except ValueError:
            raise TelephonyError(f"{NAME}: {item!r} is not trunk, any or an IPv4 address or "
                                 f"network (e.g. 203.0.113.0/24)", name=NAME) from None
    return InboundFrom(trunk=any(item.lower() == "trunk" for item in items),
                       networks=tuple(networks))
