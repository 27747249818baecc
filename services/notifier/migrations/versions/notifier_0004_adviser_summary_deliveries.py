"""adviser summary deliveries

A delivery is a learner's digest or alert, or an adviser's weekly summary: learner_id becomes
optional and adviser_id is added.

Revision ID: notifier_0004
Revises: notifier_0003
Create Date: 2026-11-28 13:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "notifier_0004"
down_revision = "notifier_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adviser_id", sa.Integer(), nullable=True))
        batch_op.alter_column("learner_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE learner_id IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("learner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("adviser_id")
