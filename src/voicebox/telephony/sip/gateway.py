"""`SipGateway`: the SIP driver (`VOICEBOX_TELEPHONY=sip`) implementing `telephony.base.Gateway`.

One UDP socket for SIP, an RTP port per call from the configured range, calls to and from one
trunk. Inbound INVITEs become `SipCall`s handed to the `on_incoming` handlers; OPTIONS is
answered 200 (a trunk's keep-alive); with `register` on, the trunk is kept registered.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import uuid
from collections.abc import Coroutine, Mapping
from typing import Any

from sipmessage import Request, Response

from voicebox.errors import TelephonyError
from voicebox.telephony.base import CallState, Clock, IncomingHandler
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.sip import digest, message, sdp
from voicebox.telephony.sip.call import SipCall
from voicebox.telephony.sip.config import SipConfig
from voicebox.telephony.sip.endpoint import Address, SipEndpoint, route_address
from voicebox.telephony.sip.numbers import number_or_user
from voicebox.telephony.sip.ports import PortPool
from voicebox.telephony.sip.register import Registration
from voicebox.telephony.sip.rtp import REAL_TIME, RtpTransport
from voicebox.telephony.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 2.0
RTP_TIMEOUT_SECONDS = 60.0  # an answered call that receives no RTP this long has lost its peer


class SipGateway:
    name = "sip"

    def __init__(self, config: SipConfig, *, media: MediaKit,
                 t1: float = 0.5, timer_b: float | None = None,
                 rtp_timeout: float = RTP_TIMEOUT_SECONDS):
        self.config = config
        self.clock: Clock = REAL_TIME  # SIP calls always run in real time, on one pacer
        self.media = media  # every answered call's media leg comes from it
        self.endpoint = SipEndpoint(on_request=self._request,
                                    on_stray_response=self._stray_response,
                                    t1=t1, timer_b=timer_b)
        self._ports = PortPool(*config.rtp_ports)
        self._handlers: list[IncomingHandler] = []
        self._calls: dict[str, SipCall] = {}  # by our call id
        self._dialogs: dict[tuple[str, str, str], SipCall] = {}
        self._ringing: dict[tuple[str, str], SipCall] = {}  # inbound, by (Call-ID, From tag)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._registration: Registration | None = None
        self._resolved: tuple[Address, float] | None = None
        self._trunk_hosts: set[str] = set()  # the trunk's IPs: who may ring us by default
        self.rtp_timeout = rtp_timeout
        self._watchdog: asyncio.TimerHandle | None = None
        self._started = False

    # Gateway protocol.

    def outbound(self, *, to: str, caller: str | None = None, call_id: str | None = None,
                 options: Mapping[str, Any] | None = None) -> SipCall:
        """A leg through the trunk; `options["bridge"]`: the second leg of a refused REFER,
        whose audio is relayed, not played by a media leg."""
        call = SipCall(self, call_id=call_id or uuid.uuid4().hex, to=to, caller=caller,
                       media=not (options or {}).get("bridge"))
        self._calls[call.id] = call
        return call

    def on_incoming(self, handler: IncomingHandler) -> None:
        self._handlers.append(handler)

    async def start(self) -> None:
        if self._started:
            return
        config = self.config
        try:
            await self.endpoint.bind(config.bind_host, config.bind_port, advertise=(
                route_address(config.trunk_host) if config.bind_host in ("0.0.0.0", "")
                else config.bind_host))
        except OSError as error:
            raise TelephonyError(
                f"cannot listen for SIP on {config.bind_host}:{config.bind_port} "
                f"(VOICEBOX_SIP_BIND): {error.strerror or error}", name="VOICEBOX_SIP_BIND",
            ) from error
        self._started = True
        self._watch()
        try:
            await self.trunk_address()
        except OSError as error:  # a dead trunk does not stop start-up; calls fail instead
            log.warning("cannot resolve the SIP trunk %s: %s", config.trunk_host, error)
        log.info("SIP on %s:%s, trunk %s:%s", self.endpoint.host, self.endpoint.port,
                 config.trunk_host, config.trunk_port)
        if config.register:
            self._registration = Registration(self)
            self._registration.start()

    def _watch(self) -> None:
        """Hang up answered calls whose far end went silent on RTP (a peer lost without BYE)."""
        for call in list(self._calls.values()):
            transport = call.transport
            if (call.state is CallState.ANSWERED and not call.bridged and transport is not None
                    and transport.media is not None and transport.media.sends_audio
                    and transport.silent_for() > self.rtp_timeout):
                log.info("call %s: no RTP for %.0f s; hanging up", call.id, self.rtp_timeout)
                call.error = f"no audio from the far end for {self.rtp_timeout:g} s"
                self.spawn(call.hangup())
        self._watchdog = asyncio.get_running_loop().call_later(
            min(5.0, self.rtp_timeout / 2), self._watch)

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._registration is not None:
            await self._registration.stop()
        calls = list(self._calls.values())
        await asyncio.gather(*(call.hangup() for call in calls), return_exceptions=True)
        if self._tasks:  # BYEs in flight: a short grace for their answers, then go
            await asyncio.wait(list(self._tasks), timeout=STOP_GRACE_SECONDS)
        for task in list(self._tasks):
            task.cancel()
        self.endpoint.close()
        self._started = False

    # What calls need.

    @property
    def live_calls(self) -> int:
        return len(self._calls)

    @property
    def contact_uri(self) -> str:
        return f"sip:voicebox@{self.endpoint.host}:{self.endpoint.port}"

    @property
    def contact(self) -> str:
        return f"<{self.contact_uri}>"

    def dialled_user(self, number: str) -> str:
        number = number.strip()
        return number.lstrip("+") if self.config.strip_plus else number

    def trunk_uri(self, number: str) -> str:
        """`sip:+79161234567@trunk:port` for a number (a full SIP URI passes through)."""
        if number.startswith(("sip:", "sips:")):
            return number
        config = self.config
        return f"sip:{self.dialled_user(number)}@{config.trunk_host}:{config.trunk_port}"

    def credentials(self, challenged: Response, *, method: str, uri: str) -> dict[str, str]:
        """The header answering a 401 / 407 with the trunk's user and password (an empty dict
        when we have none); UnsupportedChallenge when it cannot be answered."""
        config = self.config
        if not config.username:
            return {}
        proxy = challenged.code == 407
        challenge = challenged.headers.get("Proxy-Authenticate" if proxy else "WWW-Authenticate")
        value = digest.answer(challenge or "", method=method, uri=uri, username=config.username,
                              password=config.password or "")
        return {"Proxy-Authorization" if proxy else "Authorization": value}

    async def trunk_address(self) -> Address:
        """The trunk's IP and port; a host name is resolved off the loop and kept a minute
        (a datagram sent to a name would block the loop on DNS)."""
        host, port = self.config.trunk_address
        with contextlib.suppress(ValueError):
            ipaddress.ip_address(host)
            self._trunk_hosts = {host}
            return host, port
        loop = asyncio.get_running_loop()
        cached = self._resolved
        if cached is not None and cached[1] > loop.time():
            return cached[0]
        infos = await loop.getaddrinfo(host, port, family=socket.AF_INET,
                                       type=socket.SOCK_DGRAM)
        address = (str(infos[0][4][0]), port)
        self._resolved = (address, loop.time() + 60.0)
        self._trunk_hosts = {str(info[4][0]) for info in infos}
        return address

    def open_rtp(self) -> RtpTransport:
        host = self.config.bind_host or "0.0.0.0"
        return RtpTransport(self._ports.bind(host), clock=self.clock)

    def track_dialog(self, call: SipCall) -> None:
        if call.dialog is not None:
            self._dialogs[call.dialog.key] = call

    def forget(self, call: SipCall) -> None:
        self._calls.pop(call.id, None)
        if call.dialog is not None:
            self._dialogs.pop(call.dialog.key, None)
        for key, ringing in list(self._ringing.items()):
            if ringing is call:
                del self._ringing[key]

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # Messages from the endpoint.

    def _request(self, req: Request, addr: Address, tx: ServerTransaction | None) -> None:
        to_tag = message.tag_of(req.headers["To"])
        from_tag = message.tag_of(req.headers["From"]) or ""
        if req.method == "CANCEL":
            call = self._ringing.get((req.call_id, from_tag))
            assert tx is not None
            if call is None:
                tx.respond(message.response(req, 481))
            else:
                call.cancelled(req, tx)
            return
        if to_tag:
            call = self._dialogs.get((req.call_id, to_tag, from_tag))
            if call is not None:
                call.on_request(req, tx)
            elif tx is not None:
                tx.respond(message.response(req, 481))
            return
        if req.method == "ACK" or tx is None:
            return
        if req.method == "INVITE":
            if self.config.inbound_from.allows(addr[0], self._trunk_hosts):
                self._invite(req, tx)
            else:
                log.warning("refused an INVITE from %s, which is not the trunk "
                            "(VOICEBOX_SIP_INBOUND_FROM widens who may call)", addr[0])
                tx.respond(message.response(req, 403, to_tag=message.new_tag()))
        elif req.method == "OPTIONS":
            tx.respond(message.response(req, 200, headers={"Allow": message.ALLOW,
                                                           "Accept": "application/sdp"}))
        elif req.method in ("BYE", "INFO", "NOTIFY"):
            tx.respond(message.response(req, 481))
        else:
            tx.respond(message.response(req, 405, headers={"Allow": message.ALLOW}))

    def _invite(self, req: Request, tx: ServerTransaction) -> None:
        required = {token.lower() for token in req.require}
        if required - {"timer"}:  # we do not do 100rel (PRACK) or any other extension
            tx.respond(message.response(req, 420, to_tag=message.new_tag(), headers={
                "Unsupported": ", ".join(sorted(required - {"timer"}))}))
            return
        if not self._handlers:
            tx.respond(message.response(req, 404, to_tag=message.new_tag()))
            return
        try:
            offer = sdp.parse(req.body) if req.body.strip() else None  # None: a delayed offer
        except sdp.SdpError as error:
            log.info("inbound INVITE %s refused: %s", req.call_id, error)
            tx.respond(message.response(req, 488, to_tag=message.new_tag()))
            return
        region = self.config.home_region
        user = req.uri.user or message.user_of(req.headers["To"])
        to = number_or_user(user, region)
        caller_header = req.headers.get("P-Asserted-Identity") or req.headers["From"]
        try:
            caller = number_or_user(message.user_of(caller_header), region)
        except ValueError:
            caller = number_or_user(message.user_of(req.headers["From"]), region)
        call = SipCall(self, call_id=uuid.uuid4().hex, to=to, caller=caller,
                       state=CallState.RINGING)
        self._calls[call.id] = call
        self._ringing[(req.call_id, message.tag_of(req.headers["From"]) or "")] = call
        call.offered(req, tx, offer)
        log.info("call %s: inbound from %s to %s, trunk Call-ID %s", call.id, caller, to,
                 req.call_id)
        for handler in self._handlers:
            self.spawn(self._run_handler(handler, call))

    async def _run_handler(self, handler: IncomingHandler, call: SipCall) -> None:
        try:
            await handler(call)
        except Exception:
            log.exception("inbound call %s: handler failed", call.id)
        if call.state is CallState.RINGING:  # nobody took it
            from voicebox.telephony.base import CallResult

            await call.hangup(CallResult.UNREACHABLE)

    def _stray_response(self, resp: Response, addr: Address) -> None:
        if resp.cseq.method != "INVITE" or not 200 <= resp.code < 300:
            return
        key = (resp.call_id, message.tag_of(resp.headers["From"]) or "",
               message.tag_of(resp.headers["To"]) or "")
        call = self._dialogs.get(key)
        if call is not None:
            call.resend_ack(resp)


def create(settings: Any, *, media: MediaKit | None, **options: Any) -> SipGateway:
    """The gateway `settings` describe; a bad value raises TelephonyError naming its variable."""
    with contextlib.suppress(KeyError):
        options.pop("time_scale")
    config = SipConfig.from_settings(settings)
    if media is None:
        raise TelephonyError("the sip driver needs a media kit (prompts for its calls)",
                             name="telephony")
    return SipGateway(config, media=media, **options)
