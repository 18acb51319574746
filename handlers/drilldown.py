"""Drill-down: the records behind a line of the totals, a page at a time, each with the buttons to
correct or void it (permissions and audit trail as in /history)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.services.action_text import Localised
from bot.domain.services.actions import can_edit
from bot.domain.services.lookup import author_names
from bot.domain.services.totals import records_behind
from bot.domain.services.units import unit_display
from handlers import history, record_questions
from handlers.callbacks import DrillDown, TotalsBack, button, gone, read
from handlers.context import ChungTayContext
from handlers.totals import current_scope

PAGE = 8


async def show_records(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    if user is None or update.callback_query is None:
        return
    pressed = read(update, DrillDown)
    category_code, page = pressed.category, pressed.page
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
        if can_edit(context.session, user=user, action=action):
            rows.append(history.record_buttons(action) + record_questions.ask_buttons(context, action))
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button("‹", DrillDown(category_code, page - 1)))
    if page + 1 < pages:
        nav.append(button("›", DrillDown(category_code, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button("↩️ " + t("Back to the totals"), TotalsBack())])
    await update.callback_query.edit_message_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows),
                                                  parse_mode=ParseMode.HTML)
