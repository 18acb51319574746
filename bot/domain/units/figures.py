"""Every child unit's records and money for a period in a few grouped queries, for ranking a list of units.

Why not `compute_totals` per child: a province has up to 170 communes, and a list that ranks them
("largest change from last period") needs every child's figure before it can show the first ten. One
`compute_totals` per child is 3–5 queries each, 500+ queries for one screen. Here the same reading plan
(`reading_plan`: whole months from the rollup, edge days added or taken off) is run once for all the
children together, grouped by child:

- without an organisation filter, from the area rollup (`support_area_total`), whose rows already sum
  each child's whole subtree: `area_id IN (children)`, grouped by area;
- filtered by organisation, from the per-unit monthly rollup and the raw records of the edge days,
  grouped by unit and folded onto the child whose subtree holds the unit (materialised paths).

So a list costs the same handful of queries for 15 communes or 170. The figures are the same as
`compute_totals` per child (tests/unit/test_unit_lists.py checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.domain.totals.aggregate import _id_of, reading_plan, record_conditions
from db.models import Category, Organisation, SupportAction, Unit
from db.models_rollup import DAY, MONTH, SupportAreaTotal, SupportMonthTotal


@dataclass
class UnitFigures:
    """What a list of units ranks on: records and money of the child's whole subtree."""

    records: int = 0
    value_dong: int = 0

    def add(self, records: int, value: int, sign: int) -> None:
        self.records += sign * records
        self.value_dong += sign * value


def child_figures(session: Session, *, children: Sequence[Unit], start: date, end: date,
                  organisation_code: str | None = None, category_code: str | None = None) -> dict[int, UnitFigures]:
    """{child id: figures} for every child (zero figures included) between `start` and `end` inclusive."""
    result = {child.id or 0: UnitFigures() for child in children}
    if not children:
        return result
    plan = reading_plan(start, end)
    parts: list[tuple[int, str, date, date]] = [(+1, DAY, a, b + timedelta(days=1)) for a, b in plan.added]
    parts += [(-1, DAY, a, b + timedelta(days=1)) for a, b in plan.subtracted]
    if plan.months is not None:
        parts.append((+1, MONTH, plan.months[0], plan.months[1]))
    if organisation_code is None:
        ids = list(result)
        for sign, grain, first, following in parts:
            for area_id, records, value in _area_sums(session, ids, grain, first, following, category_code):
                result[int(area_id)].add(int(records or 0), int(value or 0), sign)
        return result
    owner = owners(session, children)
    unit_ids = list(owner)
    for sign, grain, first, following in parts:
        rows = (_month_sums(session, unit_ids, first, following, organisation_code, category_code) if grain == MONTH
                else _raw_sums(session, unit_ids, first, following - timedelta(days=1), organisation_code,
                               category_code))
        for unit_id, records, value in rows:
            result[owner[int(unit_id)]].add(int(records or 0), int(value or 0), sign)
    return result


def owners(session: Session, children: Sequence[Unit]) -> dict[int, int]:
    """{unit id: the child whose subtree holds it} for every unit under the children (one query on their
    common parent's path; the child is the path's segment right after the parent's)."""
    parent_path = children[0].path[: children[0].path.rstrip("/").rfind("/") + 1] or "/"
    depth = len([part for part in parent_path.split("/") if part])
    wanted = {child.id for child in children}
    found: dict[int, int] = {}
    for unit_id, path in session.execute(sa_select(col(Unit.id), col(Unit.path))
                                         .where(col(Unit.path).startswith(parent_path))).all():
        parts = [part for part in path.split("/") if part]
        if len(parts) > depth and parts[depth].isdigit() and int(parts[depth]) in wanted:
            found[int(unit_id)] = int(parts[depth])
    return found


def _category_filter(column: Any, category_code: str | None) -> list[Any]:
    return [] if category_code is None else [column == _id_of(Category, category_code)]


def _area_sums(session: Session, area_ids: list[int], grain: str, first: date, following: date,
               category_code: str | None) -> list[tuple[Any, ...]]:
    rollup = SupportAreaTotal
    statement = (sa_select(col(rollup.area_id), func.sum(rollup.records), func.sum(rollup.value_dong))
                 .where(col(rollup.area_id).in_(area_ids), col(rollup.grain) == grain, col(rollup.period) >= first,
                        col(rollup.period) < following, col(rollup.records) > 0,
                        *_category_filter(col(rollup.category_id), category_code))
                 .group_by(col(rollup.area_id)))
    return [tuple(row) for row in session.execute(statement).all()]


def _month_sums(session: Session, unit_ids: list[int], first: date, following: date, organisation_code: str,
                category_code: str | None) -> list[tuple[Any, ...]]:
    rollup = SupportMonthTotal
    statement = (sa_select(col(rollup.unit_id), func.sum(rollup.records), func.sum(rollup.value_dong))
                 .where(col(rollup.organisation_id) == _id_of(Organisation, organisation_code),
                        col(rollup.unit_id).in_(unit_ids), col(rollup.month) >= first, col(rollup.month) < following,
                        *_category_filter(col(rollup.category_id), category_code))
                 .group_by(col(rollup.unit_id)))
    return [tuple(row) for row in session.execute(statement).all()]


def _raw_sums(session: Session, unit_ids: list[int], start: date, end: date, organisation_code: str,
              category_code: str | None) -> list[tuple[Any, ...]]:
    conditions = record_conditions(unit_ids=unit_ids, start=start, end=end, organisation_code=organisation_code,
                                   category_code=category_code)
    statement = (sa_select(col(SupportAction.unit_id), func.count(col(SupportAction.id)),
                           func.sum(SupportAction.value_dong))
                 .where(*conditions).group_by(col(SupportAction.unit_id)))
    return [tuple(row) for row in session.execute(statement).all()]


def children_with_children(session: Session, *, children: Sequence[Unit]) -> set[int]:
    """Ids of the children that have units under them (one grouped query): a picker opens those."""
    ids = [child.id for child in children if child.id is not None]
    if not ids:
        return set()
    rows = session.exec(select(Unit.parent_id).where(col(Unit.parent_id).in_(ids)).distinct()).all()
    return {int(parent) for parent in rows if parent is not None}

