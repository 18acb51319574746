"""❓ Hỏi lại: a supervisor sends a doubtful record back to its author with a question (Telegram side).

The rules and the outbox messages are in bot/domain/records/questions.py; here are the buttons and
the two one-line waits: the supervisor's question after ❓, and the author's reply after ✍️. The waits
are one ConversationHandler registered in the group before the main one (bot/handlers_wiring.py), like
the wait for typed dates under /totals: the typed line goes to the wait and nowhere else, /cancel or ❌
ends it, and a menu button, another command or another button ends it and is then handled as usual.
Too long or empty text is explained and the wait goes on (the text is still in the chat to shorten).
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

from bot.domain.records import question_screens as screens
from bot.domain.records.questions import QuestionProblem
from bot.domain.screen import screen_of
from bot.presentation.callbacks import (
    AskAboutRecord,
    CancelQuestion,
    ConfirmFigures,
    ReplyToQuestion,
    on,
    read,
)
from bot.presentation.hooks import wake_outbox
from bot.presentation.render import reply
from handlers.context import ChungTayContext

WAIT_QUESTION, WAIT_REPLY = "question", "reply"
CONVERSATION = "record_question"
KEY = "record_question"
"""user_data entry of an open wait: {"ask": record id} or {"reply": question id}."""


def _data(context: ChungTayContext) -> dict[Any, Any]:
    """The user's user_data (every update handled here has a user)."""
    data = context.user_data
    assert data is not None
    return data


async def _waiting(update: Update, context: ChungTayContext, state: object) -> None:
    """Store the wait (or its end) with the user's data BEFORE the prompt (or the confirmation) is sent, as
    the logging form does: killed just after the prompt went out, the restarted bot still takes the typed
    line as the question or the answer instead of as something else."""
    await context.app.checkpoint(update, context.user_data, CONVERSATION, state)


