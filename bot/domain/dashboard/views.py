"""What the supervisors' dashboard shows: the same rules and the same numbers as the chat.

Every function takes the viewer (an active supervisor or administrator, see `viewer_for`) and answers
plain data (dicts of text and numbers) that the web layer returns as JSON unchanged. The numbers come
from the services /status and /totals use (`reporting.period_status`, `reports.scope_totals`,
`reports.by_child_unit`, `compute_totals`), and the texts from the same sentence builders, so the page
and the chat can never disagree. Access is the chat's: `reports.scope_unit` (the viewer's unit subtree,
supervisors only) for any unit the page names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain.formatting import format_day, format_local_datetime, format_money_prose, format_number
from bot.domain.people.access import AccessDenied
from bot.domain.periods import submissions as reporting
from bot.domain.periods.calendar import STANDARD_CODES, Period, month_of, period_from_code
from bot.domain.periods.status_text import percent_text, periods_defined_by
from bot.domain.permissions import MEMBERS, SUPERVISORS, Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import (
    ScopeTotals,
    by_child_unit,
    category_sentence,
    change_text,
    grand_value,
    grand_value_text,
    headline_figures,
    ordered_categories,
    scope_level,
    scope_totals,
    scope_unit,
    summary_line,
    visible_units,
    with_change,
)
from bot.domain.totals.aggregate import compute_totals, monthly_totals
from bot.domain.units.tree import unit_display
from db.models import OutboxMessage, User
from db.queries import get_user_by_telegram_id, list_organisations

TREND_MONTHS = 12
NUDGE_KEY = "nudge:{unit_id}:{day}"


class DashboardRefused(Exception):
    """The request is not allowed; `reason` is one of "unregistered", "role", "unit", "period", "input"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def viewer_for(session: Session, *, telegram_id: int) -> User:
    """The registered, active supervisor or administrator behind a Telegram user (the chat's gate:
    reporters do not get the supervisors' commands, a deactivated person gets nothing)."""
    user = get_user_by_telegram_id(session, telegram_id=telegram_id)
    if user is None or not may(user, Do.USE, MEMBERS):
        raise DashboardRefused("unregistered")
    if not may(user, Do.USE, SUPERVISORS):
        raise DashboardRefused("role")
    return user


def unit_in_scope(session: Session, *, user: User, unit_id: int | None) -> Any:
    """The unit the page asks about, if the viewer may see it (the chat's rule), else DashboardRefused."""
    try:
        return scope_unit(session, user=user, unit_id=unit_id)
    except AccessDenied:
        raise DashboardRefused("unit") from None


def period_of(code: str | None, *, today: date) -> Period:
    period = period_from_code(code or "m0", today=today)
    if period is None:
        raise DashboardRefused("input")
    return period


def overview(session: Session, *, names: Localised, user: User, today: date) -> dict[str, Any]:
    """Who is looking, the units they may choose, the periods, organisations and kinds of the filters."""
    t = names.t
    own = unit_in_scope(session, user=user, unit_id=None)
    units = [u for u in visible_units(session, user=user) if u.depth <= own.depth + 2]
    return {
        "user": {"name": user.display_name, "role": user.role.value, "unit": unit_display(t, own),
                 "unit_id": own.id, "locale": t.locale},
        "units": [{"id": u.id, "name": unit_display(t, u), "depth": u.depth - own.depth} for u in units],
        "periods": [{"code": code, "label": p.label(t)} for code in STANDARD_CODES
                    if (p := period_from_code(code, today=today)) is not None],
        "organisations": [{"code": o.code, "name": names.organisation(o.code)}
                          for o in list_organisations(session, active_only=False)],
        "categories": [{"code": spec.code, "name": names.category(spec)} for spec in names.catalogue.category],
    }


def reporting_page(session: Session, *, names: Localised, user: User, unit_id: int | None, tz: ZoneInfo,
                   today: date) -> dict[str, Any]:
    """The newest reporting period the unit set, per expected unit: on time, late or missing, with the
    /status counts and rates (`reporting.period_status`), and whether 🔔 was pressed today."""
    t = names.t
    unit = unit_in_scope(session, user=user, unit_id=unit_id)
    periods = periods_defined_by(session, unit=unit, limit=1)
    if not periods:
        return {"unit": unit_display(t, unit), "period": None, "rows": []}
    period = periods[0]
    status = reporting.period_status(session, period=period)
    nudged = nudged_today(session, unit_ids=[s.unit.id or 0 for s in status.units], today=today)
    rows = [{"unit_id": s.unit.id, "name": unit_display(t, s.unit), "state": s.state,
             "submitted_at": format_local_datetime(s.submission.submitted_at, tz, t.locale) if s.submission else "",
             "nudged": (s.unit.id or 0) in nudged} for s in status.units]
    return {
        "unit": unit_display(t, unit),
        "period": {"id": period.id, "name": period.name, "due": format_day(period.due, t.locale),
                   "overdue": today > period.due},
        "summary": {"expected": status.expected, "submitted": status.submitted, "on_time": status.on_time,
                    "late": status.late, "missing": len(status.missing),
                    "completeness": percent_text(status.completeness, t.locale),
                    "timeliness": percent_text(status.timeliness, t.locale)},
        "rows": rows,
    }


