"""The answers to a button tap that no handler can serve: unreadable, empty, or out of date.

They answer the chat, so they live with the handlers; the codec (bot/presentation/callbacks/codec.py)
only reads and writes callback data, and gives the pattern (`nothing`) that routes empty taps here.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.context import ChungTayContext


async def unreadable(update: Update, context: ChungTayContext) -> None:
    """Registered last: a button no handler took (forged, from an older version of the bot, or of a
    form that has ended). A short answer stops the phone's spinner; nothing else happens."""
    if update.callback_query is not None:
        await update.callback_query.answer(
            context.t("This button no longer works. Please start again with the menu or a command."))


async def refuse_empty(update: Update, context: ChungTayContext) -> None:
    """A tap with empty data (Telegram never sends one, a forged update may): answer and stop."""
    await unreadable(update, context)
    raise ApplicationHandlerStop


async def gone(update: Update, context: ChungTayContext) -> None:
    """A readable button whose record is gone or is not the user's to use."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("This button is out of date; nothing was changed."),
                                           show_alert=True)
