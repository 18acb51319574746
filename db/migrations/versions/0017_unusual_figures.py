"""unusual figures: a record whose figures were far outside the usual and saved anyway

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30

Before ✅ the card warns when a ratio of the figures (kg per household, value per gift…) is far outside
what the unit and its province usually record. The officer may fix it or confirm it; a confirmed one is
marked here so the supervisor can look at it (drill-down, history, digest). Existing records are not
marked: nobody was asked about them. The partial index serves the digest's count of marked records of a
subtree (almost no record is marked, so the index stays tiny).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN, never a batch rebuild: rebuilding support_action drops a table that
    # other tables reference, which SQLite refuses while foreign keys are on.
    op.add_column("support_action",
                  sa.Column("unusual_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index("ix_support_action_unusual", "support_action", ["unit_id"], unique=False,
                    sqlite_where=sa.text("unusual_confirmed"), postgresql_where=sa.text("unusual_confirmed"))


def downgrade() -> None:
    op.drop_index("ix_support_action_unusual", table_name="support_action")
    op.drop_column("support_action", "unusual_confirmed")
