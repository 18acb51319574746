"""household register; support actions link to households and to the record they duplicate

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("head_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("head_folded", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("village", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("classification", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "code", name="uq_household_unit_code"),
    )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_head_folded"), ["head_folded"], unique=False)
    with op.batch_alter_table("support_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_status", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=True))
        batch_op.create_index(batch_op.f("ix_support_action_household_id"), ["household_id"], unique=False)
        batch_op.create_foreign_key("fk_support_action_household", "household", ["household_id"], ["id"])
        batch_op.create_foreign_key("fk_support_action_duplicate_of", "support_action", ["duplicate_of_id"],
                                    ["id"])


def downgrade() -> None:
    with op.batch_alter_table("support_action", schema=None) as batch_op:
        batch_op.drop_constraint("fk_support_action_duplicate_of", type_="foreignkey")
        batch_op.drop_constraint("fk_support_action_household", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_support_action_household_id"))
        batch_op.drop_column("duplicate_status")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("household_id")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_head_folded"))
        batch_op.drop_index(batch_op.f("ix_household_unit_id"))
    op.drop_table("household")
