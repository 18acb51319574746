"""A page of a list of units as parts of a screen: the lines above the units, the units, and the buttons
(one a unit when the list picks units, then ◀ ▶ 🔎 ✖).

Why: the lists of units shown by /unreached, the drill-down and the unit pickers of /invite and /users are
screens built in the domain (bot/domain/screen.py); this draws their page the one way every list is drawn
(bot/domain/units/lists.py ranks and cuts it). What a list is looking at (its page, its search) is kept by
the handlers (handlers/unit_list.py) and handed in; the ◀ ▶ 🔎 ✖ buttons carry the list's kind.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.domain.screen import Button, Press, button
from bot.domain.spans import Text
from bot.domain.units.list_views import picker_entries
from bot.domain.units.lists import PAGE_SIZE, Order, UnitEntry, UnitPage, page_head, unit_page
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit

Rows = list[list[Button]]


def page_text(t: Translator, page: UnitPage, line: Callable[[UnitEntry], str] | None = None) -> Text:
    """The summary line, where the reader is (page, search), and one line a unit (none without `line`)."""
    text = page_head(t, page)
    if line is not None:
        for entry in page.entries:
            text.add(line(entry))
    return text


def page_buttons(t: Translator, page: UnitPage, kind: str, *, item: Callable[[UnitEntry], Button | None] | None = None,
                 turn: Callable[[int], Press] | None = None) -> Rows:
    """A button a unit (when the list picks units), then ◀ ▶ 🔎 (✖ ends a search). `turn` is a page's press
    when the list has its own (buttons that carry their unit); by default the list's kind and page."""
    rows: Rows = []
    if item is not None:
        rows += [[made] for entry in page.entries if (made := item(entry)) is not None]
    turn_to = turn or (lambda number: Press("units.page", (kind, number)))
    nav: list[Button] = []
    if page.has_previous:
        nav.append(Button("◀", turn_to(page.page - 1)))
    if page.has_next:
        nav.append(Button("▶", turn_to(page.page + 1)))
    if page.total > PAGE_SIZE or page.query:
        nav.append(button("🔎 " + t("Search"), "units.find", kind))
    if page.query:
        nav.append(button("✖ " + t("All"), "units.all", kind))
    if nav:
        rows.append(nav)
    return rows


def picker(session: Session, t: Translator, unit: Unit, *, kind: str, page: int, query: str,
           choose: Callable[[Unit], Press], open_unit: Callable[[Unit], Press],
           turn: Callable[[int], Press] | None = None) -> tuple[Text, Rows, UnitPage]:
    """(lines above, button rows, the page shown) of `unit`'s children by name: each chosen with `choose`,
    or opened with `open_unit` when it has units under it."""
    shown = unit_page(t, picker_entries(session, unit=unit), order=Order.NAME, page=page, query=query)
    rows = page_buttons(t, shown, kind, turn=turn, item=lambda entry: Button(
        unit_display(t, entry.unit) + (" ›" if entry.opens else ""),
        open_unit(entry.unit) if entry.opens else choose(entry.unit)))
    return page_text(t, shown), rows, shown
