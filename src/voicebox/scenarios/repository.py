"""Every scenario query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Scenario
from voicebox.store.db import Base
from voicebox.store.repository import add_row, delete_row, get_owned_or_404, list_owned


async def list_for_customer(session: AsyncSession, customer_id: int) -> list[Scenario]:
    return await list_owned(session, Scenario, customer_id)


async def get_for_customer(
    session: AsyncSession, customer_id: int, scenario_id: int, *, name: str = "scenario_id"
) -> Scenario:
    """The customer's scenario; NotFound (named `name`) for anyone else's or none."""
    return await get_owned_or_404(session, Scenario, customer_id, scenario_id,
                                  what="scenario", name=name)


async def body(session: AsyncSession, scenario_id: int | None) -> dict[str, Any] | None:
    """A scenario's stored body by id, whoever owns it (the dialer's and reports' view)."""
    if scenario_id is None:
        return None
    return await session.scalar(select(Scenario.body).where(Scenario.id == scenario_id))


async def get_by_share_token(session: AsyncSession, token: str) -> Scenario | None:
    return await session.scalar(select(Scenario).where(Scenario.share_token == token))


add = add_row
delete = delete_row


async def campaigns_using(session: AsyncSession, scenario_id: int) -> int:
    """How many live (not soft-deleted) campaigns reference the scenario.

    Looked up through the shared metadata so this package never imports the campaigns domain.
    """
    table = Base.metadata.tables.get("campaigns")
    if table is None or "scenario_id" not in table.c:
        return 0
    query = select(func.count()).select_from(table).where(table.c.scenario_id == scenario_id)
    if "deleted_at" in table.c:
        query = query.where(table.c.deleted_at.is_(None))
    return int(await session.scalar(query) or 0)


async def audio_file_ids(session: AsyncSession, customer_id: int) -> set[int]:
    """Ids of the customer's uploaded audio files (through the shared metadata, as above)."""
    table = Base.metadata.tables.get("audio_files")
    if table is None:
        return set()
    query = select(table.c.id).where(table.c.customer_id == customer_id)
    return set((await session.scalars(query)).all())
