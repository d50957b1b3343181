"""The spec's balance shape (§4.1) and the ledger's entries (an extension)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Money(BaseModel):
    value: str
    currency: str


class Balance(BaseModel):
    balance: Money
    credit_limit: Money


class LedgerItem(BaseModel):
    """Extension: one entry of the customer's ledger (what moved the balance, and why)."""

    id: int
    createdAt: datetime = Field(description="When it was posted (UTC, ISO 8601)")
    amount: str = Field(
        description="Positive credits the customer (top-up), negative charges them", examples=["-1.20"]
    )
    currency: str
    kind: str = Field(description="topup, call, number_fee, number_purchase, reservation…")
    description: str
    reference: str | None = Field(
        default=None, description="What the entry is for: a call id, a number…"
    )
