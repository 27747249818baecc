"""labour-market areas

labour_market_areas: each LEP or city region of the labour-market signals, with the pin that
places it (lep_locations.csv), so other services can find a place's area as its nearest pin.

Revision ID: catalogue_0004
Revises: catalogue_0003
Create Date: 2026-11-28 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "catalogue_0004"
down_revision = "catalogue_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labour_market_areas",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("pin", sa.String(length=80), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_labour_market_areas")),
    )


def downgrade() -> None:
    op.drop_table("labour_market_areas")
