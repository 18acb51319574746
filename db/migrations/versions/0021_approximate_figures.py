"""approximate figures: a record whose figures were written as an approximation

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-06

Reports write "hơn 3 tỷ", "trên 36,5 tỷ", "gần 200 hộ", "khoảng", "ước": the figure is kept and the record
marked, so the card, /history and the export show it with ≈ and nobody signs it as an exact count. Existing
records are exact as far as anyone said.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN, never a batch rebuild: rebuilding support_action drops a table that
    # other tables reference, which SQLite refuses while foreign keys are on.
    op.add_column("support_action",
                  sa.Column("approximate", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("support_action", "approximate")
