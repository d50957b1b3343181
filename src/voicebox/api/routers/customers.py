"""CUSTOMERS §4.1: the balance."""

from __future__ import annotations

from fastapi import APIRouter

from voicebox.api.deps import CustomerDep, SessionDep
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
