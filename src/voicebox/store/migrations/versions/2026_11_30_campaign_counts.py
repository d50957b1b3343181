"""Campaign counters: ended calls per final status and IVR answers per branch, kept by the
transaction that ends each call (voicebox.calls.campaign_counts), so the dashboard's stats do not
read every call's trace; a partial index for a campaign's calls in flight. Existing calls are
counted here, once.

Revision ID: stats_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "stats_0001"
down_revision = "billing_0004"
branch_labels = None
depends_on = None

UNENDED = sa.text("state <> 'ended'")


def _campaign() -> sa.Column:
    return sa.Column("campaign_id", sa.Integer(),
                     sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)


_OUTCOMES = """
    INSERT INTO campaign_outcome_counts (campaign_id, status, calls, answered, talk_seconds, cost)
    SELECT campaign_id, COALESCE(status, 0), count(*),
           SUM(CASE WHEN answered THEN 1 ELSE 0 END), COALESCE(SUM(duration), 0),
           COALESCE(SUM(cost), 0)
    FROM calls WHERE state = 'ended' AND campaign_id IS NOT NULL
    GROUP BY campaign_id, COALESCE(status, 0)
"""

# The step kinds whose transitions are answers: voicebox.calls.campaign_counts.ANSWER_KINDS.
_BRANCHES = {
    "sqlite": """
        INSERT INTO campaign_branch_counts (campaign_id, state, transition, calls)
        SELECT calls.campaign_id, CAST(json_extract(step.value, '$.state') AS TEXT),
               CAST(json_extract(step.value, '$.transition') AS TEXT), count(*)
        FROM calls, json_each(calls.trace) AS step
        WHERE calls.state = 'ended' AND calls.campaign_id IS NOT NULL
          AND json_type(calls.trace) = 'array'
          AND json_extract(step.value, '$.kind') = 'IVR'
          AND json_extract(step.value, '$.transition') IS NOT NULL
        GROUP BY 1, 2, 3
    """,
    "postgresql": """
        INSERT INTO campaign_branch_counts (campaign_id, state, transition, calls)
        SELECT calls.campaign_id, step ->> 'state', step ->> 'transition', count(*)
        FROM calls CROSS JOIN LATERAL json_array_elements(
            CASE WHEN json_typeof(calls.trace) = 'array' THEN calls.trace ELSE '[]'::json END
        ) AS step
        WHERE calls.state = 'ended' AND calls.campaign_id IS NOT NULL
          AND step ->> 'kind' = 'IVR' AND step ->> 'transition' IS NOT NULL
        GROUP BY 1, 2, 3
    """,
}


def upgrade() -> None:
    op.create_table(
        "campaign_outcome_counts",
        _campaign(),
        sa.Column("status", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("answered", sa.BigInteger(), nullable=False),
        sa.Column("talk_seconds", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Numeric(18, 4), nullable=False),
    )
    op.create_table(
        "campaign_branch_counts",
        _campaign(),
        sa.Column("state", sa.Text(), primary_key=True),
        sa.Column("transition", sa.Text(), primary_key=True),
        sa.Column("calls", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_calls_campaign_unended", "calls", ["campaign_id"],
                    sqlite_where=UNENDED, postgresql_where=UNENDED)
    op.execute(_OUTCOMES)
    op.execute(_BRANCHES[op.get_bind().dialect.name])


def downgrade() -> None:
    op.drop_index("ix_calls_campaign_unended", table_name="calls")
    op.drop_table("campaign_branch_counts")
    op.drop_table("campaign_outcome_counts")
