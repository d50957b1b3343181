"""SCENARIOS §7.1-7.6, plus extensions: get one, import a shared copy, create from a template,
rotate the share link (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response

from voicebox.api.body_schemas import body_model
from voicebox.api.deps import CustomerDep, SessionDep
from voicebox.api.errors import ERROR_RESPONSE, ErrorItem
from voicebox.api.files import bytes_download
from voicebox.api.params import path_id
from voicebox.scenario_language.format import ScenarioBody
from voicebox.scenarios.schemas import (
    FromTemplate,
    ScenarioOut,
    ShareImport,
    Success,
    scenario_json,
)
from voicebox.scenarios.service import contacts_template, scenario_service

router = APIRouter(
    tags=["scenarios"],
    responses={400: ERROR_RESPONSE, 401: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)

BASE = "/v1/customers/{customer_id}/scenarios"
ScenarioId = path_id("Идентификатор сценария", name="scenario_id")
ScenarioJson = Annotated[
    dict[str, Any],
    Body(
        description="The scenario (docs/scenario-format.md); `name` is accepted for `title`",
        examples=[
            {
                "title": "Привет",
                "type": "outgoing",
                "states": [
                    {"type": "Initial", "name": "start", "success": "bye"},
                    {"type": "ReleaseCall", "name": "bye"},
                ],
                "customVariables": [],
                "settings": {"voice": "oksana", "speed": 100, "emotion": "neutral"},
            }
        ],
    ),
]


BODY = body_model(ScenarioBody)


def route(method: str, path: str, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Register `path` and its trailing-slash twin (the spec's clients use both)."""

    def decorator(endpoint: Callable) -> Callable:
        router.add_api_route(path, endpoint, methods=[method], **kwargs)
        router.add_api_route(
            path + "/", endpoint, methods=[method], include_in_schema=False, **kwargs
        )
        return endpoint

    return decorator


@route("GET", BASE, response_model=list[ScenarioOut], summary="Получение списка сценариев")
async def list_scenarios(customer: CustomerDep, session: SessionDep) -> list[dict[str, Any]]:
    return [scenario_json(s) for s in await scenario_service.list(session, customer.id)]


@route(
    "POST",
    BASE,
    status_code=201,
    response_model=ScenarioOut,
    summary="Создание сценария",
    openapi_extra=BODY,
)
async def create_scenario(
    customer: CustomerDep, session: SessionDep, data: ScenarioJson
) -> dict[str, Any]:
    return scenario_json(await scenario_service.create(session, customer.id, data))


@route(
    "POST",
    BASE + "/validate",
    response_model=Success,
    summary="Проверка корректности сценария",
    description="400 lists every problem, each named by the state and field.",
    openapi_extra=BODY,
)
async def validate_scenario(
    customer: CustomerDep, session: SessionDep, data: ScenarioJson
) -> Success:
    await scenario_service.ensure_valid(data, session=session, customer_id=customer.id)
    return Success()


@route(
    "POST",
    BASE + "/problems",
    response_model=list[ErrorItem],
    summary="Проблемы сценария списком, 200 (расширение)",
    description="The problems `/validate` would answer with 400, as a 200 list (empty when "
    "valid): an editor's check while a draft is being drawn, which is not a failed request.",
    openapi_extra=BODY,
)
async def scenario_problems(
    customer: CustomerDep, session: SessionDep, data: ScenarioJson
) -> list[ErrorItem]:
    problems = await scenario_service.problems(data, session=session, customer_id=customer.id)
    return [ErrorItem(name=p.name, message=p.message, status=400) for p in problems]


@route(
    "POST",
    BASE + "/import",
    status_code=201,
    response_model=ScenarioOut,
    summary="Импорт копии сценария по shareLink (расширение)",
)
async def import_scenario(
    customer: CustomerDep, session: SessionDep, data: ShareImport
) -> dict[str, Any]:
    scenario = await scenario_service.import_shared(
        session, customer.id, data.shareLink, data.title
    )
    return scenario_json(scenario)


@route(
    "POST",
    BASE + "/from-template",
    status_code=201,
    response_model=ScenarioOut,
    summary="Создание сценария из шаблона каталога (расширение)",
)
async def create_from_template(
    customer: CustomerDep, session: SessionDep, data: FromTemplate
) -> dict[str, Any]:
    scenario = await scenario_service.create_from_template(
        session, customer.id, data.templateId, data.title
    )
    return scenario_json(scenario)


@route(
    "GET",
    BASE + "/{scenario_id}",
    response_model=ScenarioOut,
    summary="Получение сценария (расширение)",
)
async def get_scenario(
    customer: CustomerDep, session: SessionDep, scenario_id: ScenarioId
) -> dict[str, Any]:
    return scenario_json(await scenario_service.get(session, customer.id, scenario_id))


@route(
    "PUT",
    BASE + "/{scenario_id}",
    response_model=ScenarioOut,
    summary="Обновление сценария",
    openapi_extra=BODY,
)
async def update_scenario(
    customer: CustomerDep, session: SessionDep, scenario_id: ScenarioId, data: ScenarioJson
) -> dict[str, Any]:
    scenario = await scenario_service.update(session, customer.id, scenario_id, data)
    return scenario_json(scenario)


@route(
    "DELETE",
    BASE + "/{scenario_id}",
    status_code=204,
    response_class=Response,
    responses={409: ERROR_RESPONSE},
    summary="Удаление сценария",
)
async def delete_scenario(
    customer: CustomerDep, session: SessionDep, scenario_id: ScenarioId
) -> Response:
    await scenario_service.delete(session, customer.id, scenario_id)
    return Response(status_code=204)


@route(
    "POST",
    BASE + "/{scenario_id}/shareLink",
    response_model=ScenarioOut,
    summary="Новая ссылка для обмена; старая перестаёт работать (расширение)",
)
async def rotate_share_link(
    customer: CustomerDep, session: SessionDep, scenario_id: ScenarioId
) -> dict[str, Any]:
    scenario = await scenario_service.rotate_share_link(session, customer.id, scenario_id)
    return scenario_json(scenario)


@route(
    "GET",
    BASE + "/{scenario_id}/template",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV: phone + custom variables"},
        206: {"content": {"text/csv": {}}, "description": "Part of the file (Range: bytes=)"},
        416: ERROR_RESPONSE,
    },
    summary="Скачивание шаблона файла контактов для сценария",
)
async def contacts_template_file(
    customer: CustomerDep,
    session: SessionDep,
    scenario_id: ScenarioId,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    scenario = await scenario_service.get(session, customer.id, scenario_id)
    return bytes_download(
        contacts_template(scenario),
        filename=f"scenario-{scenario.id}-contacts.csv",
        media_type="text/csv; charset=utf-8",
        range_header=range_header,
    )
