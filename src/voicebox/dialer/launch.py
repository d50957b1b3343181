"""Calls started over HTTP (`POST /v1/sb`): the campaign named by its entry point queues one
call to the number at once; the dialer places it within the campaign's lines and the money."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.billing.service import billing_service
from voicebox.dialer.repository import ACTIVE, dialer_repository
from voicebox.dialer.wakeup import announce
from voicebox.errors import Conflict, InvalidInput, NotFound
from voicebox.models import Customer
from voicebox.models.abonent import CALLING, PENDING
from voicebox.phones import parse_phone
from voicebox.store.db import utcnow

MAX_VARIABLES = 100


def parse_data(data: Any) -> dict[str, Any]:
    """`data`: a JSON object, or a string holding one; absent/empty means no variables."""
    if data is None or data == "":
        return {}
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise InvalidInput("data must be a JSON object or a string holding one",
                               name="data") from error
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object of variables", name="data")
    if len(data) > MAX_VARIABLES:
        raise InvalidInput(f"data has more than {MAX_VARIABLES} variables", name="data")
    return {str(key): value for key, value in data.items()}


class LaunchService:
    async def launch(self, session: AsyncSession, *, customer_id: int, method: str,
                     number: Any, data: Any, region: str = "RU") -> str:
        """Queue the call; returns its call id (also the history row's `callId`)."""
        if not method:
            raise InvalidInput("method is required: the entryPoint id of the campaign",
                               name="method")
        campaign = await dialer_repository.by_entry_point(session, str(method))
        if campaign is None or campaign.customer_id != customer_id:
            raise NotFound(f"no campaign has the entry point {method!r}", name="method")
        if campaign.campaign_type != "outbound" or campaign.launch_by != "http":
            raise Conflict(f"campaign {campaign.id} is not launched over HTTP "
                           "(launchBy must be http)", name="method")
        if campaign.status != ACTIVE:
            raise Conflict(f"campaign {campaign.id} is {campaign.status}, not Active",
                           name="method")
        variables = parse_data(data)
        phone, zone = parse_phone(number if number not in (None, "") else variables.get("number"),
                                  region=region, field="number")
        customer = await session.get(Customer, customer_id)
        if customer is None or await billing_service.available(session, customer) <= Decimal(0):
            raise Conflict("no money left: the balance and the credit limit are spent",
                           name="balance")
        call_id = uuid.uuid4().hex
        existing = await dialer_repository.abonent_for_update(session, campaign.id, phone)
        if existing is not None and existing.state in (PENDING, CALLING):
            raise Conflict(f"a call to {phone} is already queued or in progress",
                           name="number")
        try:
            await dialer_repository.queue_http_call(
                session, campaign_id=campaign.id, phone=phone, call_id=call_id,
                variables=variables, timezone=zone, now=utcnow(),
                existing_id=existing.id if existing is not None else None)
        except IntegrityError as error:  # the same number, at the same moment
            raise Conflict(f"a call to {phone} is already queued or in progress",
                           name="number") from error
        await announce(session)  # every dialer process looks for work when this commits
        return call_id


launch_service = LaunchService()
