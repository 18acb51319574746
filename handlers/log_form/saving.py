"""✅ Save on the card of an entry: store it once, then turn the card into the confirmation.

Apart from the card (card.py) because saving may go back to the form's questions (a figure still
missing), and the questions show the card: with both in one module, the card and the questions would
import each other.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from bot.domain.people.access import AccessDenied
from bot.domain.records.actions import ValidationProblem, missing_required, rebase_draft
from bot.domain.records.log_entry import save_entry
from bot.presentation.render import to_html
from db.session import is_database_unavailable
from handlers.context import ChungTayContext
from handlers.duplicates import duplicate_question
from handlers.log_form.card import show_card
from handlers.log_form.questions import next_step
from handlers.log_form.state import (
    CARD,
    catalogue,
    checkpoint,
    draft_of,
    names,
    part_label,
    remember_saved_line,
    say,
    store,
    take_queued,
)

log = logging.getLogger(__name__)


async def save(update: Update, context: ChungTayContext) -> str | int:
    """✅ on the card. The record is committed first (its client_key makes a repeated tap store it once);
    then everything the reply needs is read, the closed form is written, and only then does the user
    see "Saved": a crash before that leaves the card open, and tapping ✅ again finds the same record."""
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    draft = draft_of(context)
    t = context.t
    if draft.total_choice:  # an old card's ✅: the figure to save is not chosen yet
        await query.answer()
        return await show_card(update, context, fresh=True)
    try:
        saved = save_entry(context.session, draft=draft, author=user, names=names(context), today=context.today,
                           now=context.runtime.clock(), source_update_id=update.update_id)
    except AccessDenied:
        await query.answer()
        context.user_data.pop("log", None)  # type: ignore[union-attr]
        await say(update, context, t("You cannot change this record."), then=ConversationHandler.END)
        return ConversationHandler.END
    except ValidationProblem as problem:
        await query.answer()
        if problem.reason == "missing":
            store(context, draft, missing_required(draft, catalogue(context)))
            return await next_step(update, context)
        if problem.reason == "out_of_reach":  # moved since the card was drawn: redraw it for the new unit
            store(context, rebase_draft(draft, unit_id=user.unit_id))
            await query.message.reply_text(t(  # type: ignore[union-attr]
                "Not saved: your unit has changed since this card was opened, and its household belongs to "
                "your former unit. The card below is for your new unit; choose the household again if needed, "
                "then tap ✅ Save."))
            return await show_card(update, context, fresh=True)
        context.user_data.pop("log", None)  # type: ignore[union-attr]
        await checkpoint(update, context, ConversationHandler.END)
        await query.message.reply_text(t("This entry can no longer be saved: the record was changed meanwhile."))  # type: ignore[union-attr]
        return ConversationHandler.END
    except Exception as exc:
        if is_database_unavailable(exc):
            raise  # the error handler answers "cannot save right now" and keeps the card
        log.exception("saving a support action failed (update %s)", update.update_id)
        await query.answer(t("Not saved."), show_alert=False)
        await query.message.reply_text(  # type: ignore[union-attr]
            t("⚠️ Not saved: the system had a problem. Your entry is kept; tap ✅ Save again to retry."))
        return CARD
    question = None
    if saved.duplicate_of is not None:
        question = duplicate_question(names(context), context.session, action=saved.action,
                                      original=saved.duplicate_of)
    remember_saved_line(context, saved.record_id)
    part = part_label(context)
    following = take_queued(context)  # the line's next action becomes the open entry, if it has one
    if following is None:
        context.user_data.pop("log", None)  # type: ignore[union-attr]
    await checkpoint(update, context, following or ConversationHandler.END)
    await query.answer(t("Saved."))
    # One message per entry: the card, edited into the confirmation with the running total under it.
    marked = "\n⚠️ " + t("Marked for your supervisor: unusual figures, confirmed.") if saved.marked_unusual else ""
    saved_line = "✅ " + t("Saved as record #{id}.").format(id=saved.record_id)
    await query.edit_message_text(f"{part}{to_html(saved.card)}\n\n{saved_line}{marked}\n\n"
                                  f"{to_html(saved.running_total)}", parse_mode=ParseMode.HTML)
    if question is not None and update.effective_chat is not None:
        text, keyboard = question
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard,
                                       parse_mode=ParseMode.HTML)
    if following is not None:  # the line's next action: its own card, below this one
        return await next_step(update, context, fresh=True)
    return ConversationHandler.END
