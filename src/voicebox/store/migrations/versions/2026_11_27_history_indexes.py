"""Call history: a partial index on the calls not yet ended (the history pager's frozen floor).

Revision ID: calls_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "calls_0002"
down_revision = "campaigns_0001"
branch_labels = None
depends_on = None

UNENDED = sa.text("state <> 'ended'")


def upgrade() -> None:
    op.create_index(
        "ix_calls_unended",
        "calls",
        ["customer_id", "started_at"],
        sqlite_where=UNENDED,
        postgresql_where=UNENDED,
    )


def downgrade() -> None:
    op.drop_index("ix_calls_unended", "calls")
