"""Logging support actions: the guided form (/log, "📝" button), one-line quick entry, the card.

States are constants; one async callback per state returns the next. The form's state is a typed
`FormState` in the user's data (`context.user_state.form`, persisted in the database), so a half-filled
form survives a restart. Its "plan" is the list of steps still to ask (the rules of which steps, in what
order: bot/domain/records/form_plan.py); when it is empty the summary card is shown. Every screen of
the form is built in the domain (bot/domain/records/form_screens.py, form_card.py) and rendered here.

The package: `state` (the draft between updates, showing a step), `questions` (asking the next step),
`answers` (typed text, buttons, photos), `card` (the card and ✅ Save), `edit` (✏️ Edit, corrections),
`lines` (a whole entry typed over an open form, text where a button is expected, edited messages);
here are the ways into the form and its wiring. Every database read or write goes through
bot/domain/records/log_entry.py.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.records.actions import Draft, adopt_category, missing_required
from bot.domain.records.form_plan import COMMON_STEPS, new_entry_plan, repeat_plan
from bot.domain.records.form_screens import category_screen
from bot.domain.records.log_entry import repeat_draft
from bot.presentation import callbacks as cb
from handlers import kept_line
from handlers.common import answer_in_place, cancel
from handlers.context import ChungTayContext
from handlers.log_form.answers import attachment, button_answer, typed_answer
from handlers.log_form.card import pick_total, save
from handlers.log_form.edit import (
    back_to_card,
    edit_field,
    edit_menu,
    show_card_for_correction,
    start_correction,
)
from handlers.log_form.lines import (
    card_typed,
    edit_menu_typed,
    edited_in_form,
    edited_outside_form,
    keep_form,
    open_line,
    picker_typed,
    read_line,
    replace_form,
)
from handlers.log_form.questions import next_step, show_card
from handlers.log_form.state import (
    ASK,
    CARD,
    CATEGORY,
    EDIT,
    FORM_NAME,
    MAX_TEXT,
    catalogue,
    checkpoint,
    draft_of,
    form,
    names,
    problem_text,
    reply,
    say,
    spec_of,
    store,
    take_queued,
    with_example_text,
)
from handlers.user_data import SAVED_LINES

__all__ = ["ASK", "CARD", "CATEGORY", "COMMON_STEPS", "EDIT", "FORM_NAME", "MAX_TEXT", "MENU_LOG_EMOJI",
           "ConversationHandler", "back_to_card", "begin", "build_log_conversation", "cancel_form", "card_typed",
           "edit_field", "edit_menu", "menu_filter", "pick_category", "quick_entry", "record_kept_line", "repeat_entry",
           "save",
           "show_card", "show_card_for_correction", "stale_button", "start_correction"]

MENU_LOG_EMOJI = "📝"


async def begin(update: Update, context: ChungTayContext) -> str | int:
    """/log or the 📝 button: choose a category (most used first), or repeat a recent entry. Private chats
    only: in a group the gate (handlers/gate.py) points to the private chat instead."""
    user = context.db_user
    assert user is not None
    context.user_state.open_form()
    screen = category_screen(context.session, viewer=user, names=names(context))
    await say(update, context, screen, then=CATEGORY)
    return CATEGORY


async def pick_category(update: Update, context: ChungTayContext) -> str:
    code = cb.read(update, cb.LogCategory).code
    spec = catalogue(context).category_by_code(code)
    if spec is None:
        await cb.gone(update, context)
        return CATEGORY
    await update.callback_query.answer()  # type: ignore[union-attr]
    if form(context).draft is not None:  # a line's figures, read without a kind of support: kept
        draft = draft_of(context)
        if adopt_category(draft, spec):  # a figure this kind does not count: the line is kept in the note
            draft.note = draft.note or (form(context).line_text or "")[:200] or None
        store(context, draft, missing_required(draft, catalogue(context)))
        return await next_step(update, context)
    store(context, Draft(category=code), new_entry_plan(spec))
    return await next_step(update, context)


async def repeat_entry(update: Update, context: ChungTayContext) -> str:
    """"Same as last time": copy a recent record, ask only its main figure, then show the card."""
    user = context.db_user
    assert user is not None
    draft = repeat_draft(context.session, user=user, action_id=cb.read(update, cb.LogRepeat).action_id)
    if draft is None:
        await cb.gone(update, context)
        return CATEGORY
    await update.callback_query.answer()  # type: ignore[union-attr]
    spec = spec_of(context, draft)
    assert spec is not None
    store(context, draft, repeat_plan(spec))
    return await next_step(update, context)


async def quick_entry(update: Update, context: ChungTayContext) -> str | int:
    """Any free text outside a form is tried as a one-line entry (an edited line: see `lines`)."""
    message = update.effective_message
    if message is None or message.text is None or update.effective_chat is None \
            or update.effective_chat.type != "private":
        return ConversationHandler.END
    if update.edited_message is not None and (answered := await edited_outside_form(update, context)) is not None:
        return answered
    opened = await open_line(update, context, message.text, source=message.message_id)
    if opened is not None:
        return opened
    parsed = read_line(context, message.text)
    why = problem_text(context, *parsed.problems[0]) if parsed.problems else context.t(
        "Sorry, I could not read that as a support entry.")
    await reply(update, context, with_example_text(context, why))
    return ConversationHandler.END


async def record_kept_line(update: Update, context: ChungTayContext) -> str | int | None:
    """📝 under a line that could be an entry or a question: the kept line is read as an entry."""
    query = update.callback_query
    line = kept_line.take(context)
    if query is None or line is None:
        await cb.gone(update, context)
        return ConversationHandler.END
    if (open_form := context.user_state.form) is not None and open_form.draft is not None:
        context.user_state[kept_line.KEPT_LINE] = line
        await query.answer(context.t("An entry is open: save or cancel it first; your line is kept."),
                           show_alert=True)
        return None  # the open form stays as it is, and so do these buttons
    await query.answer()
    source = line.get("source")
    opened = await open_line(update, context, line["text"], source=source if isinstance(source, int) else None)
    if opened is not None:  # one entry, several, or its kind of support to pick with the figures kept
        return opened
    parsed = read_line(context, line["text"])
    text = problem_text(context, *parsed.problems[0]) if parsed.problems else context.t(
        "Sorry, I could not read that as a support entry.")
    await reply(update, context, with_example_text(context, text))
    return ConversationHandler.END


async def cancel_form(update: Update, context: ChungTayContext) -> str | int:
    """❌ or /cancel in the form: the closed form is written before "Cancelled." is shown. ❌ on one of a
    line's several actions cancels that one only: the next one's card follows (/cancel drops them all)."""
    query = update.callback_query
    following = take_queued(context) if query is not None else None
    if following is not None:
        await query.answer()  # type: ignore[union-attr]
        await checkpoint(update, context, following)  # the next action is open before the old card says so
        await answer_in_place(update, context, context.t("Cancelled: this entry is not saved."))
        return await next_step(update, context, fresh=True)
    data = context.user_state
    kept = {key: data.get(key) for key in (SAVED_LINES, kept_line.KEPT_LINE)}
    data.clear()
    await checkpoint(update, context, ConversationHandler.END)
    ended = await cancel(update, context)
    for key, value in kept.items():
        if value:
            data[key] = value
    return ended


async def stale_button(update: Update, context: ChungTayContext) -> None:
    """A form button pressed after its form ended (e.g. ✅ tapped twice): nothing is stored twice."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("This form is already closed."))


