"""household erasure: when a household's personal details were erased, and which records named it

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30

`household.erased_at` marks a household whose head's name and notes were erased (Decree 13/2023): it
stays in the register with its code, village, classification and figures, and is shown as "details
erased". `support_action.household_erased` marks a record whose household name, note, photo and
location were erased with it, so the record still says it went to a household. Both start empty:
nothing is erased by the migration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("support_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_erased", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("support_action", schema=None) as batch_op:
        batch_op.drop_column("household_erased")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
