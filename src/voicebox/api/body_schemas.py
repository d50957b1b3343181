"""Real OpenAPI schemas for the bodies some routes read as raw JSON (scenarios, campaigns).

Those routes parse leniently in their service (aliases, numbers as strings, unknown fields kept),
so FastAPI only sees `dict`; an operation marked with `body_model(Model)` gets the model's schema
in /openapi.json, which the console's TypeScript types are generated from.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from voicebox.campaigns.schemas import CampaignCreate
from voicebox.scenario_language.format import ScenarioBody

_MODELS: tuple[type[BaseModel], ...] = (ScenarioBody, CampaignCreate)
_MARK = "x-voicebox-body"
_REF = "#/components/schemas/{model}"


def body_model(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` marking an operation's JSON body as `model`."""
    return {_MARK: model.__name__}


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def apply_body_models(schema: dict[str, Any]) -> None:
    """Add the models to the components and point each marked operation's JSON body at one."""
    _, top = models_json_schema([(m, "validation") for m in _MODELS], ref_template=_REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in top.get("$defs", {}).items():
        components.setdefault(name, definition)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            name = operation.pop(_MARK, None) if isinstance(operation, dict) else None
            content = (operation.get("requestBody") or {}).get("content", {}) if name else {}
            if "application/json" in content:
                content["application/json"]["schema"] = {"$ref": _REF.format(model=name)}
