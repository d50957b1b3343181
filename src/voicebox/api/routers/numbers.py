"""NUMBERS §6.1-6.7: filters, search, reservations, purchase orders, release, price."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from voicebox.api.deps import CurrentUser, CustomerDep, SessionDep, SettingsDep, range_dependency
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.params import path_id
from voicebox.api.ranges import Window, paged, range_response
from voicebox.api.routers.campaigns import sb_url
from voicebox.campaigns.schemas import CampaignSummary
from voicebox.numbers.schemas import (
    AvailableNumber,
    Filter,
    Order,
    OrderCreate,
    Price,
    Reservation,
    ReservationCreate,
    order_out,
)
from voicebox.numbers.schemas import OwnedNumber as NumberFields
from voicebox.numbers.service import number_service

router = APIRouter(
    tags=["numbers"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)

BASE = "/v1/customers/{customer_id}/numbers"
NumberId = path_id(
    "Идентификатор номера (its `id`), or the number itself (74951234567)",
    name="number_id",
    high=10**15 - 1,
)
NumbersPage = Annotated[Window, Depends(range_dependency("numbers"))]


def _filter(description: str, example: str, alias: str | None = None) -> Any:
    return Query(max_length=32, alias=alias, description=description, examples=[example])


@router.get(
    "/v1/filters",
    response_model=list[Filter],
    response_model_exclude_none=True,
    summary="Метод для получения списка доступных фильтров номеров",
)
async def get_filters(_: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return await number_service.filters(session)


@router.get(
    "/v1/numbers",
    **paged(AvailableNumber),
    summary="Получение списка доступных к подключению номеров",
)
async def list_numbers(
    user: CurrentUser,
    session: SessionDep,
    window: NumbersPage,
    category: Annotated[str | None, _filter("Категория номера", "REGULAR")] = None,
    region_code: Annotated[str | None, _filter("Код региона", "MOW", "regionCode")] = None,
    mask: Annotated[
        str | None,
        Query(max_length=64, description="Маска для подбора номера: % and _", examples=["749512%"]),
    ] = None,
    type: Annotated[str | None, _filter("Тип номера", "ABC")] = None,
    owner: Annotated[str | None, _filter("Собственник номера", "MTT")] = None,
) -> JSONResponse:
    items, total = await number_service.search(
        session,
        customer_id=user.customer_id,
        category=category,
        region_code=region_code,
        type_=type,
        owner=owner,
        mask=mask,
        offset=window.offset,
        limit=window.limit,
    )
    return range_response([item.model_dump() for item in items], total, window)


@router.post(
    "/v1/numbers/reservations",
    response_model=Reservation,
    status_code=201,
    summary="Зарезервировать номер для последующей покупки",
    responses={409: ERROR_RESPONSE},
)
async def reserve_number(
    body: ReservationCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Reservation:
    return await number_service.reserve(
        session,
        customer_id=user.customer_id,
        number=body.number,
        period=body.period,
        max_period=settings.number_reservation_max_seconds,
        max_held=settings.number_reservations_per_customer,
    )


class OwnedNumber(NumberFields):
    """§6.4's number with the campaigns that use it: the join of two domains, made here."""

    campaigns: list[CampaignSummary]


@router.get(BASE, response_model=list[OwnedNumber],
            summary="Получение списка номеров кастомера")
async def list_customer_numbers(
    customer: CustomerDep, session: SessionDep, request: Request
) -> list[OwnedNumber]:
    url = sb_url(request)
    return [
        OwnedNumber(
            **dict(NumberFields.of(phone)),
            campaigns=[CampaignSummary.of(c, number=phone.number, sb_url=url) for c in campaigns],
        )
        for phone, campaigns in await number_service.owned(session, customer_id=customer.id)
    ]


@router.post(
    BASE,
    response_model=Order,
    status_code=201,
    summary="Создание заказа на покупку номера",
    responses={409: ERROR_RESPONSE},
)
async def order_number(body: OrderCreate, customer: CustomerDep, session: SessionDep) -> Order:
    order = await number_service.purchase(session, customer=customer, order=body)
    return order_out(order)


@router.delete(
    BASE + "/{number_id}",
    status_code=204,
    summary="Метод для удаления одного из номеров кастомера",
    responses={409: ERROR_RESPONSE},
)
async def release_number(
    number_id: NumberId, customer: CustomerDep, session: SessionDep
) -> Response:
    await number_service.release(session, customer_id=customer.id, number_id_or_number=number_id)
    return Response(status_code=204)


@router.get(
    BASE + "/{number_id}/price",
    response_model=Price,
    summary="Получение абонентской платы за пользование номером",
)
async def number_price(number_id: NumberId, customer: CustomerDep, session: SessionDep) -> Price:
    return await number_service.price(
        session, customer_id=customer.id, number_id_or_number=number_id
    )
