"""digest schedules per supervising unit; covering index for totals by unit and date

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTALS_COLUMNS = ["status", "unit_id", "category_id", "action_date", "organisation_id", "duplicate_status",
                  "quantity_unit", "subtype", "households", "persons", "quantity", "value_dong"]


def upgrade() -> None:
    op.create_table(
        "digest_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("period_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id"),
    )
    op.create_index("ix_support_action_unit_date_totals", "support_action", TOTALS_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_support_action_unit_date_totals", table_name="support_action")
    op.drop_table("digest_schedule")
