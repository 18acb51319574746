"""channel identity and file links: people on a second channel (Zalo), the numeric id the bot knows them by,
and files served by link to them

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-06

`channel_identity` maps a channel and the person's id there (a string on Zalo) to a row whose key, put
above 2**53, is the numeric id used wherever a Telegram id would be; `screen` keeps the last screen with
choices sent to the person, so a typed choice survives a restart. `file_link` keeps a file for a person
whose channel cannot carry files, served by the bot's web server under an unguessable token for 24 hours.
`channel_identity.user_id` and `channel_link_code` link a person's account on the second channel to
their existing user with a one-time code; `preferred` marks the linked account its person used last, where
what the bot sends on its own goes. All start empty.
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
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("preferred", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("channel", "external_id", name="uq_channel_identity_external"),
    )


    op.create_table(
        "file_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
    )
    op.create_index("ix_file_link_token", "file_link", ["token"], unique=True)
    op.create_table(
        "channel_link_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_channel_link_code_code", "channel_link_code", ["code"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_channel_link_code_code", table_name="channel_link_code")
    op.drop_table("channel_link_code")
    op.drop_index("ix_file_link_token", table_name="file_link")
    op.drop_table("file_link")
    op.drop_table("channel_identity")
