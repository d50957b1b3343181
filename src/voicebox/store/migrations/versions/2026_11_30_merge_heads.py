"""Join the media branch and the history branch into one head.

Revision ID: merge_0001
"""

revision = "merge_0001"
down_revision = ("calls_0003", "media_0001")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
