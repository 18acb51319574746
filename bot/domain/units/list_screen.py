"""A page of a list of units as part of a screen: its lines and its buttons (a unit each when the list
picks units, then ◀ ▶ 🔎 ✖), in plain data.

Why here: every long list (totals by unit, /status, the unit pickers, the drill-down, /unreached) draws
its page the same way, and the renderer (bot/presentation/render.py) must draw those buttons like any
other, so a list's screen is whole when a service returns it. The handler keeps only where the reader is
(page, search) per list kind (handlers/unit_list.py); a button carries the list's kind and the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.domain.screen import Button, Press, button
from bot.domain.spans import Text
from bot.domain.units.list_views import picker_entries
from bot.domain.units.lists import PAGE_SIZE, Order, UnitEntry, UnitPage, page_head, unit_page
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit

PAGE, FIND, ALL = "units.page", "units.find", "units.all"
"""The verbs of ◀ ▶ (the list's kind and a page), 🔎 and ✖ (the list's kind)."""


def page_text(t: Translator, page: UnitPage, line: Callable[[UnitEntry], str] | None = None) -> Text:
    """The summary line, where the reader is (page, search), then one line a unit (none without `line`)."""
    text = page_head(t, page)
    if line is not None:
        for entry in page.entries:
            text.add(line(entry))
    return text


def page_buttons(t: Translator, page: UnitPage, kind: str, *, item: Callable[[UnitEntry], Button | None] | None = None,
                 turn: Callable[[int], Press] | None = None) -> list[list[Button]]:
    """A button a unit (when the list picks units), then ◀ ▶ 🔎 (✖ ends a search). `turn` makes a page's
    press when the list has its own (buttons that carry their unit); by default the list's kind and page."""
    rows: list[list[Button]] = []
    if item is not None:
        rows += [[made] for entry in page.entries if (made := item(entry)) is not None]
    turn_to = turn or (lambda number: Press(PAGE, (kind, number)))
    nav: list[Button] = []
    if page.has_previous:
        nav.append(Button("◀", turn_to(page.page - 1)))
    if page.has_next:
        nav.append(Button("▶", turn_to(page.page + 1)))
    if page.total > PAGE_SIZE or page.query:
        nav.append(button("🔎 " + t("Search"), FIND, kind))
    if page.query:
        nav.append(button("✖ " + t("All"), ALL, kind))
    if nav:
        rows.append(nav)
    return rows


@dataclass
class Picked:
    """A unit picker's page: its lines, its buttons and the page shown (a page past the end shows the last)."""

    text: Text
    rows: list[list[Button]]
    page: UnitPage


def unit_picker(session: Session, t: Translator, kind: str, unit: Unit, *, page: int, query: str,
                choose: Callable[[Unit], Press], open_unit: Callable[[Unit], Press],
                turn: Callable[[int], Press] | None = None,
                label: Callable[[UnitEntry], str] | None = None) -> Picked:
    """`unit`'s children by name, ten a page: each chosen with `choose`, or opened with `open_unit` when
    it has units under it (the pickers of /totals, /invite and /users)."""
    shown = unit_page(t, picker_entries(session, unit=unit), order=Order.NAME, page=page, query=query)
    name = label or (lambda entry: unit_display(t, entry.unit) + (" ›" if entry.opens else ""))
    rows = page_buttons(t, shown, kind, turn=turn, item=lambda entry: Button(
        name(entry), open_unit(entry.unit) if entry.opens else choose(entry.unit)))
    return Picked(page_text(t, shown), rows, shown)
