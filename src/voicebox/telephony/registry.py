"""Telephony drivers by configured name (`VOICEBOX_TELEPHONY`); `sim` is the default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicebox.errors import TelephonyError
from voicebox.telephony.base import Gateway


def _simulated(**options: Any) -> Gateway:
    from voicebox.telephony.simulated import SimulatedGateway

    return SimulatedGateway(time_scale=float(options.get("time_scale", 1.0)))


def _sip(**options: Any) -> Gateway:
    from voicebox.config import get_settings
    from voicebox.telephony.sip import create

    settings = options.pop("settings", None) or get_settings()
    return create(settings, **options)


DRIVERS: dict[str, Callable[..., Gateway]] = {"sim": _simulated, "sip": _sip}


def create_gateway(name: str = "sim", **options: Any) -> Gateway:
    """The gateway of driver `name`; unknown names are a configuration error."""
    factory = DRIVERS.get(name.lower())
    if factory is None:
        raise TelephonyError(f"unknown telephony driver {name!r}; known: {', '.join(DRIVERS)}",
                             name="telephony")
    return factory(**options)
