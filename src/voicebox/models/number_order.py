"""Purchase orders for numbers (§6.5): what was bought, by whom, for how much."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime, utcnow


class NumberOrder(Base):
    __tablename__ = "number_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    phone_number_id: Mapped[int | None] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="SET NULL"), default=None, index=True
    )
    # The client's own order id (`orderId`); ours is `id`.
    order_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    order_name: Mapped[str] = mapped_column(String(255), default="")
    order_description: Mapped[str] = mapped_column(String(1000), default="")
    order_item_number: Mapped[str] = mapped_column(String(15))
    order_item_description: Mapped[str] = mapped_column(String(1000), default="")
    order_offer_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16))
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
