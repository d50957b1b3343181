"""CAMPAIGNS §2.1-2.4, plus extensions: get one campaign, add abonents (docs/api.md)."""

from __future__ import annotations

import io
import json
from typing import IO, Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from voicebox.api.body_schemas import schema_ref
from voicebox.api.deps import CustomerDep, SessionDep, range_dependency
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.api.params import path_id
from voicebox.api.ranges import Window, paged, range_response
from voicebox.campaigns.schemas import (
    CampaignCreate,
    CampaignListItem,
    CampaignOut,
    CampaignSummary,
    ImportReport,
    Progress,
    StatusChange,
    StatusOut,
    iso,
)
from voicebox.campaigns.service import CampaignView, campaign_service
from voicebox.campaigns.stats import CampaignStats, campaign_stats
from voicebox.dialer.simulate import place_simulated_inbound
from voicebox.errors import Conflict, InvalidInput, VoiceboxError
from voicebox.models.campaign import ACTIVE
from voicebox.phones import parse_phone
from voicebox.text import loads_checked

router = APIRouter(
    tags=["campaigns"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)

BASE = "/v1/customers/{customer_id}/campaigns"
CampaignId = path_id("Идентификатор кампании", name="campaign_id")
CampaignsRange = Annotated[Window, Depends(range_dependency("campaigns"))]

_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": schema_ref(CampaignCreate)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "campaign": {"type": "string", "description": "the campaign JSON"},
                        "abonents": {"type": "string", "format": "binary"},
                    },
                    "required": ["campaign"],
                }
            },
        },
    }
}
_ABONENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"abonents": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def _progress(view: CampaignView) -> Progress:
    counts = view.progress
    return Progress(total=sum(counts.values()), **{k: v for k, v in counts.items()})


def sb_url(request: Request) -> str:
    """Where `launchBy: http` campaigns are started: this server's `/v1/sb`."""
    return str(request.base_url).rstrip("/") + "/v1/sb"


