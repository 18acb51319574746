"""The one aggregation of support actions: totals per category for a unit subtree and a date range.

Everything that reports figures (the running total after saving, /totals, digests, exports, the
figures frozen at submission) calls `compute_totals`, so every number a user sees is counted the
same way: current versions only, the unit and everything under it, dates inclusive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from db.models import ActionStatus, Category, Organisation, SupportAction, Unit


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
        conditions.append(col(SupportAction.organisation_id) == sa_select(col(Organisation.id)).where(
            col(Organisation.code) == organisation_code).scalar_subquery())
    if category_code is not None:
        conditions.append(col(SupportAction.category_id) == sa_select(col(Category.id)).where(
            col(Category.code) == category_code).scalar_subquery())
    return conditions


def compute_totals(session: Session, *, unit: Unit, start: date, end: date, organisation_code: str | None = None,
                   category_code: str | None = None) -> dict[str, CategoryTotal]:
    """Totals per category code for `unit`'s subtree between `start` and `end` (inclusive).

    Confirmed duplicates (see bot/services/duplicates.py) are left out unless an organisation is given.
    """
    conditions = _filters(session, unit=unit, start=start, end=end, organisation_code=organisation_code,
                          category_code=category_code)
    rows = session.execute(
        sa_select(col(Category.code), col(SupportAction.quantity_unit), col(SupportAction.subtype),
                  func.count(col(SupportAction.id)), func.coalesce(func.sum(SupportAction.households), 0),
                  func.coalesce(func.sum(SupportAction.persons), 0), func.sum(SupportAction.quantity),
                  func.coalesce(func.sum(SupportAction.value_dong), 0))
        .join(Category, col(Category.id) == SupportAction.category_id)
        .where(*conditions)
        .group_by(col(Category.code), col(SupportAction.quantity_unit), col(SupportAction.subtype))).all()
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
