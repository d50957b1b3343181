"""The drivers whose calls get a `MediaLeg` once answered (the simulator's audio mode, SIP)
share one delegate: before the leg exists, and after the call ended, every media operation
raises `RemoteHangup` (the engine's signal that the call is not there to talk on)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.telephony.sip.conftest import gateway_for
from tests.telephony.sip.media import sip_media_kit
from voicebox.telephony.base import CallLeg, CallResult, Prompt, RemoteHangup, VirtualClock
from voicebox.telephony.media_delegate import MediaDelegate
from voicebox.telephony.simulated import SimulatedGateway

OPERATIONS: list[Callable[[CallLeg], Awaitable[object]]] = [
    lambda call: call.play(Prompt(text="hello")),
    lambda call: call.collect(wait_seconds=1),
    lambda call: call.detect_machine(listen_seconds=1),
]


def _simulated_audio() -> CallLeg:
    gateway = SimulatedGateway(clock=VirtualClock(), audio=True, media=sip_media_kit())
    return gateway.outbound(to="+79990000001", options={
        "simulation": {"default": {"result": "busy"}, "audio": True}})


def _sip() -> CallLeg:
    return gateway_for(9).outbound(to="+79161234567", caller="+74951112233")


@pytest.mark.parametrize("make", [_simulated_audio, _sip], ids=["audio", "sip"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=["play", "collect", "detect_machine"])
async def test_media_before_the_answer_and_after_the_end_is_a_remote_hangup(make, operation):
    call = make()
    assert isinstance(call, MediaDelegate)
    with pytest.raises(RemoteHangup):
        await operation(call)
    await call.hangup(CallResult.CANCELLED)
    with pytest.raises(RemoteHangup):
        await operation(call)
