"""Outbound calls through the SIP driver to sipp playing a trunk, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import numpy as np
import pytest

from tests.ports import free_port
from tests.telephony.sip.conftest import (
    CALLER,
    TRUNK,
    StartGateway,
    TrunkCall,
    needs_sipp,
)
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_stream
from voicebox.telephony.base import (
    CallLeg,
    CallResult,
    CallState,
    Prompt,
    RemoteHangup,
    TransferTarget,
)

pytestmark = needs_sipp


def tone_share(pcm: bytes, hz: float = TONE_HZ) -> float:
    """How much of the energy in `pcm` sits at `hz` (1.0: a pure tone)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(float)
    if not samples.any():
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / 8000)
    band = (freqs > hz - 30) & (freqs < hz + 30)
    return float(spectrum[band].sum() / spectrum.sum())


async def test_challenged_call_talks_hears_digits_and_transfers_by_refer(
        trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_trunk.xml", fill=TRUNK,
                                   talk=rtp_stream(tone_seconds=1.0, digits="12"))
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
    assert call.final_code == 200
    heard = await call.collect(max_digits=3, wait_seconds=15)
    assert heard.dtmf == "123"  # two RFC 4733 events (each sent 7 times), one INFO
    assert call.media is not None and tone_share(bytes(call.media.tap.heard)) > 0.5
    result = await call.transfer(TransferTarget(number="+74950000000"), ring_seconds=10)
    assert result is CallResult.ANSWERED
    assert call.state is CallState.ENDED
    assert await trunk.wait() == 0, trunk.log()


async def test_wrong_password_ends_at_403_without_looping(
        trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_trunk.xml", fill=TRUNK,
                                   talk=rtp_stream(tone_seconds=0.2), gateway={"password": "wrong"})
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
    assert call.final_code == 403
    assert call.error == "trunk refused our credentials (403 Forbidden)"
    assert call.state is CallState.ENDED
    assert await trunk.wait() == 0, trunk.log()


async def test_refused_refer_bridges_a_second_leg_until_the_caller_hangs_up(
        trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_refer_refused.xml", calls=2,
                                   talk=rtp_stream(tone_seconds=5.0, pt=0))
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
    result = await call.transfer(TransferTarget(number="+74950000000", extension="12"),
                                 ring_seconds=10)
    assert result is CallResult.ANSWERED
    bridge = call.bridged_to
    assert bridge is not None and bridge.state is CallState.ANSWERED
    await call.hangup()  # the scenario is over; the bridged parties keep talking
    assert await trunk.wait() == 0, trunk.log()  # A hung up, so we released B (BYE)
    assert call.state is CallState.ENDED and bridge.state is CallState.ENDED
    # Relayed both ways, past the media legs: A's audio went to B and B's to A.
    assert bridge.transport is not None and bridge.transport.frames_from_source > 10
    assert bridge.media is None  # the second leg is no robot: it has no media leg
    assert call.transport is not None and call.transport.frames_from_source > 10


@pytest.mark.parametrize(("code", "reason", "result"), [
    ("486", "Busy Here", CallResult.BUSY),
    ("404", "Not Found", CallResult.UNREACHABLE),
    ("603", "Decline", CallResult.BUSY),
    ("480", "Temporarily Unavailable", CallResult.NO_ANSWER),
    ("500", "Server Internal Error", CallResult.FAILED),
])
async def test_refusals_keep_the_real_code(
        trunk_call: TrunkCall, code: str, reason: str,
        result: CallResult) -> None:
    trunk, call = await trunk_call("uas_reject.xml", fill={"code": code, "reason": reason},
                                   gateway={"trunk_host": "localhost"})  # resolved off the loop
    assert await call.dial("+79161234567", ring_seconds=20) is result
    assert (call.final_code, call.final_reason) == (int(code), reason)
    assert call.error == f"trunk answered {code} {reason}"
    assert await trunk.wait() == 0, trunk.log()  # our ACK reached it