def _common(view: CampaignView, request: Request) -> dict[str, Any]:
    c = view.campaign
    summary = CampaignSummary.of(c, number=view.number, sb_url=sb_url(request))
    return {
        **dict(summary),
        "status": c.status,
        "suspendedReason": c.suspended_reason,
        "scheduleStartDate": iso(c.start_at),
        "scheduleStopDate": iso(c.stop_at),
        "scheduleCallingCycleStart": c.window_start,
        "scheduleCallingCycleStop": c.window_stop,
        "scheduleAttempts": str(c.attempts),
        "scheduleAttemptsInterval": str(c.attempts_interval // 60),
        "scheduleMaxPhoneLines": str(c.max_lines),
        "scheduleTimezone": c.timezone_fallback,
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "progress": _progress(view),
    }


def campaign_out(view: CampaignView, request: Request) -> CampaignOut:
    return CampaignOut(
        **_common(view, request),
        simulation=view.campaign.simulation,
        abonents=view.imported,
    )


def campaign_item(view: CampaignView, request: Request) -> CampaignListItem:
    c = view.campaign
    fields = _common(view, request)
    del fields["scenario"], fields["callerNumber"]
    return CampaignListItem(
        **fields,
        scenarioid=str(c.scenario_id) if c.scenario_id else None,
        callerNumber=view.number,
    )


def _json(raw: bytes | str, name: str) -> Any:
    try:
        return loads_checked(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{name} is not valid JSON", name=name) from error
    except ValueError as error:  # a NUL or a lone surrogate in it
        raise InvalidInput(f"{name} {error}", name=name) from error


async def _part_bytes(part: UploadFile | str) -> bytes:
    return await part.read() if isinstance(part, UploadFile) else part.encode("utf-8")


def _is_json_part(part: UploadFile | str) -> bool:
    if isinstance(part, str):
        return part.lstrip().startswith(("[", "{"))
    return "json" in (part.content_type or "").lower()


async def _abonents_part(part: UploadFile | str) -> tuple[IO[bytes] | None, Any]:
    """(CSV stream, JSON items) from a multipart `abonents` part."""
    if _is_json_part(part):
        items = _json(await _part_bytes(part), "abonents")
        if isinstance(items, dict):
            items = items.get("abonents")
        if not isinstance(items, list):
            raise InvalidInput("abonents must be a JSON array", name="abonents")
        return None, items
    if isinstance(part, UploadFile):
        return part.file, None
    return io.BytesIO(part.encode("utf-8")), None


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.post(
    BASE,
    status_code=201,
    response_model=CampaignOut,
    summary="Создание кампании",
    openapi_extra=_CREATE_BODY,
    responses={409: ERROR_RESPONSE, 413: ERROR_RESPONSE, 415: ERROR_RESPONSE},
)
async def create_campaign(
    request: Request, customer: CustomerDep, session: SessionDep
) -> CampaignOut:
    media = _media_type(request)
    csv_file: IO[bytes] | None = None
    if media == "multipart/form-data":
        form = await request.form()
        part = form.get("campaign")
        if part is None:
            raise InvalidInput("the form needs a `campaign` part (JSON)", name="campaign")
        data = _json(await _part_bytes(part), "campaign")
        abonents = form.get("abonents")
        if abonents is not None:
            csv_file, items = await _abonents_part(abonents)
            if items is not None and isinstance(data, dict):
                data["abonents"] = items
    elif media in ("application/json", ""):
        data = _json(await request.body(), "body")
    else:
        raise VoiceboxError(
            "send application/json or multipart/form-data", status=415, name="Content-Type"
        )
    view = await campaign_service.create(session, customer, data, csv_file=csv_file)
    return campaign_out(view, request)


@router.get(
    BASE,
    **paged(CampaignListItem),
    summary="Получение списка всех кампаний кастомера",
)
async def list_campaigns(
    request: Request, customer: CustomerDep, session: SessionDep, window: CampaignsRange
) -> Response:
    views, total = await campaign_service.page(
        session, customer.id, offset=window.offset, limit=window.limit
    )
    return range_response([campaign_item(v, request) for v in views], total, window)


@router.get(
    BASE + "/{campaign_id}",
    response_model=CampaignOut,
    summary="Extension: one campaign with its progress",
)
async def get_campaign(
    request: Request, customer: CustomerDep, session: SessionDep, campaign_id: CampaignId
) -> CampaignOut:
    return campaign_out(await campaign_service.view(session, customer.id, campaign_id), request)


@router.get(
    BASE + "/{campaign_id}/stats",
    response_model=CampaignStats,
    summary="Extension: a campaign's live figures (abonents, outcomes, money, IVR answers)",
)
async def get_campaign_stats(
    customer: CustomerDep, session: SessionDep, campaign_id: CampaignId
) -> CampaignStats:
    campaign = await campaign_service.get(session, customer.id, campaign_id)
    return await campaign_stats(session, campaign, customer.currency)


class SimulatedInboundCall(BaseModel):
    """Extension: who calls an inbound campaign on the simulator, and what they say or press."""

    caller: str = Field(default="+79990000001", description="The calling number", max_length=32)
    inputs: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20,
        description="One input per listen: digits or words (\"\" is silence)",
    )


class PlacedCall(BaseModel):
    callId: str = Field(description="Poll GET …/calls/{callId}/trace until its state is ended")


@router.post(
    BASE + "/{campaign_id}/simulated-calls",
    status_code=202,
    response_model=PlacedCall,
    summary="Extension: ring an active inbound campaign's number from the simulator",
    description="The call is answered with the campaign's scenario like a real caller's (history "
    "row, charge, recording). 409 when the campaign is not an active inbound one, or this process "
    "runs no dialer (`voicebox serve --no-dialer`).",
    responses={400: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
async def simulate_inbound_call(
    request: Request,
    customer: CustomerDep,
    session: SessionDep,
    campaign_id: CampaignId,
    call: Annotated[SimulatedInboundCall, Body()],
) -> PlacedCall:
    settings = request.app.state.settings
    caller = parse_phone(call.caller, region=settings.home_region, field="caller").e164
    view = await campaign_service.view(session, customer.id, campaign_id)
    campaign = view.campaign
    if campaign.campaign_type != "inbound" or campaign.status != ACTIVE or not view.number:
        raise Conflict("only an Active inbound campaign answers calls", name="campaign_id")
    placed = place_simulated_inbound(getattr(request.app.state, "dialer", None),
                                     to="+" + view.number.lstrip("+"), caller=caller,
                                     inputs=call.inputs)
    if placed is None:
        raise Conflict("this server runs no dialer to answer simulated calls", name="campaign_id")
    return PlacedCall(callId=placed)


async def _change_status(
    customer: CustomerDep,
    session: SessionDep,
    campaign_id: CampaignId,
    change: Annotated[StatusChange, Body()],
) -> StatusOut:
    campaign = await campaign_service.change_status(
        session, customer.id, campaign_id, change.status
    )
    return StatusOut(status=campaign.status)  # type: ignore[arg-type]  # a stored status, validated


for _method in ("PATCH", "PUT"):
    router.add_api_route(
        BASE + "/{campaign_id}/statuses",
        _change_status,
        methods=[_method],
        response_model=StatusOut,
        summary="Обновление статуса существующей кампании",
        responses={409: ERROR_RESPONSE},
        include_in_schema=True,
        operation_id=f"change_campaign_status_{_method.lower()}",
    )


@router.delete(BASE + "/{campaign_id}", status_code=204, summary="Удаление кампании клиента")
async def delete_campaign(
    customer: CustomerDep, session: SessionDep, campaign_id: CampaignId
) -> Response:
    await campaign_service.delete(session, customer.id, campaign_id)
    return Response(status_code=204)


@router.post(
    BASE + "/{campaign_id}/abonents",
    response_model=ImportReport,
    summary="Extension: add abonents (CSV or JSON) to a campaign",
    openapi_extra=_ABONENTS_BODY,
    responses={409: ERROR_RESPONSE, 413: ERROR_RESPONSE, 415: ERROR_RESPONSE},
)
async def add_abonents(
    request: Request, customer: CustomerDep, session: SessionDep, campaign_id: CampaignId
) -> ImportReport:
    media = _media_type(request)
    csv_file: IO[bytes] | None = None
    items: Any = None
    if media == "multipart/form-data":
        part = (await request.form()).get("abonents")
        if part is None:
            raise InvalidInput("the form needs an `abonents` part", name="abonents")
        csv_file, items = await _abonents_part(part)
    elif media in ("application/json", ""):
        items = _json(await request.body(), "body")
        if isinstance(items, dict):
            items = items.get("abonents")
        if not isinstance(items, list):
            raise InvalidInput("send a JSON array of abonents", name="abonents")
    elif media in ("text/csv", "text/plain", "application/octet-stream", XLSX_MEDIA_TYPE):
        csv_file = io.BytesIO(await request.body())
    else:
        raise VoiceboxError(
            "send text/csv, XLSX, application/json or multipart/form-data",
            status=415,
            name="Content-Type",
        )
    return await campaign_service.add_abonents(
        session, customer.id, campaign_id, csv_file=csv_file, items=items
    )
