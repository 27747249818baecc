"""action plans and console visits

The adviser console's action plan (dated entries per learner) and each adviser's last visit to
a learner's page (with the routes seen then, so the next visit can say they changed).

Revision ID: profile_0003
Revises: profile_0002
Create Date: 2026-11-28 13:20:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db

revision = "profile_0003"
down_revision = "profile_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_plan_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("adviser_id", sa.Integer(), nullable=True),
        sa.Column("adviser_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adviser_id"], ["advisers.id"],
            name=op.f("fk_action_plan_entries_adviser_id_advisers"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"],
            name=op.f("fk_action_plan_entries_learner_id_learners"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plan_entries")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_action_plan_entries_learner_id"), "action_plan_entries", ["learner_id"]
    )
    op.create_table(
        "console_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adviser_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("routes_seen", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adviser_id"], ["advisers.id"],
            name=op.f("fk_console_visits_adviser_id_advisers"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"],
            name=op.f("fk_console_visits_learner_id_learners"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_visits")),
        sa.UniqueConstraint(
            "adviser_id", "learner_id", name=op.f("uq_console_visits_adviser_id_learner_id")
        ),
    )  # fmt: skip
    op.create_index(op.f("ix_console_visits_adviser_id"), "console_visits", ["adviser_id"])
    op.create_index(op.f("ix_console_visits_learner_id"), "console_visits", ["learner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_visits_learner_id"), table_name="console_visits")
    op.drop_index(op.f("ix_console_visits_adviser_id"), table_name="console_visits")
    op.drop_table("console_visits")
    op.drop_index(op.f("ix_action_plan_entries_learner_id"), table_name="action_plan_entries")
    op.drop_table("action_plan_entries")
