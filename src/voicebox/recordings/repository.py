"""Every query the recordings make: a call's recording path set and cleared, the call a
customer asks the recording of."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.models import Call
from voicebox.store.repository import rowcount

_CALLS = cast(Table, Call.__table__)  # declarative types it as any FromClause
_SET_PATH = (update(_CALLS).where(_CALLS.c.call_id == bindparam("cid"))
             .values(record_path=bindparam("path")))


class RecordingRepository:
    async def set_paths(self, session: AsyncSession, rows: Sequence[dict[str, str]]) -> None:
        """`rows` of `{"cid": call_id, "path": relative path}`, in one executemany."""
        await session.execute(_SET_PATH, list(rows))

    async def clear_paths(self, session: AsyncSession, call_ids: Sequence[str],
                          paths: Sequence[str]) -> int:
        """Forget the recordings of these calls (by call_id: the unique index finds them), only
        where the path is still the one being deleted."""
        result = await session.execute(
            update(Call).where(Call.call_id.in_(call_ids), Call.record_path.in_(paths))
            .values(record_path=None))
        return rowcount(result) or 0

    async def ended_paths(self, session: AsyncSession, paths: Sequence[str]) -> set[str]:
        """Those of `paths` that are the recording of a call that has ended."""
        rows = await session.scalars(
            select(Call.record_path).where(Call.record_path.in_(paths), Call.state == "ended"))
        return {row for row in rows if row is not None}

    async def customer_of(self, session: AsyncSession, call_id: str) -> int | None:
        return await session.scalar(select(Call.customer_id).where(Call.call_id == call_id))

    async def customer_call(self, session: AsyncSession, customer_id: int,
                            call_id: str) -> Call | None:
        return await session.scalar(
            select(Call).where(Call.call_id == call_id, Call.customer_id == customer_id))


recording_repository = RecordingRepository()
