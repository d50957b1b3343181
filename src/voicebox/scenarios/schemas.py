"""What the scenario endpoints answer and the bodies of the extension endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from voicebox.models import Scenario


class ScenarioOut(BaseModel):
    """A stored scenario: its body as sent plus the server-owned fields (spec §7.1)."""

    model_config = ConfigDict(extra="allow")

    id: int
    title: str
    comment: str | None = None
    type: str
    states: list[dict[str, Any]]
    customVariables: list[str]
    settings: dict[str, Any]
    shareLink: str = Field(description="Token another customer can import a copy with")
    isValid: str = Field(description='"true" or "false", as the spec declares it')
    createdAt: str
    updatedAt: str


class Success(BaseModel):
    """The spec's answer to a valid scenario (§7.6)."""

    success: str = "true"


class ShareImport(BaseModel):
    """Import a copy of a scenario someone shared (extension)."""

    shareLink: str = Field(
        min_length=1,
        max_length=2048,
        validation_alias=AliasChoices("shareLink", "token"),
        description="The shareLink of the scenario to copy (the token or a URL ending in it)",
    )
    title: str | None = Field(default=None, max_length=255)


class FromTemplate(BaseModel):
    """Create a scenario from a catalog template (extension)."""

    templateId: str = Field(min_length=1, max_length=100)
    title: str | None = Field(default=None, min_length=1, max_length=255)


class CatalogTemplate(BaseModel):
    """One catalog entry (spec §3.1)."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    description: str
    type: str
    icon: str
    states: list[dict[str, Any]]
    customVariables: list[str]
    settings: dict[str, Any]
    visible: str
    archive: str
    author: str


class KeywordOut(BaseModel):
    """One intent of the keyword dictionary (extension)."""

    id: str
    name: str
    code: str
    phrases: list[str]


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    """The answer for one scenario: the stored body with the server-owned fields on top."""
    return {
        "id": scenario.id,
        **scenario.body,
        "title": scenario.title,
        "type": scenario.type,
        "shareLink": scenario.share_token,
        "isValid": "true" if scenario.is_valid else "false",
        "createdAt": timestamp(scenario.created_at),
        "updatedAt": timestamp(scenario.updated_at),
    }
