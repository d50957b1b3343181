"""Campaign rules: create (with abonents), list, status transitions, delete, abonent imports."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.billing.service import billing_service
from voicebox.campaigns import repository
from voicebox.campaigns.abonents import AbonentReader
from voicebox.campaigns.bulk import abonent_writer
from voicebox.campaigns.schedule import parse_schedule
from voicebox.campaigns.schemas import (
    CAMPAIGN_TYPES,
    SCENARIO_TYPE_FOR,
    CampaignCreate,
    ImportReport,
)
from voicebox.campaigns.suspension import MESSAGES, suspension_reason
from voicebox.errors import Conflict, InvalidInput, NotFound, Problem, Problems
from voicebox.field_paths import field_path
from voicebox.ids import parse_id
from voicebox.models import Campaign, Customer, PhoneNumber, Scenario
from voicebox.models.campaign import ACTIVE, PAUSED, STATUSES, STOPPED, SUSPENDED
from voicebox.numbers.service import number_service
from voicebox.scenarios.service import scenario_service
from voicebox.store.db import utcnow
from voicebox.telephony.simulated.schema import stored_simulation, validate_simulation

# (from, to) moves a client may make; Suspended → Active also needs `can_resume`. The system's
# own moves (suspend, lift) are the dialer's, by the same rule (campaigns/suspension.py).
CLIENT_MOVES = {
    (ACTIVE, PAUSED),
    (PAUSED, ACTIVE),
    (ACTIVE, STOPPED),
    (PAUSED, STOPPED),
    (SUSPENDED, STOPPED),
    (SUSPENDED, PAUSED),
    (SUSPENDED, ACTIVE),
}


@dataclass
class CampaignView:
    """A campaign with what its answers show: progress counts and the caller number."""

    campaign: Campaign
    progress: dict[str, int] = field(default_factory=dict)
    number: str | None = None
    imported: ImportReport | None = None


def _model_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        problems.append(Problem(field_path(item["loc"]) or "body", str(item["msg"])))
    return problems


def _campaign_type(
    raw: str, launch_by: str | None, problems: list[Problem]
) -> tuple[str, str | None]:
    kind = CAMPAIGN_TYPES.get(raw.strip().lower())
    if kind is None:
        problems.append(
            Problem(
                "campaignType",
                "must be outbound or inbound (outgoing/incoming, Исходящая/Входящая)",
            )
        )
        return "outbound", None
    campaign_type, implied = kind
    given = (launch_by or "").strip().lower() or None
    if campaign_type == "inbound":
        if given is not None:
            problems.append(Problem("launchBy", "an inbound campaign takes no launchBy"))
        return campaign_type, None
    if given not in (None, "list", "http"):
        problems.append(Problem("launchBy", "must be list or http"))
        return campaign_type, "list"
    if implied and given and given != implied:
        problems.append(Problem("launchBy", f"campaignType {raw!r} means launchBy {implied}"))
    return campaign_type, implied or given or "list"


def _scenario_id(raw: str) -> int:
    return parse_id(raw, name="scenario.id", error=NotFound)


class CampaignService:
    # -- reading -------------------------------------------------------------------------------

    async def get(self, session: AsyncSession, customer_id: int, campaign_id: int) -> Campaign:
        return await repository.get_for_customer(session, customer_id, campaign_id)

    async def view(self, session: AsyncSession, customer_id: int, campaign_id: int) -> CampaignView:
        campaign = await self.get(session, customer_id, campaign_id)
        return (await self._views(session, [campaign]))[0]

    async def page(
        self, session: AsyncSession, customer_id: int, *, offset: int, limit: int
    ) -> tuple[list[CampaignView], int]:
        total = await repository.count_for_customer(session, customer_id)
        rows = await repository.page_for_customer(session, customer_id, offset=offset, limit=limit)
        return await self._views(session, rows), total

    async def _views(self, session: AsyncSession, campaigns: list[Campaign]) -> list[CampaignView]:
        progress = await repository.progress(session, [c.id for c in campaigns])
        numbers = await repository.numbers_by_id(
            session, [c.caller_number_id for c in campaigns if c.caller_number_id]
        )
        return [
            CampaignView(
                campaign=c,
                progress=progress.get(c.id, {}),
                number=numbers.get(c.caller_number_id) if c.caller_number_id else None,
            )
            for c in campaigns
        ]

    # -- creating ------------------------------------------------------------------------------

    async def create(
        self,
        session: AsyncSession,
        customer: Customer,
        data: Any,
        *,
        csv_file: IO[bytes] | None = None,
    ) -> CampaignView:
        """Create a campaign (201); abonents from JSON `abonents` or a CSV file, all or nothing."""
        if not isinstance(data, dict):
            raise InvalidInput("the campaign must be a JSON object", name="campaign")
        try:
            body = CampaignCreate.model_validate(data)
        except ValidationError as error:
            raise Problems(_model_problems(error)) from error
        problems: list[Problem] = []
        campaign_type, launch_by = _campaign_type(body.campaignType, body.launchBy, problems)
        schedule = parse_schedule(data, problems)
        status = ACTIVE
        if body.status is not None:
            status = next((s for s in STATUSES if s.lower() == body.status.strip().lower()), "")
            if status not in (ACTIVE, PAUSED):
                problems.append(Problem("status", "a new campaign is Active or Paused"))
        simulation = None
        if body.simulation is not None:
            try:
                simulation = stored_simulation(validate_simulation(body.simulation))
            except Problems as error:
                problems.extend(error.problems)
        has_abonents = body.abonents is not None or csv_file is not None
        if has_abonents and (campaign_type != "outbound" or launch_by != "list"):
            problems.append(Problem("abonents", "only an outbound list campaign takes abonents"))
        if problems:
            raise Problems(problems)

        scenario = await self._scenario(session, customer.id, body.scenario.id, campaign_type)
        number = await self._number(session, customer.id, body.callerNumber.id)
        if campaign_type == "inbound":
            await self._ensure_number_free_for_inbound(session, number)
        now = utcnow()
        campaign = Campaign(
            customer_id=customer.id,
            name=body.name,
            campaign_type=campaign_type,
            launch_by=launch_by,
            scenario_id=scenario.id,
            caller_number_id=number.id,
            entry_point_id=secrets.token_urlsafe(18),
            status=status,
            start_at=schedule.start_at,
            stop_at=schedule.stop_at,
            window_start=schedule.window_start,
            window_stop=schedule.window_stop,
            attempts=schedule.attempts,
            attempts_interval=schedule.attempts_interval,
            max_lines=schedule.max_lines,
            timezone_fallback=schedule.timezone_fallback,
            simulation=simulation,
            created_at=now,
            updated_at=now,
        )
        await repository.add(session, campaign)
        view = CampaignView(campaign=campaign, number=number.number)
        if has_abonents:
            view.imported = await self._import(
                session, campaign, scenario, csv_file=csv_file, items=body.abonents
            )
        view.progress = (await repository.progress(session, [campaign.id])).get(campaign.id, {})
        return view

    async def _scenario(
        self, session: AsyncSession, customer_id: int, raw_id: str, campaign_type: str
    ) -> Scenario:
        try:
            scenario, _ = await scenario_service.get_for_campaign(
                session, customer_id, _scenario_id(raw_id)
            )
        except (NotFound, InvalidInput) as error:
            raise type(error)(error.message, name="scenario.id") from error
        wanted = SCENARIO_TYPE_FOR[campaign_type]
        if scenario.type != wanted:
            raise InvalidInput(
                f"an {campaign_type} campaign needs an {wanted} scenario; "
                f"scenario {scenario.id} is {scenario.type}",
                name="campaignType",
            )
        return scenario

    async def _number(self, session: AsyncSession, customer_id: int, raw_id: str) -> PhoneNumber:
        try:
            return await number_service.get_owned(session, customer_id, raw_id)
        except NotFound as error:
            raise NotFound(
                f"number {raw_id} is not one of the customer's numbers", name="callerNumber.id"
            ) from error

    async def _ensure_number_free_for_inbound(
        self, session: AsyncSession, number: PhoneNumber
    ) -> None:
        for other in await repository.inbound_on_number(session, number.id):
            if other.status != STOPPED:
                raise Conflict(
                    f"number {number.number} already answers for campaign {other.id}",
                    name="callerNumber.id",
                )

    # -- abonents ------------------------------------------------------------------------------

    async def add_abonents(
        self,
        session: AsyncSession,
        customer_id: int,
        campaign_id: int,
        *,
        csv_file: IO[bytes] | None = None,
        items: Iterable[Any] | None = None,
    ) -> ImportReport:
        """Extension: more abonents for an outbound list campaign that is not Stopped."""
        # Locked: two imports into one campaign at once would race on its phones.
        campaign = await repository.get_for_customer(
            session, customer_id, campaign_id, for_update=True
        )
        if campaign.campaign_type != "outbound" or campaign.launch_by != "list":
            raise Conflict("only an outbound list campaign takes abonents", name="campaign_id")
        if campaign.status == STOPPED:
            raise Conflict("the campaign is Stopped", name="campaign_id")
        scenario = (
            await session.get(Scenario, campaign.scenario_id) if campaign.scenario_id else None
        )
        report = await self._import(session, campaign, scenario, csv_file=csv_file, items=items)
        campaign.updated_at = utcnow()
        return report

    async def _import(
        self,
        session: AsyncSession,
        campaign: Campaign,
        scenario: Scenario | None,
        *,
        csv_file: IO[bytes] | None,
        items: Iterable[Any] | None,
    ) -> ImportReport:
        required = (
            [str(v) for v in (scenario.body.get("customVariables") or [])] if scenario else []
        )
        reader = AbonentReader(required=required)
        batches = (
            reader.file_batches(csv_file)
            if csv_file is not None
            else reader.json_batches(items or [])
        )
        before = await repository.count_abonents(session, campaign.id)
        writer = await abonent_writer(session, campaign.id, utcnow())
        # Parsing and phone normalisation are CPU work: off the event loop, one batch ahead of
        # the database write (SQLite and COPY release the GIL, so both cores work).
        upcoming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
        try:
            while (batch := await upcoming) is not None:
                upcoming = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
                await writer.write(batch)
        finally:
            if not upcoming.done():
                await asyncio.wait([upcoming])
        if not reader.ok:
            raise Problems(reader.all_problems())
        await writer.finish()
        added = await repository.count_abonents(session, campaign.id) - before
        return ImportReport(received=reader.rows, added=added, merged=reader.rows - added)

    # -- status --------------------------------------------------------------------------------

    async def change_status(
        self, session: AsyncSession, customer_id: int, campaign_id: int, wanted: Any
    ) -> Campaign:
        """A client's status change (§2.3): 400 unknown status, 409 a move that is not allowed."""
        target = next(
            (
                s
                for s in STATUSES
                if isinstance(wanted, str) and s.lower() == wanted.strip().lower()
            ),
            None,
        )
        if target is None:
            raise InvalidInput("status must be Active, Paused, Stopped or Suspended", name="status")
        campaign = await repository.get_for_customer(
            session, customer_id, campaign_id, for_update=True
        )
        current = campaign.status
        if target == current:
            return campaign
        if target == SUSPENDED:
            raise Conflict("Suspended is set by the system only", name="status")
        if current == STOPPED:
            raise Conflict("a Stopped campaign cannot change its status", name="status")
        if (current, target) not in CLIENT_MOVES:
            raise Conflict(f"a campaign cannot go from {current} to {target}", name="status")
        if current == SUSPENDED and target == ACTIVE:
            reason = await self.can_resume(session, campaign)
            if reason:
                raise Conflict(f"the campaign stays Suspended: {reason}", name="status")
        await self._set_status(session, campaign, target)
        return campaign

    async def _set_status(self, session: AsyncSession, campaign: Campaign, status: str) -> None:
        now = utcnow()
        campaign.status = status
        campaign.suspended_reason = None
        campaign.updated_at = now
        if status == STOPPED:
            await repository.cancel_open_abonents(session, campaign.id, now)
        await session.flush()

    async def can_resume(self, session: AsyncSession, campaign: Campaign) -> str | None:
        """Why a Suspended campaign may not run again (a `MESSAGES` text), None when it may."""
        number = (
            await session.get(PhoneNumber, campaign.caller_number_id)
            if campaign.caller_number_id
            else None
        )
        customer = await session.get(Customer, campaign.customer_id)
        available = (
            await billing_service.available(session, customer) if customer else Decimal(0)
        )
        reason = suspension_reason(
            available=available,
            customer_id=campaign.customer_id,
            number_id=campaign.caller_number_id,
            number_owner=number.customer_id if number else None,
        )
        return MESSAGES[reason] if reason else None

    # -- delete --------------------------------------------------------------------------------

    async def delete(self, session: AsyncSession, customer_id: int, campaign_id: int) -> None:
        """Soft delete: Stopped, pending abonents cancelled, gone from the API but not from history."""
        campaign = await repository.get_for_customer(
            session, customer_id, campaign_id, for_update=True
        )
        await self._set_status(session, campaign, STOPPED)
        campaign.deleted_at = utcnow()
        await session.flush()


campaign_service = CampaignService()
