"""The one aggregation of support actions: totals per category for a unit subtree and a date range.

Everything that reports figures (the running total after saving, /totals, digests, exports, the
figures frozen at submission) calls `compute_totals`, so every number a user sees is counted the
same way: current versions only, the unit and everything under it, dates inclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from bot.domain.totals.rollup import ALL_ORGANISATIONS
from db.models import ActionStatus, Category, Organisation, SupportAction, Unit
from db.models_rollup import DAY, MONTH, SupportAreaTotal, SupportMonthTotal


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
    # How many of `records` gave each measure: a sum over fewer than all of them is partial, and a
    # report must say so ("2/6 lượt có ghi số hộ: 410 hộ") instead of passing it off as the whole.
    households_records: int = 0
    persons_records: int = 0
    quantity_records: int = 0
    value_records: int = 0

    def recorded(self, measure: str) -> int:
        """How many records gave `measure` ("households", "persons", "quantity" or "value")."""
        return int(getattr(self, f"{measure}_records"))

    def is_partial(self, measure: str) -> bool:
        """True when some, but not all, of the records gave `measure`."""
        return 0 < self.recorded(measure) < self.records

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


def _id_of(model: type[Organisation] | type[Category], code: Any) -> Any:
    """The id of a catalogue entry by code (a string or a bound parameter), as a subquery (filters take
    codes, rows hold ids)."""
    return sa_select(col(model.id)).where(col(model.code) == code).scalar_subquery()


def record_conditions(*, unit_ids: Sequence[int], start: date, end: date, organisation_code: str | None,
                      category_code: str | None, counted_once: bool = True) -> list[Any]:
    """The WHERE clause of the records of a scope, shared by totals, the records behind them and the
    export's detail sheet, so all of them always agree. `counted_once=False` keeps confirmed duplicates
    (the detail sheet lists them, marked)."""
    conditions: list[Any] = [col(SupportAction.status) == ActionStatus.CURRENT,
                             col(SupportAction.unit_id).in_(unit_ids),
                             col(SupportAction.action_date) >= start, col(SupportAction.action_date) <= end]
    if organisation_code is None:
        if counted_once:
            # A distribution two organisations both reported (confirmed duplicate) counts once in totals;
            # filtered by organisation, each keeps the credit for its own report.
            conditions.append(or_(col(SupportAction.duplicate_status).is_(None),
                                  col(SupportAction.duplicate_status) != "confirmed"))
    else:
        conditions.append(col(SupportAction.organisation_id) == _id_of(Organisation, organisation_code))
    if category_code is not None:
        conditions.append(col(SupportAction.category_id) == _id_of(Category, category_code))
    return conditions


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


DayRange = tuple[date, date]  # inclusive


@dataclass(frozen=True)
class ReadingPlan:
    """How `compute_totals` reads a date range: months from the rollup, days from the records.

    `months` is [first, following) of the calendar months read from the rollup, `added` the day
    ranges summed from the records on top, `subtracted` the day ranges summed from the records and
    taken off again (days of a rollup month that lie outside the range). Together they count every
    day of the range exactly once and no other day.
    """

    months: tuple[date, date] | None
    added: tuple[DayRange, ...]
    subtracted: tuple[DayRange, ...]


def reading_plan(start: date, end: date) -> ReadingPlan:
    """Whole months from the rollup; an edge month covered for more than half its days also from the
    rollup, minus its days outside the range; an edge month covered for half or less from its records.

    So the records read are at most about half a month at each edge, whatever the range: 2 Jan … 30
    Dec reads the year's rollup minus 1 Jan and 31 Dec, not January and December record by record.
    """
    first_month, last_month = start.replace(day=1), end.replace(day=1)
    last_day = _next_month(last_month) - timedelta(days=1)

    def from_rollup(month: date, covered: DayRange) -> bool:
        days_in_month = (_next_month(month) - month).days
        return 2 * ((covered[1] - covered[0]).days + 1) > days_in_month

    head: DayRange = (start, min(end, _next_month(first_month) - timedelta(days=1)))
    tail: DayRange = (max(start, last_month), end)
    head_from_rollup = from_rollup(first_month, head)
    tail_from_rollup = head_from_rollup if first_month == last_month else from_rollup(last_month, tail)
    first = first_month if head_from_rollup else _next_month(first_month)
    following = _next_month(last_month) if tail_from_rollup else last_month
    months = (first, following) if first < following else None
    added: list[DayRange] = []
    subtracted: list[DayRange] = []
    if months is None:
        added.append((start, end))
        return ReadingPlan(months=None, added=tuple(added), subtracted=())
    if head_from_rollup and start > first_month:
        subtracted.append((first_month, start - timedelta(days=1)))
    if not head_from_rollup:
        added.append(head)
    if tail_from_rollup and end < last_day:
        subtracted.append((end + timedelta(days=1), last_day))
    if not tail_from_rollup and last_month != first_month:
        added.append(tail)
    return ReadingPlan(months=months, added=tuple(added), subtracted=tuple(subtracted))


# (category code, quantity unit or None, subtype or None) -> [records, households, persons, quantity,
# records with a quantity, value, records with households, with persons, with a value]
_Sums = dict[tuple[str, str | None, str | None], list[Any]]


def compute_totals(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None = None,
                   category_code: str | None = None) -> dict[str, CategoryTotal]:
    """Totals per category code for `unit`'s subtree between `start` and `end` (inclusive).

    Confirmed duplicates (see bot/domain/records/duplicates.py) are left out unless an organisation is given.

    The range is read as `reading_plan` says: calendar months from a monthly rollup and a few days at
    the edges, added or subtracted, from a daily one, all kept by bot/domain/totals/rollup.py in the
    transaction of every change. Without an organisation filter both come from the area rollup
    (`support_area_total`: the unit's whole subtree in its own rows, so the cost does not grow with the
    units under it); filtered by organisation, the months come from `support_month_total` over the
    subtree's units and the edge days from the raw records with the same `record_conditions` as
    `records_behind`. The rollup holds
    exactly the sums of the raw rows, so the result is the same as summing every raw row
    (tests/unit/test_rollup.py checks it on SQLite and PostgreSQL), while a district's year reads a few
    thousand rollup rows instead of ~300,000 records.
    """
    plan = reading_plan(start, end)
    sums: _Sums = {}
    if organisation_code is None:
        # All organisations: the area rollup holds the unit's whole subtree, so one unit's rows are read
        # (months, and the edge days), however many units lie under it.
        for sign, ranges in ((+1, plan.added), (-1, plan.subtracted)):
            for range_start, range_end in ranges:
                _accumulate(sums, _area_rows(session, area_id=unit.id or 0, grain=DAY, first=range_start,
                                             following=range_end + timedelta(days=1),
                                             category_code=category_code), sign)
        if plan.months is not None:
            _accumulate(sums, _area_rows(session, area_id=unit.id or 0, grain=MONTH, first=plan.months[0],
                                         following=plan.months[1], category_code=category_code), +1)
        return _totals_of(sums)
    unit_ids = subtree_unit_ids(session, root=unit)  # once, for every part of the plan
    arguments: dict[str, Any] = {"unit_ids": unit_ids, "organisation_code": organisation_code,
                                 "category_code": category_code}
    for sign, ranges in ((+1, plan.added), (-1, plan.subtracted)):
        for range_start, range_end in ranges:
            # Edge days, filtered by organisation: from the records (the daily rollups have no rows per
            # organisation; few records pass anyway).
            _accumulate(sums, _raw_rows(session, start=range_start, end=range_end, **arguments), sign)
    if plan.months is not None:
        _accumulate(sums, _rollup_rows(session, first=plan.months[0], following=plan.months[1], **arguments), +1)
    return _totals_of(sums)


def compute_totals_of_areas(session: Session, *, units: Sequence[Unit], start: date, end: date,
                            category_code: str | None = None) -> dict[int, dict[str, CategoryTotal]]:
    """`compute_totals` (all organisations) of several units at once, by unit id: the same reading plan
    over the same area rollup, one query per part of the plan for all the units instead of one per unit,
    so a province's hundred communes cost about what one does. Same rows, same sums: the same result."""
    plan = reading_plan(start, end)
    area_ids = [unit.id or 0 for unit in units]
    sums: dict[int, _Sums] = {area_id: {} for area_id in area_ids}
    parts = [(sign, DAY, first, last + timedelta(days=1)) for sign, ranges in ((+1, plan.added), (-1, plan.subtracted))
             for first, last in ranges]
    if plan.months is not None:
        parts.append((+1, MONTH, plan.months[0], plan.months[1]))
    for sign, grain, first, following in parts:
        parameters: dict[str, Any] = {"area_ids": area_ids, "grain": grain, "first": first, "following": following}
        if category_code is not None:
            parameters["category_code"] = category_code
        rows = session.execute(_areas_statement(with_category=category_code is not None, by="area"), parameters)
        by_area: dict[int, list[tuple[Any, ...]]] = {}
        for area_id, *row in rows.all():
            by_area.setdefault(int(area_id), []).append(tuple(row))
        for area_id, area_rows in by_area.items():
            _accumulate(sums[area_id], area_rows, sign)
    return {area_id: _totals_of(area_sums) for area_id, area_sums in sums.items()}