async def start_ask(update: Update, context: ChungTayContext) -> object:
    """❓: check that the user may ask, then wait for the question."""
    query, user, t = update.callback_query, context.db_user, context.t
    if query is None or user is None or query.message is None:
        return ConversationHandler.END
    try:
        action_id, prompt = screens.question_prompt(context.session, context.runtime.catalogue, t, viewer=user,
                                                    action_id=read(update, AskAboutRecord).action_id)
    except QuestionProblem as problem:
        await query.answer(screens.problem_text(t, problem), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    _data(context)[KEY] = {"ask": action_id}
    await _waiting(update, context, WAIT_QUESTION)
    await reply(query.message, prompt)  # type: ignore[arg-type]
    return WAIT_QUESTION


async def _refused(update: Update, context: ChungTayContext, problem: QuestionProblem, waiting: str) -> object:
    """A typed text that cannot be sent: say why; wait again for an empty or too long one."""
    message = update.effective_message
    assert message is not None
    await reply(message, screens.problem_screen(context.t, problem))
    if screens.keeps_waiting(problem):
        return waiting
    _data(context).pop(KEY, None)
    return ConversationHandler.END


async def read_question(update: Update, context: ChungTayContext) -> object:
    message, user = update.effective_message, context.db_user
    target = (_data(context).get(KEY) or {}).get("ask")
    if message is None or message.text is None or user is None or target is None:
        return ConversationHandler.END
    try:
        screen = screens.asked_screen(context.session, context.runtime.catalogue, context.t, viewer=user,
                                      action_id=int(target), typed=message.text, now=context.runtime.clock())
    except QuestionProblem as problem:
        return await _refused(update, context, problem, WAIT_QUESTION)
    _data(context).pop(KEY, None)
    await _waiting(update, context, ConversationHandler.END)
    wake_outbox(context.application)
    await reply(message, screen)
    return ConversationHandler.END


async def start_reply(update: Update, context: ChungTayContext) -> object:
    """✍️ under a question: wait for the author's reply."""
    query, user, t = update.callback_query, context.db_user, context.t
    if query is None or user is None or query.message is None:
        return ConversationHandler.END
    try:
        question_id, prompt = screens.reply_prompt(context.session, t, viewer=user,
                                                   question_id=read(update, ReplyToQuestion).question_id)
    except QuestionProblem as problem:
        await query.answer(screens.problem_text(t, problem), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    _data(context)[KEY] = {"reply": question_id}
    await _waiting(update, context, WAIT_REPLY)
    await reply(query.message, prompt)  # type: ignore[arg-type]
    return WAIT_REPLY


async def read_reply(update: Update, context: ChungTayContext) -> object:
    message, user = update.effective_message, context.db_user
    target = (_data(context).get(KEY) or {}).get("reply")
    if message is None or message.text is None or user is None or target is None:
        return ConversationHandler.END
    try:
        screen = screens.answered_screen(context.session, context.t, viewer=user, question_id=int(target),
                                         typed=message.text, now=context.runtime.clock())
    except QuestionProblem as problem:
        return await _refused(update, context, problem, WAIT_REPLY)
    _data(context).pop(KEY, None)
    await _waiting(update, context, ConversationHandler.END)
    wake_outbox(context.application)
    await reply(message, screen)
    return ConversationHandler.END


async def confirm_figures(update: Update, context: ChungTayContext) -> None:
    """✅ under a question: the figures are right, in one tap."""
    query, user, t = update.callback_query, context.db_user, context.t
    if query is None or user is None:
        return
    try:
        screen = screens.answered_screen(context.session, t, viewer=user, typed=None, now=context.runtime.clock(),
                                         question_id=read(update, ConfirmFigures).question_id)
    except QuestionProblem as problem:
        await query.answer(screens.problem_text(t, problem), show_alert=True)
        return
    wake_outbox(context.application)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await reply(query.message, screen)  # type: ignore[arg-type]


async def cancel(update: Update, context: ChungTayContext) -> object:
    """/cancel or ❌ while waiting: nothing is sent."""
    _data(context).pop(KEY, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    if update.effective_message is not None:
        await reply(update.effective_message, screen_of(context.t("Cancelled. Nothing was sent.")))
    return ConversationHandler.END


async def stale_cancel(update: Update, context: ChungTayContext) -> None:
    """❌ under a prompt whose wait is already over (answered, cancelled or left)."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("Nothing to cancel."))


async def leave(update: Update, context: ChungTayContext) -> object:
    """Anything else ends the wait and is then handled as usual."""
    _data(context).pop(KEY, None)
    return ConversationHandler.END


def _answered_here(callback: Callable[[Update, ChungTayContext], Coroutine[Any, Any, object]],
                   ) -> Callable[[Update, ChungTayContext], Coroutine[Any, Any, None]]:
    """Run `callback`, then stop the update there (the main group must not answer it again)."""
    async def answered(update: Update, context: ChungTayContext) -> None:
        raise ApplicationHandlerStop(await callback(update, context))
    return answered


def build_question_conversation(*, leave_on: filters.BaseFilter) -> ConversationHandler:
    """The waits for a typed question or reply (see the module notes)."""
    answered = _answered_here
    typed = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND  # an edit of an older line is not it
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(answered(start_ask), pattern=on(AskAboutRecord)),
                          CallbackQueryHandler(answered(start_reply), pattern=on(ReplyToQuestion))],
            states={
                WAIT_QUESTION: [MessageHandler(leave_on, leave), MessageHandler(typed, answered(read_question)),
                                CallbackQueryHandler(answered(cancel), pattern=on(CancelQuestion))],
                WAIT_REPLY: [MessageHandler(leave_on, leave), MessageHandler(typed, answered(read_reply)),
                             CallbackQueryHandler(answered(cancel), pattern=on(CancelQuestion))],
            },
            fallbacks=[CommandHandler("cancel", answered(cancel)), MessageHandler(filters.UpdateType.MESSAGE, leave),
                       CallbackQueryHandler(leave)],
            name=CONVERSATION,
            persistent=True,
            allow_reentry=True,
        )


async def send_open_questions(update: Update, context: ChungTayContext) -> None:
    """/status: the open questions about records of the user's unit and below (nothing when none)."""
    user, message = context.db_user, update.effective_message
    if user is None or message is None:
        return
    screen = screens.open_questions_screen(context.session, context.t, viewer=user, tz=context.runtime.settings.tz)
    if screen is not None:
        await reply(message, screen)
