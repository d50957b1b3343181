"""CUSTOMERS §4.1: the balance."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from voicebox.api.deps import CurrentUser, CustomerDep, SessionDep
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.customers.schemas import Balance
from voicebox.customers.service import customer_service

router = APIRouter(tags=["customers"], responses={401: ERROR_RESPONSE, 404: ERROR_RESPONSE})


@router.get(
    "/v1/customers/{customer_id}/balance",
    response_model=list[Balance],
    summary="Получение баланса клиента",
)
async def get_balance(customer: CustomerDep, session: SessionDep) -> list[Balance]:
    return [await customer_service.balance(session, customer)]


class Me(BaseModel):
    """Extension: who the bearer token belongs to (a client learns its customer id here)."""

    userId: int
    username: str
    customerId: int


@router.get("/v1/me", response_model=Me, summary="Extension: the token's user and customer")
async def me(user: CurrentUser) -> Me:
    return Me(userId=user.id, username=user.username, customerId=user.customer_id)