def monthly_totals(session: Session, *, unit: Unit, first: date, following: date,
                   category_code: str | None = None) -> dict[date, dict[str, CategoryTotal]]:
    """`compute_totals` (all organisations) of each whole calendar month in [first, following), by the
    month's first day, in one query over the area rollup (a trend chart's twelve months)."""
    parameters: dict[str, Any] = {"area_ids": [unit.id or 0], "grain": MONTH, "first": first, "following": following}
    if category_code is not None:
        parameters["category_code"] = category_code
    sums: dict[date, _Sums] = {}
    for period, *row in session.execute(_areas_statement(with_category=category_code is not None, by="period"),
                                        parameters).all():
        month = period if isinstance(period, date) else date.fromisoformat(str(period)[:10])
        _accumulate(sums.setdefault(month, {}), [tuple(row)], +1)
    return {month: _totals_of(month_sums) for month, month_sums in sums.items()}


_AREAS_STATEMENTS: dict[tuple[bool, str], Any] = {}


def _areas_statement(*, with_category: bool, by: str) -> Any:
    """`_area_statement` for a list of areas, grouped also by area ("area") or by period ("period")."""
    key = (with_category, by)
    statement = _AREAS_STATEMENTS.get(key)
    if statement is None:
        rollup = SupportAreaTotal
        extra = col(rollup.area_id) if by == "area" else col(rollup.period)
        conditions = [col(rollup.area_id).in_(bindparam("area_ids", expanding=True)),
                      col(rollup.grain) == bindparam("grain"),
                      col(rollup.period) >= bindparam("first"), col(rollup.period) < bindparam("following"),
                      col(rollup.records) > 0]
        if with_category:
            conditions.append(col(rollup.category_id) == _id_of(Category, bindparam("category_code")))
        statement = _AREAS_STATEMENTS[key] = (
            sa_select(extra, col(Category.code), col(rollup.quantity_unit), col(rollup.subtype),
                      func.sum(rollup.records), func.sum(rollup.households), func.sum(rollup.persons),
                      func.sum(rollup.quantity), func.sum(rollup.quantity_records), func.sum(rollup.value_dong),
                      func.sum(rollup.households_records), func.sum(rollup.persons_records),
                      func.sum(rollup.value_records))
            .join(Category, col(Category.id) == rollup.category_id)
            .where(*conditions)
            .group_by(extra, col(Category.code), col(rollup.quantity_unit), col(rollup.subtype)))
    return statement


