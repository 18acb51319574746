"""Cross-cutting handlers: /cancel and the error handler, and texts the gate shares (handlers/gate.py)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot.domain.people.welcome import inactive_text, no_access_text
from bot.domain.records.action_text import Localised
from bot.domain.screen import Screen
from bot.presentation import render
from db.session import is_database_unavailable
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)
__all__ = ["answer_in_place", "cancel", "inactive_text", "names_of", "no_access_text", "on_error"]


async def answer_in_place(update: Update, context: ChungTayContext, shown: Screen | str,
                          markup: Any = None, *, fresh: bool = False) -> None:
    """Edit the message whose button was pressed (so a form stays one message), or send a new one for
    typed text or when `fresh`. `shown` is a screen (bot/domain/screen.py), or text already drawn as HTML
    with its `markup` (callers not yet on screens)."""
    text, markup = render.render(shown) if isinstance(shown, Screen) else (shown, markup)
    query = update.callback_query
    if not fresh and query is not None and isinstance(query.message, Message) and query.message.text is not None:
        await render.edit_html(query, text, markup)
    elif update.effective_chat is not None:
        await render.send_html(context.bot, update.effective_chat.id, text, markup)


def names_of(context: ChungTayContext) -> Localised:
    """The catalogue's names in the reader's language (what every screen service is handed)."""
    return Localised(context.runtime.catalogue, context.t)


async def cancel(update: Update, context: ChungTayContext) -> int:
    """Leave whatever form is open; nothing half-done is stored."""
    context.user_data.clear()  # type: ignore[union-attr]
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(context.t("Cancelled."))
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t("Cancelled."))
    return ConversationHandler.END


async def on_error(update: object, context: ChungTayContext) -> None:
    """Log without personal data (no message text) and tell the user politely."""
    update_id = update.update_id if isinstance(update, Update) else None
    if is_database_unavailable(context.error):
        await _database_unavailable(update, context)
        if isinstance(update, Update):
            raise ApplicationHandlerStop  # the next handler groups would only fail the same way
        return
    log.error("error while handling update %s: %s", update_id, type(context.error).__name__,
              exc_info=context.error)
    if isinstance(update, Update) and update.callback_query is not None:
        try:  # whatever failed, the phone's spinner must stop (a second answer is refused: harmless)
            await update.callback_query.answer()
        except Exception:
            log.debug("callback query of update %s was already answered", update_id)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                context.t("Sorry, something went wrong on our side. Please try again in a moment."))
        except Exception:  # the chat may be unreachable; the log line above is what matters
            log.warning("could not tell chat about the error of update %s", update_id)


async def _database_unavailable(update: object, context: ChungTayContext) -> None:
    """The database is down: still answer, from what needs no database. The language is Telegram's
    language_code when it is vi or en, else the default (the user's choice is in the database); a button
    press is answered (its spinner stops) and its card is left as it is, so the user can tap again once
    the database is back. Memory is put back to what the database holds (`forget_unsaved`). One log
    line, no traceback: this is an outage, not a bug, and it repeats for every update while it lasts."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.warning("database unavailable while handling update %s: %s", update_id, type(context.error).__name__)
    if not isinstance(update, Update):
        return
    context.database_unavailable()
    context.app.forget_unsaved(update)
    text = context.t("The system cannot save right now, please try again in a few minutes.")
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text, show_alert=True)
            return
        except TelegramError:  # already answered by the handler before the database failed
            pass
    chat = update.effective_chat
    if chat is None or (chat.type != "private" and query is None
                        and not (update.effective_message and (update.effective_message.text or "").startswith("/"))):
        return  # ordinary group chatter gets no answer, outage or not
    try:
        await context.bot.send_message(chat.id, text)
    except TelegramError:
        log.warning("could not tell chat about the database outage (update %s)", update_id)
