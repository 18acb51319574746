"""/unreached ("no one left behind"): registered poor and near-poor households with no support this year.

For a unit without units under it, the households themselves (the first fifty, all of them in the Excel
file). For a unit with units under it (a province's communes), a list of those units with how many of
their households are still waiting, the most first, ten a page with 🔎 (handlers/unit_list.py); a unit
of the list shows its own households. The workbook always has every household of the reader's unit.
The screens come from bot/domain/households/unreached.py.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.households.unreached import UNIT_LIST, unit_households_screen, units_screen, unreached
from bot.domain.reports.export_files import unreached_workbook
from bot.i18n import N_
from bot.presentation.callbacks import UnreachedUnit, read
from bot.presentation.render import reply
from handlers import unit_list
from handlers.background import send_file_later
from handlers.common import answer_in_place, names_of
from handlers.context import ChungTayContext


def _category_code(listed: dict[str, object]) -> str | None:
    code = listed.get("category")
    return code if isinstance(code, str) else None


async def show_unreached(update: Update, context: ChungTayContext) -> None:
    """/unreached [category]: registered poor and near-poor households with no support this year."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    t, today = context.t, context.today
    found = unreached(context.session, viewer=user, names=names_of(context), typed=" ".join(context.args or []),
                      today=today)
    if found.screen is not None:
        await reply(message, found.screen)
    else:
        unit_list.reset(context, UNIT_LIST, category=found.category.code if found.category else None)
        await show_units(update, context, True)
    if found.households and update.effective_chat is not None:
        households, classes = found.households, found.classes
        send_file_later(context, chat_id=update.effective_chat.id,
                        build=lambda session: unreached_workbook(session, t, households, classes),
                        filename=f"chua-duoc-ho-tro-{today.isoformat()}.xlsx")


async def show_units(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The units under the reader's with their households still waiting, the most first."""
    user = context.db_user
    if user is None:
        return
    listed = unit_list.state(context, UNIT_LIST)
    screen = units_screen(context.session, viewer=user, names=names_of(context), category_code=_category_code(listed),
                          today=context.today, page=unit_list.page_number(listed), query=unit_list.query_of(listed))
    if screen is None:
        return
    if screen.units is not None:
        listed["page"] = screen.units.page
    await answer_in_place(update, context, screen, fresh=fresh)


async def show_unit(update: Update, context: ChungTayContext) -> None:
    """A unit of the list: its households still waiting (refused outside the reader's own subtree)."""
    query, user = update.callback_query, context.db_user
    if query is None or user is None:
        return
    listed = unit_list.state(context, UNIT_LIST)
    screen = unit_households_screen(context.session, viewer=user, names=names_of(context),
                                    unit_id=read(update, UnreachedUnit).unit_id, category_code=_category_code(listed),
                                    today=context.today, back_page=unit_list.page_number(listed))
    if screen is None:
        await query.answer(context.t("You can see the households of your own unit and the units under it only."),
                           show_alert=True)
        return
    await query.answer()
    await answer_in_place(update, context, screen)


unit_list.register(UNIT_LIST, roles=unit_list.MEMBERS, show=show_units,
                   refusal=N_("You can see the households of your own unit and the units under it only."))
