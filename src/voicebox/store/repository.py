"""What every customer-owned table's repository needs: one row by id within a customer (or
a 404 naming it), and all of a customer's rows; the domain repositories build on these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, Result, select
from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.errors import NotFound

T = TypeVar("T")


async def get_owned(
    session: AsyncSession, model: type[T], customer_id: int, row_id: int, *,
    where: Iterable[ColumnElement[bool]] = (), for_update: bool = False,
) -> T | None:
    """The customer's row `row_id` of `model` (which has `id` and `customer_id`), if any."""
    table: Any = model
    query = select(model).where(table.id == row_id, table.customer_id == customer_id, *where)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_owned_or_404(
    session: AsyncSession, model: type[T], customer_id: int, row_id: int, *, what: str,
    name: str, where: Iterable[ColumnElement[bool]] = (), for_update: bool = False,
) -> T:
    """`get_owned`, or NotFound "<what> <id> not found" named `name`: another customer's row
    is not found either, so ids never leak across tenants."""
    row = await get_owned(session, model, customer_id, row_id, where=where,
                          for_update=for_update)
    if row is None:
        raise NotFound(f"{what} {row_id} not found", name=name)
    return row


async def list_owned(session: AsyncSession, model: type[T], customer_id: int) -> list[T]:
    """All of the customer's rows of `model`, by id."""
    table: Any = model
    result = await session.scalars(
        select(model).where(table.customer_id == customer_id).order_by(table.id))
    return list(result)


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE / INSERT / DELETE matched. SQLAlchemy types `execute` as returning a
    `Result`; for these statements it is a `CursorResult`, the one that carries the count."""
    return cast("CursorResult[Any]", result).rowcount


async def add_row(session: AsyncSession, row: T) -> T:
    """Insert `row` and flush, so its id and server defaults are known to the caller."""
    session.add(row)
    await session.flush()
    return row


async def delete_row(session: AsyncSession, row: object) -> None:
    """Delete `row` and flush, so a foreign key that still points at it fails here."""
    await session.delete(row)
    await session.flush()
