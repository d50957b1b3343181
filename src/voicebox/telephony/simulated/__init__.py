"""The simulated telephony driver (`VOICEBOX_TELEPHONY=sim`, the default): virtual subscribers."""

from voicebox.telephony.simulated.behaviour import (
    Behaviour,
    Simulation,
    parse_simulation,
    realistic,
)
from voicebox.telephony.simulated.call import SimulatedCall, as_heard
from voicebox.telephony.simulated.clock import ScaledClock
from voicebox.telephony.simulated.gateway import SimulatedGateway

__all__ = [
    "Behaviour",
    "ScaledClock",
    "SimulatedCall",
    "SimulatedGateway",
    "Simulation",
    "as_heard",
    "parse_simulation",
    "realistic",
]
