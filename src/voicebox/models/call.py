"""Call history: one row per call attempt (outbound, inbound, HTTP-launched); ids never reused."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow

DIALING = "dialing"
IN_PROGRESS = "in_progress"
ENDED = "ended"


class Call(Base):
    """One attempt's history row (table `calls`); the live leg it ended as is
    `telephony.base.CallLeg`."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("abonent_id", "attempt", name="uq_calls_abonent_id_attempt"),
        # History pages, newest first: keyset on (started_at, id); `state` makes the seek covering.
        Index("ix_calls_history", "customer_id", "started_at", "id", "state"),
        Index(
            "ix_calls_history_campaign", "customer_id", "campaign_id", "started_at", "id", "state"
        ),
        Index("ix_calls_campaign_id", "campaign_id"),
        # Calls not yet ended (few): the oldest one bounds the history rows that can still change.
        Index(
            "ix_calls_unended", "customer_id", "started_at",
            sqlite_where=text("state <> 'ended'"), postgresql_where=text("state <> 'ended'"),
        ),
        # A campaign's calls in flight, for its dashboard (its ended calls are counted in
        # campaign_outcome_counts).
        Index(
            "ix_calls_campaign_unended", "campaign_id",
            sqlite_where=text("state <> 'ended'"), postgresql_where=text("state <> 'ended'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None
    )
    abonent_id: Mapped[int | None] = mapped_column(
        ForeignKey("abonents.id", ondelete="SET NULL"), default=None
    )
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    call_type: Mapped[str] = mapped_column(String(8))  # outbound | inbound | http
    cg_pn: Mapped[str] = mapped_column(String(32), default="")  # caller
    cd_pn: Mapped[str] = mapped_column(String(32), default="")  # callee
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    state: Mapped[str] = mapped_column(String(12), default=DIALING)
    # Final SIP-like response: 200 answered, 486 busy, 480 no answer, 404, 487, 503.
    status: Mapped[int | None] = mapped_column(Integer, default=None)
    duration: Mapped[int] = mapped_column(Integer, default=0)  # answered seconds
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    record_path: Mapped[str | None] = mapped_column(String(500), default=None)
    cost: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))
    # The money this call holds from its customer while in progress; 0 once settled.
    hold: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0), server_default="0")
    trace: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    variables: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
