"""read-model stamps and learners' top courses

read_model_stamps: counters bumped in the same transaction as a change ("courses"), so every
serving process knows when its in-memory course index is stale with one primary-key read.
learner_top_courses: the top suggestions last announced per learner, so
`recommender.recommendations.updated` is published only when they change.

Revision ID: recommender_0004
Revises: recommender_0003
Create Date: 2026-11-28 00:40:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db


revision = "recommender_0004"
down_revision = "recommender_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamps = op.create_table(
        "read_model_stamps",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # seeded, so concurrent first changes only ever UPDATE the row (no insert race)
    op.bulk_insert(stamps, [{"name": "courses", "value": 0}])
    op.create_table(
        "learner_top_courses",
        sa.Column("learner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("course_ids", sa.JSON(), nullable=False),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("learner_id"),
    )


def downgrade() -> None:
    op.drop_table("learner_top_courses")
    op.drop_table("read_model_stamps")
