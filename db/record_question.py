"""The table of questions a supervisor sends back about a doubtful record (migration 0016).

Kept out of db/models.py (which is full) and registered on the same metadata: db/__init__.py imports
this module, so everything that loads the models loads this table too.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel


class QuestionStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"  # the author (or the unit) confirmed the figures or replied
    CLOSED = "closed"  # the record was corrected or voided


class QuestionOutcome(enum.StrEnum):
    CONFIRMED = "confirmed"  # "✅ the figures are right", one tap
    REPLIED = "replied"
    CORRECTED = "corrected"
    VOIDED = "voided"


class RecordQuestion(SQLModel, table=True):
    """One "❓ Hỏi lại": who asked what about which record, and how it ended."""

    __tablename__ = "record_question"
    __table_args__ = (
        Index("ix_record_question_action", "action_id"),
        Index("ix_record_question_open", "status", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="support_action.id")
    unit_id: int = Field(foreign_key="unit.id")  # the record's unit (see the migration)
    asked_by_id: int = Field(foreign_key="app_user.id")
    asked_at: datetime = Field(sa_type=DateTime(timezone=True))
    question: str = Field(max_length=500)
    status: str = Field(default=QuestionStatus.OPEN, max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    answer: str | None = Field(default=None, max_length=500)
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    corrected_action_id: int | None = Field(default=None, foreign_key="support_action.id")
