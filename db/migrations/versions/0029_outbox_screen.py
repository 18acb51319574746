"""outbox screen: a message sent later is stored as the screen it shows (plain JSON), rendered at send time

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06

`outbox_message.screen` holds the body's spans and the buttons as verb and values. Rows already waiting
keep their rendered `text`, `parse_mode` and `reply_markup` (Telegram keyboard JSON) and still go out as
they are: the sender renders a row's screen when it has one and sends the old columns otherwise.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("screen", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("screen")
