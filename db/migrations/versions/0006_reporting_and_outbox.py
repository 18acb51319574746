"""reporting periods, expected units, submissions, targets (the reporting cycle); persistent outbox and its lease

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_lease',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('parse_mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('reply_markup', sa.JSON(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', name='uq_outbox_message_key')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('reporting_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('remind_days', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'name', name='uq_reporting_period_unit_name')
    )
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_period_unit_id'), ['unit_id'], unique=False)

    op.create_table('reporting_expected',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_id', 'unit_id', name='uq_reporting_expected')
    )
    with op.batch_alter_table('reporting_expected', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_expected_period_id'), ['period_id'], unique=False)

    op.create_table('reporting_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target', sa.Numeric(precision=18, scale=3), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], ),
    sa.ForeignKeyConstraint(['set_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_id', 'unit_id', 'category_code', 'measure', name='uq_reporting_target')
    )
    with op.batch_alter_table('reporting_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_target_period_id'), ['period_id'], unique=False)

    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_period.id'], ),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_id', 'unit_id', 'version', name='uq_submission_version')
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_unit_id'))
        batch_op.drop_index(batch_op.f('ix_submission_period_id'))

    op.drop_table('submission')
    with op.batch_alter_table('reporting_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_target_period_id'))

    op.drop_table('reporting_target')
    with op.batch_alter_table('reporting_expected', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_expected_period_id'))

    op.drop_table('reporting_expected')
    with op.batch_alter_table('reporting_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_period_unit_id'))

    op.drop_table('reporting_period')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')

    op.drop_table('outbox_message')
    op.drop_table('outbox_lease')
