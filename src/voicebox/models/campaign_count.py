"""A campaign's running totals of its ended calls, kept in the transaction that ends each call
(voicebox.calls.campaign_counts), so the dashboard's figures cost a few rows per campaign
instead of a pass over every call and its trace."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base

NO_STATUS = 0  # the `status` key of ended calls without a final status (never an outcome)


class CampaignOutcomeCount(Base):
    """Ended calls of one campaign with one final status, and what they add up to."""

    __tablename__ = "campaign_outcome_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    answered: Mapped[int] = mapped_column(BigInteger, default=0)
    talk_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    cost: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=Decimal(0))


class CampaignBranchCount(Base):
    """How many times ended calls of one campaign left an answer state (IVR) by one field."""

    __tablename__ = "campaign_branch_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(Text, primary_key=True)  # names are unbounded
    transition: Mapped[str] = mapped_column(Text, primary_key=True)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
