"""rollup: per measure, how many records gave it (households_records, persons_records, value_records)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

A sum over only some records ("410 hộ" when 2 of 6 gift records gave a household count) must say so in
a report, so the rollup counts, like `quantity_records` already does for quantities, the records that
gave each measure. The rollup is derived data: both tables are filled again from the records, with this
migration's own SQL (the same grouping as the rollup service at this revision, frozen here).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = ("households_records", "persons_records", "value_records")
TABLES = ("support_month_total", "support_day_total")
FIGURES = ("records", "households", "persons", "quantity", "quantity_records", "value_dong", *NEW_COLUMNS)
SUMS = ("COUNT(*), COALESCE(SUM(households), 0), COALESCE(SUM(persons), 0), COALESCE(SUM(quantity), 0), "
        "COUNT(quantity), COALESCE(SUM(value_dong), 0), COUNT(households), COUNT(persons), COUNT(value_dong)")
KIND = "COALESCE(quantity_unit, ''), COALESCE(subtype, '')"
CURRENT = "status = 'current'"
ONCE = "(duplicate_status IS NULL OR duplicate_status <> 'confirmed')"


def _refill(month: str) -> None:
    """Both rollup tables from support_action: per organisation, all organisations (organisation 0, each
    confirmed duplicate left out), and per day over all organisations."""
    figures = ", ".join(FIGURES)
    counted_once = "CASE WHEN duplicate_status = 'confirmed' THEN FALSE ELSE TRUE END"
    op.execute("DELETE FROM support_month_total")
    op.execute(
        "INSERT INTO support_month_total (organisation_id, unit_id, month, category_id, quantity_unit, subtype, "
        f"counted_once, {figures}) "
        f"SELECT organisation_id, unit_id, {month}, category_id, {KIND}, {counted_once}, {SUMS} "
        f"FROM support_action WHERE {CURRENT} "
        f"GROUP BY organisation_id, unit_id, {month}, category_id, {KIND}, {counted_once} "
        "UNION ALL "
        f"SELECT 0, unit_id, {month}, category_id, {KIND}, TRUE, {SUMS} "
        f"FROM support_action WHERE {CURRENT} AND {ONCE} "
        f"GROUP BY unit_id, {month}, category_id, {KIND}")
    op.execute("DELETE FROM support_day_total")
    op.execute(
        f"INSERT INTO support_day_total (unit_id, day, category_id, quantity_unit, subtype, {figures}) "
        f"SELECT unit_id, action_date, category_id, {KIND}, {SUMS} "
        f"FROM support_action WHERE {CURRENT} AND {ONCE} "
        f"GROUP BY unit_id, action_date, category_id, {KIND}")


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite ≥ 3.35): a batch copy would lose WITHOUT ROWID.
    for table in TABLES:
        for name in NEW_COLUMNS:
            op.add_column(table, sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    dialect = op.get_bind().dialect.name
    month = ("date(action_date, 'start of month')" if dialect == "sqlite"
             else "CAST(date_trunc('month', action_date) AS DATE)")
    _refill(month)


def downgrade() -> None:
    for table in TABLES:
        for name in NEW_COLUMNS:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
