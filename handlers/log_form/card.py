"""The summary card's buttons: the figure picked when a per-unit figure and the total disagree, and ✅ Save."""

from __future__ import annotations

import logging
from decimal import Decimal

from telegram import Update
from telegram.ext import ConversationHandler

from bot.domain.people.access import AccessDenied
from bot.domain.records.actions import ValidationProblem, missing_required, rebase_draft
from bot.domain.records.duplicate_question import duplicate_question
from bot.domain.records.form_card import saved_screen
from bot.domain.records.log_entry import save_entry
from bot.domain.screen import Screen
from bot.domain.spans import Text
from bot.presentation import callbacks as cb
from bot.presentation.render import render
from db.session import is_database_unavailable
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.log_form.questions import next_step, show_card
from handlers.log_form.state import (
    CARD,
    catalogue,
    checkpoint,
    draft_of,
    form,
    names,
    remember_saved_line,
    reply,
    say,
    store,
    take_queued,
)

log = logging.getLogger(__name__)


async def pick_total(update: Update, context: ChungTayContext) -> str:
    """One of the two figures offered by `total_choice`: the draft takes it, and the card is shown again."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    choice = draft.total_choice
    if not choice:
        await cb.gone(update, context)
        return await show_card(update, context)
    await query.answer()
    picked = cb.read(update, cb.LogPickTotal).pick
    reading = dict(draft.reading)
    draft.set_measure(choice["measure"], Decimal(choice["derived" if picked == "d" else "written"]))
    if picked == "d":  # the card still shows how the figure was derived
        draft.reading = reading
    draft.total_choice = None
    store(context, draft)
    return await show_card(update, context)


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
        context.user_state.close_form()
        await say(update, context, Screen(Text().add(t("You cannot change this record."))),
                  then=ConversationHandler.END)
        return ConversationHandler.END
    except ValidationProblem as problem:
        await query.answer()
        if problem.reason == "missing":
            store(context, draft, missing_required(draft, catalogue(context)))
            return await next_step(update, context)
        if problem.reason == "out_of_reach":  # moved since the card was drawn: redraw it for the new unit
            store(context, rebase_draft(draft, unit_id=user.unit_id))
            await reply(update, context, t(
                "Not saved: your unit has changed since this card was opened, and its household belongs to "
                "your former unit. The card below is for your new unit; choose the household again if needed, "
                "then tap ✅ Save."))
            return await show_card(update, context, fresh=True)
        context.user_state.close_form()
        await checkpoint(update, context, ConversationHandler.END)
        await reply(update, context, t("This entry can no longer be saved: the record was changed meanwhile."))
        return ConversationHandler.END
    except Exception as exc:
        if is_database_unavailable(exc):
            raise  # the error handler answers "cannot save right now" and keeps the card
        log.exception("saving a support action failed (update %s)", update.update_id)
        await query.answer(t("Not saved."), show_alert=False)
        await reply(update, context,
                    t("⚠️ Not saved: the system had a problem. Your entry is kept; tap ✅ Save again to retry."))
        return CARD
    named = names(context)
    question = duplicate_question(named, context.session, action=saved.action, original=saved.duplicate_of) \
        if saved.duplicate_of is not None else None
    remember_saved_line(context, saved.record_id)
    part = form(context).part
    following = take_queued(context)  # the line's next action becomes the open entry, if it has one
    if following is None:
        context.user_state.close_form()
    await checkpoint(update, context, following or ConversationHandler.END)
    await query.answer(t("Saved."))
    # One message per entry: the card, edited into the confirmation with the running total under it.
    await answer_in_place(update, context, render(saved_screen(named, saved, part=part))[0])
    if question is not None:
        await answer_in_place(update, context, *render(question), fresh=True)
    if following is not None:  # the line's next action: its own card, below this one
        return await next_step(update, context, fresh=True)
    return ConversationHandler.END
