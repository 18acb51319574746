"""poverty review: the annual review's figures per unit and year, and targets in the same terms

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

`poverty_review` keeps every version of a unit's review figures for a year and stage (the annual
review, or an update during the year); a correction inserts the next version and marks the old one
superseded. `poverty_target` holds a unit's yearly target: a fall of the poverty rate in percentage
points or of the number of poor households. Nothing exists before this revision: both start empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPTIONAL = ("total_start", "poor_start", "near_poor_start", "poor_persons", "near_poor_persons", "escaped",
            "fell_back", "new_poor", "escaped_near")


def upgrade() -> None:
    op.create_table(
        "poverty_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_households", sa.Integer(), nullable=False),
        sa.Column("poor", sa.Integer(), nullable=False),
        sa.Column("near_poor", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in OPTIONAL),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_id", "year", "stage", "version", name="uq_poverty_review_version"),
    )
    op.create_index("ix_poverty_review_lookup", "poverty_review", ["status", "year", "unit_id"])
    op.create_table(
        "poverty_target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_id", "year", "kind", name="uq_poverty_target"),
    )


def downgrade() -> None:
    op.drop_table("poverty_target")
    op.drop_index("ix_poverty_review_lookup", table_name="poverty_review")
    op.drop_table("poverty_review")
