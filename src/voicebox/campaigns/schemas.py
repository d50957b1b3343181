"""Campaign shapes: what clients send (§2.1 + schedule extensions) and what they get back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CampaignStatus = Literal["Active", "Paused", "Stopped", "Suspended"]

# Spec and real-client spellings → (campaign_type, launch_by implied or None)
CAMPAIGN_TYPES: dict[str, tuple[str, str | None]] = {
    "outbound": ("outbound", None),
    "outgoing": ("outbound", None),
    "исходящая": ("outbound", None),
    "исходящая по http": ("outbound", "http"),
    "inbound": ("inbound", None),
    "incoming": ("inbound", None),
    "входящая": ("inbound", None),
}
SCENARIO_TYPE_FOR = {"outbound": "outgoing", "inbound": "incoming"}


class Ref(BaseModel):
    """`{"id": …}`: the spec sends ids as strings; numbers are accepted too."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64)

    @field_validator("id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a string or a number")
        return str(value).strip() if isinstance(value, int | str) else value


class CampaignCreate(BaseModel):
    """§2.1 fields plus the schedule, `status`, `simulation` and JSON `abonents` extensions."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=255)
    campaignType: str = Field(min_length=1, max_length=64)
    scenario: Ref
    callerNumber: Ref
    launchBy: str | None = Field(default=None, max_length=16)
    scheduleStartDate: str | int | None = None
    scheduleStopDate: str | int | None = None
    scheduleCallingCycleStart: str | None = Field(default=None, max_length=8)
    scheduleCallingCycleStop: str | None = Field(default=None, max_length=8)
    scheduleAttempts: str | int | None = None
    scheduleAttemptsInterval: str | int | None = None
    scheduleMaxPhoneLines: str | int | None = None
    scheduleTimezone: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=16)
    simulation: dict[str, Any] | None = None
    abonents: list[Any] | None = Field(default=None, max_length=1_000_000)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class StatusChange(BaseModel):
    status: str = Field(
        description='"Active", "Paused", "Stopped" (Suspended is set by the system)'
    )


class StatusOut(BaseModel):
    status: CampaignStatus


class Progress(BaseModel):
    """Abonents by state (extension)."""

    total: int = 0
    pending: int = 0
    calling: int = 0
    done: int = 0
    failed: int = 0
    cancelled: int = 0


class EntryPoint(BaseModel):
    id: str
    url: str


class ImportReport(BaseModel):
    """What an abonent import did: rows read, phones added, rows merged into existing phones."""

    received: int
    added: int
    merged: int


class NumberRef(BaseModel):
    id: str = Field(description="the number's id (as in GET …/numbers)")
    number: str = Field(description="the number itself, digits only (extension)")


class _Identity(BaseModel):
    id: int
    name: str
    campaignType: str = Field(description="outbound | inbound")
    launchBy: str | None = Field(description="list | http for outbound, null for inbound")
    entryPoint: EntryPoint | None = Field(description="POST /v1/sb target, http campaigns only")


class CampaignSummary(_Identity):
    """§2.1's campaign fields; also each element of §6.4's `campaigns` (the numbers list)."""

    scenario: Ref | None
    callerNumber: NumberRef | None

    @classmethod
    def of(cls, campaign: Any, *, number: str | None, sb_url: str) -> CampaignSummary:
        """From a campaign row; `number` is its caller number, `sb_url` this server's /v1/sb."""
        c = campaign
        caller = None
        if c.caller_number_id is not None:
            caller = NumberRef(id=str(c.caller_number_id), number=number or "")
        return CampaignSummary(
            id=c.id,
            name=c.name,
            campaignType=c.campaign_type,
            launchBy=c.launch_by,
            entryPoint=EntryPoint(id=c.entry_point_id, url=sb_url)
            if c.launch_by == "http"
            else None,
            scenario=Ref(id=str(c.scenario_id)) if c.scenario_id else None,
            callerNumber=caller,
        )


class _CampaignFields(_Identity):
    status: CampaignStatus
    suspendedReason: str | None
    scheduleStartDate: str | None
    scheduleStopDate: str | None
    scheduleCallingCycleStart: str
    scheduleCallingCycleStop: str
    scheduleAttempts: str
    scheduleAttemptsInterval: str = Field(description="minutes")
    scheduleMaxPhoneLines: str
    scheduleTimezone: str
    createdAt: str
    updatedAt: str
    progress: Progress


class CampaignListItem(_CampaignFields):
    """§2.2: `scenarioid` and `callerNumber` as strings (the number itself), plus extensions."""

    scenarioid: str | None
    callerNumber: str | None


class CampaignOut(_CampaignFields, CampaignSummary):
    """One campaign (create answer, GET one): §2.1's `scenario{id}`, `callerNumber{id}`."""

    simulation: dict[str, Any] | None
    abonents: ImportReport | None = None


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
