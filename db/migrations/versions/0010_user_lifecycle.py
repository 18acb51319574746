"""user lifecycle: why and when a user was made inactive, their last activity; revoked invites

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

`deactivated_reason` tells a user who blocked the bot ("blocked": active again at their next /start)
from one a supervisor or operator removed ("removed": needs a new invite). Before this revision the
only way to become inactive was the outbox marking a user who blocked the bot, so existing inactive
users are marked "blocked".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deactivated_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_app_user_deactivated_by", "app_user", ["deactivated_by_id"], ["id"])
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_invite_revoked_by", "app_user", ["revoked_by_id"], ["id"])
    app_user = sa.table("app_user", sa.column("active", sa.Boolean()),
                        sa.column("deactivated_reason", sa.String(length=16)))
    op.execute(app_user.update().where(app_user.c.active.is_(sa.false())).values(deactivated_reason="blocked"))


def downgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invite_revoked_by", type_="foreignkey")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_app_user_deactivated_by", type_="foreignkey")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("deactivated_by_id")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("deactivated_reason")
