"""Rank marks over the call history, kept by the history sweeper (voicebox.calls.sweep).

Positions in the history are counted from the oldest call, over rows of every state, so a row's
rank never changes once nothing can be inserted below it: calls are written when they start, so
below a *floor* (at least a minute before now) the set of rows is final. The sweeper counts the
rows below the floor per scope (a customer's whole history, campaign 0, and each campaign) and
remembers the key of every MARK_EVERY-th one; a page at any depth then seeks from the nearest mark.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from voicebox.store.db import Base, UTCDateTime

ALL_CAMPAIGNS = 0  # the scope of a customer's whole history in history_counts / history_marks
WATCH_ROW = 1  # the id of history_watch's only row


class HistorySweep(Base):
    """How far one customer's history is counted: every row with key < (floor_at, floor_id)."""

    __tablename__ = "history_sweeps"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    floor_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    floor_id: Mapped[int] = mapped_column(BigInteger, default=0)
    swept_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class HistoryWatch(Base):
    """One row: every call row with id <= checked_id was checked against its customer's floor
    (a customer with a row below it was reset); newer rows are checked by each reader."""

    __tablename__ = "history_watch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    checked_id: Mapped[int] = mapped_column(BigInteger, default=0)


class HistoryCount(Base):
    """Rows of one scope below the customer's floor (campaign_id 0: every campaign and none)."""

    __tablename__ = "history_counts"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    counted: Mapped[int] = mapped_column(BigInteger, default=0)


class HistoryMark(Base):
    """The row at ascending rank `rank` of a scope has key (started_at, call_row_id)."""

    __tablename__ = "history_marks"
    __table_args__ = (
        Index("ix_history_marks_key", "customer_id", "campaign_id", "started_at", "call_row_id"),
    )

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    call_row_id: Mapped[int] = mapped_column(BigInteger)
