"""The UDP socket of the SIP user agent: datagrams in, messages matched to transactions.

Requests that start a new server transaction go to `on_request`; so do ACKs of 2xx answers and
in-dialog requests (the gateway finds their dialog). A response no client transaction waits
for (a retransmitted 2xx whose transaction has ended) goes to `on_stray_response`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import cast

from sipmessage import Request, Response

from voicebox.telephony.sip import message
from voicebox.telephony.sip.transaction import ClientTransaction, ServerTransaction

log = logging.getLogger(__name__)

Address = tuple[str, int]
RequestHandler = Callable[[Request, Address, ServerTransaction | None], None]
ResponseHandler = Callable[[Response, Address], None]


def route_address(remote_host: str) -> str:
    """Our address as seen on the route to `remote_host` (for Via, Contact and SDP)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((remote_host, 9))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


class SipEndpoint(asyncio.DatagramProtocol):
    def __init__(self, *, on_request: RequestHandler, on_stray_response: ResponseHandler,
                 t1: float = 0.5, t2: float = 4.0, timer_b: float | None = None):
        self.on_request = on_request
        self.on_stray_response = on_stray_response
        self.t1 = t1
        self.t2 = t2
        self.timer_b = timer_b if timer_b is not None else 64 * t1
        self.host = "127.0.0.1"
        self.port = 0
        self._udp: asyncio.DatagramTransport | None = None
        self._clients: dict[tuple[str, str], ClientTransaction] = {}
        self._servers: dict[tuple[str, str], ServerTransaction] = {}

    async def bind(self, host: str, port: int, *, advertise: str | None = None) -> None:
        """Listen on `host:port` (OSError if taken); `advertise` is the address we give out."""
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port),
                                            family=socket.AF_INET)
        assert self._udp is not None
        bound_host, self.port = self._udp.get_extra_info("sockname")[:2]
        self.host = advertise or (bound_host if bound_host != "0.0.0.0" else "127.0.0.1")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._udp = cast(asyncio.DatagramTransport, transport)  # a datagram endpoint's

    def close(self) -> None:
        for tx in list(self._clients.values()):
            tx.cancel_timers()
        for stx in list(self._servers.values()):
            stx.cancel_timers()
        self._clients.clear()
        self._servers.clear()
        if self._udp is not None:
            self._udp.close()
            self._udp = None

    def via(self, branch: str | None = None) -> str:
        return f"SIP/2.0/UDP {self.host}:{self.port};branch={branch or message.new_branch()};rport"

    def send_bytes(self, data: bytes, address: Address) -> None:
        if self._udp is not None:
            self._udp.sendto(data, address)

    def send(self, msg: message.SipMessage, address: Address) -> None:
        self.send_bytes(bytes(msg), address)

    def client(self, req: Request, address: Address,
               on_provisional: Callable[[Response], None] | None = None) -> ClientTransaction:
        """Start a client transaction for `req`; await its `final`."""
        tx = ClientTransaction(self, req, address, on_provisional)
        self._clients[tx.key] = tx
        tx.start()
        return tx

    def forget_client(self, tx: ClientTransaction) -> None:
        if self._clients.get(tx.key) is tx:
            del self._clients[tx.key]

    def forget_server(self, tx: ServerTransaction) -> None:
        if self._servers.get(tx.key) is tx:
            del self._servers[tx.key]

    def server_transaction(self, req: Request) -> ServerTransaction | None:
        return self._servers.get((message.branch_of(req), req.method))

    def datagram_received(self, data: bytes, addr: Address) -> None:
        try:
            msg = message.parse(data)
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            if data.strip():
                log.debug("dropped a datagram from %s that is not SIP: %s", addr, error)
            return
        try:
            if isinstance(msg, Response):
                self._response(msg, addr)
            else:
                self._request(msg, addr)
        except Exception:
            log.exception("failed to handle a SIP message from %s", addr)

    def _response(self, resp: Response, addr: Address) -> None:
        tx = self._clients.get((message.branch_of(resp), resp.cseq.method))
        if tx is not None:
            tx.receive(resp)
        else:
            self.on_stray_response(resp, addr)

    def _request(self, req: Request, addr: Address) -> None:
        key = (message.branch_of(req), req.method)
        if req.method == "ACK":
            invite_tx = self._servers.get((key[0], "INVITE"))
            if invite_tx is not None and invite_tx.final_code and invite_tx.final_code >= 300:
                invite_tx.ack()
                return
            self.on_request(req, addr, None)  # ACK of a 2xx: the dialog's
            return
        existing = self._servers.get(key)
        if existing is not None:
            existing.retransmitted()
            return
        tx = ServerTransaction(self, req, addr)
        self._servers[key] = tx
        if req.method == "INVITE":
            tx.respond(message.response(req, 100))
        self.on_request(req, addr, tx)

    def error_received(self, exc: Exception) -> None:
        with contextlib.suppress(Exception):
            log.debug("SIP socket error: %s", exc)
