"""Asking the form's steps one at a time: the next question of the plan, or the card when none is left."""

from __future__ import annotations

from telegram import Update

from bot.domain.records.form_card import entry_card_screen
from bot.domain.records.form_plan import plan_to_ask
from bot.domain.records.form_screens import step_screen
from handlers.context import ChungTayContext
from handlers.log_form.state import ASK, CARD, draft_of, form, names, say, spec_of, store


async def next_step(update: Update, context: ChungTayContext, *, note: str = "", fresh: bool = False) -> str:
    """Ask the first step of the plan, or show the card when nothing is left; `fresh`: in a new message
    (the message of the pressed button shows something else, e.g. the entry saved before this one)."""
    draft = draft_of(context)
    spec = spec_of(context, draft)
    assert spec is not None
    plan = plan_to_ask(form(context).plan, draft, spec)
    store(context, draft, plan)
    if not plan:
        return await show_card(update, context, fresh=fresh)
    screen = step_screen(names(context), step=plan[0], draft=draft, spec=spec, ahead=plan[1:],
                         part=form(context).part, note=note)
    await say(update, context, screen, then=ASK, fresh=fresh)
    return ASK


async def unseen_step(update: Update, context: ChungTayContext) -> str | None:
    """A crash between writing a question and its message reaching the user (or before that was noted)
    leaves a question the user may not have seen: what they type or tap may answer the question before
    it. So it is not taken; the question is shown again, saying why. Returns the state, or None when
    the question was seen."""
    current = form(context)
    if not current.unseen:
        return None
    current.unseen = False
    return await next_step(update, context, note=context.t(
        "Sorry, that answer was not taken: the question may not have reached you. Your entry is at this step:"))


async def show_card(update: Update, context: ChungTayContext, *, fresh: bool = False) -> str:
    """The summary card of the open draft, with ✅ Save / ✏️ Edit / ❌ Cancel (bot/domain/records/form_card.py)."""
    user = context.db_user
    assert user is not None
    current = form(context)
    card = entry_card_screen(context.session, viewer=user, draft=draft_of(context), names=names(context),
                             now=context.runtime.clock(), part=current.part,
                             takes_attachments=context.takes_attachments)
    if card.draft != current.draft:
        store(context, card.draft)  # a new entry's household the user may no longer see is gone
    await say(update, context, card.screen, then=CARD, fresh=fresh)
    return CARD
