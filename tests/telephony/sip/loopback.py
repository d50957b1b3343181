"""Two SIP gateways calling each other on loopback: a SIP `CallLeg` whose far end is scriptable
without sipp (for the `CallLeg` contract suite of the media-leg issue, and our own UAC / UAS
talking to each other)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.telephony.sip.conftest import gateway_for
from tests.telephony.sip.media import Renderer, set_render
from voicebox.telephony.base import CallLeg, CallResult
from voicebox.telephony.sip import SipCall, SipGateway


@asynccontextmanager
async def sip_pair(*, ring_seconds: float = 20.0, render: Renderer | None = None,
                   ) -> AsyncIterator[tuple[SipCall, SipCall, SipGateway, SipGateway]]:
    """(our leg, the far end's leg, our gateway, the far end's gateway), both answered: the
    far end answers every call at once; `render` makes our prompts' audio."""
    far = gateway_for(9, username=None, password=None)
    arrived: asyncio.Queue[CallLeg] = asyncio.Queue()

    async def answer(call: CallLeg) -> None:
        await call.answer()
        await arrived.put(call)

    far.on_incoming(answer)
    await far.start()
    near = gateway_for(far.endpoint.port, username=None, password=None)
    if render is not None:
        set_render(near, render)
    await near.start()
    try:
        ours = near.outbound(to="+74951234567", caller="+79161234567")
        assert await ours.dial("+74951234567", ring_seconds=ring_seconds) is CallResult.ANSWERED
        theirs = await asyncio.wait_for(arrived.get(), ring_seconds)
        assert isinstance(theirs, SipCall)
        yield ours, theirs, near, far
    finally:
        await near.stop()
        await far.stop()
