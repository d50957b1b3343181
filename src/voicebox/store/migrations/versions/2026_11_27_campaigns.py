"""Campaigns, their abonents (the dialer's queue) and the call history.

Revision ID: campaigns_0001
"""

import sqlalchemy as sa
from alembic import op

from voicebox.store.db import UTCDateTime

revision = "campaigns_0001"
# A merge of both parents rather than `depends_on`: alembic 1.20 fails (`KeyError: 0001_core`)
# upgrading `heads` when a revision depends_on two siblings of its own down_revision.
down_revision = ("scenarios_0001", "numbers_0001")
branch_labels = None
depends_on = None


def _fk(target: str, ondelete: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), _fk("customers.id", "CASCADE"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("campaign_type", sa.String(16), nullable=False),
        sa.Column("launch_by", sa.String(8), nullable=True),
        sa.Column("scenario_id", sa.Integer(), _fk("scenarios.id", "SET NULL"), nullable=True),
        sa.Column(
            "caller_number_id", sa.Integer(), _fk("phone_numbers.id", "SET NULL"), nullable=True
        ),
        sa.Column("entry_point_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("suspended_reason", sa.String(255), nullable=True),
        sa.Column("start_at", UTCDateTime(), nullable=True),
        sa.Column("stop_at", UTCDateTime(), nullable=True),
        sa.Column("window_start", sa.String(5), nullable=False),
        sa.Column("window_stop", sa.String(5), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempts_interval", sa.Integer(), nullable=False),
        sa.Column("max_lines", sa.Integer(), nullable=False),
        sa.Column("timezone_fallback", sa.String(64), nullable=False),
        sa.Column("simulation", sa.JSON(), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("entry_point_id", name="uq_campaigns_entry_point_id"),
    )
    op.create_index("ix_campaigns_customer_id_id", "campaigns", ["customer_id", "id"])
    op.create_index("ix_campaigns_status", "campaigns", ["status"])
    op.create_index("ix_campaigns_scenario_id", "campaigns", ["scenario_id"])
    op.create_index("ix_campaigns_caller_number_id", "campaigns", ["caller_number_id"])

    op.create_table(
        "abonents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), _fk("campaigns.id", "CASCADE"), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts_made", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("first_call_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("campaign_id", "phone", name="uq_abonents_campaign_id_phone"),
    )
    op.create_index(
        "ix_abonents_calling",
        "abonents",
        ["lease_expires_at"],
        sqlite_where=sa.text("state = 'calling'"),
        postgresql_where=sa.text("state = 'calling'"),
    )
    op.create_index(
        "ix_abonents_campaign_id_state_next",
        "abonents",
        ["campaign_id", "state", "next_attempt_at"],
    )

    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), _fk("customers.id", "CASCADE"), nullable=False),
        sa.Column("campaign_id", sa.Integer(), _fk("campaigns.id", "SET NULL"), nullable=True),
        sa.Column("abonent_id", sa.Integer(), _fk("abonents.id", "SET NULL"), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("call_type", sa.String(8), nullable=False),
        sa.Column("cg_pn", sa.String(32), nullable=False),
        sa.Column("cd_pn", sa.String(32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("record_path", sa.String(500), nullable=True),
        sa.Column("cost", sa.Numeric(18, 4), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=True),
        sa.Column("variables", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("call_id", name="uq_calls_call_id"),
        sa.UniqueConstraint("abonent_id", "attempt", name="uq_calls_abonent_id_attempt"),
    )
    op.create_index("ix_calls_history", "calls", ["customer_id", "started_at", "id", "state"])
    op.create_index(
        "ix_calls_history_campaign",
        "calls",
        ["customer_id", "campaign_id", "started_at", "id", "state"],
    )
    op.create_index("ix_calls_campaign_id", "calls", ["campaign_id"])


def downgrade() -> None:
    for table in ("calls", "abonents", "campaigns"):
        op.drop_table(table)
