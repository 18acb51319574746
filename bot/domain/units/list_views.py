"""The units of each list with what it ranks them on, in a few queries whatever the number of units.

One function a list: the children of a unit with their figures now and the period before (totals by
unit, the digest), the expected units of a reporting period with their state (/status, the period-end
digest), the children with their records of one kind (the drill-down), the children with their
households not yet supported (/unreached), the children of a unit to pick from (/invite, /users, the
totals unit picker). `bot.domain.units.lists` ranks, searches and pages what these return.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.domain.households.register import unreached_households
from bot.domain.periods.calendar import Period
from bot.domain.periods.submissions import period_status
from bot.domain.units.figures import child_figures, children_with_children, owners
from bot.domain.units.lists import UnitEntry
from db.models import ReportingPeriod, Unit
from db.queries import list_child_units


def figure_entries(session: Session, *, unit: Unit, period: Period, organisation_code: str | None = None,
                   category_code: str | None = None) -> list[UnitEntry]:
    """Every child of `unit` with its records and money in `period` and in the period before."""
    children = list(list_child_units(session, parent_id=unit.id))
    before = period.previous()
    filters = {"organisation_code": organisation_code, "category_code": category_code}
    now = child_figures(session, children=children, start=period.start, end=period.end, **filters)
    then = child_figures(session, children=children, start=before.start, end=before.end, **filters)
    return [UnitEntry(unit=child, current=now[child.id or 0], previous=then[child.id or 0]) for child in children]


def status_entries(session: Session, *, period: ReportingPeriod) -> list[UnitEntry]:
    """The units expected to report for `period`, each not submitted, late or on time (two queries)."""
    return [UnitEntry(unit=state.unit, state=state.state) for state in period_status(session, period=period).units]


def record_entries(session: Session, *, unit: Unit, period: Period, organisation_code: str | None,
                   category_code: str) -> list[UnitEntry]:
    """Every child of `unit` with the number of records of one kind of support in `period`."""
    children = list(list_child_units(session, parent_id=unit.id))
    figures = child_figures(session, children=children, start=period.start, end=period.end,
                            organisation_code=organisation_code, category_code=category_code)
    return [UnitEntry(unit=child, current=figures[child.id or 0], count=figures[child.id or 0].records)
            for child in children]


def unreached_entries(session: Session, *, unit: Unit, start: date, end: date,
                      category_code: str | None = None) -> list[UnitEntry]:
    """Every child of `unit` with how many of its registered poor and near-poor households received no
    support between `start` and `end` (one query for the households, one for the units)."""
    children = list(list_child_units(session, parent_id=unit.id))
    households = unreached_households(session, unit=unit, start=start, end=end, category_code=category_code)
    counts = {child.id or 0: 0 for child in children}
    if households:
        owner = owners(session, children)
        for household in households:
            child_id = owner.get(household.unit_id)
            if child_id is not None:
                counts[child_id] += 1
    return [UnitEntry(unit=child, count=counts[child.id or 0]) for child in children]


def picker_entries(session: Session, *, unit: Unit) -> list[UnitEntry]:
    """The children of `unit` to pick from, each marked when it has units under it to open."""
    children = list(list_child_units(session, parent_id=unit.id))
    opening = children_with_children(session, children=children)
    return [UnitEntry(unit=child, opens=(child.id or 0) in opening) for child in children]
