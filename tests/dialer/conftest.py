"""Fixtures for dialer tests: campaigns written straight to the database, a running Dialer."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.dialer.scenarios import survey
from voicebox.dialer.worker import Dialer
from voicebox.models import Abonent, Call, Campaign, PhoneNumber, Scenario
from voicebox.phones import timezone_for_number
from voicebox.telephony.simulated import SimulatedGateway

SCALE = 400.0  # a 30 s call lasts 75 ms


async def insert_campaign(
    app, customer_id: int, *, phones: list[str] = (), body: dict[str, Any] | None = None,
    variables: Callable[[str], dict[str, Any]] | None = None, **fields: Any,
) -> Campaign:
    """A scenario, an Active outbound campaign (window all day, an owned number), its abonents."""
    async with app.state.sessionmaker() as session:
        body = body or survey()
        scenario = Scenario(customer_id=customer_id, title=body["title"],
                            type=body.get("type", "outgoing"), is_valid=True, body=body,
                            share_token=secrets.token_hex(16))
        session.add(scenario)
        await session.flush()
        values: dict[str, Any] = {
            "customer_id": customer_id, "name": "test", "campaign_type": "outbound",
            "launch_by": "list", "scenario_id": scenario.id,
            "entry_point_id": uuid.uuid4().hex, "window_start": "00:00", "window_stop": "00:00",
            "attempts": 3, "attempts_interval": 60, "max_lines": 50,
        }
        values.update(fields)
        if "caller_number_id" not in values:  # a campaign calls from a number its customer owns
            number = PhoneNumber(number=f"7{secrets.randbelow(10**10):010d}", type="local",
                                 owner="test", region_code="77", region_name="Москва",
                                 category="regular", monthly_fee=0, customer_id=customer_id)
            session.add(number)
            await session.flush()
            values["caller_number_id"] = number.id
        campaign = Campaign(**values)
        session.add(campaign)
        await session.flush()
        for phone in phones:
            session.add(Abonent(campaign_id=campaign.id, phone=phone,
                                timezone=timezone_for_number(phone),
                                variables=variables(phone) if variables else {}))
        await session.commit()
        return campaign


async def states(app, campaign_id: int) -> dict[str, int]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(Abonent.state, func.count()).where(Abonent.campaign_id == campaign_id)
            .group_by(Abonent.state))
        return dict(rows.all())


async def all_final(app, campaign_id: int) -> dict[str, int] | bool:
    """The campaign's abonents by state once none is pending or calling; else False."""
    counts = await states(app, campaign_id)
    return counts if counts.get("pending", 0) + counts.get("calling", 0) == 0 else False


async def calls_of(app, campaign_id: int) -> list[Call]:
    async with app.state.sessionmaker() as session:
        return list(await session.scalars(
            select(Call).where(Call.campaign_id == campaign_id).order_by(Call.id)))


async def wait_until(predicate, limit: float = 20.0, every: float = 0.05):
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met in {limit} s (last: {value!r})")
        await asyncio.sleep(every)


@pytest.fixture
async def dialer(app, settings) -> AsyncIterator[Callable[..., Dialer]]:
    """`make(**options)` → a started Dialer on the test database; stopped after the test."""
    started: list[Dialer] = []

    async def make(*, scale: float = SCALE, **options: Any) -> Dialer:
        gateway = SimulatedGateway(time_scale=scale)
        fast = settings.model_copy(update={"dialer_poll_seconds": 0.02,
                                           **options.pop("settings", {})})
        instance = Dialer(app.state.sessionmaker, gateway=gateway, settings=fast,
                          worker_id=options.pop("worker_id", f"test-{uuid.uuid4().hex[:6]}"),
                          **options)
        await instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        await instance.stop()
