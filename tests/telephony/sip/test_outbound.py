"""Outbound calls through the SIP driver to sipp playing a trunk, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import numpy as np
import pytest

from tests.telephony.sip.conftest import (
    Sipp,
    free_udp_port,
    gateway_for,
    needs_sipp,
    render_scenario,
)
from tests.telephony.sip.media import set_render
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_stream, write_pcap
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
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=1.0, digits="12"))
    sipp = await Sipp("uas_trunk.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
        assert call.final_code == 200
        heard = await call.collect(max_digits=3, wait_seconds=15)
        assert heard.dtmf == "123"  # two RFC 4733 events (each sent 7 times), one INFO
        assert call.media is not None and tone_share(bytes(call.media.tap.heard)) > 0.5
        result = await call.transfer(TransferTarget(number="+74950000000"), ring_seconds=10)
        assert result is CallResult.ANSWERED
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_wrong_password_ends_at_403_without_looping(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=0.2))
    sipp = await Sipp("uas_trunk.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port, password="wrong")
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
        assert call.final_code == 403
        assert call.error == "trunk refused our credentials (403 Forbidden)"
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_refused_refer_bridges_a_second_leg_until_the_caller_hangs_up(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=5.0, pt=0))
    sipp = await Sipp("uas_refer_refused.xml", tmp_path, calls=2).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
        result = await call.transfer(TransferTarget(number="+74950000000", extension="12"),
                                     ring_seconds=10)
        assert result is CallResult.ANSWERED
        bridge = call.bridged_to
        assert bridge is not None and bridge.state is CallState.ANSWERED
        await call.hangup()  # the scenario is over; the bridged parties keep talking
        assert await sipp.wait() == 0, sipp.log()  # A hung up, so we released B (BYE)
        assert call.state is CallState.ENDED and bridge.state is CallState.ENDED
        # Relayed both ways, past the media legs: A's audio went to B and B's to A.
        assert bridge.transport is not None and bridge.transport.frames_from_source > 10
        assert bridge.media is None  # the second leg is no robot: it has no media leg
        assert call.transport is not None and call.transport.frames_from_source > 10
    finally:
        await gateway.stop()


@pytest.mark.parametrize(("code", "reason", "result"), [
    ("486", "Busy Here", CallResult.BUSY),
    ("404", "Not Found", CallResult.UNREACHABLE),
    ("603", "Decline", CallResult.BUSY),
    ("480", "Temporarily Unavailable", CallResult.NO_ANSWER),
    ("500", "Server Internal Error", CallResult.FAILED),
])
async def test_refusals_keep_the_real_code(
        tmp_path: Path, sipp_runner: list[Sipp], code: str, reason: str,
        result: CallResult) -> None:
    scenario = render_scenario("uas_reject.xml", tmp_path, code=code, reason=reason)
    sipp = await Sipp(scenario, tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port, trunk_host="localhost")  # a name, resolved off the loop
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is result
        assert (call.final_code, call.final_reason) == (int(code), reason)
        assert call.error == f"trunk answered {code} {reason}"
        assert await sipp.wait() == 0, sipp.log()  # our ACK reached it
    finally:
        await gateway.stop()


async def test_ring_timeout_cancels(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_no_answer.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=1.5) is CallResult.NO_ANSWER
        assert call.final_code == 487
        assert call.error == "no answer within 1.5 s (CANCEL sent)"
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_hangup_while_ringing_cancels(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_no_answer.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        dialling = asyncio.create_task(call.dial("+79161234567", ring_seconds=30))
        await asyncio.wait_for(call.ringing.wait(), 30)
        await call.hangup()
        assert await dialling is CallResult.CANCELLED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_silent_trunk_times_out_on_timer_b_after_retransmitting() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.setblocking(False)
        gateway = gateway_for(silent.getsockname()[1], timer_b=2.0)
        await gateway.start()
        try:
            call = gateway.outbound(to="+79161234567", caller="+74951112233")
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
        finally:
            await gateway.stop()


async def test_no_free_rtp_port_fails_the_attempt_without_raising() -> None:
    gateway = gateway_for(free_udp_port(), timer_b=1.0)
    await gateway.start()
    first = gateway.config.rtp_ports[0]
    holders = []
    try:
        for port in range(first + (first & 1), gateway.config.rtp_ports[1] + 1, 2):
            holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            with contextlib.suppress(OSError):
                holder.bind(("127.0.0.1", port))
            holders.append(holder)
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=5) is CallResult.FAILED
        assert call.error is not None and "VOICEBOX_RTP_PORTS" in call.error
        assert call.state is CallState.ENDED
    finally:
        for holder in holders:
            holder.close()
        await gateway.stop()


async def test_unreachable_trunk_fails_with_the_timeout_not_a_hang() -> None:
    gateway = gateway_for(free_udp_port(), timer_b=1.0)  # nobody listens there
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
        assert call.error is not None and call.error.startswith("trunk did not respond")
        assert gateway.live_calls == 0
    finally:
        await gateway.stop()


async def test_second_challenge_ends_the_attempt(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_rechallenge.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.FAILED
        assert call.final_code == 407
        assert call.error == "trunk refused our credentials (407 Proxy Authentication Required)"
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_cancelled_dial_cancels_the_invite(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_no_answer.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        dialling = asyncio.create_task(call.dial("+79161234567", ring_seconds=30))
        await asyncio.wait_for(call.ringing.wait(), 30)
        dialling.cancel()  # the engine's time budget, a Stopped campaign
        with pytest.raises(asyncio.CancelledError):
            await dialling
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()  # it got our CANCEL and our ACK of its 487
    finally:
        await gateway.stop()


async def test_remote_bye_during_a_prompt_raises_remote_hangup(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_hangs_up.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)

    async def long_prompt(prompt: Prompt) -> bytes:
        return bytes(2 * 8000 * 60)  # a minute

    set_render(gateway, long_prompt)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
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
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_a_challenged_bye_is_answered_once(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_challenges_bye.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
        await call.hangup()
        assert await sipp.wait() == 0, sipp.log()  # the second BYE carried our credentials
    finally:
        await gateway.stop()


async def test_refer_to_a_busy_target_keeps_the_call(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    sipp = await Sipp("uas_refer_fails.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        assert await call.dial("+79161234567", ring_seconds=20) is CallResult.ANSWERED
        result = await call.transfer(TransferTarget(sip_uri="sip:agent@127.0.0.1"),
                                     ring_seconds=10)
        assert result is CallResult.BUSY
        assert call.state is CallState.ANSWERED  # the scenario goes on (its `error` branch)
        await call.hangup()
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()
