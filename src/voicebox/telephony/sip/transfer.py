"""Transfer of a SIP call (`Redirection`): REFER followed through its NOTIFY sipfrag, or, when
the trunk refuses REFER, a second leg through the trunk with audio and digits relayed."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING

from voicebox.telephony.base import CallResult, CallState, RemoteHangup, TransferTarget
from voicebox.telephony.sip.results import result_for
from voicebox.telephony.sip.rtp import RtpTransport
from voicebox.telephony.sip.transaction import TransactionTimeout
from voicebox.telephony.transport import SILENT_FRAME, FrameSink

if TYPE_CHECKING:
    from voicebox.telephony.sip.call import SipCall

log = logging.getLogger(__name__)

REFER_REFUSED = frozenset({403, 405, 420, 488, 501, 603})
_JITTER_FRAMES = 10  # relayed frames kept at most (200 ms)


async def refer_or_bridge(call: SipCall, target: TransferTarget,
                          ring_seconds: float) -> CallResult:
    if call.state is not CallState.ANSWERED or call.dialog is None:
        raise RemoteHangup("the call is not up")
    gateway = call.gateway
    number = target.number or ""
    refer_to = target.sip_uri or gateway.trunk_uri(number)
    try:
        resp = await call.in_dialog("REFER", headers={
            "Refer-To": f"<{refer_to}>", "Referred-By": f"<{gateway.contact_uri}>"})
    except TransactionTimeout:
        resp = None
    if resp is not None and 200 <= resp.code < 300:
        return await _refer_outcome(call, ring_seconds)
    if resp is not None and resp.code not in REFER_REFUSED:
        log.info("call %s: REFER answered %s; bridging instead", call.id, resp.code)
    if not number and not target.sip_uri:
        return CallResult.FAILED
    return await _bridge(call, target, ring_seconds)


async def _refer_outcome(call: SipCall, ring_seconds: float) -> CallResult:
    """Follow the NOTIFY sipfrag until the transfer target's final status."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ring_seconds + call.gateway.endpoint.timer_b
    gone = loop.create_future()

    def hung_up() -> None:
        if not gone.done():
            gone.set_result(None)

    call.on_hangup(hung_up)
    while True:
        getter = asyncio.ensure_future(call.notifies.get())
        done, _ = await asyncio.wait({getter, gone}, timeout=max(deadline - loop.time(), 0),
                                     return_when=asyncio.FIRST_COMPLETED)
        if getter not in done:
            getter.cancel()
            # The transferee left us before a final NOTIFY: it went on to the target.
            return CallResult.ANSWERED if gone in done else CallResult.NO_ANSWER
        code = getter.result()
        if code < 200:
            continue
        if code < 300:
            await call.hangup()
            return CallResult.ANSWERED
        return result_for(code)


async def _bridge(call: SipCall, target: TransferTarget, ring_seconds: float) -> CallResult:
    """REFER refused: a second leg through the trunk, audio and digits relayed both ways."""
    party = call.caller if call.inbound else call.to  # the far end's number
    destination = target.number or target.sip_uri or ""
    other = call.gateway.outbound(to=destination, caller=target.caller_display or party,
                                  options={"bridge": True})
    result = await other.dial(destination, ring_seconds=ring_seconds)
    if result is not CallResult.ANSWERED:
        return result
    if call.state is not CallState.ANSWERED:
        await other.hangup()
        raise RemoteHangup("the far end hung up")
    assert call.transport is not None and other.transport is not None
    # The call's recording goes on through the bridge: what A hears (B, relayed) on the
    # robot's side, what A says on the subscriber's; the tap closes when A's leg ends.
    tap = call.media.tap if call.media is not None else None
    _relay(call.transport, other.transport, heard=tap.subscriber if tap else None)
    _relay(other.transport, call.transport, sent=tap.robot if tap else None)
    if target.extension:
        other.transport.send_dtmf(target.extension)
    call.bridged = other.bridged = True
    call.bridged_to = other
    call.on_hangup(lambda: call.spawn(other.release()))
    other.on_hangup(lambda: call.spawn(call.release()))
    return CallResult.ANSWERED


def _relay(source: RtpTransport, sink: RtpTransport, *, heard: FrameSink | None = None,
           sent: FrameSink | None = None) -> None:
    """Frames and digits received on `source` are sent on `sink` (taking them over from the
    media leg: the robot's part of the call is over). `heard` gets each frame received on
    `source`, `sent` each frame sent on `sink` with the media time it goes out (the tap)."""
    frames: deque[bytes] = deque(maxlen=_JITTER_FRAMES)

    def received(frame: bytes, at: float) -> None:
        frames.append(frame)
        if heard is not None and frame is not SILENT_FRAME:
            heard(frame, at)

    def next_frame(at: float) -> bytes | None:
        if not frames:
            return None
        frame = frames.popleft()
        if sent is not None:
            sent(frame, at)
        return frame

    source.on_frame(received)
    source.on_dtmf(lambda event: sink.send_dtmf(event.digit))
    sink.set_source(next_frame)
