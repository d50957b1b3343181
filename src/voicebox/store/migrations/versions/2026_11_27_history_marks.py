"""Call history: rank marks kept by the history sweeper, so a page at any depth is a short seek.

Revision ID: calls_0003
"""

import sqlalchemy as sa
from alembic import op

from voicebox.store.db import UTCDateTime

revision = "calls_0003"
down_revision = "calls_0002"
branch_labels = None
depends_on = None


def _customer() -> sa.Column:
    return sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "history_sweeps",
        _customer(),
        sa.Column("floor_at", UTCDateTime(), nullable=True),
        sa.Column("floor_id", sa.BigInteger(), nullable=False),
        sa.Column("swept_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "history_watch",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("checked_id", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "history_counts",
        _customer(),
        sa.Column("campaign_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "history_marks",
        _customer(),
        sa.Column("campaign_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("rank", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("call_row_id", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_history_marks_key",
        "history_marks",
        ["customer_id", "campaign_id", "started_at", "call_row_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_history_marks_key", table_name="history_marks")
    op.drop_table("history_marks")
    op.drop_table("history_counts")
    op.drop_table("history_watch")
    op.drop_table("history_sweeps")
