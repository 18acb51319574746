"""The household register in chat: /household (search and history), /household_add (add or edit) and
/unreached ("no one left behind": handlers/unreached.py). Importing the review list (a CSV/XLSX file):
handlers/household_import.py. The screens come from bot/domain/households/card.py."""

from __future__ import annotations

from telegram import Update

from bot.domain.households.card import add_household_screen, search_screen, view_screen
from bot.presentation.callbacks import ViewHousehold, read
from bot.presentation.render import edit, reply
from handlers.common import names_of
from handlers.context import ChungTayContext


async def find_household(update: Update, context: ChungTayContext) -> None:
    """/household <part of the name or the code>."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    text = " ".join(context.args or []).strip()
    await reply(message, search_screen(context.session, viewer=user, names=names_of(context), text=text))


async def view_household(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    screen = view_screen(context.session, viewer=user, names=names_of(context),
                         household_id=read(update, ViewHousehold).household_id)
    if screen is None:
        await query.answer(context.t("You cannot see this household."), show_alert=True)
        return
    await query.answer()
    await edit(query, screen)


async def add_household(update: Update, context: ChungTayContext) -> None:
    """/household_add code; head of household; village; classification; members — adds or edits."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    line = (message.text or "").partition(" ")[2]
    await reply(message, add_household_screen(context.session, viewer=user, names=names_of(context), line=line,
                                              year=context.today.year))
