"""learners queued for rescoring

queued_rescores holds the learners whose top suggestions a consumer with a backlog of events
left to the `recommender.rescore_queued` task instead of computing them one event at a time.

Revision ID: recommender_0007
Revises: recommender_0006
Create Date: 2026-11-29 04:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db


revision = "recommender_0007"
down_revision = "recommender_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_rescores",
        sa.Column("learner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("queued_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("learner_id"),
    )
    op.create_index("ix_queued_rescores_queued_at", "queued_rescores", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_queued_rescores_queued_at", table_name="queued_rescores")
    op.drop_table("queued_rescores")