def _totals_of(sums: _Sums) -> dict[str, CategoryTotal]:
    totals: dict[str, CategoryTotal] = {}
    for (code, unit_code, subtype), row in sums.items():
        records, households, persons, quantity, quantity_records, value = row[:6]
        if not records:  # subtracted to nothing: no record of this kind in the range
            continue
        total = totals.setdefault(code, CategoryTotal(category=code))
        total.records += records
        total.households += households
        total.persons += persons
        total.value_dong += value
        total.quantity_records += quantity_records
        total.households_records += row[6]
        total.persons_records += row[7]
        total.value_records += row[8]
        if quantity_records and unit_code is not None:
            total.quantities[unit_code] = total.quantities.get(unit_code, Decimal(0)) + quantity
        if subtype is not None:
            total.subtypes[subtype] = total.subtypes.get(subtype, Decimal(0)) + (quantity if quantity_records else 0)
    return totals


def _accumulate(sums: _Sums, rows: list[tuple[Any, ...]], sign: int) -> None:
    for code, unit_code, subtype, *figures in rows:
        row = sums.setdefault((code, unit_code or None, subtype or None), [0, 0, 0, Decimal(0), 0, 0, 0, 0, 0])
        for index, figure in enumerate(figures):
            row[index] += sign * (Decimal(figure or 0) if index == 3 else int(figure or 0))


def _raw_rows(session: Session, *, unit_ids: Sequence[int], start: date, end: date, organisation_code: str | None,
              category_code: str | None) -> list[tuple[Any, ...]]:
    """(category, quantity unit, subtype, records, households, persons, quantity, records with a quantity,
    value, records with households, with persons, with a value) from the records."""
    conditions = record_conditions(unit_ids=unit_ids, start=start, end=end, organisation_code=organisation_code,
                                   category_code=category_code)
    return [tuple(row) for row in session.execute(
        sa_select(col(Category.code), col(SupportAction.quantity_unit), col(SupportAction.subtype),
                  func.count(col(SupportAction.id)), func.sum(SupportAction.households),
                  func.sum(SupportAction.persons), func.sum(SupportAction.quantity),
                  func.count(col(SupportAction.quantity)), func.sum(SupportAction.value_dong),
                  func.count(col(SupportAction.households)), func.count(col(SupportAction.persons)),
                  func.count(col(SupportAction.value_dong)))
        .join(Category, col(Category.id) == SupportAction.category_id)
        .where(*conditions)
        .group_by(col(Category.code), col(SupportAction.quantity_unit), col(SupportAction.subtype))).all()]


