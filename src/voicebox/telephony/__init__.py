"""Telephony: the `Call` / `Gateway` / `Clock` protocols (base.py) and their drivers."""

from voicebox.telephony.base import (
    SILENCE,
    Call,
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
    "Call",
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
