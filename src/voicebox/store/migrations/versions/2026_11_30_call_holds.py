"""Money holds: each call in progress holds its expected minimum cost (`calls.hold`) and the
customer's total of them (`customers.held`), so workers claiming together cannot promise the same
money twice (billing/holds.py).

Revision ID: billing_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "billing_0004"
down_revision = "billing_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("held", sa.Numeric(18, 4), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("hold", sa.Numeric(18, 4), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("hold")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("held")
