"""The area rollup table, in a module of its own because db/models.py is at the size limit.

Imported by db/migrations/env.py and by bot/domain/services/rollup.py, so it is on `SQLModel.metadata`
wherever the schema is compared or the rollup kept.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field

from db.models import RollupFigures

MONTH, DAY = "M", "D"  # SupportAreaTotal.grain


class SupportAreaTotal(RollupFigures, table=True):
    """Rollup of current support actions over all organisations (each distribution once) per AREA: a
    unit together with everything under it. Every record adds to the rows of its own unit and of each
    unit above it (its materialised path), per month (grain "M") and per day (grain "D").

    Why: an unfiltered total of a unit read the per-unit rows of every unit of its subtree, so a
    country-wide year summed ~600,000 rows of 3,300 communes (0.6 s, and 2.4 s for three years). Here
    it reads the country's own rows, a few hundred a year, whatever the size of the tree: the cost of a
    total no longer grows with the number of units under it. Per-organisation totals still read the
    per-unit `support_month_total` rows of the subtree.

    Kept like the other rollup tables (bot/domain/services/rollup.py: the same before_flush listener, one more
    INSERT … ON CONFLICT a flush, and `rebuild_rollup`); when units move (a new parent), the rows are
    recomputed from the per-unit tables (`rebuild_area_rollup`).
    """

    __tablename__ = "support_area_total"
    __table_args__ = ({"sqlite_with_rowid": False},)

    area_id: int = Field(primary_key=True)  # the unit whose subtree the row sums
    grain: str = Field(primary_key=True, max_length=1)  # MONTH or DAY
    period: date = Field(primary_key=True)  # the first day of the month, or the day
    category_id: int = Field(primary_key=True)
    quantity_unit: str = Field(default="", primary_key=True, max_length=32)
    subtype: str = Field(default="", primary_key=True, max_length=64)
