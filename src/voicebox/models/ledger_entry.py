"""The money ledger: the balance is the sum of a customer's entries, so every change is explained."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_customer_created", "customer_id", "created_at"),
        # A number's fee for one period is charged once, however many renewers race or retry.
        Index(
            "uq_ledger_entries_number_fee",
            "reference",
            unique=True,
            sqlite_where=text("kind = 'number_fee'"),
            postgresql_where=text("kind = 'number_fee'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # Positive credits the customer (top-up), negative charges them (calls, number fees).
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
