"""A maintained balance on each customer: every ledger post moves it in the same transaction,
so balance checks read one row instead of summing the ledger on every dialer pass.

Revision ID: billing_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "billing_0003"
down_revision = "auth_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("balance", sa.Numeric(18, 4), nullable=False,
                                   server_default="0"))
    op.execute(
        "UPDATE customers SET balance = COALESCE((SELECT SUM(amount) FROM ledger_entries "
        "WHERE ledger_entries.customer_id = customers.id), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("balance")
