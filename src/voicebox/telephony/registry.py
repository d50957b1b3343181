"""Telephony drivers by configured name (`VOICEBOX_TELEPHONY`); `sim` is the default, and the
simulator is always there beside a real driver for calls that carry a `simulation`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicebox.errors import TelephonyError
from voicebox.telephony.base import Gateway
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.router import SIMULATOR, GatewayRouter


def _simulated(*, media: MediaKit | None = None, **options: Any) -> Gateway:
    from voicebox.telephony.simulated import SimulatedGateway

    return SimulatedGateway(time_scale=float(options.get("time_scale", 1.0)),
                            audio=bool(options.get("audio", False)) and media is not None,
                            media=media)


def _sip(*, media: MediaKit | None = None, **options: Any) -> Gateway:
    from voicebox.config import get_settings
    from voicebox.telephony.sip import create

    settings = options.pop("settings", None) or get_settings()
    options.pop("audio", None)  # the simulator's switch: a SIP call is always audio
    return create(settings, **options)  # TODO(media): SipCall still plays through its stand-in


DRIVERS: dict[str, Callable[..., Gateway]] = {SIMULATOR: _simulated, "sip": _sip}


def create_gateway(name: str = SIMULATOR, *, media: MediaKit | None = None,
                   **options: Any) -> Gateway:
    """The gateway of driver `name`; unknown names are a configuration error."""
    factory = DRIVERS.get(name.lower())
    if factory is None:
        raise TelephonyError(f"unknown telephony driver {name!r}; known: {', '.join(DRIVERS)}",
                             name="telephony")
    return factory(media=media, **options)


def create_router(name: str = SIMULATOR, *, media: MediaKit | None = None,
                  **options: Any) -> GatewayRouter:
    """The configured driver as the default, with the simulator beside it."""
    name = name.lower()
    drivers = {name: create_gateway(name, media=media, **options)}
    if name != SIMULATOR:
        drivers[SIMULATOR] = create_gateway(SIMULATOR, media=media, **options)
    return GatewayRouter(drivers, default=name)
