"""Inbound calls: sipp dials the SIP driver on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from tests.telephony.sip.conftest import SCENARIOS, StartGateway, StartSipp, needs_sipp
from tests.telephony.sip.rtp_capture import rtp_stream
from tests.telephony.sip.test_outbound import tone_share
from voicebox.telephony.base import CallLeg, CallResult, CallState, Heard, Prompt, RemoteHangup

pytestmark = needs_sipp


async def test_caller_talks_presses_digits_and_hears_our_bye(
        sipp: StartSipp, sip_gateway: StartGateway) -> None:
    answered: asyncio.Future[tuple[CallLeg, Heard, CallResult]] = (
        asyncio.get_running_loop().create_future())

    async def handler(call: CallLeg) -> None:
        result = await call.answer()
        heard = await call.collect(max_digits=3, wait_seconds=15)
        await call.play(Prompt(text="thank you"))
        await call.hangup()
        answered.set_result((call, heard, result))

    gateway = await sip_gateway(on_incoming=handler)
    caller = await sipp("uac_talk.xml", talk=rtp_stream(tone_seconds=1.0, digits="12", pt=0),
                        calling=gateway, dialled="84951234567")
    call, heard, result = await asyncio.wait_for(answered, 60)
    assert result is CallResult.ANSWERED
    assert heard.dtmf == "123"  # RFC 4733 "1", "2" and INFO "3"
    assert call.to == "+74951234567"  # 8495… read as a number of the home region
    assert call.caller == "+79160000001"  # P-Asserted-Identity wins over From
    media = call.media  # type: ignore[attr-defined]
    assert tone_share(bytes(media.tap.heard)) > 0.5
    assert await caller.wait() == 0, caller.log()  # it answered PCMU (the offer's first)
    assert call.state is CallState.ENDED and gateway.live_calls == 0


async def test_caller_cancels_while_ringing(sipp: StartSipp, sip_gateway: StartGateway) -> None:
    outcome: asyncio.Future[tuple[CallLeg, CallResult]] = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        gone = asyncio.Event()
        call.on_hangup(gone.set)
        await asyncio.wait_for(gone.wait(), 30)  # a slow answerer: the caller gives up first
        outcome.set_result((call, await call.answer()))

    gateway = await sip_gateway(on_incoming=handler)
    caller = await sipp("uac_cancel.xml", calling=gateway)
    call, result = await asyncio.wait_for(outcome, 60)
    assert result is CallResult.CANCELLED
    assert call.state is CallState.ENDED
    assert await caller.wait() == 0, caller.log()


async def test_no_inbound_handler_answers_404(sipp: StartSipp, sip_gateway: StartGateway) -> None:
    caller = await sipp("uac_refused.xml", calling=await sip_gateway())
    assert await caller.wait() == 0, caller.log()


async def test_only_the_trunk_may_ring_us_unless_told_otherwise(
        tmp_path: Path, sipp: StartSipp, sip_gateway: StartGateway) -> None:
    """sipp calls from 127.0.0.1; the trunk is 127.0.0.2: refused (403) before any handler runs,
    and let through (then 404: no handler) once VOICEBOX_SIP_INBOUND_FROM names the network."""
    rang: list[CallLeg] = []

    async def handler(call: CallLeg) -> None:
        rang.append(call)
        await call.hangup(CallResult.UNREACHABLE)

    refused = (SCENARIOS / "uac_refused.xml").read_text().replace('response="404"',
                                                                   'response="403"')
    (tmp_path / "uac_forbidden.xml").write_text(refused)
    stranger = await sipp("uac_forbidden.xml", calling=await sip_gateway(
        trunk_host="127.0.0.2", on_incoming=handler))
    assert await stranger.wait() == 0, stranger.log()
    assert rang == []
    allowed = await sipp("uac_refused.xml", calling=await sip_gateway(
        trunk_host="127.0.0.2", inbound_from="trunk, 127.0.0.0/8"))
    assert await allowed.wait() == 0, allowed.log()


async def test_handler_that_refuses_answers_with_its_result(
        sipp: StartSipp, sip_gateway: StartGateway) -> None:
    async def handler(call: CallLeg) -> None:
        await call.hangup(CallResult.UNREACHABLE)  # no active inbound campaign on this number

    caller = await sipp("uac_refused.xml", calling=await sip_gateway(on_incoming=handler))
    assert await caller.wait() == 0, caller.log()


async def test_invite_without_sdp_gets_our_offer_and_the_ack_answers(
        sipp: StartSipp, sip_gateway: StartGateway) -> None:
    done: asyncio.Future[tuple[CallLeg, float, int]] = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        assert await call.answer() is CallResult.ANSWERED
        heard = await call.collect(wait_seconds=3)  # listen (no digits come)
        assert heard.empty
        media, transport = call.media, call.transport  # type: ignore[attr-defined]
        done.set_result((call, tone_share(bytes(media.tap.heard)), transport.media.codec_pt))
        await call.hangup()

    gateway = await sip_gateway(on_incoming=handler)
    caller = await sipp("uac_delayed_offer.xml", talk=rtp_stream(tone_seconds=2.0, pt=0),
                        calling=gateway)
    call, share, codec = await asyncio.wait_for(done, 60)
    assert share > 0.5 and codec == 0  # the ACK's PCMU answer is what we send
    assert await caller.wait() == 0, caller.log()
    assert call.state is CallState.ENDED


async def test_a_caller_puts_us_on_hold_and_takes_us_back(
        sipp: StartSipp, sip_gateway: StartGateway) -> None:
    """re-INVITEs with a=sendonly, a=inactive, then a=sendrecv (RFC 3264): each answered with
    the matching direction (sipp checks the bodies), and no RTP is sent while on hold."""
    sent_at: dict[str, int] = {}
    ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        assert await call.answer() is CallResult.ANSWERED
        transport = call.transport  # type: ignore[attr-defined]
        start = transport.start

        def noted(media: Any) -> None:  # packets sent when each direction began
            sent_at[media.direction] = transport.packets_sent
            start(media)

        transport.start = noted
        with contextlib.suppress(RemoteHangup):
            await call.collect(wait_seconds=30)
        ended.set_result(transport.packets_sent)

    caller = await sipp("uac_hold.xml", calling=await sip_gateway(on_incoming=handler))
    assert await caller.wait() == 0, caller.log()
    total = await asyncio.wait_for(ended, 10)
    assert list(sent_at) == ["sendonly", "inactive", "sendrecv"]
    assert sent_at["sendrecv"] - sent_at["sendonly"] <= 1  # a second on hold: nothing went
    assert total - sent_at["sendrecv"] >= 20  # a second after it: audio again
