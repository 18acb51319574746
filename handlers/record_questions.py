"""❓ Hỏi lại: a supervisor sends a doubtful record back to its author with a question (Telegram side).

The rules and the outbox messages are in bot/domain/records/questions.py; here are the buttons and
the two one-line waits: the supervisor's question after ❓, and the author's reply after ✍️. The waits
are one ConversationHandler registered in the group before the main one (bot/handlers_wiring.py), like
the wait for typed dates under /totals: the typed line goes to the wait and nowhere else, /cancel or ❌
ends it, and a menu button, another command or another button ends it and is then handled as usual.
Too long or empty text is explained and the wait goes on (the text is still in the chat to shorten).
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.permissions import Do, may
from bot.domain.records import questions as service
from bot.domain.records.questions import QuestionProblem
from bot.i18n import Translator
from bot.presentation.callbacks import (
    AskAboutRecord,
    CancelQuestion,
    ConfirmFigures,
    ReplyToQuestion,
    button,
    on,
    read,
)
from bot.presentation.hooks import wake_outbox
from db.models import SupportAction
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


def ask_buttons(context: ChungTayContext, action: SupportAction, *, label: str | None = None,
                ) -> list[InlineKeyboardButton]:
    """[❓] under a record for a user who may send it back ([] otherwise), to add to its row."""
    user = context.db_user
    if user is None or action.id is None or not may(user, Do.ASK_ABOUT_RECORD, action, session=context.session):
        return []
    return [button(label or f"❓ #{action.id}", AskAboutRecord(action.id))]


def _problem_text(t: Translator, problem: QuestionProblem) -> str:
    return {
        service.NOT_ALLOWED: t("Sorry, this is not yours to ask about or answer."),
        service.NOT_CURRENT: t("Sorry, this entry was corrected or voided since. Ask about its current version."),
        service.ALREADY_OPEN: t("A question about this entry is already waiting for an answer."),
        service.NOT_OPEN: t("This question was already answered or closed."),
        service.NOBODY: t("The person who logged this entry no longer has access, and nobody else in its unit uses "
                          "the bot, so nobody could answer. Please contact the unit directly."),
        service.EMPTY: t("The text was empty. Please type it again, or /cancel."),
    }.get(problem.reason, t("Sorry, that is too long: at most {limit} characters. Please shorten it and send it "
                            "again, or /cancel.").format(limit=service.MAX_TEXT))


def _cancel_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button("❌ " + t("Cancel"), CancelQuestion())]])


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
        action = service.action_to_ask_about(context.session, user=user,
                                             action_id=read(update, AskAboutRecord).action_id)
    except QuestionProblem as problem:
        await query.answer(_problem_text(t, problem), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    _data(context)[KEY] = {"ask": action.id}
    summary = service.record_summary(context.session, context.runtime.catalogue, t, action, with_household=True)
    await _waiting(update, context, WAIT_QUESTION)
    text = t("Type the question for the person who logged this entry (at most {limit} characters), or /cancel:"
             ).format(limit=service.MAX_TEXT)
    await query.message.reply_text(f"{text}\n{summary}", reply_markup=_cancel_markup(t))  # type: ignore[attr-defined]
    return WAIT_QUESTION


async def read_question(update: Update, context: ChungTayContext) -> object:
    message, user, t = update.effective_message, context.db_user, context.t
    target = (_data(context).get(KEY) or {}).get("ask")
    if message is None or message.text is None or user is None or target is None:
        return ConversationHandler.END
    try:
        asked = service.ask(context.session, user=user, action_id=int(target), text=message.text,
                            now=context.runtime.clock(), catalogue=context.runtime.catalogue)
    except QuestionProblem as problem:
        keep_waiting = problem.reason in (service.EMPTY, service.TOO_LONG)
        await message.reply_text(_problem_text(t, problem), reply_markup=_cancel_markup(t) if keep_waiting else None)
        if keep_waiting:
            return WAIT_QUESTION
        _data(context).pop(KEY, None)
        return ConversationHandler.END
    _data(context).pop(KEY, None)
    await _waiting(update, context, ConversationHandler.END)
    wake_outbox(context.application)
    if asked.author_left:
        await message.reply_text(t("❓ The person who logged entry #{id} no longer has access, so your question was "
                                   "sent to the other officers of its unit: {names}. The answer will come here."
                                   ).format(id=target, names=", ".join(asked.recipients)))
    else:
        await message.reply_text(t("❓ Your question about entry #{id} was sent to the person who logged it. "
                                   "Their answer will come here.").format(id=target))
    return ConversationHandler.END


async def start_reply(update: Update, context: ChungTayContext) -> object:
    """✍️ under a question: wait for the author's reply."""
    query, user, t = update.callback_query, context.db_user, context.t
    if query is None or user is None or query.message is None:
        return ConversationHandler.END
    try:
        question = service.question_for_reply(context.session, user=user,
                                              question_id=read(update, ReplyToQuestion).question_id)
    except QuestionProblem as problem:
        await query.answer(_problem_text(t, problem), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    _data(context)[KEY] = {"reply": question.id}
    await _waiting(update, context, WAIT_REPLY)
    await query.message.reply_text(  # type: ignore[attr-defined]
        t("Type your answer about entry #{id} (at most {limit} characters), or /cancel:").format(
            id=question.action_id, limit=service.MAX_TEXT), reply_markup=_cancel_markup(t))
    return WAIT_REPLY


async def read_reply(update: Update, context: ChungTayContext) -> object:
    message, user, t = update.effective_message, context.db_user, context.t
    target = (_data(context).get(KEY) or {}).get("reply")
    if message is None or message.text is None or user is None or target is None:
        return ConversationHandler.END
    try:
        question = service.answer(context.session, user=user, question_id=int(target), reply=message.text,
                                  now=context.runtime.clock())
    except QuestionProblem as problem:
        keep_waiting = problem.reason in (service.EMPTY, service.TOO_LONG)
        await message.reply_text(_problem_text(t, problem), reply_markup=_cancel_markup(t) if keep_waiting else None)
        if keep_waiting:
            return WAIT_REPLY
        _data(context).pop(KEY, None)
        return ConversationHandler.END
    _data(context).pop(KEY, None)
    await _waiting(update, context, ConversationHandler.END)
    wake_outbox(context.application)
    await message.reply_text(t("💬 Thank you: your answer about entry #{id} was sent.").format(id=question.action_id))
    return ConversationHandler.END


async def confirm_figures(update: Update, context: ChungTayContext) -> None:
    """✅ under a question: the figures are right, in one tap."""
    query, user, t = update.callback_query, context.db_user, context.t
    if query is None or user is None:
        return
    try:
        question = service.answer(context.session, user=user, question_id=read(update, ConfirmFigures).question_id,
                                  reply=None, now=context.runtime.clock())
    except QuestionProblem as problem:
        await query.answer(_problem_text(t, problem), show_alert=True)
        return
    wake_outbox(context.application)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await query.message.reply_text(  # type: ignore[union-attr]
        t("✅ Thank you: the supervisor was told that the figures of entry #{id} are right.").format(
            id=question.action_id))


async def cancel(update: Update, context: ChungTayContext) -> object:
    """/cancel or ❌ while waiting: nothing is sent."""
    _data(context).pop(KEY, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("Cancelled. Nothing was sent."))
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
    user, message, t = context.db_user, update.effective_message, context.t
    if user is None or message is None:
        return
    count, questions = service.open_for(context.session, user=user, t=t, tz=context.runtime.settings.tz)
    if not count:
        return
    lines = [html.escape(t("❓ {count} record(s) waiting for an answer:").format(count=count))]
    lines += [html.escape(f"• #{q.action_id} · {q.unit_name} · {q.author} · {q.asked_on}, {q.asked_by}: "
                          f"“{q.question}”") for q in questions]
    if count > len(questions):
        lines.append(html.escape(t("… and {count} more.").format(count=count - len(questions))))
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)
