"""Our UAC calling our UAS on loopback: prompts heard, digits both ways, hang-up either side."""

from __future__ import annotations

import asyncio

import pytest

from tests.telephony.sip.loopback import sip_pair
from tests.telephony.sip.rtp_capture import tone
from tests.telephony.sip.test_outbound import tone_share
from voicebox.telephony.base import CallState, Prompt, RemoteHangup


async def tone_renderer(prompt: Prompt) -> bytes:
    return tone(1.0)


async def test_prompt_heard_digits_both_ways_and_remote_hangup() -> None:
    async with sip_pair(render=tone_renderer) as (ours, theirs, _near, _far):
        assert (theirs.to, theirs.caller) == ("+74951234567", "+79161234567")
        await ours.play(Prompt(text="one second of 1 kHz"))
        await asyncio.sleep(0.3)  # the last frames cross the loopback
        assert theirs.media is not None and tone_share(bytes(theirs.media.heard)) > 0.5
        theirs.send_dtmf("42#")
        assert (await ours.collect(wait_seconds=10)).dtmf == "42"
        ours.send_dtmf("7")
        assert (await theirs.collect(max_digits=1, wait_seconds=10)).dtmf == "7"
        gone = asyncio.Event()
        ours.on_hangup(gone.set)
        await theirs.hangup()
        await asyncio.wait_for(gone.wait(), 10)
        assert ours.state is CallState.ENDED
        with pytest.raises(RemoteHangup):
            await ours.play(Prompt(text="too late"))
        assert ours.elapsed() > 1.0


async def test_type_ahead_digits_wait_for_the_next_collect() -> None:
    async with sip_pair() as (ours, theirs, _near, _far):
        theirs.send_dtmf("12")
        await asyncio.sleep(1.0)  # nobody listens yet
        assert (await ours.collect(max_digits=2, wait_seconds=10)).dtmf == "12"
        await ours.hangup()
        await ours.hangup()  # idempotent
        assert ours.state is CallState.ENDED


async def test_a_peer_silent_on_rtp_is_hung_up() -> None:
    async with sip_pair() as (ours, theirs, near, _far):
        near.rtp_timeout = 1.0
        assert theirs.transport is not None
        theirs.transport.close()  # the far end vanishes: no more RTP, and no BYE
        gone = asyncio.Event()
        ours.on_hangup(gone.set)  # our side hangs up: the far end's callbacks do not run
        async with asyncio.timeout(30):
            while ours.state is not CallState.ENDED:  # noqa: ASYNC110 - the watchdog's doing
                await asyncio.sleep(0.1)
        assert ours.error == "no audio from the far end for 1 s"
        assert not gone.is_set()
