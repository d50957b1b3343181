"""Number fees: one ledger entry per reference, so a monthly renewal is charged once per period.

Revision ID: billing_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "billing_0002"
down_revision = "merge_0001"
branch_labels = None
depends_on = None

_WHERE = sa.text("kind = 'number_fee'")


def upgrade() -> None:
    op.create_index(
        "uq_ledger_entries_number_fee",
        "ledger_entries",
        ["reference"],
        unique=True,
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_ledger_entries_number_fee", table_name="ledger_entries")
