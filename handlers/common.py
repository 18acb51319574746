"""Cross-cutting handlers: /cancel and the error handler, and texts the gate shares (handlers/gate.py)."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot.domain.people.directory import BLOCKED
from bot.domain.permissions import ROLE_NAMES
from bot.domain.records.action_text import Localised
from bot.domain.units.tree import unit_label
from bot.i18n import Translator
from db.models import Role, User
from db.queries import get_organisation, get_unit
from db.session import is_database_unavailable
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)


def no_access_text(t: Translator) -> str:
    return t(
        "Hello! Chung Tay helps commune and association staff record support for poor households "
        "and report it to the district.\n\n"
        "You do not have access yet. Please ask the officer in charge at your supervising unit "
        "(e.g. the district Labour, Invalids and Social Affairs office) for an invite link, then open it."
    )


def inactive_text(t: Translator, user: User) -> str:
    """What a known but inactive user is told: how to come back depends on why they are inactive."""
    if user.deactivated_reason == BLOCKED:
        return t("Welcome back! Send /start to turn your account on again.")
    return t("Your access to Chung Tay has been closed by your supervising unit. "
             "If you still need it, please ask the officer in charge for a new invite link, then open it.")


async def answer_in_place(update: Update, context: ChungTayContext, text: str,
                          markup: InlineKeyboardMarkup | None = None, *, fresh: bool = False) -> None:
    """Edit the message whose button was pressed (so a form stays one message), or send a new one for
    typed text or when `fresh`. Text is HTML."""
    query = update.callback_query
    if not fresh and query is not None and isinstance(query.message, Message) and query.message.text is not None:
        await query.edit_message_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup,
                                       parse_mode=ParseMode.HTML)


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


def role_name(t: Translator, role: Role) -> str:
    return t(ROLE_NAMES[role])


def describe_user(context: ChungTayContext, user: User, *, with_unit: bool = True) -> tuple[str, str, str]:
    """(role, unit, organisation) as shown to people, HTML-escaped. The organisation is named as the unit's
    body ("Ủy ban MTTQ xã Bình Gia"), or only at its level (`with_unit` False) where the unit stands beside it."""
    t = context.t
    unit = unit_label(context.session, t, user.unit_id)
    organisation = (get_organisation(context.session, organisation_id=user.organisation_id)
                    if user.organisation_id else None)
    own_unit = get_unit(context.session, unit_id=user.unit_id)
    names = Localised(context.runtime.catalogue, t)
    names = names.at_unit(own_unit) if with_unit else names.at(own_unit.kind if own_unit else None)
    org_text = names.organisation(organisation.code) if organisation else t("none")
    return role_name(t, user.role), html.escape(unit), html.escape(org_text)