def build_log_conversation(starters: list[Any], free_text: Any) -> ConversationHandler:
    """The logging form. `starters` (/log, 📝, a correction) open it anytime, even over an open form;
    `free_text` (quick entry) only opens it when no form is open, so answers to the form's questions
    are never mistaken for a new entry."""
    # Typed lines, not edits of earlier ones (those go to `edited_in_form`), nor the 📝 button (it restarts).
    text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & ~menu_filter()
    edited = filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND
    attachments = filters.PHOTO | filters.LOCATION
    with warnings.catch_warnings():
        # One form per user and chat is what we want, so PTB's per_message hint does not apply.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[*starters, free_text],
            states={
                CATEGORY: [CallbackQueryHandler(pick_category, pattern=cb.on(cb.LogCategory)),
                           CallbackQueryHandler(repeat_entry, pattern=cb.on(cb.LogRepeat)),
                           MessageHandler(text, picker_typed)],
                ASK: [MessageHandler(text, typed_answer), MessageHandler(attachments, attachment),
                      CallbackQueryHandler(button_answer, pattern=cb.on(cb.LogSet, cb.LogSkip, cb.LogKeep,
                                                                        cb.LogHousehold, cb.LogTypedHousehold))],
                CARD: [CallbackQueryHandler(save, pattern=cb.on(cb.LogSave)),
                       CallbackQueryHandler(pick_total, pattern=cb.on(cb.LogPickTotal)),
                       CallbackQueryHandler(edit_menu, pattern=cb.on(cb.LogEdit)),
                       MessageHandler(attachments, attachment), MessageHandler(text, card_typed)],
                EDIT: [CallbackQueryHandler(edit_field, pattern=cb.on(cb.LogEditField)),
                       CallbackQueryHandler(back_to_card, pattern=cb.on(cb.LogBack)),
                       MessageHandler(text, edit_menu_typed)],
            },
            fallbacks=[CallbackQueryHandler(cancel_form, pattern=cb.on(cb.LogCancel)),
                       CommandHandler("cancel", cancel_form),
                       CallbackQueryHandler(replace_form, pattern=cb.on(cb.LogReplace)),
                       CallbackQueryHandler(keep_form, pattern=cb.on(cb.LogKeepOpen)),
                       MessageHandler(edited, edited_in_form),
                       *starters],
            name="log",
            persistent=True,
        )


def menu_filter() -> filters.BaseFilter:
    return filters.Regex(f"^{MENU_LOG_EMOJI}")

