"""record questions: a supervisor sends a doubtful record back to its author with a question

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

One row per question ("❓ Hỏi lại"). It stays `open` until the author (or an officer of the record's
unit) answers it (`answered`: the figures are right, or a typed reply), or the record is corrected or
voided (`closed`). `unit_id` is the record's unit, copied so that "open questions under this unit"
(/status, digests) is one indexed match without joining the records. The texts live only here: the
audit trail refers to the row, so a household name typed into a question never reaches the audit
details. Nothing exists before this revision, so the table starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("support_action.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="open"),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.String(length=500), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_action_id", sa.Integer(), sa.ForeignKey("support_action.id"), nullable=True),
    )
    op.create_index("ix_record_question_action", "record_question", ["action_id"])
    op.create_index("ix_record_question_open", "record_question", ["status", "unit_id"])


def downgrade() -> None:
    op.drop_index("ix_record_question_open", table_name="record_question")
    op.drop_index("ix_record_question_action", table_name="record_question")
    op.drop_table("record_question")
