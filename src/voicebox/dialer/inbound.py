"""Inbound calls: the active inbound campaign on the dialled number answers them.

Every gateway hands its inbound legs to `InboundAnswerer.handle`; `voicebox call` places a
simulated one and prints what happened.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from voicebox.billing.service import billing_service
from voicebox.config import Settings
from voicebox.dialer.attempts import Job, finished, run_job
from voicebox.dialer.persist import write_finished
from voicebox.dialer.programs import ProgramCache
from voicebox.dialer.repository import Finished, Started, dialer_repository
from voicebox.dialer.warmup import PromptWarmer
from voicebox.engine import EngineConfig
from voicebox.ids import is_ascii_digits
from voicebox.storage import open_storage
from voicebox.store.db import utcnow
from voicebox.store.writes import write_session
from voicebox.telephony.base import CallLeg, CallResult

log = logging.getLogger(__name__)


def digits_of(number: str) -> str:
    return "".join(ch for ch in number if is_ascii_digits(ch))


class InboundAnswerer:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, settings: Settings,
                 warmer: PromptWarmer | None = None):
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.engine_config = EngineConfig.from_settings(settings)
        self.programs = ProgramCache(storage=open_storage(settings), warmer=warmer)

    async def handle(self, call: CallLeg) -> dict[str, Any]:
        """Answer `call` with its number's campaign, persist the history row and the charge.

        Returns `{callId, campaignId, status, duration, cost, outcome}`; a number no active
        inbound campaign serves is refused (404, nothing is written).
        """
        to = call.to or ""
        caller = call.caller or ""
        now = utcnow()
        async with self.sessionmaker() as session:
            row = await dialer_repository.inbound_campaign(session, digits_of(to))
            if row is None or row.Campaign.scenario_id is None:
                await call.hangup(CallResult.UNREACHABLE)
                return {"callId": call.id, "campaignId": None, "status": 404,
                        "error": f"no active inbound campaign answers {to}"}
            campaign = row.Campaign
            available = await billing_service.balance(session, campaign.customer_id)
            program = await self.programs.get(session, campaign.scenario_id,
                                              row.scenario_updated,
                                              customer_id=campaign.customer_id)
            item = Started(abonent_id=0, attempt=1, call_id=call.id or uuid.uuid4().hex,
                           customer_id=campaign.customer_id, campaign_id=campaign.id,
                           call_type="inbound", caller=caller, callee=to, started_at=now)
        async with write_session(self.sessionmaker) as session:
            await dialer_repository.insert_call(session, item)
            await session.commit()
        job = Job(call_id=item.call_id, attempt=1, customer_id=campaign.customer_id,
                  campaign_id=campaign.id, abonent_id=None, callee=caller, caller=to,
                  program=program, variables={}, tariff=row.tariff, billed_number=to)
        if available + (row.credit_limit or Decimal(0)) <= 0:
            await call.hangup(CallResult.FAILED)
            job.cancel_reason = "insufficient funds"
            result, outcome = finished(job, None, now=utcnow()), None
        else:
            outcome = await run_job(job, call, config=self.engine_config)
            result = finished(job, outcome, now=utcnow(),
                              home_region=self.settings.home_region)
        await self._write(result, campaign.customer_id)
        return {"callId": result.call_id, "campaignId": campaign.id, "status": result.status,
                "duration": result.duration, "cost": str(result.cost),
                "error": result.error, "outcome": outcome.to_json() if outcome else None}

    async def _write(self, result: Finished, customer_id: int) -> None:
        async with write_session(self.sessionmaker) as session:
            await write_finished(session, [(result, customer_id)], owner=None)
            await session.commit()
