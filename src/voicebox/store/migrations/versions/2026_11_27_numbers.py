"""Numbers: the inventory (with ownership and reservations) and purchase orders.

Revision ID: numbers_0001
"""

import sqlalchemy as sa
from alembic import op

from voicebox.store.db import UTCDateTime

revision = "numbers_0001"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(15), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(8), nullable=False),
        sa.Column("region_name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("monthly_fee", sa.Numeric(18, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("acquired_at", UTCDateTime(), nullable=True),
        sa.Column("paid_until", UTCDateTime(), nullable=True),
        sa.Column(
            "reserved_by",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("reserved_uid", sa.String(36), nullable=True),
        sa.Column("reserved_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("number", name="uq_phone_numbers_number"),
        sa.UniqueConstraint("reserved_uid", name="uq_phone_numbers_reserved_uid"),
    )
    op.create_index(
        "ix_phone_numbers_number_pattern",
        "phone_numbers",
        ["number"],
        postgresql_ops={"number": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_phone_numbers_search",
        "phone_numbers",
        ["customer_id", "region_code", "category", "type"],
    )
    op.create_index("ix_phone_numbers_customer_id", "phone_numbers", ["customer_id"])
    op.create_index("ix_phone_numbers_owner", "phone_numbers", ["owner"])
    op.create_index("ix_phone_numbers_reserved_by", "phone_numbers", ["reserved_by"])
    op.create_table(
        "number_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "phone_number_id",
            sa.Integer(),
            sa.ForeignKey("phone_numbers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("order_name", sa.String(255), nullable=False),
        sa.Column("order_description", sa.String(1000), nullable=False),
        sa.Column("order_item_number", sa.String(15), nullable=False),
        sa.Column("order_item_description", sa.String(1000), nullable=False),
        sa.Column("order_offer_name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("monthly_fee", sa.Numeric(18, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_number_orders_customer_id", "number_orders", ["customer_id"])
    op.create_index("ix_number_orders_phone_number_id", "number_orders", ["phone_number_id"])


def downgrade() -> None:
    op.drop_table("number_orders")
    op.drop_table("phone_numbers")
