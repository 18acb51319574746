"""/status and /target as screens: a supervisor's newest periods with the units still to chase, and the
targets of the newest period (a category's, or the poverty outcome's for a year).

Why here: which periods and targets a supervisor sees and how the units are ranked are rules of the
reporting cycle; the handler (handlers/reporting.py) keeps only where the reader is in the list of units
(page, search) and renders what these return.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.domain.catalogue.file import CategorySpec
from bot.domain.outcomes.screens import outcome_target_screen
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.numbers import NumberError, parse_quantity
from bot.domain.parsing.review_line import parse_target
from bot.domain.people.access import AccessDenied
from bot.domain.periods import submissions as reporting
from bot.domain.periods.screens import find_unit
from bot.domain.periods.status_text import status_text, target_lines
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.records.form_plan import main_measure
from bot.domain.screen import Screen
from bot.domain.spans import Text, text
from bot.domain.units.list_views import status_entries
from bot.domain.units.lists import Order, unit_page
from bot.domain.units.page_screen import page_buttons
from db.models import User
from db.queries import get_unit

STATUS_LIST = "st"
"""The kind of /status's list of units (its ◀ ▶ 🔎 carry it)."""
NEWEST = 3


def no_period_screen(names: Localised) -> Screen:
    return Screen(text(names.t("No reporting period yet. Create one with /period.")))


def status_screen(session: Session, names: Localised, *, viewer: User, page: int = 0, query: str = "") -> Screen:
    """The newest periods' status; the newest one lists its units, ranked (not submitted, late, on time),
    ten a page, searchable, its page on `Screen.units` for the handler to keep."""
    t = names.t
    periods = list(reporting.periods_of_supervisor(session, user=viewer)[:NEWEST]) \
        if may(viewer, Do.SUPERVISE) else []
    if not periods:
        return no_period_screen(names)
    newest = periods[0]
    units = unit_page(t, status_entries(session, period=newest), order=Order.STATUS, page=page, query=query)
    body = status_text(session, names, newest, units=units)
    for period in periods[1:]:
        body.add().extend(status_text(session, names, period))
    return Screen(body, page_buttons(t, units, STATUS_LIST), units=units)


def _category(names: Localised, typed: str) -> tuple[CategorySpec | None, str]:
    """The category named at the start of `typed` (the one catalogue matcher) and the rest."""
    matcher = matcher_for(names.catalogue)
    code, rest = matcher.leading(typed, matcher.categories)
    return names.catalogue.category_by_code(code or ""), rest


def target_screen(session: Session, names: Localised, *, viewer: User, typed: str, now: datetime,
                  today: date) -> Screen:
    """/target <unit> <category> <number>: a target for the newest period of the viewer's unit, in the
    category's main measure (e.g. /target GL-KP-IARSAI nhà ở 10); or the poverty outcome's target for a
    year (/target GL-KP 2026 giảm 3%, /target GL-KP 2026 giảm 564 hộ). Without a readable target: how to
    write one, and the period's targets."""
    t = names.t
    poverty = parse_target(typed)
    if poverty is not None:
        return outcome_target_screen(session, t, viewer=viewer, words=poverty, now=now, today=today)
    periods = reporting.periods_of_supervisor(session, user=viewer)
    if not periods:
        return no_period_screen(names)
    period = periods[0]
    expected = [u for u in (get_unit(session, unit_id=i)
                            for i in reporting.expected_unit_ids(session, period_id=period.id or 0)) if u]
    unit, rest = find_unit(session, expected, typed)
    spec, number = _category(names, rest)
    try:
        value = parse_quantity(number)[0] if number else None
    except NumberError:
        value = None
    if unit is None or spec is None or value is None:
        return Screen(text(t("Write the unit, the category and the target, e.g. /target GL-KP-IARSAI nhà ở 10"))
                      .extend(target_lines(session, names, period)))
    measure = main_measure(spec).code
    try:
        reporting.set_target(session, user=viewer, period=period, unit=unit, category_code=spec.code,
                             measure=measure, target=value, now=now)
    except (AccessDenied, reporting.ReportingError):
        return Screen(text(t("You cannot set that target.")))
    return Screen(Text().add(t("🎯 Target set for {period}.").format(period=period.name))
                  .extend(target_lines(session, names, period, unit_ids=[unit.id or 0])))
