"""outbox parts: documents and photos with their bytes, and an index for sending a chat's rows in order

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30

Every bulk send (scheduled and period-end digests included) now goes through `outbox_message`. A
digest is three or more rows for one chat: its text, its XLSX and its chart. So a row gets a `kind`
(text, document, photo), the file's bytes (`payload`) and its `filename`; `text` is the caption of a
document or photo. The bytes are stored rather than rebuilt at sending time: a rebuilt digest would show
the figures of the moment it is finally sent rather than of the moment it was due, and the sender would
need the whole digest machinery. A digest's workbook and chart are tens to a few hundred kB, and the
sender drops them once the row is sent or given up.

`ix_outbox_message_chat` serves the claim's "no earlier unfinished row for this chat" check.
Existing rows are texts (the server default).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="text", nullable=False))
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("filename", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_outbox_message_chat", ["chat_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_chat")
        batch_op.drop_column("filename")
        batch_op.drop_column("payload")
        batch_op.drop_column("kind")
