"""route changes

The newest change to each learner's best route the recommender announced, so the adviser
console's caseload can flag learners whose routes changed since the adviser's last visit.

Revision ID: profile_0004
Revises: profile_0003
Create Date: 2026-11-28 18:40:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db

revision = "profile_0004"
down_revision = "profile_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "route_changes",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"],
            name=op.f("fk_route_changes_learner_id_learners"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", name=op.f("pk_route_changes")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("route_changes")
