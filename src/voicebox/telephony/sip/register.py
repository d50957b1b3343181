"""Keeping the trunk registered (`VOICEBOX_SIP_REGISTER=on`): REGISTER with digest, refreshed
before the granted expiry; a failure is logged and retried, never fatal (calls still try)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from voicebox.telephony.sip import digest, message
from voicebox.telephony.sip.transaction import TransactionTimeout

if TYPE_CHECKING:
    from voicebox.telephony.sip.gateway import SipGateway

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0


class Registration:
    def __init__(self, gateway: SipGateway):
        self._gw = gateway
        self._task: asyncio.Task[None] | None = None
        self._call_id = message.new_call_id(gateway.endpoint.host)
        self._tag = message.new_tag()
        self._cseq = 0
        self.registered = asyncio.Event()
        self.expires = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.registered.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.register(expires=0), 5)

    async def _run(self) -> None:
        while True:
            try:
                granted = await self.register(expires=self._gw.config.register_expires)
            except Exception as error:
                log.warning("SIP registration with the trunk failed: %s", error)
                granted = 0
            wait = max(granted * 0.8, 1.0) if granted else RETRY_SECONDS
            await asyncio.sleep(wait)

    async def register(self, *, expires: int) -> int:
        """One REGISTER (answering one challenge); the granted expiry in seconds."""
        config, ep = self._gw.config, self._gw.endpoint
        user = config.username or "voicebox"
        uri = f"sip:{config.trunk_host}:{config.trunk_port}"
        aor = f"<sip:{user}@{config.trunk_host}>"
        headers: dict[str, str] = {"Expires": str(expires)}
        for attempt in range(2):
            self._cseq += 1
            req = message.request("REGISTER", uri, via=ep.via(), from_=f"{aor};tag={self._tag}",
                                  to=aor, call_id=self._call_id, cseq=self._cseq,
                                  contact=f"<sip:{user}@{ep.host}:{ep.port}>", headers=headers)
            try:
                resp = await ep.client(req, await self._gw.trunk_address()).final
            except TransactionTimeout as error:
                raise ConnectionError(f"trunk did not answer REGISTER: {error}") from error
            if resp.code in (401, 407) and attempt == 0 and config.username:
                challenge = resp.headers.get(
                    "WWW-Authenticate" if resp.code == 401 else "Proxy-Authenticate") or ""
                name = "Authorization" if resp.code == 401 else "Proxy-Authorization"
                headers[name] = digest.answer(challenge, method="REGISTER", uri=uri,
                                              username=user, password=config.password or "")
                continue
            if 200 <= resp.code < 300:
                granted = resp.expires if resp.expires is not None else expires
                self.expires = granted
                if expires:
                    self.registered.set()
                    log.info("registered with the trunk for %s s", granted)
                return granted
            raise ConnectionError(f"trunk refused REGISTER ({resp.code} {resp.phrase})")
        raise ConnectionError("trunk refused our credentials for REGISTER")
