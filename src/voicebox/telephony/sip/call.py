"""`SipCall`: one SIP leg (INVITE out or in) implementing `telephony.base.CallLeg`.

Signalling is here; audio is the `RtpTransport`'s, and prompts, digits, machine detection and
the recording tap are the shared `MediaLeg`'s, built over that transport once the call is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from sipmessage import Request, Response

from voicebox.errors import TelephonyError
from voicebox.ids import is_ascii_digits
from voicebox.telephony.base import (
    CallResult,
    CallState,
    TransferTarget,
)
from voicebox.telephony.leg import Leg
from voicebox.telephony.media_delegate import MediaDelegate
from voicebox.telephony.media_leg import MediaLeg
from voicebox.telephony.sip import digest, message, sdp
from voicebox.telephony.sip.dialog import Dialog
from voicebox.telephony.sip.info import parse_info_digit
from voicebox.telephony.sip.results import RESPONSE_FOR, result_for
from voicebox.telephony.sip.rtp import RtpTransport
from voicebox.telephony.sip.transaction import (
    ClientTransaction,
    ServerTransaction,
    TransactionTimeout,
)
from voicebox.telephony.sip.transfer import refer_or_bridge
from voicebox.telephony.transport import DtmfEvent

if TYPE_CHECKING:
    from voicebox.telephony.sip.endpoint import Address
    from voicebox.telephony.sip.gateway import SipGateway

log = logging.getLogger(__name__)


class SipCall(MediaDelegate, Leg):
    def __init__(self, gateway: SipGateway, *, call_id: str, to: str, caller: str | None,
                 state: CallState = CallState.NEW, media: bool = True):
        super().__init__(gateway.clock, call_id=call_id, state=state)
        self.gateway = gateway
        self.to = to
        self.caller = caller
        self.sip_call_id: str | None = None
        self.final_code: int | None = None
        self.final_reason: str = ""
        self.error: str | None = None
        self.transport: RtpTransport | None = None
        self.media: MediaLeg | None = None
        self._wants_media = media  # False: a bridge's second leg, its audio relayed as is
        self.dialog: Dialog | None = None
        self._session: sdp.LocalSession | None = None
        self._stop: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.notifies: asyncio.Queue[int] = asyncio.Queue()
        self.bridged = False
        self.bridged_to: SipCall | None = None  # the second leg when REFER was refused
        # outbound
        self._invite: Request | None = None
        self._invite_tx: ClientTransaction | None = None
        self._ack: bytes | None = None
        self._cancel_wanted = False
        self._cancel_sent = False
        self._ring_seconds = 0.0
        self._trunk: Address = self.gateway.config.trunk_address
        self.ringing = asyncio.Event()  # the far end sent a provisional response
        # inbound
        self._offer: sdp.Media | None = None
        self._uas_tx: ServerTransaction | None = None
        self._uas_invites: dict[int, ServerTransaction] = {}
        self._local_tag = message.new_tag()

    @property
    def inbound(self) -> bool:
        return self._uas_tx is not None

    # Outbound.

    async def dial(self, number: str, *, ring_seconds: float = 60.0) -> CallResult:
        if self._state is not CallState.NEW:
            return CallResult.FAILED
        self._state = CallState.RINGING
        try:
            result = await self._dial(number, ring_seconds)
        except (TelephonyError, OSError) as error:  # no free RTP port, no route to the trunk
            result = self._failed(503, "Service Unavailable", f"cannot place the call: {error}")
        except asyncio.CancelledError:
            self._cancel_wanted = True
            self._send_cancel()
            if self._invite_tx is not None and not self._invite_tx.final.done():
                self.spawn(self._reap(self._invite_tx))
            self._finish(CallResult.CANCELLED)
            raise
        if result is not CallResult.ANSWERED:
            self._finish(result)
        return result

    async def _dial(self, number: str, ring_seconds: float) -> CallResult:
        gw, ep, config = self.gateway, self.gateway.endpoint, self.gateway.config
        self.transport = gw.open_rtp()
        self._session = sdp.LocalSession(host=ep.host, port=self.transport.local_port)
        uri = gw.trunk_uri(number)
        caller = gw.dialled_user(self.caller) if self.caller else "anonymous"
        from_ = f"<sip:{caller}@{config.trunk_host}>;tag={self._local_tag}"
        to = f"<{uri}>"
        self.sip_call_id = message.new_call_id(ep.host)
        log.info("call %s: INVITE %s, trunk Call-ID %s", self.id, uri, self.sip_call_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ring_seconds
        self._ring_seconds = ring_seconds
        self._trunk = await gw.trunk_address()
        self.transport.accept_from(self._trunk[0])
        cseq, authorization = 1, None
        while True:
            headers = {"Allow": message.ALLOW}
            if authorization:
                headers.update(authorization)
            self._invite = message.request(
                "INVITE", uri, via=ep.via(), from_=from_, to=to, call_id=self.sip_call_id,
                cseq=cseq, contact=gw.contact, headers=headers, body=self._session.offer(),
                content_type="application/sdp")
            self._ack = None
            self._invite_tx = tx = ep.client(self._invite, self._trunk,
                                             on_provisional=self._provisional)
            try:
                resp, why = await self._await_final(tx, deadline)
            except TransactionTimeout as timeout:
                return self._failed(408, "Request Timeout",
                                    f"trunk did not respond: 408 Request Timeout ({timeout})")
            if resp is None:  # CANCELled and nothing came back
                return why
            if resp.code in (401, 407) and authorization is None and config.username:
                try:
                    authorization = gw.credentials(resp, method="INVITE", uri=uri)
                except digest.UnsupportedChallenge as error:
                    return self._failed(resp.code, resp.phrase,
                                        f"trunk asks for credentials we cannot give: {error} "
                                        f"({resp.code} {resp.phrase})")
                cseq += 1
                continue
            if resp.code in (401, 407) or (resp.code == 403 and authorization is not None):
                return self._failed(resp.code, resp.phrase,
                                    f"trunk refused our credentials ({resp.code} {resp.phrase})")
            if 200 <= resp.code < 300:
                return self._answered(resp, why)
            self.final_code, self.final_reason = resp.code, resp.phrase
            if why is not CallResult.ANSWERED:
                return why
            self.error = f"trunk answered {resp.code} {resp.phrase}"
            return result_for(resp.code)

    async def _await_final(self, tx: ClientTransaction, deadline: float,
                           ) -> tuple[Response | None, CallResult]:
        """The INVITE's final response and why we stopped waiting for the answer (ANSWERED:
        we did not; NO_ANSWER: ring timeout, CANCELLED: hangup)."""
        loop = asyncio.get_running_loop()
        why = CallResult.ANSWERED
        if not self._stop.done():
            waiting: set[asyncio.Future[Any]] = {tx.final, self._stop}
            done, _ = await asyncio.wait(waiting,
                                         timeout=max(deadline - loop.time(), 0.0),
                                         return_when=asyncio.FIRST_COMPLETED)
            if tx.final in done:
                return tx.final.result(), why
        why = CallResult.CANCELLED if self._stop.done() else CallResult.NO_ANSWER
        self._cancel_wanted = True
        self._send_cancel()
        if why is CallResult.NO_ANSWER:
            self.error = f"no answer within {self._ring_seconds:g} s (CANCEL sent)"
        # RFC 3261 §9.1: a CANCEL with no final answer after 64×T1 ends the attempt anyway.
        timer_b = self.gateway.endpoint.timer_b
        try:
            return await asyncio.wait_for(asyncio.shield(tx.final), timer_b), why
        except TimeoutError:
            tx.cancel_timers()
            return None, why

    async def _reap(self, tx: ClientTransaction) -> None:
        """`dial` was cancelled mid-INVITE: CANCEL goes once it rings (`_provisional`); an
        answer that races it is ACKed and hung up at once."""
        try:
            resp = await asyncio.wait_for(asyncio.shield(tx.final), self.gateway.endpoint.timer_b)
        except (TimeoutError, TransactionTimeout, asyncio.CancelledError):
            tx.cancel_timers()
            return
        if 200 <= resp.code < 300 and self._invite is not None:
            self.dialog = Dialog.as_uac(self._invite, resp)
            self._send_ack()
            await self._bye()

    def _provisional(self, resp: Response) -> None:
        self.ringing.set()
        if self._cancel_wanted:
            self._send_cancel()

    def _send_cancel(self) -> None:
        tx, invite = self._invite_tx, self._invite
        if self._cancel_sent or tx is None or invite is None or tx.final.done():
            return
        if tx.provisional is None:
            return  # RFC 3261 §9.1: wait for a provisional response before CANCEL
        self._cancel_sent = True
        cancel = message.request(
            "CANCEL", str(invite.uri), via=invite.headers.getlist("Via")[0],
            from_=invite.headers["From"], to=invite.headers["To"], call_id=invite.call_id,
            cseq=invite.cseq.sequence, routes=invite.headers.getlist("Route"))
        self.gateway.endpoint.client(cancel, self._trunk)

    def _answered(self, resp: Response, why: CallResult) -> CallResult:
        assert self._invite is not None and self.transport is not None
        self.final_code, self.final_reason = resp.code, resp.phrase
        self.dialog = Dialog.as_uac(self._invite, resp)
        self._send_ack()
        self.gateway.track_dialog(self)
        if why is not CallResult.ANSWERED:  # answered as we gave up: hang up at once
            self.spawn(self._bye())
            return why
        try:
            media = sdp.parse(resp.body)
        except sdp.SdpError as error:
            self.spawn(self._bye())
            return self._failed(488, "Not Acceptable Here", f"trunk's answer is unusable: {error}")
        self._start_media(media)
        return CallResult.ANSWERED

    def _send_ack(self) -> None:
        assert self.dialog is not None and self._invite is not None
        if self._ack is None:
            self._ack = bytes(self.dialog.request(self.gateway.endpoint, "ACK",
                                                  cseq=self._invite.cseq.sequence))
        self.gateway.endpoint.send_bytes(self._ack, self.dialog.destination())

    def resend_ack(self, resp: Response) -> None:
        """A 2xx to our INVITE came again: our ACK was lost."""
        if self._ack is not None and self.dialog is not None:
            self.gateway.endpoint.send_bytes(self._ack, self.dialog.destination())

    def _failed(self, code: int, reason: str, error: str) -> CallResult:
        self.final_code, self.final_reason, self.error = code, reason, error
        log.info("call %s failed: %s", self.id, error)
        return CallResult.FAILED

    # Inbound.

    def offered(self, invite: Request, tx: ServerTransaction, offer: sdp.Media | None) -> None:
        """Set up from an inbound INVITE (the gateway has checked its SDP); `offer` is None for
        an INVITE without SDP: we offer in our 200 and the ACK answers."""
        self._invite = invite
        self._uas_tx = tx
        self._offer = offer
        self.sip_call_id = invite.call_id
        self._uas_invites[invite.cseq.sequence] = tx
        tx.respond(message.response(invite, 180, to_tag=self._local_tag,
                                    contact=self.gateway.contact))

    async def answer(self) -> CallResult:
        if self._state is CallState.ANSWERED:
            return CallResult.ANSWERED
        if self._state is not CallState.RINGING or self._uas_tx is None:
            return CallResult.CANCELLED
        assert self._invite is not None
        self.transport = self.gateway.open_rtp()
        self.transport.accept_from(self._uas_tx.address[0])
        self._session = sdp.LocalSession(host=self.gateway.endpoint.host,
                                         port=self.transport.local_port)
        self.dialog = Dialog.as_uas(self._invite, self._local_tag)
        self.gateway.track_dialog(self)
        self._uas_tx.on_no_ack = self._no_ack
        self._uas_tx.respond(message.response(
            self._invite, 200, to_tag=self._local_tag, contact=self.gateway.contact,
            headers={"Allow": message.ALLOW}, body=(
                self._session.answer(self._offer) if self._offer else self._session.offer()),
            content_type="application/sdp"))
        self.final_code, self.final_reason = 200, "OK"
        self._attach_media()
        if self._offer is not None:
            self.transport.start(self._offer)
        self._up()  # with a delayed offer, audio flows once the ACK brings the answer
        return CallResult.ANSWERED

    def cancelled(self, cancel: Request, tx: ServerTransaction) -> None:
        """The caller gave up before the answer (CANCEL)."""
        tx.respond(message.response(cancel, 200))
        if self._state is CallState.RINGING and self._uas_tx is not None:
            assert self._invite is not None
            self._uas_tx.respond(message.response(self._invite, 487, to_tag=self._local_tag))
            self.final_code, self.final_reason = 487, "Request Terminated"
            self._remote_gone()

    def _no_ack(self) -> None:
        log.info("call %s: no ACK for our 200 OK; hanging up", self.id)
        self.spawn(self._bye())
        self._remote_gone()

    # Media.

    def _start_media(self, media: sdp.Media) -> None:
        assert self.transport is not None
        self._attach_media()
        self.transport.start(media)
        self._up()

    def _answer_in_ack(self, ack: Request) -> None:
        """The ACK of our offer (the INVITE had none) carries the far end's answer."""
        if self.transport is None or self.transport.media is not None or not ack.body:
            return
        try:
            self.transport.start(sdp.parse(ack.body))
        except sdp.SdpError as error:
            log.info("call %s: the ACK's SDP is unusable (%s); hanging up", self.id, error)
            self.spawn(self.hangup())

    def _attach_media(self) -> None:
        assert self.transport is not None
        if self._wants_media:
            self.media = self.gateway.media.leg(self.transport, self.id)

    def send_dtmf(self, digits: str) -> None:
        if self.transport is not None and self._state is CallState.ANSWERED:
            self.transport.send_dtmf(digits)

    # In-dialog requests from the far end.

    def on_request(self, req: Request, tx: ServerTransaction | None) -> None:
        method = req.method
        if method == "ACK":
            invite_tx = self._uas_invites.get(req.cseq.sequence)
            if invite_tx is not None:
                invite_tx.ack()
            self._answer_in_ack(req)
            return
        assert tx is not None
        if self.dialog is not None and method != "CANCEL":
            if req.cseq.sequence <= self.dialog.remote_cseq and method != "INVITE":
                pass  # out of order; answer anyway (UDP reorders, peers retransmit)
            self.dialog.remote_cseq = max(self.dialog.remote_cseq, req.cseq.sequence)
        if method == "BYE":
            tx.respond(message.response(req, 200))
            self._remote_gone()
        elif method in ("INVITE", "UPDATE"):  # a session refresh (RFC 4028) or new media
            self._reinvite(req, tx)
        elif method == "INFO":
            self._info(req, tx)
        elif method == "NOTIFY":
            self._notify(req, tx)
        elif method == "OPTIONS":
            tx.respond(message.response(req, 200, headers={"Allow": message.ALLOW}))
        else:
            tx.respond(message.response(req, 501))

    def _reinvite(self, req: Request, tx: ServerTransaction) -> None:
        if self._session is None or self.transport is None or self._state is not CallState.ANSWERED:
            tx.respond(message.response(req, 491 if self._state is CallState.RINGING else 481,
                                        "Request Pending" if self._state is CallState.RINGING
                                        else None))
            return
        current = self.transport.media
        if req.body:
            try:
                offered = sdp.parse(req.body)
            except sdp.SdpError:
                tx.respond(message.response(req, 488))
                return
            if current is not None:
                offered = sdp.Media(offered.host, offered.port, current.codec_pt,
                                    offered.event_pt if offered.event_pt is not None
                                    else current.event_pt, offered.direction)
            self.transport.start(offered)
            current = offered
        if req.method == "INVITE":
            self._uas_invites[req.cseq.sequence] = tx
        elif not req.body:
            tx.respond(message.response(req, 200, contact=self.gateway.contact))
            return
        body = self._session.answer(current) if current else self._session.offer()
        tx.respond(message.response(req, 200, to_tag=self._local_tag, contact=self.gateway.contact,
                                    body=body, content_type="application/sdp"))

    def _info(self, req: Request, tx: ServerTransaction) -> None:
        digit = parse_info_digit(req)
        if digit is None:
            tx.respond(message.response(req, 415 if req.body else 200,
                                        "Unsupported Media Type" if req.body else None))
            return
        tx.respond(message.response(req, 200))
        if self.transport is not None:
            self.transport.deliver_dtmf(DtmfEvent(digit[0], self._clock.now(), digit[1]))

    def _notify(self, req: Request, tx: ServerTransaction) -> None:
        tx.respond(message.response(req, 200))
        if (req.headers.get("Event") or "").split(";")[0].strip().lower() != "refer":
            return
        line = req.body.split(b"\n", 1)[0].decode("utf-8", "replace").split()
        if len(line) >= 2 and line[0].upper() == "SIP/2.0" and is_ascii_digits(line[1]):
            self.notifies.put_nowait(int(line[1]))

    # Transfer.

    async def transfer(self, target: TransferTarget, *, ring_seconds: float = 60.0) -> CallResult:
        return await refer_or_bridge(self, target, ring_seconds)

    async def release(self) -> None:
        """End a bridged leg (the other side hung up)."""
        self.bridged = False
        await self.hangup()

    # Hang-up.

    async def hangup(self, result: CallResult = CallResult.ANSWERED) -> None:
        if self.bridged or self._state is CallState.ENDED:
            return
        if self._state is CallState.NEW:
            self._finish(result)
        elif self._state is CallState.RINGING and self._uas_tx is not None:
            assert self._invite is not None
            code = RESPONSE_FOR[result]
            self._uas_tx.respond(message.response(self._invite, code, to_tag=self._local_tag))
            self.final_code, self.final_reason = code, message.REASONS.get(code, "")
            self._finish(result)
        elif self._state is CallState.RINGING:
            if not self._stop.done():
                self._stop.set_result(None)  # dial() sends CANCEL and returns CANCELLED
        else:
            self._finish(result)
            # The BYE goes now; its transaction finishes on its own (a dead peer costs Timer F
            # in the background, not in the engine's hang-up).
            self.spawn(self._bye())

    async def _bye(self) -> None:
        with contextlib.suppress(TransactionTimeout, asyncio.CancelledError):
            await self.in_dialog("BYE")

    async def in_dialog(self, method: str, *, headers: dict[str, str] | None = None,
                        ) -> Response | None:
        """Send `method` in the dialog and return its final response, answering one digest
        challenge (trunks that challenge BYE or REFER); TransactionTimeout without one."""
        if self.dialog is None:
            return None
        endpoint, extra = self.gateway.endpoint, dict(headers or {})
        for attempt in range(2):
            req = self.dialog.request(endpoint, method, contact=self.gateway.contact,
                                      headers=extra)
            resp = await endpoint.client(req, self.dialog.destination()).final
            if resp.code not in (401, 407) or attempt:
                return resp
            try:
                credentials = self.gateway.credentials(resp, method=method,
                                                       uri=self.dialog.remote_target)
            except digest.UnsupportedChallenge:
                return resp
            if not credentials:
                return resp
            extra.update(credentials)
        return None

    def _remote_gone(self) -> None:
        self._close_media()
        self.gateway.forget(self)
        self.remote_hangup()

    def _finish(self, result: CallResult) -> None:
        """Our side ends the call."""
        self._close_media()
        self.gateway.forget(self)
        if self._state is not CallState.ENDED:
            self._hang_up_here()

    def _close_media(self) -> None:
        if self.media is not None:
            self.media.end()
        if self.transport is not None:
            self.transport.close()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        self.gateway.spawn(coroutine)

