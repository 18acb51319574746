"""/history and /undo: recent entries with buttons to correct or void (author or supervisor above)."""

from __future__ import annotations

from telegram import Update

from bot.domain.lookup import editable_action
from bot.domain.people.access import AccessDenied
from bot.domain.records.actions import ValidationProblem
from bot.domain.records.history import (
    ask_void_screen,
    correcting_screen,
    history_screen,
    kept_screen,
    undo_screen,
    void_screen,
)
from bot.presentation.callbacks import AskVoid, ConfirmVoid, FixRecord, read
from bot.presentation.render import edit, reply
from db.models import ActionStatus, SupportAction
from handlers import log_form
from handlers.common import names_of
from handlers.context import ChungTayContext

MENU_EMOJI = "📜"


async def show_history(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    await reply(message, history_screen(context.session, viewer=user, names=names_of(context)))


async def undo(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    await reply(message, undo_screen(context.session, viewer=user, names=names_of(context)))


def _allowed_action(context: ChungTayContext, action_id: int) -> SupportAction | None:
    return editable_action(context.session, user=context.db_user, action_id=action_id)


async def ask_void(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    assert query is not None
    screen = ask_void_screen(context.session, viewer=context.db_user, names=names_of(context),  # type: ignore[arg-type]
                             action_id=read(update, AskVoid).action_id)
    if screen is None:
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return
    await query.answer()
    await reply(query.message, screen)  # type: ignore[arg-type]


async def confirm_void(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    try:
        screen = void_screen(context.session, viewer=user, t=context.t, action_id=read(update, ConfirmVoid).action_id,
                             now=context.runtime.clock())
    except (AccessDenied, ValidationProblem, LookupError):
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return
    await query.answer()
    await edit(query, screen)


async def keep(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await edit(query, kept_screen(context.t))


async def start_fix(update: Update, context: ChungTayContext) -> str | int:
    """Entry point of the logging form for a correction of a stored record."""
    query = update.callback_query
    assert query is not None
    action = _allowed_action(context, read(update, FixRecord).action_id)
    if action is None or action.status != ActionStatus.CURRENT:
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return log_form.ConversationHandler.END
    await query.answer()
    log_form.start_correction(context, action)
    await reply(query.message, correcting_screen(context.t, action))  # type: ignore[arg-type]
    return await log_form.show_card_for_correction(update, context)
