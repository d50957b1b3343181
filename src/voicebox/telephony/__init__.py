"""Telephony: the `CallLeg` / `Gateway` / `Clock` protocols (base.py) and their drivers."""

from voicebox.telephony.base import (
    SILENCE,
    CallLeg,
    CallResult,
    CallState,
    Clock,
    Detected,
    Detection,
    Gateway,
    Heard,
    Prompt,
    RealClock,
    RemoteHangup,
    TransferTarget,
    VirtualClock,
    Voice,
)

__all__ = [
    "SILENCE",
    "CallLeg",
    "CallResult",
    "CallState",
    "Clock",
    "Detected",
    "Detection",
    "Gateway",
    "Heard",
    "Prompt",
    "RealClock",
    "RemoteHangup",
    "TransferTarget",
    "VirtualClock",
    "Voice",
]
