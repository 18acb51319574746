"""Changing a draft from its card (✏️ Edit), and opening the card on a stored record to correct it."""

from __future__ import annotations

from telegram import Update

from bot.domain.records.actions import Draft
from bot.domain.records.form_plan import COMMON_STEPS, editable_steps
from bot.domain.records.form_screens import APPROXIMATE, edit_menu_screen
from bot.domain.records.log_entry import correction_draft
from bot.presentation import callbacks as cb
from db.models import SupportAction
from handlers.context import ChungTayContext
from handlers.log_form.questions import next_step, show_card
from handlers.log_form.state import EDIT, draft_of, names, say, spec_of, store

__all__ = ["COMMON_STEPS", "back_to_card", "edit_field", "edit_menu", "show_card_for_correction",
           "start_correction"]


async def edit_menu(update: Update, context: ChungTayContext) -> str:
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = draft_of(context)
    spec = spec_of(context, draft)
    assert spec is not None
    screen = edit_menu_screen(names(context), spec=spec, draft=draft, takes_attachments=context.takes_attachments)
    await say(update, context, screen, then=EDIT)
    return EDIT


async def edit_field(update: Update, context: ChungTayContext) -> str:
    step = cb.read(update, cb.LogEditField).step
    draft = draft_of(context)
    spec = spec_of(context, draft)
    if step == APPROXIMATE and spec is not None:  # a switch, not a question: the card again at once
        await update.callback_query.answer()  # type: ignore[union-attr]
        draft.approximate = not draft.approximate
        store(context, draft, [])
        return await show_card(update, context)
    if spec is None or step not in editable_steps(spec):
        await cb.gone(update, context)
        return EDIT
    await update.callback_query.answer()  # type: ignore[union-attr]
    store(context, draft, [step])
    return await next_step(update, context)


async def back_to_card(update: Update, context: ChungTayContext) -> str:
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await show_card(update, context)


def start_correction(context: ChungTayContext, action: SupportAction) -> Draft:
    """Open the card on a stored record (from /history); saving stores a new version."""
    draft = correction_draft(context.session, action=action)
    context.user_state.open_form()
    store(context, draft, [])
    return draft


async def show_card_for_correction(update: Update, context: ChungTayContext) -> str:
    return await show_card(update, context, fresh=True)
