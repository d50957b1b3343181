"""SIP campaigns through the real dialer and API: settings that point the driver at a sipp
trunk on loopback, campaigns (outbound over a CSV of abonents, or inbound on a number), and the
history, trace and recording endpoints they are checked through."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.campaigns.helpers import buy, scenario, url
from tests.ports import free_port, free_ports
from voicebox.dialer.runtime import build_dialer
from voicebox.dialer.worker import Dialer


def sip_settings(settings: Any, trunk_port: int, *, password: str = "secret",
                 **overrides: Any) -> Any:
    """`settings` with `VOICEBOX_TELEPHONY=sip` on a trunk at `trunk_port` (user alice) and SIP
    bound to a free loopback port (`sip_bind`, for sipp to call inbound numbers)."""
    rtp = free_ports(201, even=True)
    return settings.model_copy(update={
        "telephony": "sip", "sip_trunk": f"sip:alice:{password}@127.0.0.1:{trunk_port}",
        "sip_bind": f"127.0.0.1:{free_port()}", "rtp_ports": f"{rtp}-{rtp + 200}",
        "tts_engines": "espeak", "dialer_poll_seconds": 0.05, **overrides})


@asynccontextmanager
async def running_dialer(app: Any, settings: Any, **engine: Any) -> AsyncIterator[Dialer]:
    """A started dialer (the configured gateway, inbound calls answered) with `engine`
    overrides of its `EngineConfig` (e.g. `ring_seconds`); stopped on the way out."""
    dialer = build_dialer(app.state.sessionmaker, settings)
    if engine:
        dialer.engine_config = dataclasses.replace(dialer.engine_config, **engine)
    await dialer.start()
    try:
        yield dialer
    finally:
        await dialer.stop()


async def outbound_campaign(app: Any, client: Any, tenant: Any, *, program: dict,
                            phones: list[str], number: str, simulation: dict | None = None,
                            attempts: int = 1) -> dict:
    """An Active outbound campaign calling `phones` from `number` (bought for the tenant)."""
    body = {
        "name": "SIP" if simulation is None else "Симуляция", "campaignType": "outbound",
        "status": "Active", "scenario": {"id": await scenario(client, tenant, program)},
        "callerNumber": {"id": await buy(app, client, tenant, number)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59:59",
        "scheduleAttempts": str(attempts), "scheduleMaxPhoneLines": "5",
    }
    if simulation is not None:
        body["simulation"] = simulation
    csv = "phone,name\n" + "".join(f"{phone},Клиент\n" for phone in phones)
    created = await client.post(url(tenant), headers=tenant.headers, files={
        "campaign": (None, json.dumps(body), "application/json"),
        "abonents": ("abonents.csv", csv.encode(), "text/csv")})
    assert created.status_code == 201, created.text
    return created.json()


async def history(client: Any, tenant: Any, campaign_id: str | None = None) -> list[dict]:
    params = {"campaignId": campaign_id} if campaign_id is not None else {}
    response = await client.get(f"/v1/customers/{tenant.id}/callhistory", params=params,
                                headers={**tenant.headers, "Range": "callhistory=0-99"})
    assert response.status_code in (200, 206), response.text
    return response.json()


async def history_of(client: Any, tenant: Any, campaign_id: str | None = None, *,
                     count: int = 1) -> list[dict] | None:
    """The history rows once there are `count` of them (for `wait_until`), else None."""
    rows = await history(client, tenant, campaign_id)
    return rows if len(rows) >= count else None


async def trace(client: Any, tenant: Any, call_id: str) -> dict:
    response = await client.get(f"/v1/customers/{tenant.id}/calls/{call_id}/trace",
                                headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def recording(client: Any, tenant: Any, call_id: str) -> bytes:
    response = await client.get("/v1/callRecord", params={"call_id": call_id},
                                headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.content
