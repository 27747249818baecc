"""learners' best routes

learner_routes keeps each learner's best route to their goal as last planned (so
recommender.routes.updated goes out only when it changes); learner_route_steps says which
courses it uses, so a course change finds the learners it concerns.

Revision ID: recommender_0006
Revises: recommender_0005
Create Date: 2026-11-28 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db


revision = "recommender_0006"
down_revision = "recommender_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learner_routes",
        sa.Column("learner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("course_ids", sa.JSON(), nullable=False),
        sa.Column("months", sa.Float(), nullable=True),
        sa.Column("cost_pence", sa.Integer(), nullable=True),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("learner_id"),
    )
    op.create_index("ix_learner_routes_target", "learner_routes", ["target"])
    op.create_table(
        "learner_route_steps",
        sa.Column("learner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "course_id"),
    )
    op.create_index("ix_learner_route_steps_course_id", "learner_route_steps", ["course_id"])


def downgrade() -> None:
    op.drop_index("ix_learner_route_steps_course_id", table_name="learner_route_steps")
    op.drop_table("learner_route_steps")
    op.drop_index("ix_learner_routes_target", table_name="learner_routes")
    op.drop_table("learner_routes")
