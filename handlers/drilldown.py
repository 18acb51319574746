"""Drill-down: the records behind a line of the totals, a page at a time, each with the buttons to
correct or void it (permissions and audit trail as in /history).

Above a unit with units under it (a province's 170 communes), "📍 By unit" lists those units with their
records of that kind, the most first, ten a page with 🔎 (handlers/unit_list.py); a unit of the list
shows its own records."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.formatting import format_number
from bot.domain.lookup import author_names
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import has_children
from bot.domain.totals.aggregate import records_behind
from bot.domain.units.list_views import record_entries
from bot.domain.units.lists import Order, entry_line, unit_page
from bot.domain.units.tree import unit_display
from bot.i18n import N_
from bot.presentation.callbacks import DrillDown, DrillUnit, TotalsBack, UnitListPage, button, gone, read
from handlers import history, record_questions, unit_list
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.totals import choose_unit, current_scope

PAGE = 8
UNIT_LIST = "dd"  # the kind of the drill-down's list of units (handlers/unit_list.py)


async def show_records(update: Update, context: ChungTayContext) -> None:
    pressed = read(update, DrillDown)
    await _records(update, context, pressed.category, pressed.page)


async def show_unit(update: Update, context: ChungTayContext) -> None:
    """A unit of the list: its own records (refused when the unit is not the user's to see)."""
    pressed = read(update, DrillUnit)
    if context.db_user is None or update.callback_query is None:
        return
    if not choose_unit(context, pressed.unit_id):
        await update.callback_query.answer(
            context.t("You can see the figures of your own unit and the units under it only."), show_alert=True)
        return
    await _records(update, context, pressed.category, 0)


async def _records(update: Update, context: ChungTayContext, category_code: str, page: int) -> None:
    user = context.db_user
    if user is None or update.callback_query is None:
        return
    spec = context.runtime.catalogue.category_by_code(category_code)
    if spec is None:
        await gone(update, context)
        return
    await update.callback_query.answer()
    unit, period, organisation = current_scope(context)
    count, records = records_behind(context.session, unit=unit, start=period.start, end=period.end,
                                    organisation_code=organisation, category_code=category_code,
                                    offset=page * PAGE, limit=PAGE)
    t = context.t
    pages = max(1, (count + PAGE - 1) // PAGE)
    lines = [t("<b>{category}</b>, {period}, {unit}: {count} record(s) — page {page}/{pages}").format(
        category=html.escape(Localised(context.runtime.catalogue, t).category(spec)), period=period.label(t),
        unit=html.escape(unit_display(t, unit)), count=count, page=page + 1, pages=pages)]
    rows: list[list[InlineKeyboardButton]] = []
    authors = author_names(context.session, records)
    for action in records:
        lines.append(history.action_line(context, action) + html.escape(f" · {authors.get(action.author_id, '?')}"))
        if may(user, Do.EDIT_RECORD, action, session=context.session):
            rows.append(history.record_buttons(action) + record_questions.ask_buttons(context, action))
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button("‹", DrillDown(category_code, page - 1)))
    if page + 1 < pages:
        nav.append(button("›", DrillDown(category_code, page + 1)))
    if nav:
        rows.append(nav)
    if has_children(context.session, unit=unit):
        unit_list.reset(context, UNIT_LIST, category=category_code)
        rows.append([button("📍 " + t("By unit"), UnitListPage(UNIT_LIST, 0))])
    rows.append([button("↩️ " + t("Back to the totals"), TotalsBack())])
    await update.callback_query.edit_message_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows),
                                                  parse_mode=ParseMode.HTML)


async def show_units(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The units under the unit on screen with their records of the kind, the most first."""
    t = context.t
    listed = unit_list.state(context, UNIT_LIST)
    spec = context.runtime.catalogue.category_by_code(str(listed.get("category") or ""))
    if spec is None or context.db_user is None:
        await answer_in_place(update, context, html.escape(t("This button is out of date; nothing was changed.")),
                              fresh=fresh)
        return
    unit, period, organisation = current_scope(context)
    entries = record_entries(context.session, unit=unit, period=period, organisation_code=organisation,
                             category_code=spec.code)
    locale = t.locale
    page = unit_page(t, entries, order=Order.COUNT, page=unit_list.page_number(listed),
                     query=unit_list.query_of(listed),
                     counted=lambda some, total: t("{units} with records ({count} records)").format(
                         units=format_number(some, locale), count=format_number(total, locale)))
    listed["page"] = page.page

    def records(count: int) -> str:
        return t("{count} records").format(count=format_number(count, locale))

    heading = t("<b>{category}</b>, {period}, {unit}").format(
        category=html.escape(Localised(context.runtime.catalogue, t).category(spec)), period=period.label(t),
        unit=html.escape(unit_display(t, unit)))
    lines = [heading, *unit_list.page_lines(context, page, lambda e: entry_line(t, e, Order.COUNT, counted=records))]
    rows = unit_list.page_rows(context, page, UNIT_LIST, item=lambda entry: button(
        f"{unit_display(t, entry.unit)} · {format_number(entry.count, locale)}", DrillUnit(spec.code,
                                                                                           entry.unit.id or 0)))
    rows.append([button("↩️ " + t("Back to the records"), DrillDown(spec.code, 0)),
                 button("↩️ " + t("Back to the totals"), TotalsBack())])
    await answer_in_place(update, context, "\n".join(lines), InlineKeyboardMarkup(rows), fresh=fresh)


unit_list.register(UNIT_LIST, roles=unit_list.MEMBERS, show=show_units,
                   refusal=N_("You can see the figures of your own unit only."))
