"""`GatewayRouter`: several drivers in one process, one chosen per call.

A call whose driver options carry a `simulation` runs on the simulator even where a real driver
is configured (a campaign or `/v1/sb` call made for testing); an explicit `driver` option names
one; every other call goes to the default driver. Inbound calls come from every driver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from voicebox.errors import TelephonyError
from voicebox.telephony.base import CallLeg, Clock, Gateway, IncomingHandler

SIMULATOR = "sim"


class GatewayRouter:
    """Implements `telephony.base.Gateway` over named drivers."""

    def __init__(self, drivers: Mapping[str, Gateway], *, default: str):
        if default not in drivers:
            raise TelephonyError(f"no telephony driver {default!r} configured", name="telephony")
        self.drivers = dict(drivers)
        self.default = default

    @property
    def clock(self) -> Clock:
        """The default driver's clock: the one the dialer schedules retries by."""
        return self.drivers[self.default].clock

    @property
    def simulator(self) -> Gateway:
        """The simulator (to place simulated inbound calls)."""
        return self.drivers[SIMULATOR]

    def pick(self, options: Mapping[str, Any] | None) -> Gateway:
        options = options or {}
        name = options.get("driver") or (
            SIMULATOR if options.get("simulation") is not None else self.default)
        driver = self.drivers.get(name)
        if driver is None:
            raise TelephonyError(f"no telephony driver {name!r} configured", name="telephony")
        return driver

    def outbound(self, *, to: str, caller: str | None = None, call_id: str | None = None,
                 options: Mapping[str, Any] | None = None) -> CallLeg:
        return self.pick(options).outbound(to=to, caller=caller, call_id=call_id,
                                           options=options)

    def on_incoming(self, handler: IncomingHandler) -> None:
        for driver in self.drivers.values():
            driver.on_incoming(handler)

    async def start(self) -> None:
        for driver in self.drivers.values():
            await driver.start()

    async def stop(self) -> None:
        await asyncio.gather(*(driver.stop() for driver in self.drivers.values()))
