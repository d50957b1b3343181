"""Uploaded audio files for announcements.

Revision ID: media_0001
"""

import sqlalchemy as sa
from alembic import op

from voicebox.store.db import UTCDateTime

revision = "media_0001"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audio_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("original_filename", sa.String(255), nullable=False),
        sa.Column("original_format", sa.String(8), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_audio_files_customer_id_id", "audio_files", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audio_files_customer_id_id", table_name="audio_files")
    op.drop_table("audio_files")
