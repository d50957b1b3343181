"""CUSTOMERS §4.1: the balance; extension: the ledger behind it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from voicebox.api.deps import CurrentUser, CustomerDep, SessionDep, range_dependency
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.ranges import Window, paged, range_response
from voicebox.customers.schemas import Balance, LedgerItem
from voicebox.customers.service import customer_service

router = APIRouter(tags=["customers"], responses={401: ERROR_RESPONSE, 404: ERROR_RESPONSE})


@router.get(
    "/v1/customers/{customer_id}/balance",
    response_model=list[Balance],
    summary="Получение баланса клиента",
)
async def get_balance(customer: CustomerDep, session: SessionDep) -> list[Balance]:
    return [await customer_service.balance(session, customer)]


LedgerRange = Annotated[Window, Depends(range_dependency("ledger"))]


@router.get(
    "/v1/customers/{customer_id}/ledger",
    **paged(LedgerItem, 400),
    summary="Extension: the customer's ledger, newest first",
    description="Every entry that moved the balance (top-ups, calls, number fees…), paged with "
    "`Range: ledger=a-b` like the call history (206 with `Content-Range: ledger a-b/total`, "
    "416 past the end).",
)
async def get_ledger(
    customer: CustomerDep,
    session: SessionDep,
    window: LedgerRange,
    since: Annotated[
        str | None, Query(alias="from", description="Начало периода: unix-секунды или ISO 8601")
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", description="Конец периода: unix-секунды или ISO 8601")
    ] = None,
) -> Response:
    items, total = await customer_service.ledger(
        session, customer, since=since, until=until, offset=window.offset, limit=window.limit
    )
    return range_response(items, total, window)


class Me(BaseModel):
    """Extension: who the bearer token belongs to (a client learns its customer id here)."""

    userId: int
    username: str
    customerId: int


@router.get("/v1/me", response_model=Me, summary="Extension: the token's user and customer")
async def me(user: CurrentUser) -> Me:
    return Me(userId=user.id, username=user.username, customerId=user.customer_id)
