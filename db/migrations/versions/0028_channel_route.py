"""channel route: a linked person's own choice of where the bot's unasked messages go

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06

`channel_identity.route` is NULL (follow the channel the person used last, as before), "telegram", or the
account's own channel, which then takes reminders and digests whatever channel the person writes on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_identity") as batch:
        batch.add_column(sa.Column("route", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_identity") as batch:
        batch.drop_column("route")
