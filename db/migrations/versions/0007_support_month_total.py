"""monthly rollup of support actions (support_month_total), filled from the existing records

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_month_total",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("quantity_unit", sa.String(length=32), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("counted_once", sa.Boolean(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("households", sa.BigInteger(), nullable=False),
        sa.Column("persons", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=24, scale=3), nullable=False),
        sa.Column("quantity_records", sa.Integer(), nullable=False),
        sa.Column("value_dong", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "month", "category_id", "quantity_unit", "subtype", "organisation_id",
                                "counted_once", name="pk_support_month_total"),
        sqlite_with_rowid=False,
    )
    # Filled from the existing records by 0008, which re-creates this table with its final key (calling
    # today's rebuild here would write rows for tables that do not exist yet at this revision).


def downgrade() -> None:
    op.drop_table("support_month_total")
