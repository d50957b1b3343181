"""The number inventory: every number we can sell, who owns it and who holds a reservation on it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow


class PhoneNumber(Base):
    __tablename__ = "phone_numbers"
    __table_args__ = (
        # Mask search is `number LIKE '749512%'`; PostgreSQL needs pattern ops to use an index.
        Index(
            "ix_phone_numbers_number_pattern",
            "number",
            postgresql_ops={"number": "varchar_pattern_ops"},
        ),
        Index("ix_phone_numbers_search", "customer_id", "region_code", "category", "type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Digits only, country code first (E.164 without "+"): "74951234567".
    number: Mapped[str] = mapped_column(String(15), unique=True)
    type: Mapped[str] = mapped_column(String(8))
    owner: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str] = mapped_column(String(8))
    region_name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    description: Mapped[str] = mapped_column(String(500), default="")
    # NULL: in the pool. Set: the customer's number (until they release it).
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The first month is charged on purchase; a renewal job charges from here on.
    paid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reserved_by: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    reserved_uid: Mapped[str | None] = mapped_column(String(36), default=None, unique=True)
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
