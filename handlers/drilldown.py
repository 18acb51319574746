"""Drill-down: the records behind a line of the totals, a page at a time, each with the buttons to
correct or void it (permissions and audit trail as in /history).

Above a unit with units under it (a province's 170 communes), "📍 By unit" lists those units with their
records of that kind, the most first, ten a page with 🔎 (handlers/unit_list.py); a unit of the list
shows its own records. The screens come from bot/domain/records/drilldown.py."""

from __future__ import annotations

from telegram import Update

from bot.domain.records.drilldown import UNIT_LIST, Scope, records_screen, units_screen
from bot.domain.screen import screen_of
from bot.i18n import N_
from bot.presentation.callbacks import DrillDown, DrillUnit, gone, read
from bot.presentation.render import edit
from handlers import unit_list
from handlers.common import answer_in_place, names_of
from handlers.context import ChungTayContext
from handlers.totals import choose_unit, current_scope


def _scope(context: ChungTayContext) -> Scope:
    return Scope(*current_scope(context))


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
    unit_list.reset(context, UNIT_LIST, category=category_code)  # for "📍 By unit", when the unit has units under it
    await edit(update.callback_query, records_screen(context.session, viewer=user, names=names_of(context),
                                                     scope=_scope(context), category=spec, page=page))


async def show_units(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The units under the unit on screen with their records of the kind, the most first."""
    listed = unit_list.state(context, UNIT_LIST)
    spec = context.runtime.catalogue.category_by_code(str(listed.get("category") or ""))
    if spec is None or context.db_user is None:
        await answer_in_place(update, context, screen_of(context.t("This button is out of date; nothing was "
                                                                   "changed.")), fresh=fresh)
        return
    screen = units_screen(context.session, names=names_of(context), scope=_scope(context), category=spec,
                          page=unit_list.page_number(listed), query=unit_list.query_of(listed))
    if screen.units is not None:
        listed["page"] = screen.units.page
    await answer_in_place(update, context, screen, fresh=fresh)


unit_list.register(UNIT_LIST, roles=unit_list.MEMBERS, show=show_units,
                   refusal=N_("You can see the figures of your own unit only."))
