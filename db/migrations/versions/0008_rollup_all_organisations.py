"""monthly rollup keyed by organisation first, with all-organisations rows (organisation_id 0); a daily
all-organisations rollup; an index for the unresolved double-count suspects

The rollup is derived data: the table is re-created with its new key order and filled again from the
records (the same computation the service uses as its safety net).

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
    # Both rollup tables from the existing records, with this revision's own SQL (the same grouping as the
    # rollup service at this revision; live code would write the columns of a later schema).
    dialect = op.get_bind().dialect.name
    month = ("date(action_date, 'start of month')" if dialect == "sqlite"
             else "CAST(date_trunc('month', action_date) AS DATE)")
    figures = ", ".join(name for name, _ in FIGURES)
    sums = ("COUNT(*), COALESCE(SUM(households), 0), COALESCE(SUM(persons), 0), COALESCE(SUM(quantity), 0), "
            "COUNT(quantity), COALESCE(SUM(value_dong), 0)")
    kind = "COALESCE(quantity_unit, ''), COALESCE(subtype, '')"
    counted_once = "CASE WHEN duplicate_status = 'confirmed' THEN FALSE ELSE TRUE END"
    once = "(duplicate_status IS NULL OR duplicate_status <> 'confirmed')"
    op.execute(
        "INSERT INTO support_month_total (organisation_id, unit_id, month, category_id, quantity_unit, subtype, "
        f"counted_once, {figures}) "
        f"SELECT organisation_id, unit_id, {month}, category_id, {kind}, {counted_once}, {sums} "
        "FROM support_action WHERE status = 'current' "
        f"GROUP BY organisation_id, unit_id, {month}, category_id, {kind}, {counted_once} "
        "UNION ALL "
        f"SELECT 0, unit_id, {month}, category_id, {kind}, TRUE, {sums} "
        f"FROM support_action WHERE status = 'current' AND {once} "
        f"GROUP BY unit_id, {month}, category_id, {kind}")
    op.execute(
        f"INSERT INTO support_day_total (unit_id, day, category_id, quantity_unit, subtype, {figures}) "
        f"SELECT unit_id, action_date, category_id, {kind}, {sums} "
        f"FROM support_action WHERE status = 'current' AND {once} "
        f"GROUP BY unit_id, action_date, category_id, {kind}")


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
