"""Call-history shapes (§4.2) and the call trace (extension)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class HistoryItem(BaseModel):
    startCallDT: int
    status: int
    callDuration: int
    callType: str
    campaignId: int | None
    campaignName: str | None
    cgPN: str
    cdPN: str
    callId: str
    callRecord: bool


class HistoryCampaign(BaseModel):
    id: int
    name: str


class CallTrace(BaseModel):
    """Extension: what the engine did on one call."""

    callId: str
    campaignId: int | None
    callType: str
    startCallDT: int
    status: int | None
    state: str
    callDuration: int
    attempt: int
    cost: str
    error: str | None
    trace: list[Any]
    variables: dict[str, Any]
