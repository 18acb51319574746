"""The one aggregation of support actions: totals per category for a unit subtree and a date range.

Everything that reports figures (the running total after saving, /totals, digests, exports, the
figures frozen at submission) calls `compute_totals`, so every number a user sees is counted the
same way: current versions only, the unit and everything under it, dates inclusive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, type_coerce
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from bot.services import rollup as _rollup  # noqa: F401  (registers the listener that keeps the rollup)
from db.models import ActionStatus, Category, Organisation, SupportAction, SupportMonthTotal, Unit


@dataclass
class CategoryTotal:
    """Sums for one category. Quantities are kept per unit code: 14 con and 250 kg do not add up."""

    category: str
    records: int = 0
    households: int = 0
    persons: int = 0
    value_dong: int = 0
    quantities: dict[str, Decimal] = field(default_factory=dict)
    subtypes: dict[str, Decimal] = field(default_factory=dict)  # e.g. housing: {"new": 11, "repair": 10}

    @property
    def quantity(self) -> Decimal | None:
        """The quantity when it is in a single unit, else None (show `quantities` instead)."""
        return next(iter(self.quantities.values())) if len(self.quantities) == 1 else None

    @property
    def quantity_unit(self) -> str | None:
        return next(iter(self.quantities)) if len(self.quantities) == 1 else None


def subtree_unit_ids(session: Session, *, root: Unit) -> list[int]:
    """Ids of a unit and every unit under it (materialised path prefix, indexed)."""
    return [int(i) for i in session.exec(select(Unit.id).where(col(Unit.path).startswith(root.path))).all()
            if i is not None]


def _id_of(model: type[Organisation] | type[Category], code: str) -> Any:
    """The id of a catalogue entry by code, as a subquery (filters take codes, rows hold ids)."""
    return sa_select(col(model.id)).where(col(model.code) == code).scalar_subquery()


def _filters(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None,
             category_code: str | None) -> list[Any]:
    """The WHERE clause shared by totals and the records behind them, so both always agree."""
    conditions: list[Any] = [col(SupportAction.status) == ActionStatus.CURRENT,
                             col(SupportAction.unit_id).in_(subtree_unit_ids(session, root=unit)),
                             col(SupportAction.action_date) >= start, col(SupportAction.action_date) <= end]
    if organisation_code is None:
        # A distribution two organisations both reported (confirmed duplicate) counts once in totals;
        # filtered by organisation, each keeps the credit for its own report.
        conditions.append(or_(col(SupportAction.duplicate_status).is_(None),
                              col(SupportAction.duplicate_status) != "confirmed"))
    else:
        conditions.append(col(SupportAction.organisation_id) == _id_of(Organisation, organisation_code))
    if category_code is not None:
        conditions.append(col(SupportAction.category_id) == _id_of(Category, category_code))
    return conditions


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """[first, following) of the calendar months lying entirely inside [start, end], or None if there are none."""
    first = start if start.day == 1 else _next_month(start)
    following = _next_month(end) if (end + timedelta(days=1)).day == 1 else end.replace(day=1)
    return (first, following) if first < following else None


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def compute_totals(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None = None,
                   category_code: str | None = None) -> dict[str, CategoryTotal]:
    """Totals per category code for `unit`'s subtree between `start` and `end` (inclusive).

    Confirmed duplicates (see bot/services/duplicates.py) are left out unless an organisation is given.

    The calendar months lying wholly inside the range are read from the monthly rollup
    (`support_month_total`, kept by bot/services/rollup.py in the transaction of every change), the
    days of the partial months at either edge from the raw records with the same `_filters` as
    `records_behind`. The rollup holds exactly the sums of the raw rows per month, so the result is
    the same as summing every raw row (tests/unit/test_rollup.py checks it on SQLite and PostgreSQL),
    while a district's year reads a few thousand rollup rows instead of ~300,000 records.
    """
    months = whole_months(start, end)
    raw_ranges = [(start, end)] if months is None else [
        (a, b) for a, b in ((start, months[0] - timedelta(days=1)), (months[1], end)) if a <= b]
    rows: list[tuple[Any, ...]] = []
    for range_start, range_end in raw_ranges:
        rows += _raw_rows(session, unit=unit, start=range_start, end=range_end, organisation_code=organisation_code,
                          category_code=category_code)
    if months is not None:
        rows += _rollup_rows(session, unit=unit, first=months[0], following=months[1],
                             organisation_code=organisation_code, category_code=category_code)
    totals: dict[str, CategoryTotal] = defaultdict(lambda: CategoryTotal(category=""))
    for code, unit_code, subtype, records, households, persons, quantity, value in rows:
        total = totals[code]
        total.category = code
        total.records += int(records)
        total.households += int(households)
        total.persons += int(persons)
        total.value_dong += int(value)
        if quantity is not None and unit_code is not None:
            total.quantities[unit_code] = total.quantities.get(unit_code, Decimal(0)) + Decimal(quantity)
        if subtype is not None:
            total.subtypes[subtype] = total.subtypes.get(subtype, Decimal(0)) + Decimal(quantity or 0)
    return dict(totals)


def _raw_rows(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None,
              category_code: str | None) -> list[tuple[Any, ...]]:
    """(category, quantity unit, subtype, records, households, persons, quantity or None, value) from records."""
    conditions = _filters(session, unit=unit, start=start, end=end, organisation_code=organisation_code,
                          category_code=category_code)
    return [tuple(row) for row in session.execute(
        sa_select(col(Category.code), col(SupportAction.quantity_unit), col(SupportAction.subtype),
                  func.count(col(SupportAction.id)), func.coalesce(func.sum(SupportAction.households), 0),
                  func.coalesce(func.sum(SupportAction.persons), 0), func.sum(SupportAction.quantity),
                  func.coalesce(func.sum(SupportAction.value_dong), 0))
        .join(Category, col(Category.id) == SupportAction.category_id)
        .where(*conditions)
        .group_by(col(Category.code), col(SupportAction.quantity_unit), col(SupportAction.subtype))).all()]


def _rollup_rows(session: Session, *, unit: Unit, first: date, following: date, organisation_code: str | None,
                 category_code: str | None) -> list[tuple[Any, ...]]:
    """The same rows as `_raw_rows` for the whole months [first, following), from the rollup.

    The conditions mirror `_filters`: counted_once stands for its duplicate rule; "" stands for none.
    """
    rollup = SupportMonthTotal
    conditions: list[Any] = [col(rollup.unit_id).in_(subtree_unit_ids(session, root=unit)),
                             col(rollup.month) >= first, col(rollup.month) < following, col(rollup.records) > 0]
    if organisation_code is None:
        conditions.append(col(rollup.counted_once).is_(True))
    else:
        conditions.append(col(rollup.organisation_id) == _id_of(Organisation, organisation_code))
    if category_code is not None:
        conditions.append(col(rollup.category_id) == _id_of(Category, category_code))
    # Grouping by (unit, month, …) first follows the rollup's primary key, so SQLite aggregates while
    # reading the key range instead of sorting every row; the outer query adds up a few hundred rows.
    per_month = (sa_select(col(rollup.category_id), col(rollup.quantity_unit), col(rollup.subtype),
                           func.sum(rollup.records).label("records"), func.sum(rollup.households).label("households"),
                           func.sum(rollup.persons).label("persons"), func.sum(rollup.quantity).label("quantity"),
                           func.sum(rollup.quantity_records).label("quantity_records"),
                           func.sum(rollup.value_dong).label("value_dong"))
                 .where(*conditions)
                 .group_by(col(rollup.unit_id), col(rollup.month), col(rollup.category_id), col(rollup.quantity_unit),
                           col(rollup.subtype))).subquery()
    rows = session.execute(
        sa_select(col(Category.code), per_month.c.quantity_unit, per_month.c.subtype, func.sum(per_month.c.records),
                  func.sum(per_month.c.households), func.sum(per_month.c.persons),
                  type_coerce(func.sum(per_month.c.quantity), rollup.__table__.c.quantity.type),  # type: ignore[attr-defined]
                  func.sum(per_month.c.quantity_records), func.sum(per_month.c.value_dong))
        .join(Category, col(Category.id) == per_month.c.category_id)
        .group_by(col(Category.code), per_month.c.quantity_unit, per_month.c.subtype)).all()
    return [(code, unit_code or None, subtype or None, records, households, persons,
             quantity if quantity_records else None, value)
            for code, unit_code, subtype, records, households, persons, quantity, quantity_records, value in rows]


def records_behind(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None = None,
                   category_code: str | None = None, offset: int = 0, limit: int = 10,
                   ) -> tuple[int, Sequence[SupportAction]]:
    """The records a totals line is made of (newest first, a page at a time) and how many there are."""
    conditions = _filters(session, unit=unit, start=start, end=end, organisation_code=organisation_code,
                          category_code=category_code)
    count = session.execute(sa_select(func.count(col(SupportAction.id))).where(*conditions)).scalar_one()
    page = session.exec(select(SupportAction).where(*conditions)
                        .order_by(col(SupportAction.action_date).desc(), col(SupportAction.id).desc())
                        .offset(offset).limit(limit)).all()
    return int(count), page
