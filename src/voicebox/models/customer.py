"""Customers: the tenants. Everything a token can reach hangs off one customer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))
    # The sum of the customer's ledger entries, moved by every post (billing/repository.py).
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0),
                                             server_default="0")
    # The holds of the customer's calls in progress (`calls.hold`), not yet settled: money a
    # claim may not promise again (billing/holds.py).
    held: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0), server_default="0")
    # Per-minute prices by destination type; None means the platform's default tariff.
    tariff: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
