"""Every report query: the campaign, and its abonents each with their last call, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Text, and_, case, cast, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Abonent, Call, Campaign
from voicebox.store.repository import get_owned

STREAM_BATCH = 2000


def _raw(column: Any, name: str) -> Any:
    return cast(column, Text).label(name)


async def campaign_for_customer(
    session: AsyncSession, customer_id: int, campaign_id: int
) -> Campaign | None:
    """Soft-deleted campaigns included: their history (and so their report) is kept."""
    return await get_owned(session, Campaign, customer_id, campaign_id)


async def sample_variable_names(session: AsyncSession, campaign_id: int, limit: int = 1000
                                ) -> list[str]:
    """Column names of the first abonents' variables (when the scenario does not list them)."""
    rows = await session.scalars(
        select(Abonent.variables).where(Abonent.campaign_id == campaign_id)
        .order_by(Abonent.id).limit(limit)
    )
    names: dict[str, None] = {}
    for variables in rows:
        names.update(dict.fromkeys(variables or {}))
    return list(names)


async def abonents_with_last_call(session: AsyncSession, campaign_id: int) -> AsyncIterator[Any]:
    """Every abonent of the campaign in id order with its last attempt's call (or none yet).

    The last attempt is `attempts_made` (the dialer numbers attempts from 1), found through the
    unique (abonent_id, attempt) index: one pass, no sort, no grouping. JSON columns come as
    text, decoded with the rest of the row off the event loop (`columns.row_values`).
    """
    query = (
        select(
            Abonent.phone, _raw(Abonent.variables, "abonent_variables"), Abonent.state,
            Abonent.attempts_made, Abonent.last_status,
            Call.call_id, Call.status, Call.started_at, Call.duration, Call.cost,
            _raw(Call.trace, "trace"), _raw(Call.variables, "variables"), Call.record_path,
        )
        .select_from(Abonent)
        .outerjoin(Call, and_(Call.abonent_id == Abonent.id,
                              Call.attempt == Abonent.attempts_made))
        .where(Abonent.campaign_id == campaign_id)
        .order_by(Abonent.id)
    )
    async for row in _streamed(session, query):
        yield row


async def inbound_calls(session: AsyncSession, campaign_id: int) -> AsyncIterator[Any]:
    """An inbound campaign has no abonents: one row per call, shaped like the abonent rows
    (the caller is the `phone`)."""
    query = (
        select(
            Call.cg_pn.label("phone"), null().label("abonent_variables"),
            case((Call.answered.is_(True), "done"), else_="failed").label("state"),
            Call.attempt.label("attempts_made"), Call.status.label("last_status"),
            Call.call_id, Call.status, Call.started_at, Call.duration, Call.cost,
            _raw(Call.trace, "trace"), _raw(Call.variables, "variables"), Call.record_path,
        )
        .where(Call.campaign_id == campaign_id, Call.state == "ended")
        .order_by(Call.id)
    )
    async for row in _streamed(session, query):
        yield row


async def _streamed(session: AsyncSession, query: Any) -> AsyncIterator[Any]:
    """The query's rows fetched STREAM_BATCH at a time (a server-side cursor on PostgreSQL)."""
    result = await session.stream(query.execution_options(yield_per=STREAM_BATCH))
    async for partition in result.partitions(STREAM_BATCH):
        for row in partition:
            yield row
