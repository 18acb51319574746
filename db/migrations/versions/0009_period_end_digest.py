"""period-end digest: a per-unit switch on digest_schedule and a once-only claim on reporting_period

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

`closing_digest_enabled` defaults to true on the server too, so existing schedules get the period-end
digest without a data step. `closing_digest_sent_at` starts empty: periods already past their due date
are kept from being sent by the age limit in bot/services/digests.py, not by this migration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digest_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closing_digest_enabled", sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table("reporting_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closing_digest_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reporting_period", schema=None) as batch_op:
        batch_op.drop_column("closing_digest_sent_at")
    with op.batch_alter_table("digest_schedule", schema=None) as batch_op:
        batch_op.drop_column("closing_digest_enabled")
