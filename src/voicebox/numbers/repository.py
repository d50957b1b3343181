"""Every query on the number inventory and number orders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import voicebox.models as models
from voicebox.models import NumberOrder, PhoneNumber
from voicebox.models.campaign import ACTIVE, SUSPENDED
from voicebox.store.db import dialect_insert
from voicebox.store.repository import add_row, rowcount

_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """`GET /v1/numbers` query, already validated; `mask` is a LIKE pattern (escape `\\`)."""

    category: str | None = None
    region_code: str | None = None
    type: str | None = None
    owner: str | None = None
    mask: str | None = None


def _available_to(customer_id: int, now: datetime) -> ColumnElement[bool]:
    """In the pool and not held by someone else's live reservation."""
    return and_(
        PhoneNumber.customer_id.is_(None),
        or_(
            PhoneNumber.reserved_until.is_(None),
            PhoneNumber.reserved_until <= now,
            PhoneNumber.reserved_by == customer_id,
        ),
    )


def _campaign_model() -> Any | None:
    """The campaigns table once it exists (it refers to the number by `caller_number_id`)."""
    model = getattr(models, "Campaign", None)
    if model is None or not hasattr(model, "caller_number_id"):
        return None
    return model


def _live(campaign: Any) -> list[ColumnElement[bool]]:
    """Soft-deleted campaigns no longer hold their number."""
    return [campaign.deleted_at.is_(None)] if hasattr(campaign, "deleted_at") else []