def _rollup_rows(session: Session, *, unit_ids: Sequence[int], first: date, following: date,
                 organisation_code: str | None, category_code: str | None) -> list[tuple[Any, ...]]:
    """The same rows as `_raw_rows` for the whole months [first, following), from the monthly rollup.

    The conditions mirror `record_conditions`: without an organisation, the all-organisations rows (confirmed
    duplicates already left out); with one, that organisation's rows, duplicates included.
    """
    rollup = SupportMonthTotal
    organisation = ALL_ORGANISATIONS if organisation_code is None else _id_of(Organisation, organisation_code)
    return _summed(session, rollup, [col(rollup.organisation_id) == organisation, col(rollup.unit_id).in_(unit_ids),
                                     col(rollup.month) >= first, col(rollup.month) < following],
                   category_code=category_code)


def _area_rows(session: Session, *, area_id: int, grain: str, first: date, following: date,
               category_code: str | None) -> list[tuple[Any, ...]]:
    """The same rows as `_raw_rows` without an organisation filter, for the months (grain MONTH) or days
    (DAY) in [first, following) of the unit `area_id` and everything under it, from the area rollup."""
    parameters = {"area_id": area_id, "grain": grain, "first": first, "following": following}
    if category_code is not None:
        parameters["category_code"] = category_code
    return [tuple(row) for row in session.execute(_area_statement(with_category=category_code is not None),
                                                  parameters).all()]


_AREA_STATEMENTS: dict[bool, Any] = {}


def _area_statement(*, with_category: bool) -> Any:
    """`_summed`'s aggregation over the area rollup with its values as bound parameters, built once per
    process: totals are read after every save (the running total), and building the statement cost
    about as much CPU as running it."""
    statement = _AREA_STATEMENTS.get(with_category)
    if statement is None:
        rollup = SupportAreaTotal
        conditions = [col(rollup.area_id) == bindparam("area_id"), col(rollup.grain) == bindparam("grain"),
                      col(rollup.period) >= bindparam("first"), col(rollup.period) < bindparam("following")]
        statement = _AREA_STATEMENTS[with_category] = _summed_statement(
            rollup, conditions, category=bindparam("category_code") if with_category else None)
    return statement


def _summed(session: Session, rollup: type[SupportMonthTotal] | type[SupportAreaTotal], conditions: list[Any], *,
            category_code: str | None) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(_summed_statement(rollup, conditions, category=category_code)).all()]


def _summed_statement(rollup: type[SupportMonthTotal] | type[SupportAreaTotal], conditions: list[Any], *,
                      category: Any) -> Any:
    """One aggregation straight over a key range of a rollup table (its rows are already one per unit,
    period, category, quantity unit and subtype, so nothing is gained by grouping by those first).
    `category`: a category code (or a bound parameter standing for one), or None for all categories."""
    conditions = [*conditions, col(rollup.records) > 0]
    if category is not None:
        conditions.append(col(rollup.category_id) == _id_of(Category, category))
    return (sa_select(col(Category.code), col(rollup.quantity_unit), col(rollup.subtype), func.sum(rollup.records),
                      func.sum(rollup.households), func.sum(rollup.persons), func.sum(rollup.quantity),
                      func.sum(rollup.quantity_records), func.sum(rollup.value_dong),
                      func.sum(rollup.households_records), func.sum(rollup.persons_records),
                      func.sum(rollup.value_records))
            .join(Category, col(Category.id) == rollup.category_id)
            .where(*conditions)
            .group_by(col(Category.code), col(rollup.quantity_unit), col(rollup.subtype)))


def records_behind(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None = None,
                   category_code: str | None = None, offset: int = 0, limit: int = 10,
                   ) -> tuple[int, Sequence[SupportAction]]:
    """The records a totals line is made of (newest first, a page at a time) and how many there are."""
    conditions = record_conditions(unit_ids=subtree_unit_ids(session, root=unit), start=start, end=end,
                                   organisation_code=organisation_code, category_code=category_code)
    count = session.execute(sa_select(func.count(col(SupportAction.id))).where(*conditions)).scalar_one()
    page = session.exec(select(SupportAction).where(*conditions)
                        .order_by(col(SupportAction.action_date).desc(), col(SupportAction.id).desc())
                        .offset(offset).limit(limit)).all()
    return int(count), page
