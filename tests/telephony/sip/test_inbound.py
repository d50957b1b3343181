"""Inbound calls: sipp dials the SIP driver on loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.telephony.sip.conftest import Sipp, gateway_for, needs_sipp
from tests.telephony.sip.rtp_capture import rtp_stream, write_pcap
from tests.telephony.sip.test_outbound import tone_share
from voicebox.telephony.base import CallLeg, CallResult, CallState, Heard, Prompt

pytestmark = needs_sipp


async def test_caller_talks_presses_digits_and_hears_our_bye(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=1.0, digits="12", pt=0))
    gateway = gateway_for(9)  # the trunk's address does not matter to inbound calls
    answered: asyncio.Future[tuple[CallLeg, Heard, CallResult]] = (
        asyncio.get_running_loop().create_future())

    async def handler(call: CallLeg) -> None:
        result = await call.answer()
        heard = await call.collect(max_digits=3, wait_seconds=15)
        await call.play(Prompt(text="thank you"))
        await call.hangup()
        answered.set_result((call, heard, result))

    gateway.on_incoming(handler)
    await gateway.start()
    try:
        remote = f"127.0.0.1:{gateway.endpoint.port}"
        sipp = await Sipp("uac_talk.xml", tmp_path, remote=remote,
                          extra=["-s", "84951234567"]).start()
        sipp_runner.append(sipp)
        call, heard, result = await asyncio.wait_for(answered, 60)
        assert result is CallResult.ANSWERED
        assert heard.dtmf == "123"  # RFC 4733 "1", "2" and INFO "3"
        assert call.to == "+74951234567"  # 8495… read as a number of the home region
        assert call.caller == "+79160000001"  # P-Asserted-Identity wins over From
        media = call.media  # type: ignore[attr-defined]
        assert tone_share(bytes(media.tap.heard)) > 0.5
        assert await sipp.wait() == 0, sipp.log()  # it answered PCMU (the offer's first)
        assert call.state is CallState.ENDED and gateway.live_calls == 0
    finally:
        await gateway.stop()


async def test_caller_cancels_while_ringing(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    gateway = gateway_for(9)
    outcome: asyncio.Future[tuple[CallLeg, CallResult]] = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        gone = asyncio.Event()
        call.on_hangup(gone.set)
        await asyncio.wait_for(gone.wait(), 30)  # a slow answerer: the caller gives up first
        outcome.set_result((call, await call.answer()))

    gateway.on_incoming(handler)
    await gateway.start()
    try:
        sipp = await Sipp("uac_cancel.xml", tmp_path, remote=f"127.0.0.1:{gateway.endpoint.port}",
                          extra=["-s", "74951234567"]).start()
        sipp_runner.append(sipp)
        call, result = await asyncio.wait_for(outcome, 60)
        assert result is CallResult.CANCELLED
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_no_inbound_handler_answers_404(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    gateway = gateway_for(9)
    await gateway.start()
    try:
        sipp = await Sipp("uac_refused.xml", tmp_path,
                          remote=f"127.0.0.1:{gateway.endpoint.port}",
                          extra=["-s", "74951234567"]).start()
        sipp_runner.append(sipp)
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_handler_that_refuses_answers_with_its_result(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    gateway = gateway_for(9)

    async def handler(call: CallLeg) -> None:
        await call.hangup(CallResult.UNREACHABLE)  # no active inbound campaign on this number

    gateway.on_incoming(handler)
    await gateway.start()
    try:
        sipp = await Sipp("uac_refused.xml", tmp_path,
                          remote=f"127.0.0.1:{gateway.endpoint.port}",
                          extra=["-s", "74951234567"]).start()
        sipp_runner.append(sipp)
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


async def test_invite_without_sdp_gets_our_offer_and_the_ack_answers(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=2.0, pt=0))
    gateway = gateway_for(9)
    done: asyncio.Future[tuple[CallLeg, float, int]] = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        assert await call.answer() is CallResult.ANSWERED
        heard = await call.collect(wait_seconds=3)  # listen (no digits come)
        assert heard.empty
        media, transport = call.media, call.transport  # type: ignore[attr-defined]
        done.set_result((call, tone_share(bytes(media.tap.heard)), transport.media.codec_pt))
        await call.hangup()

    gateway.on_incoming(handler)
    await gateway.start()
    try:
        sipp = await Sipp("uac_delayed_offer.xml", tmp_path,
                          remote=f"127.0.0.1:{gateway.endpoint.port}",
                          extra=["-s", "74951234567"]).start()
        sipp_runner.append(sipp)
        call, share, codec = await asyncio.wait_for(done, 60)
        assert share > 0.5 and codec == 0  # the ACK's PCMU answer is what we send
        assert await sipp.wait() == 0, sipp.log()
        assert call.state is CallState.ENDED
    finally:
        await gateway.stop()
