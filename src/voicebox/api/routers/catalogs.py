"""CATALOGS §3.1 (scenario templates) and the keyword dictionary (extension)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from voicebox.api.deps import CurrentUser
from voicebox.api.errors import ERROR_RESPONSE
from voicebox.scenario_language.keywords import list_intents
from voicebox.scenarios.catalog import list_templates
from voicebox.scenarios.schemas import CatalogTemplate, KeywordOut

router = APIRouter(tags=["catalogs"], responses={401: ERROR_RESPONSE})


async def list_catalog_templates(user: CurrentUser) -> list[dict[str, Any]]:
    return list_templates()


async def list_keywords(user: CurrentUser) -> list[dict[str, Any]]:
    return list_intents()


for _path, _endpoint, _model, _summary in (
    ("/v1/catalogs/templates", list_catalog_templates, list[CatalogTemplate],
     "Получение списка шаблонов сценария"),
    ("/v1/catalogs/keywords", list_keywords, list[KeywordOut],
     "Словарь ключевых слов для IVR (расширение)"),
):
    # `/path/` reaches this too: the TrailingSlash middleware (app.py) serves it as `/path`.
    router.add_api_route(_path, _endpoint, methods=["GET"], response_model=_model,
                         summary=_summary)
