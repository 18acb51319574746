"""household erasure: when a household's personal details were erased, and which records named it

Revision ID: 0011
Revises: 0010
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
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD/DROP COLUMN, never a batch rebuild: rebuilding support_action drops a table that
    # other tables reference, which SQLite refuses while foreign keys are on.
    op.add_column("household", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("support_action",
                  sa.Column("household_erased", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("support_action", "household_erased")
    op.drop_column("household", "erased_at")
