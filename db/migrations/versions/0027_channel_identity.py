"""channel identity: people on a second channel (Zalo) and the numeric id the bot knows them by

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-06

`channel_identity` maps a channel and the person's id there (a string on Zalo) to a row whose key, put
above 2**53, is the numeric id used wherever a Telegram id would be; `screen` keeps the last screen with
choices sent to the person, so a typed choice survives a restart. It starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("screen", sa.Text(), nullable=True),
        sa.UniqueConstraint("channel", "external_id", name="uq_channel_identity_external"),
    )


def downgrade() -> None:
    op.drop_table("channel_identity")
