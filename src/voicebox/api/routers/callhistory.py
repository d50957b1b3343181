"""CUSTOMERS §4.2 call history and CAMPAIGNS §2.5 campaigns with history; extension: a call's
trace (docs/api.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from voicebox.api.deps import CustomerDep, SessionDep, range_dependency
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.ranges import Window, paged, range_response
from voicebox.calls.schemas import CallTrace, HistoryCampaign, HistoryItem
from voicebox.calls.service import call_service, history_filter, parse_cursor

router = APIRouter(
    tags=["callhistory"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)

BASE = "/v1/customers/{customer_id}"
HistoryRange = Annotated[Window, Depends(range_dependency("callhistory"))]


@router.get(
    BASE + "/callhistory",
    **paged(HistoryItem),
    summary="Получение истории звонков",
)
async def call_history(
    customer: CustomerDep,
    session: SessionDep,
    window: HistoryRange,
    campaign_id: Annotated[
        str | None, Query(alias="campaignId", description="Идентификатор кампании")
    ] = None,
    since: Annotated[
        str | None,
        Query(alias="from", description="Начало выборки: unix-секунды или ISO 8601"),
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", description="Конец выборки: unix-секунды или ISO 8601")
    ] = None,
    after: Annotated[
        str | None,
        Query(
            description="Extension: keyset cursor (X-Next-Cursor of the previous page); "
            "Range offsets then count from it"
        ),
    ] = None,
    status: Annotated[
        str | None, Query(description="Extension: only calls with this final status (200, 486…)")
    ] = None,
) -> Response:
    where = history_filter(customer.id, campaign_id, since, until, status)
    page = await call_service.history(
        session, where, offset=window.offset, limit=window.limit, after=parse_cursor(after)
    )
    if page.total is not None:
        response = range_response(page.items, page.total, window)
    else:
        # Past the counting cap the total is unknown: `Content-Range: callhistory a-b/*`.
        last = window.offset + len(page.items) - 1
        response = JSONResponse(
            jsonable_encoder(page.items),
            status_code=206,
            headers={"Content-Range": f"callhistory {window.offset}-{last}/*"},
        )
    if page.next_cursor:
        response.headers["X-Next-Cursor"] = page.next_cursor
    return response


@router.get(
    BASE + "/callhistory/campaigns",
    response_model=list[HistoryCampaign],
    summary="Получение списка кампаний из истории звонков",
)
async def history_campaigns(customer: CustomerDep, session: SessionDep) -> list[HistoryCampaign]:
    return await call_service.campaigns(session, customer.id)


@router.get(
    BASE + "/calls/{call_id}/trace",
    response_model=CallTrace,
    summary="Extension: the engine's trace and variables of one call",
)
async def call_trace(
    customer: CustomerDep,
    session: SessionDep,
    call_id: Annotated[str, Path(min_length=1, max_length=64)],
) -> CallTrace:
    return await call_service.trace(session, customer.id, call_id)
