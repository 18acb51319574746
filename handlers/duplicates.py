"""Suspected double counts: the question after saving, /suspects for supervisors, the answers.

The screens are bot/domain/records/duplicate_question.py's; here they are read from the update and drawn.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.records.action_text import Localised
from bot.domain.records.duplicate_question import answer_screen, suspects_screens
from bot.presentation.callbacks import ResolveDuplicate, read
from bot.presentation.render import edit, reply
from handlers.context import ChungTayContext


async def answer(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    pressed = read(update, ResolveDuplicate)
    screen = answer_screen(context.session, context.t, viewer=user, action_id=pressed.action_id,
                           same=pressed.answer == "same")
    if screen is None:
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return
    await query.answer()
    await edit(query, screen)


async def show_suspects(update: Update, context: ChungTayContext) -> None:
    """/suspects: unresolved suspects in the user's unit and below, each with its two answers."""
    await send_suspects(update, context, quiet_when_none=False)


async def send_suspects(update: Update, context: ChungTayContext, *, quiet_when_none: bool) -> None:
    """The suspects, one message each with its buttons (/status adds them only when there are any)."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    for screen in suspects_screens(context.session, Localised(context.runtime.catalogue, context.t), viewer=user,
                                   quiet_when_none=quiet_when_none):
        await reply(message, screen)
