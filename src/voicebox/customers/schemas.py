"""The spec's balance shape (§4.1)."""

from __future__ import annotations

from pydantic import BaseModel


class Money(BaseModel):
    value: str
    currency: str


class Balance(BaseModel):
    balance: Money
    credit_limit: Money
