"""The drill-down as screens: the records behind a line of the totals, a page at a time, each with the
buttons to correct, void or ask about it (bot/domain/records/history.py), and "📍 By unit": the units under
the unit on screen with their records of that kind, the most first.

Why a service: the same screens will be reached from other channels, and which records and which
buttons a person sees is a rule of the domain, not of the chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.lookup import author_names
from bot.domain.periods.calendar import Period
from bot.domain.records.action_text import Localised
from bot.domain.records.history import record_buttons, record_line
from bot.domain.reports.sentences import has_children
from bot.domain.screen import Screen, button
from bot.domain.spans import Text, bold, fill
from bot.domain.totals.aggregate import records_behind
from bot.domain.units.list_views import record_entries
from bot.domain.units.lists import Order, entry_line, unit_page
from bot.domain.units.page_screen import page_buttons, page_text
from bot.domain.units.tree import unit_display
from db.models import Unit, User

PAGE = 8
UNIT_LIST = "dd"  # the kind of the drill-down's list of units (handlers/unit_list.py)


@dataclass(frozen=True)
class Scope:
    """What the totals on screen are looking at: the drill-down shows the records behind them."""

    unit: Unit
    period: Period
    organisation: str | None


def records_screen(session: Session, *, viewer: User, names: Localised, scope: Scope, category: CategorySpec,
                   page: int) -> Screen:
    """One page of the records of `category` behind the totals, newest first."""
    t = names.t
    count, records = records_behind(session, unit=scope.unit, start=scope.period.start, end=scope.period.end,
                                    organisation_code=scope.organisation, category_code=category.code,
                                    offset=page * PAGE, limit=PAGE)
    pages = max(1, (count + PAGE - 1) // PAGE)
    body = Text().add(*fill(t("{category}, {period}, {unit}: {count} record(s) — page {page}/{pages}"),
                            category=bold(names.category(category)), period=scope.period.label(t),
                            unit=unit_display(t, scope.unit), count=count, page=page + 1, pages=pages))
    rows = []
    authors = author_names(session, records)
    for action in records:
        body.add(record_line(session, names, action) + f" · {authors.get(action.author_id, '?')}")
        if buttons := record_buttons(session, viewer=viewer, action=action):
            rows.append(buttons)
    nav = []
    if page > 0:
        nav.append(button("‹", "drill", category.code, page - 1))
    if page + 1 < pages:
        nav.append(button("›", "drill", category.code, page + 1))
    if nav:
        rows.append(nav)
    if has_children(session, unit=scope.unit):
        rows.append([button("📍 " + t("By unit"), "units.page", UNIT_LIST, 0)])
    rows.append([button("↩️ " + t("Back to the totals"), "totals.back")])
    return Screen(body, rows)


def units_screen(session: Session, *, names: Localised, scope: Scope, category: CategorySpec, page: int,
                 query: str) -> Screen:
    """The units under the unit on screen with their records of `category`, the most first, ten a page
    (the page shown is on `Screen.units`)."""
    t = names.t
    locale = t.locale
    entries = record_entries(session, unit=scope.unit, period=scope.period, organisation_code=scope.organisation,
                             category_code=category.code)
    shown = unit_page(t, entries, order=Order.COUNT, page=page, query=query,
                      counted=lambda some, total: t("{units} with records ({count} records)").format(
                          units=format_number(some, locale), count=format_number(total, locale)))

    def records(count: int) -> str:
        return t("{count} records").format(count=format_number(count, locale))

    body = Text().add(*fill(t("{category}, {period}, {unit}"), category=bold(names.category(category)),
                            period=scope.period.label(t), unit=unit_display(t, scope.unit)))
    body.extend(page_text(t, shown, lambda entry: entry_line(t, entry, Order.COUNT, counted=records)))
    rows = page_buttons(t, shown, UNIT_LIST, item=lambda entry: button(
        f"{unit_display(t, entry.unit)} · {format_number(entry.count, locale)}", "drill.unit", category.code,
        entry.unit.id or 0))
    rows.append([button("↩️ " + t("Back to the records"), "drill", category.code, 0),
                 button("↩️ " + t("Back to the totals"), "totals.back")])
    return Screen(body, rows, units=shown)
