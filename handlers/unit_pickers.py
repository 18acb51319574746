"""The unit pickers of /totals (📍), /invite and /users, drawn as lists of units (handlers/unit_list.py):
the unit being browsed to choose, then its children by name, ten a page, ◀ ▶, 🔎 to find one by part of
its name; a child with units under it opens with ›.

Why here and not in each feature: the three pickers are the same list with different buttons, and a
province's 170 communes made each of them a wall of buttons. Each feature keeps its own actions (which
carry the unit, so an old message still works or politely refuses) and checks the rights of a press
itself; this module only draws.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import InlineKeyboardButton

from bot.domain.units.list_views import picker_entries
from bot.domain.units.lists import Order, UnitEntry, unit_page
from bot.domain.units.tree import unit_display
from bot.presentation.callbacks import Action, button
from db.models import Unit
from handlers import unit_list
from handlers.context import ChungTayContext

Rows = list[list[InlineKeyboardButton]]


def picker(context: ChungTayContext, kind: str, unit: Unit, *, page: int, choose: Callable[[Unit], Action],
           open_unit: Callable[[Unit], Action], turn: Callable[[int], Action] | None = None,
           label: Callable[[UnitEntry], str] | None = None) -> tuple[list[str], Rows]:
    """(HTML lines above, button rows) of `unit`'s children: each chosen with `choose`, or opened with
    `open_unit` when it has units under it. The search is the list's (`kind`) while it stays on `unit`;
    opening another unit starts without one."""
    t = context.t
    listed = unit_list.state(context, kind)
    if listed.get("root") != unit.id:
        listed = unit_list.reset(context, kind, root=unit.id)
    shown = unit_page(t, picker_entries(context.session, unit=unit), order=Order.NAME, page=page,
                      query=unit_list.query_of(listed))
    listed["page"] = shown.page
    name = label or (lambda entry: unit_display(t, entry.unit) + (" ›" if entry.opens else ""))
    rows = unit_list.page_rows(
        context, shown, kind, turn=turn,
        item=lambda entry: button(name(entry), open_unit(entry.unit) if entry.opens else choose(entry.unit)))
    lines = unit_list.page_lines(context, shown, lambda entry: "")
    return [line for line in lines if line], rows


def heading(text: str, lines: list[str]) -> str:
    return "\n".join([html.escape(text), *lines])
