"""The wait for a typed range after "📅 Other dates" in the totals' period choice (see handlers/totals.py).

The bot waits for a typed range, read by `bot.domain.totals.questions.parse_range`. Only the period
changes, so the unit, organisation and kind chosen before are kept, also while a typo is corrected.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.screen import screen_of
from bot.domain.totals.asked import relative_code
from bot.domain.totals.choosers import range_problem_screen, range_prompt_screen
from bot.domain.totals.questions import RangeError, parse_range
from bot.presentation.callbacks import TotalsBack, TotalsOtherDates, on
from bot.presentation.render import render, reply
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.totals import _ask_next, _show, _store, _view

MAX_RANGE_TEXT = 200
WAIT_RANGE = "range"


async def ask_range(update: Update, context: ChungTayContext) -> object:
    """📅 pressed: ask for the dates in place of the period choice, with examples that work today."""
    query = update.callback_query
    if query is None or context.db_user is None:
        return ConversationHandler.END
    await query.answer()
    screen = range_prompt_screen(context.t, view=_view(context), today=context.today)
    await answer_in_place(update, context, *render(screen))
    return WAIT_RANGE


async def read_range(update: Update, context: ChungTayContext) -> object:
    """The typed reply: show the totals for that range, or say what is wrong and keep waiting.

    Only the view's period is touched, so the unit, organisation and kind chosen before survive any
    number of typos.
    """
    message = update.effective_message
    if message is None or message.text is None or context.db_user is None:
        return ConversationHandler.END
    try:
        period = parse_range(message.text[:MAX_RANGE_TEXT], today=context.today)
    except RangeError as error:
        await reply(message, range_problem_screen(context.t, error, today=context.today))
        return WAIT_RANGE
    view = _view(context)
    view.period = relative_code(period, today=context.today) or period.code
    _store(context, view)
    if view.ask:
        await _ask_next(update, context, view)
    else:
        await _show(update, context, fresh=True)
    return ConversationHandler.END


async def cancel_range(update: Update, context: ChungTayContext) -> object:
    """❌ or /cancel while waiting: stop waiting and show the totals unchanged (❌ in place)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None:
        await reply(update.effective_message, screen_of(context.t("Cancelled.")))
    if context.db_user is not None:
        await _show(update, context)
    return ConversationHandler.END


async def leave_range(update: Update, context: ChungTayContext) -> object:
    """Anything else (a command, a menu button, another button) ends the wait and is then handled as
    usual, so the next typed line reaches whatever the user went on to do (e.g. a /log form)."""
    return ConversationHandler.END


def _answered_here(callback: Callable[[Update, ChungTayContext], Coroutine[Any, Any, object]],
                   ) -> Callable[[Update, ChungTayContext], Coroutine[Any, Any, None]]:
    """Run `callback`, then stop the update there, so the handlers of the main group (questions, quick
    entry, an open logging form, the other totals buttons) do not answer it a second time."""
    async def answered(update: Update, context: ChungTayContext) -> None:
        raise ApplicationHandlerStop(await callback(update, context))
    return answered


def build_range_conversation(*, leave_on: filters.BaseFilter) -> ConversationHandler:
    """The wait for a typed range. Registered in a group before the main one (see bot/handlers_wiring.py):
    what it answers stops there, and what it does not (`leave_on`, the menu buttons; any command but
    /cancel; other buttons) ends the wait and goes on to the main group."""
    answered = _answered_here
    with warnings.catch_warnings():
        # One wait per user and chat is what we want, so PTB's per_message hint does not apply.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(answered(ask_range), pattern=on(TotalsOtherDates))],
            states={
                WAIT_RANGE: [MessageHandler(leave_on, leave_range),
                             MessageHandler(filters.TEXT & ~filters.COMMAND, answered(read_range)),
                             CallbackQueryHandler(answered(cancel_range), pattern=on(TotalsBack))],
            },
            fallbacks=[CommandHandler("cancel", answered(cancel_range)), MessageHandler(filters.ALL, leave_range),
                       CallbackQueryHandler(leave_range)],
            name="totals_range",
            persistent=True,
            allow_reentry=True,
        )


