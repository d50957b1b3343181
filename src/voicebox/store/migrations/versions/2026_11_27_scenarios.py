"""Scenarios: customers' call scripts.

Revision ID: scenarios_0001
"""

import sqlalchemy as sa
from alembic import op

from voicebox.store.db import UTCDateTime

revision = "scenarios_0001"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("is_valid", sa.Boolean(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("share_token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_scenarios_customer_id_id", "scenarios", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_scenarios_customer_id_id", table_name="scenarios")
    op.drop_table("scenarios")
