"""The choices under /totals as screens: the period, the organisation, the kind of support, the unit (📍),
the one thing an ambiguous question lacks ("Which kind of support do you mean?"), and the wait for typed
dates after "📅 Other dates".

Why here: what each choice offers (the period presets, the organisations named at the level of the unit
on screen, a supervisor's units) is a rule of the totals, not of Telegram; the handler only says which
choice was pressed and renders what comes back. Every chooser ends with ↩️ Back to the totals; a question
(`question_screen`) does not, as there are no totals on screen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.domain.periods.calendar import STANDARD_CODES, period_from_code
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import has_children, scope_level, scope_unit, visible_units
from bot.domain.screen import Button, Screen, button, two_by_two
from bot.domain.spans import text
from bot.domain.totals.questions import RangeError, range_examples, range_problem
from bot.domain.totals.screen import view_period, view_unit
from bot.domain.totals.view import TotalsView
from bot.domain.units.list_views import picker_entries
from bot.domain.units.lists import Order, unit_page
from bot.domain.units.page_screen import page_buttons, page_text
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit, User

MAX_UNIT_BUTTONS = 40
PICK_UNIT = "pick"
"""The kind of the 📍 unit picker's list (its ◀ ▶ 🔎 carry it)."""


def _back(t: Translator) -> list[Button]:
    return [button("↩️ " + t("Back"), "totals.back")]


def period_rows(t: Translator, *, today: date) -> list[list[Button]]:
    """The presets two by two, then "📅 Other dates", which asks for a typed range."""
    presets = [button(p.label(t), "totals.period", code)
               for code in STANDARD_CODES if (p := period_from_code(code, today=today)) is not None]
    return [*two_by_two(presets), [button("📅 " + t("Other dates"), "totals.dates")]]


def organisation_rows(session: Session, names: Localised, *, unit: Unit) -> list[list[Button]]:
    """Every organisation, named at the level of the unit on screen ("Hội LHPN xã" or "Hội LHPN")."""
    named = names.at(scope_level(session, names.catalogue, unit=unit))
    choices = [button(names.t("All organisations"), "totals.organisation", None)]
    choices += [button(named.organisation(o.code), "totals.organisation", o.code)
                for o in names.catalogue.organisation]
    return two_by_two(choices)


def category_rows(names: Localised, codes: list[str] | None = None) -> list[list[Button]]:
    """Every kind of support ("All kinds" first), or only `codes` (a question that named several)."""
    specs = [s for s in names.catalogue.category if codes is None or s.code in codes]
    choices = [] if codes else [button(names.t("All kinds"), "totals.category", None)]
    choices += [button(names.category(s), "totals.category", s.code) for s in specs]
    return two_by_two(choices)


def unit_rows(t: Translator, *, viewer: User, units: list[Unit]) -> list[list[Button]]:
    """The units a question could mean, indented by depth; the viewer's own is "🌐 All: …"."""
    own_depth = min((u.depth for u in units), default=0)
    rows = []
    for unit in units[:MAX_UNIT_BUTTONS]:
        label = unit_display(t, unit)
        if unit.id == viewer.unit_id:
            label = "🌐 " + t("All: {unit}").format(unit=label)
        rows.append([button("· " * (unit.depth - own_depth) + label, "totals.unit", unit.id or 0)])
    return rows


def chooser_screen(session: Session, names: Localised, *, viewer: User, view: TotalsView, what: str,
                   today: date) -> Screen:
    """The choice behind 🗓 ("P"), 🏢 ("O") or 📦 ("C") under the totals, with ↩️ Back."""
    t = names.t
    if what == "P":
        title, rows = t("Choose the period:"), period_rows(t, today=today)
    elif what == "O":
        unit = view_unit(session, user=viewer, view=view)
        title, rows = t("Choose the organisation:"), organisation_rows(session, names, unit=unit)
    else:
        title, rows = t("Choose the kind of support:"), category_rows(names)
    return Screen(text(title), [*rows, _back(t)])


def question_screen(session: Session, names: Localised, *, viewer: User, view: TotalsView, step: str,
                    today: date) -> Screen:
    """What an ambiguous question lacks, one thing at a time: the kind ("cat"), the unit ("unit") or the
    period (anything else), among the choices the question left open."""
    t = names.t
    if step == "cat":
        return Screen(text(t("Which kind of support do you mean?")), category_rows(names, view.choices_cat or None))
    if step == "unit":
        wanted = set(view.choices_unit)
        units = [u for u in visible_units(session, user=viewer) if u.id in wanted]
        return Screen(text(t("Which unit do you mean?")), unit_rows(t, viewer=viewer, units=units))
    return Screen(text(t("For which period?")), period_rows(t, today=today))


@dataclass
class ListPosition:
    """Where the reader is in a unit picker: the unit browsed, the page and the search (kept by the
    handler between presses; a service moves it)."""

    root: int | None = None
    page: int = 0
    query: str = ""


def unit_picker_screen(session: Session, t: Translator, *, viewer: User, view: TotalsView,
                       position: ListPosition) -> Screen:
    """📍: "🌐 All" (the viewer's own unit), then the units under the unit on screen (or under the own unit
    when that one has none), by name, ten a page, 🔎 to find one; ↩️ Back. Browsing another unit than
    `position.root` starts at its first page without a search; `position` is updated to what is shown."""
    own = scope_unit(session, user=viewer, unit_id=None)
    shown = view_unit(session, user=viewer, view=view)
    root = shown if has_children(session, unit=shown) else own
    rows = [[button("🌐 " + t("All: {unit}").format(unit=unit_display(t, own)), "totals.unit", own.id or 0)]]
    if root.id != own.id:
        rows.append([button("✅ " + unit_display(t, root), "totals.unit", root.id or 0)])
    if position.root != root.id:
        position.root, position.page, position.query = root.id, 0, ""
    page = unit_page(t, picker_entries(session, unit=root), order=Order.NAME, page=position.page,
                     query=position.query)
    position.page = page.page
    rows += page_buttons(t, page, PICK_UNIT, item=lambda entry: button(
        "· " + unit_display(t, entry.unit) + (" ›" if entry.opens else ""), "totals.unit", entry.unit.id or 0))
    return Screen(text(t("Choose the unit:")).extend(page_text(t, page)), [*rows, _back(t)], units=page)


def _cancel_range(t: Translator) -> list[list[Button]]:
    """❌ goes back to the totals as they were; it is the ordinary ↩️ Back, so it still works on an old
    prompt after the wait has ended."""
    return [[button("❌ " + t("Cancel"), "totals.back")]]


def range_prompt_screen(t: Translator, *, view: TotalsView, today: date) -> Screen:
    """📅 pressed: ask for the dates, with examples that work today."""
    return Screen(text("\n".join((t("Type the dates of the period (day/month/year), for example:"),
                                  range_examples(t, today=today),
                                  t("Or tap ❌ Cancel to keep {period}.").format(
                                      period=view_period(view, today=today).label(t))))), _cancel_range(t))


def range_problem_screen(t: Translator, error: RangeError, *, today: date) -> Screen:
    """Why the typed dates cannot be used, how to type them, and ❌ (the wait goes on)."""
    return Screen(text("\n".join((range_problem(t, error, today=today), "", t("Please type it like this, for example:"),
                                  range_examples(t, today=today)))), _cancel_range(t))