class NumberRepository:
    async def has_any(self, session: AsyncSession) -> bool:
        return (await session.scalar(select(PhoneNumber.id).limit(1))) is not None

    async def existing(self, session: AsyncSession, numbers: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(numbers), _CHUNK):
            chunk = numbers[start : start + _CHUNK]
            rows = await session.scalars(
                select(PhoneNumber.number).where(PhoneNumber.number.in_(chunk))
            )
            found.update(rows)
        return found

    async def insert_many(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert; a number another process inserted meanwhile is skipped, not an error."""
        insert = dialect_insert(session)
        for start in range(0, len(rows), _CHUNK):
            statement = insert(PhoneNumber).on_conflict_do_nothing(index_elements=["number"])
            await session.execute(statement, list(rows[start : start + _CHUNK]))

    async def search(
        self,
        session: AsyncSession,
        *,
        customer_id: int,
        now: datetime,
        where: SearchFilter,
        offset: int,
        limit: int,
    ) -> tuple[list[PhoneNumber], int]:
        conditions = [_available_to(customer_id, now)]
        if where.category:
            conditions.append(PhoneNumber.category == where.category)
        if where.region_code:
            conditions.append(PhoneNumber.region_code == where.region_code)
        if where.type:
            conditions.append(PhoneNumber.type == where.type)
        if where.owner:
            conditions.append(PhoneNumber.owner == where.owner)
        if where.mask:
            conditions.append(PhoneNumber.number.like(where.mask, escape="\\"))
        total = await session.scalar(select(func.count(PhoneNumber.id)).where(*conditions))
        rows = await session.scalars(
            select(PhoneNumber)
            .where(*conditions)
            .order_by(PhoneNumber.number)
            .offset(offset)
            .limit(limit)
        )
        return list(rows), int(total or 0)

    async def distinct(self, session: AsyncSession, *columns: Any) -> list[tuple[Any, ...]]:
        rows = await session.execute(select(*columns).distinct().order_by(*columns))
        return [tuple(row) for row in rows]

    async def cheapest_by_category(self, session: AsyncSession) -> list[tuple[str, Any, str]]:
        rows = await session.execute(
            select(PhoneNumber.category, func.min(PhoneNumber.monthly_fee), PhoneNumber.currency)
            .group_by(PhoneNumber.category, PhoneNumber.currency)
            .order_by(PhoneNumber.category)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]  # rows of the three selected

    async def by_id(self, session: AsyncSession, number_id: int) -> PhoneNumber | None:
        return await session.get(PhoneNumber, number_id, populate_existing=True)

    async def by_number(self, session: AsyncSession, number: str) -> PhoneNumber | None:
        return await session.scalar(
            select(PhoneNumber)
            .where(PhoneNumber.number == number)
            .execution_options(populate_existing=True)
        )

    async def owned(self, session: AsyncSession, customer_id: int) -> list[PhoneNumber]:
        rows = await session.scalars(
            select(PhoneNumber)
            .where(PhoneNumber.customer_id == customer_id)
            .order_by(PhoneNumber.number)
        )
        return list(rows)

    async def reservations_held(
        self, session: AsyncSession, *, customer_id: int, now: datetime, besides: int
    ) -> int:
        """The customer's live reservations of numbers still in the pool, but `besides`."""
        count = await session.scalar(
            select(func.count(PhoneNumber.id)).where(
                PhoneNumber.reserved_by == customer_id,
                PhoneNumber.reserved_until > now,
                PhoneNumber.customer_id.is_(None),
                PhoneNumber.id != besides,
            )
        )
        return int(count or 0)

    async def reserve(
        self,
        session: AsyncSession,
        *,
        number_id: int,
        customer_id: int,
        uid: str,
        until: datetime,
        now: datetime,
    ) -> bool:
        """Take the reservation in one conditional UPDATE; False if someone else holds it."""
        result = await session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.id == number_id, _available_to(customer_id, now))
            .values(reserved_by=customer_id, reserved_uid=uid, reserved_until=until)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def acquire(
        self,
        session: AsyncSession,
        *,
        number_id: int,
        customer_id: int,
        now: datetime,
        paid_until: datetime,
    ) -> bool:
        """Make the number the customer's in one conditional UPDATE: of two buyers one wins."""
        result = await session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.id == number_id, _available_to(customer_id, now))
            .values(
                customer_id=customer_id,
                acquired_at=now,
                paid_until=paid_until,
                reserved_by=None,
                reserved_uid=None,
                reserved_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def release(self, session: AsyncSession, *, number_id: int, customer_id: int) -> bool:
        result = await session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.id == number_id, PhoneNumber.customer_id == customer_id)
            .values(customer_id=None, acquired_at=None, paid_until=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def due_for_renewal(
        self, session: AsyncSession, *, now: datetime, after_id: int, limit: int
    ) -> list[int]:
        """Ids of owned numbers whose paid period has ended, in id order after `after_id`."""
        rows = await session.scalars(
            select(PhoneNumber.id)
            .where(
                PhoneNumber.customer_id.is_not(None),
                PhoneNumber.paid_until <= now,
                PhoneNumber.id > after_id,
            )
            .order_by(PhoneNumber.id)
            .limit(limit)
        )
        return list(rows)

    async def extend_paid(
        self,
        session: AsyncSession,
        *,
        number_id: int,
        customer_id: int,
        paid_until: datetime,
        until: datetime,
    ) -> bool:
        """Move `paid_until` on by a period, only from the value the charge was made for."""
        result = await session.execute(
            update(PhoneNumber)
            .where(
                PhoneNumber.id == number_id,
                PhoneNumber.customer_id == customer_id,
                PhoneNumber.paid_until == paid_until,
            )
            .values(paid_until=until)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def suspend_campaigns_using(
        self, session: AsyncSession, number_id: int, *, reason: str
    ) -> list[int]:
        """Active (and already Suspended) campaigns calling from the number become Suspended
        with `reason`; Paused and Stopped ones keep their status. Their ids."""
        campaign = _campaign_model()
        if campaign is None:
            return []
        ids = list(
            await session.scalars(
                select(campaign.id).where(
                    campaign.caller_number_id == number_id,
                    campaign.status.in_((ACTIVE, SUSPENDED)),
                    *_live(campaign),
                )
            )
        )
        if ids:
            await session.execute(
                update(campaign)
                .where(campaign.id.in_(ids))
                .values(status=SUSPENDED, suspended_reason=reason, updated_at=func.now())
                .execution_options(synchronize_session=False)
            )
        return ids

    async def add_order(self, session: AsyncSession, order: NumberOrder) -> NumberOrder:
        return await add_row(session, order)

    async def campaigns_using(
        self, session: AsyncSession, number_ids: Iterable[int]
    ) -> dict[int, list[Any]]:
        """Campaigns per number id; empty until the campaigns table exists."""
        campaign = _campaign_model()
        ids = list(number_ids)
        if campaign is None or not ids:
            return {}
        rows = await session.scalars(
            select(campaign)
            .where(campaign.caller_number_id.in_(ids), *_live(campaign))
            .order_by(campaign.id)
        )
        found: dict[int, list[Any]] = {}
        for row in rows:
            found.setdefault(row.caller_number_id, []).append(row)
        return found

    async def in_use(self, session: AsyncSession, number_id: int) -> bool:
        campaign = _campaign_model()
        if campaign is None:
            return False
        found = await session.scalar(
            select(campaign.id)
            .where(campaign.caller_number_id == number_id, *_live(campaign))
            .limit(1)
        )
        return found is not None


number_repository = NumberRepository()
