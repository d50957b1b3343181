"""Call history reads: filters, Range windows over a keyset (calls.pager), one call's trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.calls import pager, repository
from voicebox.calls.repository import HistoryFilter
from voicebox.calls.schemas import CallTrace, HistoryCampaign, HistoryItem
from voicebox.errors import NotFound, Problem, Problems
from voicebox.ids import ascii_int, is_ascii_digits
from voicebox.models import Call
from voicebox.periods import parse_period


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[HistoryItem]
    total: int | None  # None: more than the counting cap (Content-Range total "*")
    next_cursor: str | None  # keyset position after the last row (extension)


def cursor_text(started_at: datetime, call_id: int) -> str:
    micros = int(started_at.timestamp()) * 1_000_000 + started_at.microsecond
    return f"{micros}.{call_id}"


def parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    """The `after` extension: "<microseconds>.<row id>" from a previous X-Next-Cursor."""
    if text in (None, ""):
        return None
    micros, _, row_id = str(text).partition(".")
    digits = is_ascii_digits(micros) and is_ascii_digits(row_id)
    if not digits or len(micros) > 17 or len(row_id) > 18:
        raise Problems([Problem("after", "must be a cursor from X-Next-Cursor")])
    moment = datetime.fromtimestamp(int(micros) // 1_000_000, UTC).replace(
        microsecond=int(micros) % 1_000_000
    )
    return moment, int(row_id)


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _item(call: Call, campaign_name: str | None) -> HistoryItem:
    return HistoryItem(
        startCallDT=_unix(call.started_at),
        status=call.status or 0,
        callDuration=call.duration,
        callType=call.call_type,
        campaignId=call.campaign_id,
        campaignName=campaign_name,
        cgPN=call.cg_pn,
        cdPN=call.cd_pn,
        callId=call.call_id,
        callRecord=call.record_path is not None and call.state == "ended",  # live: still writing
    )


def history_filter(
    customer_id: int,
    campaign_id: str | None,
    since: str | None,
    until: str | None,
    status: str | None = None,
) -> HistoryFilter:
    """The query parameters of §4.2; every bad one reported (400)."""
    problems: list[Problem] = []
    campaign: int | None = None
    if campaign_id not in (None, ""):
        campaign = ascii_int(campaign_id, low=1)
        if campaign is None:
            problems.append(Problem("campaignId", "must be a campaign id (a whole number)"))
    code: int | None = None
    if status not in (None, ""):
        code = ascii_int(status, low=100, high=699)
        if code is None:
            problems.append(Problem("status", "must be a call status code (100-699)"))
    start, end = parse_period(("from", since), ("to", until), problems)
    if problems:
        raise Problems(problems)
    return HistoryFilter(customer_id, campaign, start, end, code)


class CallService:
    async def history(
        self,
        session: AsyncSession,
        where: HistoryFilter,
        *,
        offset: int,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> HistoryPage:
        """A page newest first; with `after`, offsets count from that keyset position."""
        if after is not None:
            rows, total = await pager.walk(
                session, where, position=offset, limit=limit, below=after
            )
        else:
            rows, total = await pager.window(session, where, offset=offset, limit=limit)
        next_cursor = None
        if rows and (total is None or offset + len(rows) < total):
            last = rows[-1][0]
            next_cursor = cursor_text(last.started_at, last.id)
        return HistoryPage([_item(c, n) for c, n in rows], total, next_cursor)

    async def campaigns(self, session: AsyncSession, customer_id: int) -> list[HistoryCampaign]:
        rows = await repository.campaigns_with_history(session, customer_id)
        return [HistoryCampaign(id=row_id, name=name) for row_id, name in rows]

    async def trace(self, session: AsyncSession, customer_id: int, call_id: str) -> CallTrace:
        call = await repository.by_call_id(session, customer_id, call_id)
        if call is None:
            raise NotFound(f"call {call_id} not found", name="call_id")
        variables: dict[str, Any] = call.variables or {}
        return CallTrace(
            callId=call.call_id,
            campaignId=call.campaign_id,
            callType=call.call_type,
            startCallDT=_unix(call.started_at),
            status=call.status,
            state=call.state,
            callDuration=call.duration,
            attempt=call.attempt,
            cost=str(call.cost),
            error=call.error,
            trace=call.trace or [],
            variables=variables,
        )


call_service = CallService()
