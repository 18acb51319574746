"""Suspected double counts: the question after saving, /suspects for supervisors, the answers."""

from __future__ import annotations

from sqlmodel import Session
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.lookup import with_originals
from bot.domain.people.access import AccessDenied
from bot.domain.records.action_text import Localised
from bot.domain.records.duplicate_question import duplicate_question as question_screen
from bot.domain.records.duplicates import AnswerRefused, resolve, unresolved
from bot.presentation.callbacks import ResolveDuplicate, read
from bot.presentation.render import render
from db.models import SupportAction
from handlers import record_questions
from handlers.context import ChungTayContext


def duplicate_question(names: Localised, session: Session, *, action: SupportAction,
                       original: SupportAction) -> tuple[str, InlineKeyboardMarkup]:
    """The question about a suspected double count (bot/domain/records/duplicate_question.py), rendered."""
    text, keyboard = render(question_screen(names, session, action=action, original=original))
    assert keyboard is not None
    return text, keyboard


async def answer(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    pressed = read(update, ResolveDuplicate)
    kind = pressed.answer
    try:
        action = resolve(context.session, action_id=pressed.action_id, same=kind == "same", user=user)
    except (AccessDenied, LookupError, ValueError):
        await query.answer(context.t("You cannot change this record."), show_alert=True)
        return
    except AnswerRefused as refused:
        await query.answer()
        await query.edit_message_text(refusal_text(context, refused))
        return
    await query.answer()
    if kind == "same":
        text = context.t("Noted: #{id} is the same distribution and is counted once.")
    else:
        text = context.t("Noted: #{id} is a different distribution and is counted.")
    await query.edit_message_text(text.format(id=action.id))


def refusal_text(context: ChungTayContext, refused: AnswerRefused) -> str:
    """Why an answer was not taken, and what the record counts as now (the question it came from is stale)."""
    t, record_id = context.t, refused.action.id
    if refused.reason == "answered":
        if refused.previous == "confirmed":
            text = t("#{id} was already answered: the same distribution, counted once.")
        else:
            text = t("#{id} was already answered: a different distribution, counted.")
        return text.format(id=record_id) + " " + t("To change it, correct or void the record in /history.")
    if refused.reason == "not_suspect":
        return t("Sorry, #{id} is no longer a suspected double count: the earlier record was voided or corrected, "
                 "so #{id} is counted.").format(id=record_id)
    if refused.reason == "record_changed":
        return t("Sorry, #{id} was voided or corrected meanwhile: there is nothing to answer.").format(id=record_id)
    return t("Sorry, the earlier record #{original} was voided or corrected, so #{id} cannot be counted as the same "
             "distribution; #{id} stays counted.").format(original=refused.action.duplicate_of_id, id=record_id)


async def show_suspects(update: Update, context: ChungTayContext) -> None:
    """/suspects: unresolved suspects in the user's unit and below, each with its two answers."""
    await send_suspects(update, context, quiet_when_none=False)


async def send_suspects(update: Update, context: ChungTayContext, *, quiet_when_none: bool) -> None:
    """The suspects, one message each with its buttons (/status adds them only when there are any)."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    suspects = unresolved(context.session, user=user)
    if not suspects:
        if quiet_when_none:
            return
        await message.reply_text(context.t("No suspected double counts to resolve."))
        return
    await message.reply_text(context.t("{count} suspected double count(s) to resolve:").format(count=len(suspects)))
    for action, original in with_originals(context.session, suspects[:20]):
        text, keyboard = duplicate_question(Localised(context.runtime.catalogue, context.t), context.session,
                                            action=action, original=original)
        ask = record_questions.ask_buttons(context, action, label="❓ " + context.t("Ask the author"))
        keyboard = InlineKeyboardMarkup([*keyboard.inline_keyboard, ask]) if ask else keyboard
        await message.reply_text(text, reply_markup=keyboard, parse_mode=ParseMode.HTML)
