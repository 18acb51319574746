"""unit merges: inactive units kept for history, and the unit a record was first logged under

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

Since the 2025 reform communes were merged: a merge file moves the records, households, people,
targets and periods of the old units to the new one (bot/domain/services/unit_merges.py). The old units
stay, switched off (`active` false, `merged_into_id`, `merged_on` the effective date), so history and
the audit trail keep their names; a moved record keeps the unit it was logged under in
`origin_unit_id` (NULL: never moved), which the drill-down names. Plain integers without foreign keys:
they are history, written once by the merge, and SQLite cannot add a referencing column in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN, never a batch rebuild (other tables reference unit and support_action).
    op.add_column("unit", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("unit", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.add_column("unit", sa.Column("merged_on", sa.Date(), nullable=True))
    op.add_column("support_action", sa.Column("origin_unit_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("support_action", "origin_unit_id")
    op.drop_column("unit", "merged_on")
    op.drop_column("unit", "merged_into_id")
    op.drop_column("unit", "active")
