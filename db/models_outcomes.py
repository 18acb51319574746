"""The poverty review's figures (rà soát hộ nghèo, hộ cận nghèo) and the targets set in the same terms.

Why a table of its own: the review is the outcome the support is for, counted once a year per commune
(with optional quarterly or mid-year updates), not a support action. Rows never change in place: a
correction inserts the next version and marks the old one superseded, so the history stays and the
audit trail (bot/domain/audit.py) names who changed what. Figures are whole households and
persons; a rate is always computed from sums, never stored.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models import utcnow


class PovertyReview(SQLModel, table=True):
    """One unit's review figures for one year and stage ("year" = the annual review; "q1", "h1", "q3" =
    updates during the year). `status` is "current" or "superseded"; `version` counts corrections."""

    __tablename__ = "poverty_review"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "stage", "version", name="uq_poverty_review_version"),
        Index("ix_poverty_review_lookup", "status", "year", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    stage: str = Field(default="year", max_length=8)
    version: int = Field(default=1)
    status: str = Field(default="current", max_length=16)
    total_households: int
    poor: int
    near_poor: int
    total_start: int | None = Field(default=None)
    poor_start: int | None = Field(default=None)
    near_poor_start: int | None = Field(default=None)
    poor_persons: int | None = Field(default=None)
    near_poor_persons: int | None = Field(default=None)
    escaped: int | None = Field(default=None)
    fell_back: int | None = Field(default=None)
    new_poor: int | None = Field(default=None)
    escaped_near: int | None = Field(default=None)
    source: str = Field(default="form", max_length=16)  # form | line | sheet
    entered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class PovertyTarget(SQLModel, table=True):
    """A unit's target for a year: a fall of the poverty rate in percentage points ("giảm 3%",
    kind "rate") or of the number of poor households ("giảm 564 hộ", kind "households")."""

    __tablename__ = "poverty_target"
    __table_args__ = (UniqueConstraint("unit_id", "year", "kind", name="uq_poverty_target"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    year: int
    kind: str = Field(max_length=16)
    value: Decimal = Field(sa_type=Numeric(12, 2))
    set_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    set_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
