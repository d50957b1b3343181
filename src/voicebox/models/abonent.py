"""Abonents: one phone of one campaign; the dialer's work queue (state + next_attempt_at)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow

PENDING = "pending"
CALLING = "calling"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
FINAL_STATES = frozenset({DONE, FAILED, CANCELLED})


class Abonent(Base):
    __tablename__ = "abonents"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone", name="uq_abonents_campaign_id_phone"),
        # Only `calling` rows (a few per line) are indexed for the stalled-lease sweep, so a
        # million-row import does not pay for a second index on pending rows.
        Index(
            "ix_abonents_calling",
            "lease_expires_at",
            sqlite_where=text("state = 'calling'"),
            postgresql_where=text("state = 'calling'"),
        ),
        Index("ix_abonents_campaign_id_state_next", "campaign_id", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # IANA zone of the number when it tells one; None → the campaign's timezone_fallback.
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts_made: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    # Pre-assigned call id of an HTTP-launched call (the answer of POST /v1/sb).
    first_call_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
