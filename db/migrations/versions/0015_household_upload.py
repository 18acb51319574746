"""household upload: a checked review list waiting for ✅ Import, kept out of bot_state

Revision ID: 0015
Revises: 0011
Create Date: 2026-11-30

A 50,000-row list is megabytes of JSON: kept in the conversation's user_data it would be rewritten to
bot_state on every update of that user. One row per upload instead; the button carries only its id.
Uploads older than a day are deleted at the next upload.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "household_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
    )
    op.create_index("ix_household_upload_created_at", "household_upload", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_household_upload_created_at", table_name="household_upload")
    op.drop_table("household_upload")
