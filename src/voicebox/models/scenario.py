"""Scenarios: a customer's call scripts. The body is one JSON document; the columns index it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow


class Scenario(Base):
    __tablename__ = "scenarios"
    __table_args__ = (Index("ix_scenarios_customer_id_id", "customer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))
    is_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    # The scenario as the client sent it after parsing (spec names, unknown fields kept).
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Random and unguessable: whoever holds it may import a copy.
    share_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
