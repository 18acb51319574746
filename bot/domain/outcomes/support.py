"""Support linked to outcome, where the commune keeps the household register: of the households that
escaped poverty, how many received which kind of support in the year, and how many poor households
received nothing (the count of /unreached). Counts only: no name leaves this module, so the lines may
stand beside the rate in a digest or a report.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.formatting import format_number
from bot.domain.households.register import unreached_households
from bot.domain.outcomes.text import outcome_lines
from bot.domain.outcomes.totals import latest_year, outcome
from bot.domain.records.action_text import Localised
from bot.domain.totals.aggregate import subtree_unit_ids
from db.models import ActionStatus, Category, Household, SupportAction, Unit

ESCAPED_CLASS = "escaped"


def support_lines(session: Session, names: Localised, *, unit: Unit, year: int) -> list[str]:
    """The two lines (or none when the unit's subtree has no register)."""
    t = names.t
    ids = subtree_unit_ids(session, root=unit)
    registered = session.exec(select(func.count(col(Household.id))).where(col(Household.unit_id).in_(ids))).one()
    if not registered:
        return []
    start, end = date(year, 1, 1), date(year, 12, 31)
    lines = []
    escaped_ids = select(Household.id).where(col(Household.unit_id).in_(ids),
                                             Household.classification == ESCAPED_CLASS)
    escaped = session.exec(select(func.count()).select_from(escaped_ids.subquery())).one()
    if escaped:
        rows = session.exec(
            select(Category.code, func.count(func.distinct(SupportAction.household_id)))
            .join(Category, col(Category.id) == SupportAction.category_id)
            .where(col(SupportAction.household_id).in_(escaped_ids), SupportAction.status == ActionStatus.CURRENT,
                   col(SupportAction.action_date) >= start, col(SupportAction.action_date) <= end)
            .group_by(col(Category.code))).all()
        reached = session.exec(
            select(func.count(func.distinct(SupportAction.household_id)))
            .where(col(SupportAction.household_id).in_(escaped_ids), SupportAction.status == ActionStatus.CURRENT,
                   col(SupportAction.action_date) >= start, col(SupportAction.action_date) <= end)).one()
        parts = []
        for code, count in sorted(rows, key=lambda row: (-row[1], row[0])):
            spec = names.catalogue.category_by_code(code)
            parts.append(t("{kind}: {count}").format(kind=names.category(spec) if spec else code,
                                                     count=format_number(count, t.locale)))
        line = t("Of the {escaped} households in the register that escaped poverty, {reached} received support in "
                 "{year}").format(escaped=format_number(escaped, t.locale), reached=format_number(reached, t.locale),
                                  year=year)
        lines.append(line + (" (" + "; ".join(parts) + ")." if parts else "."))
    unreached = len(unreached_households(session, unit=unit, start=start, end=end, classes=("poor",)))
    lines.append(t("Poor households in the register that received no support in {year}: {count} (/unreached).")
                 .format(year=year, count=format_number(unreached, t.locale)))
    return lines


def outcome_section(session: Session, names: Localised, *, unit: Unit, up_to: int,
                    with_support: bool = True) -> tuple[int, list[str]] | None:
    """The "Kết quả giảm nghèo" section of a unit: (the newest review year up to `up_to`, its lines), or
    None when no unit under it has review figures yet (the section is then left out)."""
    year = latest_year(session, unit=unit, up_to=up_to)
    if year is None:
        return None
    lines = outcome_lines(names.t, outcome(session, unit=unit, year=year))
    if with_support:
        lines += support_lines(session, names, unit=unit, year=year)
    return year, lines
