"""the copy of the occupation taxonomy

occupation_views, occupation_skill_views, occupation_transition_views, occupation_demand_views
and labour_area_views hold the catalogue's taxonomy as GET /taxonomy/export answers it (for
reskilling routes and career-change suggestions); taxonomy_copy says which version they hold.

Revision ID: recommender_0005
Revises: recommender_0004
Create Date: 2026-11-28 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import shared.db


revision = "recommender_0005"
down_revision = "recommender_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taxonomy_copy",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("released_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("copied_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "occupation_views",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("isco_group", sa.String(length=4), nullable=False),
        sa.Column("technical_route", sa.String(length=80), nullable=True),
        sa.Column("typical_entry_level", sa.Integer(), nullable=True),
        sa.Column("job_zone", sa.Integer(), nullable=True),
        sa.Column("education_level", sa.Integer(), nullable=True),
        sa.Column("annual_earnings_gbp", sa.Float(), nullable=True),
        sa.Column("automation_risk", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "occupation_skill_views",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("uri", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code", "uri"),
    )
    op.create_table(
        "occupation_transition_views",
        sa.Column("from_code", sa.String(length=64), nullable=False),
        sa.Column("to_code", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("from_code", "to_code", "source"),
    )
    op.create_table(
        "occupation_demand_views",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=False),
        sa.Column("demand_index", sa.Float(), nullable=True),
        sa.Column("median_pay_gbp", sa.Float(), nullable=True),
        sa.Column("projected_change", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("code", "area"),
    )
    op.create_table(
        "labour_area_views",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("labour_area_views")
    op.drop_table("occupation_demand_views")
    op.drop_table("occupation_transition_views")
    op.drop_table("occupation_skill_views")
    op.drop_table("occupation_views")
    op.drop_table("taxonomy_copy")
