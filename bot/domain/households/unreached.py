"""/unreached ("no one left behind") as screens: registered poor and near-poor households with no support
this year.

For a unit without units under it, the households themselves (the first fifty; all of them in the Excel
file). For a unit with units under it (a province's communes), its units with how many of their
households are still waiting, the most first, ten a page with 🔎; a unit of the list shows its own
households. Names are shown only inside the reader's own subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.households.card import class_name
from bot.domain.households.erasure import household_name
from bot.domain.households.register import unreached_households
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import has_children
from bot.domain.screen import Screen, button, screen_of
from bot.domain.spans import Text
from bot.domain.units.list_views import unreached_entries
from bot.domain.units.lists import Order, entry_line, unit_page
from bot.domain.units.page_screen import page_buttons, page_text
from bot.domain.units.tree import unit_display
from db.models import Household, Unit, User
from db.queries import get_unit

UNIT_LIST = "unr"  # the kind of /unreached's list of units (handlers/unit_list.py)
SHOWN = 50


@dataclass
class Unreached:
    """What /unreached found: the answer (`screen`; None when the reader's unit has units under it and the
    list of units is shown instead, from `units_screen`), and the households for the Excel file."""

    screen: Screen | None
    category: CategorySpec | None = None
    households: list[Household] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)


def _year_start(today: date) -> date:
    return today.replace(month=1, day=1)


def unreached(session: Session, *, viewer: User, names: Localised, typed: str, today: date) -> Unreached:
    """/unreached [kind of support]: the households of the reader's unit still waiting this year."""
    t = names.t
    category = None
    if words := fold(typed):
        matcher = matcher_for(names.catalogue)
        category = names.catalogue.category_by_code(matcher.exact(typed, matcher.categories) or "")
        if category is None:
            return Unreached(screen_of(t("Unknown kind of support “{text}”.").format(text=words[:40])))
    unit = get_unit(session, unit_id=viewer.unit_id)
    assert unit is not None
    households = list(unreached_households(session, unit=unit, start=_year_start(today), end=today,
                                           category_code=category.code if category else None))
    screen = None if has_children(session, unit=unit) else \
        Screen(_household_lines(names, unit, households, category, year=today.year))
    return Unreached(screen, category, households,
                     {h.classification: class_name(names, h.classification) for h in households})


def _heading(names: Localised, unit: Unit, count: int, category: CategorySpec | None, *, year: int) -> str:
    t = names.t
    if category is None:
        heading = t("Year {year}, {unit}: {count} registered poor or near-poor household(s) have received no "
                    "support at all.")
    else:
        heading = t("Year {year}, {unit}: {count} registered poor or near-poor household(s) have received no "
                    "{category}.")
    return heading.format(year=year, unit=unit_display(t, unit), count=count,
                          category=names.category(category).lower() if category else "")


def _household_lines(names: Localised, unit: Unit, households: list[Household], category: CategorySpec | None, *,
                     year: int) -> Text:
    """The heading and the first SHOWN households (names: the reader's own subtree only)."""
    t = names.t
    body = Text().add(_heading(names, unit, len(households), category, year=year))
    for household in households[:SHOWN]:
        mark = " 🏚" if "unsafe_housing" in (household.tags or []) else ""
        body.add(f"• {household_name(t, household)} ({household.code}"
                 f"{', ' + household.village if household.village else ''}){mark}")
    if len(households) > SHOWN:
        body.add(t("… and {count} more in the Excel file.").format(count=len(households) - SHOWN))
    return body


def units_screen(session: Session, *, viewer: User, names: Localised, category_code: str | None, today: date,
                 page: int, query: str) -> Screen | None:
    """The units under the reader's with their households still waiting, the most first (the page shown
    is on `Screen.units`)."""
    t = names.t
    unit = get_unit(session, unit_id=viewer.unit_id)
    if unit is None:
        return None
    category = names.catalogue.category_by_code(category_code) if category_code else None
    entries = unreached_entries(session, unit=unit, start=_year_start(today), end=today,
                                category_code=category.code if category else None)
    locale = t.locale
    shown = unit_page(t, entries, order=Order.COUNT, page=page, query=query,
                      counted=lambda some, total: t("{units} with households not yet supported ({count} households)")
                      .format(units=format_number(some, locale), count=format_number(total, locale)))

    def households(count: int) -> str:
        return t("{count} households").format(count=format_number(count, locale))

    body = Text().add(_heading(names, unit, sum(entry.count for entry in entries), category, year=today.year))
    body.extend(page_text(t, shown, lambda entry: entry_line(t, entry, Order.COUNT, counted=households)))
    rows = page_buttons(t, shown, UNIT_LIST, item=lambda entry: button(
        f"{unit_display(t, entry.unit)} · {format_number(entry.count, locale)}", "unreached.unit",
        entry.unit.id or 0) if entry.count else None)
    return Screen(body, rows, units=shown)


def unit_households_screen(session: Session, *, viewer: User, names: Localised, unit_id: int,
                           category_code: str | None, today: date, back_page: int) -> Screen | None:
    """A unit of the list: its households still waiting; None outside the reader's own subtree."""
    unit = get_unit(session, unit_id=unit_id)
    if unit is None or not may(viewer, Do.WORK_IN_UNIT, unit, session=session):
        return None
    category = names.catalogue.category_by_code(category_code) if category_code else None
    households = list(unreached_households(session, unit=unit, start=_year_start(today), end=today,
                                           category_code=category.code if category else None))
    return Screen(_household_lines(names, unit, households, category, year=today.year),
                  [[button("↩️ " + names.t("Back to the list"), "units.page", UNIT_LIST, back_page)]])