def _category_rows(names: Localised, scope: ScopeTotals) -> list[dict[str, Any]]:
    """A row per kind, with the sentence /totals writes for it (its change against the period before too)."""
    t = names.t
    locale, before = t.locale, scope.period.previous().label(t)

    def sentence(spec: Any, total: Any) -> str:
        change = change_text(t, *headline_figures(total, scope.previous.get(spec.code)), before)
        return with_change(category_sentence(names, spec, total), change)

    return [{"code": spec.code, "name": names.category(spec), "sentence": sentence(spec, total),
             "records": total.records, "households": total.households, "persons": total.persons,
             "value": total.value_dong, "value_text": format_number(total.value_dong, locale),
             "partial": [m for m in ("households", "persons", "quantity", "value") if total.is_partial(m)]}
            for spec, total in ordered_categories(names.catalogue, scope.current)]


def figures_page(session: Session, *, names: Localised, user: User, unit_id: int | None, period_code: str | None,
                 organisation_code: str | None, category_code: str | None, today: date) -> dict[str, Any]:
    """/totals for the unit and period with the page's filters: per kind (the chat's sentences and exact
    sums, partial sums marked), per child unit, and the value month by month for the trend chart."""
    t = names.t
    unit = unit_in_scope(session, user=user, unit_id=unit_id)
    period = period_of(period_code, today=today)
    if organisation_code and organisation_code not in {o.code for o in list_organisations(session,
                                                                                           active_only=False)}:
        raise DashboardRefused("input")
    if category_code and names.catalogue.category_by_code(category_code) is None:
        raise DashboardRefused("input")
    names = names.at(scope_level(session, names.catalogue, unit=unit))
    filters = {"organisation_code": organisation_code or None, "category_code": category_code or None}
    scope = scope_totals(session, unit=unit, period=period, **filters)
    children = by_child_unit(session, unit=unit, period=period, whole=scope.current, **filters)
    value = grand_value(scope.current)
    months = [month_of(period.end)]
    while len(months) < TREND_MONTHS:
        months.insert(0, months[0].previous())
    trend = []
    if organisation_code:  # the rollup of areas has no rows per organisation: month by month
        monthly = {month.start: compute_totals(session, unit=unit, start=month.start, end=month.end, **filters)
                   for month in months}
    else:
        monthly = monthly_totals(session, unit=unit, first=months[0].start, following=months[-1].end
                                 + timedelta(days=1), category_code=category_code or None)
    for month in months:
        totals = monthly.get(month.start, {})
        trend.append({"label": f"{month.start.month}/{month.start.year}", "value": grand_value(totals),
                      "records": sum(x.records for x in totals.values())})
    return {
        "unit": unit_display(t, unit), "period": period.label(t), "period_code": period_code or "m0",
        "categories": _category_rows(names, scope),
        "total_value": value, "total_value_text": format_number(value, t.locale),
        "total_value_prose": format_money_prose(value, t.locale) if value else "",
        "total_line": grand_value_text(names, scope.current) if value else "",
        "records": sum(x.records for x in scope.current.values()),
        "units": [{"unit_id": child.id, "name": unit_display(t, child), "records": sum(x.records for x in
                                                                                       totals.values()),
                   "value": grand_value(totals), "value_text": format_number(grand_value(totals), t.locale),
                   "summary": summary_line(names, totals)} for child, totals in children],
        "trend": trend,
    }


def nudged_today(session: Session, *, unit_ids: Sequence[int], today: date) -> set[int]:
    """Units whose 🔔 was pressed today (local day), from the outbox keys."""
    keys = {NUDGE_KEY.format(unit_id=unit_id, day=f"{today:%Y%m%d}"): unit_id for unit_id in unit_ids}
    if not keys:
        return set()
    found = session.exec(select(OutboxMessage.key).where(col(OutboxMessage.key).in_(list(keys)))).all()
    return {keys[key] for key in found}


def now_local_day(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()
