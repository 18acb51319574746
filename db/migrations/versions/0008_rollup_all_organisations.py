"""monthly rollup keyed by organisation first, with all-organisations rows (organisation_id 0); a daily
all-organisations rollup; an index for the unresolved double-count suspects

The rollup is derived data: the table is re-created with its new key order and filled again from the
records. The filling is this migration's own SQL, the computation `rebuild_rollup` did when this
revision was written, so that later changes to the service never change what this revision does.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    ("records", sa.Integer()), ("households", sa.BigInteger()), ("persons", sa.BigInteger()),
    ("quantity", sa.Numeric(precision=24, scale=3)), ("quantity_records", sa.Integer()),
    ("value_dong", sa.BigInteger()),
)


def _create(key: Sequence[str]) -> None:
    types = {"organisation_id": sa.Integer(), "unit_id": sa.Integer(), "month": sa.Date(),
             "category_id": sa.Integer(), "quantity_unit": sa.String(length=32), "subtype": sa.String(length=64),
             "counted_once": sa.Boolean()}
    op.create_table(
        "support_month_total",
        *(sa.Column(name, types[name], nullable=False) for name in key),
        *(sa.Column(name, kind, nullable=False) for name, kind in FIGURES),
        sa.PrimaryKeyConstraint(*key, name="pk_support_month_total"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    op.create_index("ix_support_action_duplicates", "support_action", ["duplicate_status", "unit_id"],
                    sqlite_where=sa.text("duplicate_status IS NOT NULL"),
                    postgresql_where=sa.text("duplicate_status IS NOT NULL"))
    op.drop_table("support_month_total")
    _create(("organisation_id", "unit_id", "month", "category_id", "quantity_unit", "subtype", "counted_once"))
    op.create_table(
        "support_day_total",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("quantity_unit", sa.String(length=32), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=False),
        *(sa.Column(name, kind, nullable=False) for name, kind in FIGURES),
        sa.PrimaryKeyConstraint("unit_id", "day", "category_id", "quantity_unit", "subtype",
                                name="pk_support_day_total"),
        sqlite_with_rowid=False,
    )
    _fill_from_records(op.get_bind().dialect.name)


# What a record adds to a rollup row; confirmed duplicates are left out of the all-organisations rows
# (organisation_id 0) and of the daily rows, and are marked counted_once false in their organisation's row.
_SUMS = """COUNT(*), COALESCE(SUM(households), 0), COALESCE(SUM(persons), 0), COALESCE(SUM(quantity), 0),
           COUNT(quantity), COALESCE(SUM(value_dong), 0)"""
_KIND = "COALESCE(quantity_unit, ''), COALESCE(subtype, '')"
_CURRENT = "status = 'current'"
_COUNTED_ONCE = "(duplicate_status IS NULL OR duplicate_status <> 'confirmed')"


def _fill_from_records(dialect: str) -> None:
    """Both rollup tables from the current records, one INSERT … SELECT each (SQLite and PostgreSQL)."""
    month = ("date(action_date, 'start of month')" if dialect == "sqlite"
             else "CAST(date_trunc('month', action_date) AS DATE)")
    counted_once = "CASE WHEN duplicate_status = 'confirmed' THEN FALSE ELSE TRUE END"
    figures = ", ".join(name for name, _ in FIGURES)
    op.execute(f"""
        INSERT INTO support_month_total (organisation_id, unit_id, month, category_id, quantity_unit, subtype,
                                         counted_once, {figures})
        SELECT organisation_id, unit_id, {month}, category_id, {_KIND}, {counted_once}, {_SUMS}
          FROM support_action WHERE {_CURRENT}
         GROUP BY organisation_id, unit_id, {month}, category_id, {_KIND}, {counted_once}
        UNION ALL
        SELECT 0, unit_id, {month}, category_id, {_KIND}, TRUE, {_SUMS}
          FROM support_action WHERE {_CURRENT} AND {_COUNTED_ONCE}
         GROUP BY unit_id, {month}, category_id, {_KIND}""")
    op.execute(f"""
        INSERT INTO support_day_total (unit_id, day, category_id, quantity_unit, subtype, {figures})
        SELECT unit_id, action_date, category_id, {_KIND}, {_SUMS}
          FROM support_action WHERE {_CURRENT} AND {_COUNTED_ONCE}
         GROUP BY unit_id, action_date, category_id, {_KIND}""")


def downgrade() -> None:
    op.drop_index("ix_support_action_duplicates", table_name="support_action")
    op.drop_table("support_day_total")
    # 0007's key order, keeping the rows per organisation (0007 has no all-organisations rows).
    columns = ", ".join(("organisation_id", "unit_id", "month", "category_id", "quantity_unit", "subtype",
                         "counted_once", *(name for name, _ in FIGURES)))
    op.execute(f"CREATE TABLE support_month_total_0007 AS SELECT {columns} FROM support_month_total "
               "WHERE organisation_id <> 0")
    op.drop_table("support_month_total")
    _create(("unit_id", "month", "category_id", "quantity_unit", "subtype", "organisation_id", "counted_once"))
    op.execute(f"INSERT INTO support_month_total ({columns}) SELECT {columns} FROM support_month_total_0007")
    op.drop_table("support_month_total_0007")
