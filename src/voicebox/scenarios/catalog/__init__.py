"""The template catalog (spec §3.1): ready-made scenarios a customer can start from."""

from __future__ import annotations

import copy
from typing import Any

from voicebox.errors import NotFound
from voicebox.scenarios.catalog.templates import TEMPLATES

_BY_ID = {template["id"]: template for template in TEMPLATES}


def list_templates() -> list[dict[str, Any]]:
    """Every visible, non-archived template, as the catalog returns them."""
    return [copy.deepcopy(t) for t in TEMPLATES if t["visible"] == "true"]


def get_template(template_id: str) -> dict[str, Any]:
    """One template by id; NotFound if there is none."""
    template = _BY_ID.get(str(template_id))
    if template is None:
        raise NotFound(f'No catalog template "{template_id}"', name="templateId")
    return copy.deepcopy(template)


def scenario_from_template(template: dict[str, Any]) -> dict[str, Any]:
    """The scenario body a template describes (the catalog's `name` becomes `title`)."""
    return {
        "title": template["name"],
        "comment": template["description"],
        "type": template["type"],
        "states": template["states"],
        "customVariables": template["customVariables"],
        "settings": template["settings"],
    }
