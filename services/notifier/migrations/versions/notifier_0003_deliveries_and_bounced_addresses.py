"""deliveries and bounced addresses

deliveries: one row per digest or alert (claimed before the send, completed after it), so a
task run twice or a duplicate event never sends a second message; bounced_addresses: hashes of
addresses refused for good (5xx), never mailed again.

Revision ID: notifier_0003
Revises: notifier_0002
Create Date: 2026-12-01 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db


revision = "notifier_0003"
down_revision = "notifier_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("digest_id", sa.String(length=128), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("course_ids", sa.JSON(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("claimed_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest_id"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_learner_id_claimed_at", ["learner_id", "claimed_at"], unique=False
        )

    op.create_table(
        "bounced_addresses",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("smtp_code", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("bounced_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_hash"),
    )
    with op.batch_alter_table("bounced_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bounced_addresses_learner_id"), ["learner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("bounced_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bounced_addresses_learner_id"))

    op.drop_table("bounced_addresses")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_learner_id_claimed_at")

    op.drop_table("deliveries")
