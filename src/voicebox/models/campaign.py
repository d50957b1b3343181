"""Campaigns: a scenario, a caller number, a schedule and (outbound by list) abonents to call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow

# A campaign's statuses, defined here once (docs/operations.md, "Campaign statuses").
ACTIVE, PAUSED, STOPPED, SUSPENDED = STATUSES = ("Active", "Paused", "Stopped", "Suspended")
# Why a campaign is Suspended (`suspended_reason`; campaigns/suspension.py has the rule).
BALANCE, NUMBER, NUMBER_UNPAID = "balance", "number", "number_unpaid"


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        Index("ix_campaigns_customer_id_id", "customer_id", "id"),
        Index("ix_campaigns_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    campaign_type: Mapped[str] = mapped_column(String(16))  # outbound | inbound
    launch_by: Mapped[str | None] = mapped_column(String(8), default=None)  # list | http | None
    # SET NULL: a deleted campaign row outlives its scenario and number (history keeps its name).
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id", ondelete="SET NULL"), default=None, index=True
    )
    caller_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="SET NULL"), default=None, index=True
    )
    # `entryPoint.id`: the `method` value of POST /v1/sb; random so it cannot be guessed.
    entry_point_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    suspended_reason: Mapped[str | None] = mapped_column(String(255), default=None)
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    stop_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The daily calling window, "HH:MM" in the callee's local time zone.
    window_start: Mapped[str] = mapped_column(String(5), default="09:00")
    window_stop: Mapped[str] = mapped_column(String(5), default="21:00")
    attempts: Mapped[int] = mapped_column(Integer, default=3)
    attempts_interval: Mapped[int] = mapped_column(Integer, default=1800)  # seconds
    max_lines: Mapped[int] = mapped_column(Integer, default=10)
    timezone_fallback: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    # The simulator's script for this campaign (voicebox.telephony.simulated.schema).
    simulation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Soft delete: the row stays so call history keeps the campaign's id and name.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
