"""The rollup tables: derived sums of the support actions that `compute_totals` reads instead of the
records (kept by bot/domain/totals/rollup.py in the transaction of every change).

Imported by db/migrations/env.py and by bot/domain/totals/rollup.py, so it is on `SQLModel.metadata`
wherever the schema is compared or the rollup kept.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlmodel import Field, SQLModel


class RollupFigures(SQLModel):
    """The sums a rollup row holds (the two rollup tables below): what `compute_totals` adds up."""

    records: int = Field(default=0)
    households: int = Field(default=0, sa_type=BigInteger)
    persons: int = Field(default=0, sa_type=BigInteger)
    quantity: Decimal = Field(default=Decimal(0), sa_type=Numeric(24, 3))
    quantity_records: int = Field(default=0)
    value_dong: int = Field(default=0, sa_type=BigInteger)
    # How many of the records gave each measure (NULL is "not recorded", not 0): a sum over only some
    # records must say so in a report ("2/6 lượt có ghi số hộ: 410 hộ").
    households_records: int = Field(default=0)
    persons_records: int = Field(default=0)
    value_records: int = Field(default=0)


class SupportMonthTotal(RollupFigures, table=True):
    """Monthly rollup of current support actions (bot/domain/totals/rollup.py keeps it, compute_totals reads it).

    One row per organisation × unit × month × category × quantity unit × subtype × counted_once, with
    the sums `compute_totals` would compute from the raw rows of that month, plus, under
    organisation_id 0 (rollup.ALL_ORGANISATIONS), the same sums over all organisations with confirmed
    duplicates left out (what a total without an organisation filter reads). It is derived data: it
    is updated in the same transaction as every change of a support action, and `rebuild_rollup`
    recomputes it from scratch. No foreign keys, for that reason.

    - The grouping columns are the primary key, in the order the totals query reads them: it fixes the
      organisation (0 or one), seeks unit and month range, and groups by (unit, month, category,
      quantity unit, subtype), a prefix of the rest of the key, so SQLite aggregates while reading
      instead of sorting every row first. On SQLite the table is WITHOUT ROWID, so the key is the table
      itself (no lookups from an index into the table).
    - `quantity_unit` and `subtype` hold "" for none: a NULL in a unique key never conflicts (SQLite,
      PostgreSQL < 15), so `INSERT … ON CONFLICT DO UPDATE` could not find the row again.
    - `counted_once` is False for a confirmed duplicate (left out of totals unless filtered by organisation).
    - `quantity_records` counts the records with a quantity, so "no quantity" (NULL in a raw SUM) stays
      distinguishable from a sum of 0 after records are removed.
    """

    __tablename__ = "support_month_total"
    __table_args__ = ({"sqlite_with_rowid": False},)

    organisation_id: int = Field(primary_key=True)  # 0: all organisations, each distribution once
    unit_id: int = Field(primary_key=True)
    month: date = Field(primary_key=True)  # first day of the month
    category_id: int = Field(primary_key=True)
    quantity_unit: str = Field(default="", primary_key=True, max_length=32)
    subtype: str = Field(default="", primary_key=True, max_length=64)
    counted_once: bool = Field(default=True, primary_key=True)


class SupportDayTotal(RollupFigures, table=True):
    """Daily rollup of current support actions over all organisations, each distribution once.

    What `compute_totals` reads, without an organisation filter, for the days of a partial month at
    either edge of a range (bot/domain/totals/aggregate.py `reading_plan`): at most about half a month a side.
    A district's day is a few hundred rows here against about a thousand records on the benchmark's
    data, and they are read in key order without the records' index lookups. Kept like
    `SupportMonthTotal` (same listener, same rebuild), with the same conventions ("" for none).
    Per-organisation days are not kept: filtered by organisation, an edge reads few records.
    """

    __tablename__ = "support_day_total"
    __table_args__ = ({"sqlite_with_rowid": False},)

    unit_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    category_id: int = Field(primary_key=True)
    quantity_unit: str = Field(default="", primary_key=True, max_length=32)
    subtype: str = Field(default="", primary_key=True, max_length=64)


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

    Kept like the other rollup tables (bot/domain/totals/rollup.py: the same before_flush listener, one more
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
