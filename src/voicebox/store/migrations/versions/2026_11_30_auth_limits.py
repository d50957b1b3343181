"""Login limits: failed attempts per username, client and address; scopes made explicit.

Tokens and clients registered before scopes were enforced held an empty scope, which meant
everything; they get `read write` so they keep working.

Revision ID: auth_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "auth_0002"
down_revision = "billing_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=True),
    )
    op.create_index(
        "ix_login_failures_window_started", "login_failures", ["window_started"]
    )
    for table in ("oauth_clients", "oauth_tokens"):
        op.execute(sa.text(f"UPDATE {table} SET scope = 'read write' WHERE scope = ''"))


def downgrade() -> None:
    op.drop_index("ix_login_failures_window_started", table_name="login_failures")
    op.drop_table("login_failures")
