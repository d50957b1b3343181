"""Every audio-file query."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import AudioFile, Scenario
from voicebox.store.repository import add_row, delete_row, get_owned, list_owned


async def list_for_customer(session: AsyncSession, customer_id: int) -> list[AudioFile]:
    return await list_owned(session, AudioFile, customer_id)


async def get_for_customer(
    session: AsyncSession, customer_id: int, file_id: int
) -> AudioFile | None:
    return await get_owned(session, AudioFile, customer_id, file_id)


async def ids_for_customer(session: AsyncSession, customer_id: int) -> set[int]:
    result = await session.scalars(
        select(AudioFile.id).where(AudioFile.customer_id == customer_id)
    )
    return set(result)


add = add_row
delete = delete_row


async def scenario_bodies(
    session: AsyncSession, customer_id: int
) -> AsyncIterator[tuple[int, str, dict[str, Any]]]:
    """(id, title, body) of every scenario of the customer, streamed."""
    result = await session.stream(
        select(Scenario.id, Scenario.title, Scenario.body).where(
            Scenario.customer_id == customer_id
        )
    )
    async for row in result:
        yield row.id, row.title, row.body