async def test_ring_timeout_cancels(trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_no_answer.xml")
    assert await call.dial("+79161234567", ring_seconds=1.5) is CallResult.NO_ANSWER
    assert call.final_code == 487
    assert call.error == "no answer within 1.5 s (CANCEL sent)"
    assert await trunk.wait() == 0, trunk.log()


async def test_hangup_while_ringing_cancels(trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_no_answer.xml")
    dialling = asyncio.create_task(call.dial("+79161234567", ring_seconds=30))
    await asyncio.wait_for(call.ringing.wait(), 30)
    await call.hangup()
    assert await dialling is CallResult.CANCELLED
    assert await trunk.wait() == 0, trunk.log()


async def test_silent_trunk_times_out_on_timer_b_after_retransmitting(
        sip_gateway: StartGateway) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.setblocking(False)
        gateway = await sip_gateway(silent.getsockname()[1], timer_b=2.0)
        call = gateway.outbound(to="+79161234567", caller=CALLER)
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
        assert call.final_code == 408
        assert call.error == ("trunk did not respond: 408 Request Timeout "
                              "(no response to INVITE in 2 s)")
        received = []
        with contextlib.suppress(BlockingIOError):
            while True:
                received.append(silent.recv(65535))
        # Timer A: sent at 0, 0.5, 1.5 s (and 3.5 s is past Timer B).
        assert len(received) >= 3 and all(d.startswith(b"INVITE ") for d in received)


async def test_no_free_rtp_port_fails_the_attempt_without_raising(
        sip_gateway: StartGateway) -> None:
    gateway = await sip_gateway(free_port(), timer_b=1.0)
    first = gateway.config.rtp_ports[0]
    holders = []
    try:
        for port in range(first + (first & 1), gateway.config.rtp_ports[1] + 1, 2):
            holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            with contextlib.suppress(OSError):
                holder.bind(("127.0.0.1", port))
            holders.append(holder)
        call = gateway.outbound(to="+79161234567", caller=CALLER)
        assert await call.dial("+79161234567", ring_seconds=5) is CallResult.FAILED
        assert call.error is not None and "VOICEBOX_RTP_PORTS" in call.error
        assert call.state is CallState.ENDED
    finally:
        for holder in holders:
            holder.close()


async def test_unreachable_trunk_fails_with_the_timeout_not_a_hang(
        sip_gateway: StartGateway) -> None:
    gateway = await sip_gateway(free_port(), timer_b=1.0)  # nobody listens there
    call = gateway.outbound(to="+79161234567", caller=CALLER)
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
    assert call.error is not None and call.error.startswith("trunk did not respond")
    assert gateway.live_calls == 0


async def test_second_challenge_ends_the_attempt(trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_rechallenge.xml")
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
    assert call.final_code == 407
    assert call.error == "trunk refused our credentials (407 Proxy Authentication Required)"
    assert await trunk.wait() == 0, trunk.log()


async def test_cancelled_dial_cancels_the_invite(trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_no_answer.xml")
    dialling = asyncio.create_task(call.dial("+79161234567", ring_seconds=30))
    await asyncio.wait_for(call.ringing.wait(), 30)
    dialling.cancel()  # the engine's time budget, a Stopped campaign
    with pytest.raises(asyncio.CancelledError):
        await dialling
    assert call.state is CallState.ENDED
    assert await trunk.wait() == 0, trunk.log()  # it got our CANCEL and our ACK of its 487


async def test_remote_bye_during_a_prompt_raises_remote_hangup(
        trunk_call: TrunkCall) -> None:
    async def long_prompt(prompt: Prompt) -> bytes:
        return bytes(2 * 8000 * 60)  # a minute

    trunk, call = await trunk_call("uas_hangs_up.xml", gateway={"render": long_prompt})
    assert isinstance(call, CallLeg)
    hung_up: list[bool] = []
    call.on_hangup(lambda: hung_up.append(True))
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
    with pytest.raises(RemoteHangup):
        await asyncio.wait_for(call.play(Prompt(text="a long story")), 30)
    assert hung_up == [True] and call.state is CallState.ENDED
    assert 1.0 < call.elapsed() < 30
    with pytest.raises(RemoteHangup):
        await call.collect(wait_seconds=1)
    await call.hangup()  # idempotent after the far end left
    assert await trunk.wait() == 0, trunk.log()


async def test_a_challenged_bye_is_answered_once(trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_challenges_bye.xml")
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
    await call.hangup()
    assert await trunk.wait() == 0, trunk.log()  # the second BYE carried our credentials


async def test_refer_to_a_busy_target_keeps_the_call(
        trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_refer_fails.xml")
    assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
    result = await call.transfer(TransferTarget(sip_uri="sip:agent@127.0.0.1"),
                                 ring_seconds=10)
    assert result is CallResult.BUSY
    assert call.state is CallState.ANSWERED  # the scenario goes on (its `error` branch)
    await call.hangup()
    assert await trunk.wait() == 0, trunk.log()
