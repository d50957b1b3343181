"""SIP transactions over UDP (RFC 3261 §17): retransmission and timeouts, client and server.

Client: the request is resent on Timer A / E (T1 doubling; capped at T2 for non-INVITE) until a
response, and fails on Timer B / F. A non-2xx final answer to an INVITE is ACKed here, and again
for each retransmission of it. Server: a retransmitted request gets the last response again; a
final answer to an INVITE (2xx included: we are the UAS core too) is resent on Timer G until ACK.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from sipmessage import Request, Response

from voicebox.telephony.sip import message

if TYPE_CHECKING:
    from voicebox.telephony.sip.endpoint import Address, SipEndpoint


class TransactionTimeout(Exception):
    """No final response within Timer B (INVITE) or Timer F."""


class ClientTransaction:
    def __init__(self, endpoint: SipEndpoint, req: Request, address: Address,
                 on_provisional: Callable[[Response], None] | None = None):
        self.endpoint = endpoint
        self.request = req
        self.address = address
        self.on_provisional = on_provisional
        self.is_invite = req.method == "INVITE"
        self.key = (message.branch_of(req), req.method)
        self.final: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self.provisional: Response | None = None
        self._data = bytes(req)
        self._interval = endpoint.t1
        self._retransmit: asyncio.TimerHandle | None = None
        self._timeout: asyncio.TimerHandle | None = None
        self._ack: bytes | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.endpoint.send_bytes(self._data, self.address)
        self._retransmit = loop.call_later(self._interval, self._resend)
        self._timeout = loop.call_later(self.endpoint.timer_b, self._timed_out)

    def _resend(self) -> None:
        self.endpoint.send_bytes(self._data, self.address)
        if self.is_invite:
            self._interval *= 2
        else:
            self._interval = min(self._interval * 2, self.endpoint.t2)
        self._retransmit = asyncio.get_running_loop().call_later(self._interval, self._resend)

    def _timed_out(self) -> None:
        self._stop_timers()
        self.endpoint.forget_client(self)
        if not self.final.done():
            self.final.set_exception(TransactionTimeout(
                f"no response to {self.request.method} in {self.endpoint.timer_b:g} s"))

    def _stop_timers(self) -> None:
        for handle in (self._retransmit, self._timeout):
            if handle is not None:
                handle.cancel()
        self._retransmit = self._timeout = None

    def receive(self, resp: Response) -> None:
        if resp.code < 200:
            if self.final.done():
                return
            self.provisional = resp
            if self.is_invite:  # Proceeding: no more retransmissions, and Timer B is over
                self._stop_timers()
            elif not self.is_invite and self._retransmit is not None:
                self._interval = self.endpoint.t2
            if self.on_provisional is not None:
                self.on_provisional(resp)
            return
        if self.is_invite and resp.code >= 300:
            if self._ack is None:
                self._ack = bytes(self._ack_for(resp))
            self.endpoint.send_bytes(self._ack, self.address)  # again for each retransmission
        if self.final.done():
            return
        self._stop_timers()
        self.final.set_result(resp)
        if self.is_invite and resp.code >= 300:
            # Timer D: stay to absorb retransmissions of the final response.
            asyncio.get_running_loop().call_later(
                self.endpoint.timer_b, self.endpoint.forget_client, self)
        else:
            self.endpoint.forget_client(self)

    def _ack_for(self, resp: Response) -> Request:
        """RFC 3261 §17.1.1.3: the ACK of a non-2xx final response."""
        req = self.request
        return message.request(
            "ACK", str(req.uri), via=req.headers.getlist("Via")[0], from_=req.headers["From"],
            to=resp.headers["To"], call_id=req.call_id, cseq=req.cseq.sequence,
            routes=req.headers.getlist("Route"))

    def cancel_timers(self) -> None:
        """Stop everything (the endpoint is closing)."""
        self._stop_timers()
        if not self.final.done():
            self.final.cancel()


class ServerTransaction:
    def __init__(self, endpoint: SipEndpoint, req: Request, address: Address):
        self.endpoint = endpoint
        self.request = req
        self.address = address
        self.key = (message.branch_of(req), "INVITE" if req.method == "ACK" else req.method)
        self.last: bytes | None = None
        self.final_code: int | None = None
        self.acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.on_no_ack: Callable[[], None] | None = None
        self._retransmit: asyncio.TimerHandle | None = None
        self._expire: asyncio.TimerHandle | None = None
        self._interval = endpoint.t1

    def respond(self, resp: Response) -> None:
        if self.final_code is not None:
            return  # one final response per transaction
        self.last = bytes(resp)
        self.endpoint.send_bytes(self.last, self.address)
        if resp.code < 200:
            return
        self.final_code = resp.code
        loop = asyncio.get_running_loop()
        if self.request.method == "INVITE":
            self._retransmit = loop.call_later(self._interval, self._resend)
            self._expire = loop.call_later(64 * self.endpoint.t1, self._no_ack)
        else:
            self._expire = loop.call_later(64 * self.endpoint.t1, self._done)

    def retransmitted(self) -> None:
        """The same request came again: repeat our last response."""
        if self.last is not None:
            self.endpoint.send_bytes(self.last, self.address)

    def _resend(self) -> None:
        if self.last is None:
            return
        self.endpoint.send_bytes(self.last, self.address)
        self._interval = min(self._interval * 2, self.endpoint.t2)
        self._retransmit = asyncio.get_running_loop().call_later(self._interval, self._resend)

    def ack(self) -> None:
        if self._retransmit is not None:
            self._retransmit.cancel()
            self._retransmit = None
        if not self.acked.done():
            self.acked.set_result(None)
        if self._expire is not None:
            self._expire.cancel()
        # Timer I: absorb retransmitted ACKs, then go.
        self._expire = asyncio.get_running_loop().call_later(self.endpoint.t2, self._done)

    def _no_ack(self) -> None:
        if self._retransmit is not None:
            self._retransmit.cancel()
        self._done()
        if self.on_no_ack is not None and not self.acked.done():
            self.on_no_ack()

    def _done(self) -> None:
        self.endpoint.forget_server(self)

    def cancel_timers(self) -> None:
        for handle in (self._retransmit, self._expire):
            if handle is not None:
                handle.cancel()
