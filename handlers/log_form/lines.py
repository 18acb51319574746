"""Lines that are not the answer the form asked for: a whole entry typed over an open form, text where a
button is expected, and edited messages.

Nothing typed into an open form goes unanswered, and nothing already entered is lost without the user
saying so: a line that reads as a new entry over a half-filled form is offered (🔄 replace / ↩ keep),
not taken; over the category picker, where nothing is entered yet, it is simply taken.

Telegram sends an edit of an earlier message as an `edited_message`. The line that opened the open form
redraws it; a line already saved as a record is not read twice (the answer says how to correct the
record); any other edited message is not read again, and the answer says so.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ConversationHandler

from bot.domain.formatting import format_money_prose, format_number
from bot.domain.parsing.quick_entry import ParsedEntry, parse_quick_entry
from bot.domain.parsing.segments import Actions, split_actions
from bot.domain.records.actions import Draft, missing_required
from bot.domain.records.form_screens import actions_list, loose_figures_screen, replacement_screen
from bot.domain.records.form_state import OfferedLine
from bot.domain.records.log_entry import households_named, is_saved
from bot.domain.screen import Screen
from bot.presentation import callbacks as cb
from bot.presentation.render import render
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.log_form.questions import next_step, show_card
from handlers.log_form.state import (
    CARD,
    CATEGORY,
    EDIT,
    catalogue,
    draft_of,
    form,
    names,
    pick_household,
    problem_text,
    reply,
    saved_record_of,
    say,
    store,
    with_example_text,
)


def read_line(context: ChungTayContext, text: str) -> ParsedEntry:
    return parse_quick_entry(text[:4096], catalogue(context), today=context.today)


def read_actions(context: ChungTayContext, text: str) -> Actions | None:
    """The actions of a line that holds several ("quà 100 suất và gạo 500 kg"), or None."""
    return split_actions(text[:4096], catalogue(context), today=context.today)


def has_figures(parsed: ParsedEntry) -> bool:
    return any(value is not None for value in (parsed.households, parsed.persons, parsed.quantity, parsed.value_dong))


def names_a_category(parsed: ParsedEntry) -> bool:
    return not parsed.problems and parsed.category is not None


def is_whole_entry(parsed: ParsedEntry) -> bool:
    """A category and at least one figure: a line that cannot be an answer to a step by accident."""
    return names_a_category(parsed) and any(
        value is not None for value in (parsed.households, parsed.persons, parsed.quantity, parsed.value_dong))


def new_entry_in(context: ChungTayContext, text: str) -> ParsedEntry | None:
    """What a line typed over an open form reads as when it is a whole new entry (of a line with several
    actions, the first), or None when it may be an answer to the step."""
    actions = read_actions(context, text)
    if actions is not None:
        return actions.entries[0]
    parsed = read_line(context, text)
    return parsed if is_whole_entry(parsed) else None


def draft_from_line(context: ChungTayContext, parsed: ParsedEntry) -> Draft:
    """The draft a line reads as; a household named in it is picked when the register has exactly one."""
    draft = Draft.from_parsed(parsed)
    if parsed.unknown and context.db_user is not None:
        named = households_named(context.session, user=context.db_user, text=" ".join(parsed.unknown))
        if len(named) == 1:
            pick_household(draft, named[0])
    return draft


def replacing_loses_nothing(context: ChungTayContext, draft: Draft) -> bool:
    """The open entry is already saved (a crash left its form open), or is the same entry as `draft`
    (the line sent again because its card did not arrive): then the line is taken without asking."""
    open_draft = draft_of(context)
    if is_saved(context.session, draft=open_draft):
        return True
    ignored = {"key": "", "unit_id": None}  # a fresh draft has its own key and has not been stored yet
    return {**open_draft.to_dict(), **ignored} == {**draft.to_dict(), **ignored}


async def open_entry(update: Update, context: ChungTayContext, parsed: ParsedEntry, *, source: int | None,
                     draft: Draft | None = None) -> str:
    """Open the form on a line read as an entry (over whatever form was open): the card, or the first
    thing still missing. `source` is the id of the user's message, remembered for its edits."""
    draft = draft or draft_from_line(context, parsed)
    context.user_state.open_form().source = source
    store(context, draft, missing_required(draft, catalogue(context)))
    return await next_step(update, context)


async def open_actions(update: Update, context: ChungTayContext, actions: Actions, *, source: int | None) -> str:
    """A line with several actions: each is its own record. The line's actions are listed, then the first
    one's card (or its first missing figure) is shown; the others wait in the form's state and come one
    by one as each card is saved or cancelled."""
    drafts = [draft_from_line(context, entry) for entry in actions.entries]
    listed = render(Screen(actions_list(names(context), drafts, shared=actions.shared)))[0]
    # 🔄 on an offer: the offer becomes the list; a typed line: the list is a new message
    await answer_in_place(update, context, listed, fresh=update.callback_query is None)
    first = drafts[0]
    context.user_state.open_form().source = source
    store(context, first, missing_required(first, catalogue(context)))
    current = form(context)
    current.queue, current.part = drafts[1:], (1, len(drafts))
    return await next_step(update, context, fresh=True)  # below the list, also after a button (🔄)


def loose_figures(context: ChungTayContext, parsed: ParsedEntry) -> str:
    """The figures of a line read without a kind of support: "27 hộ, 81.269.900 đồng"."""
    t, locale = context.t, context.t.locale
    parts = []
    if parsed.quantity is not None:
        parts.append(format_number(parsed.quantity, locale) + (f" {parsed.quantity_unit}" if parsed.quantity_unit
                                                               else ""))
    if parsed.households is not None:
        parts.append(t("{count} households").format(count=format_number(parsed.households, locale)))
    if parsed.persons is not None:
        parts.append(t("{count} persons").format(count=format_number(parsed.persons, locale)))
    if parsed.value_dong is not None:
        parts.append(format_money_prose(parsed.value_dong, locale))
    return ", ".join(parts)


async def offer_categories(update: Update, context: ChungTayContext, parsed: ParsedEntry, *,
                           source: int | None, text: str) -> str:
    """A line with figures but no kind of support the catalogue knows: never a dead end. The figures are
    kept in a draft without a category and the categories are offered as buttons; picking one opens the
    card with the figures (see `pick_category`)."""
    user = context.db_user
    assert user is not None
    current = context.user_state.open_form()
    current.source, current.line_text = source, text[:500]
    store(context, draft_from_line(context, parsed), [])
    screen = loose_figures_screen(context.session, viewer=user, names=names(context),
                                  figures=loose_figures(context, parsed))
    await say(update, context, screen, then=CATEGORY, fresh=True)
    return CATEGORY


async def open_line(update: Update, context: ChungTayContext, text: str, *, source: int | None) -> str | None:
    """A line typed as a new entry: several actions, one entry, or its kind of support to pick. None
    when it is none of these (the caller explains)."""
    actions = read_actions(context, text)
    if actions is not None:
        return await open_actions(update, context, actions, source=source)
    parsed = read_line(context, text)
    if names_a_category(parsed):
        return await open_entry(update, context, parsed, source=source)
    if not parsed.problems and has_figures(parsed):
        return await offer_categories(update, context, parsed, source=source, text=text)
    return None


async def offer_replacement(update: Update, context: ChungTayContext, parsed: ParsedEntry, *,
                            then: str) -> str:
    """"This reads as a new entry: …. Replace the open entry with it?" with 🔄 / ↩. The line waits in
    the form's state for the answer; the open entry is untouched until 🔄. When replacing loses nothing,
    the line is simply taken. Returns the form's state."""
    message = update.effective_message
    assert message is not None
    draft = draft_from_line(context, parsed)
    if replacing_loses_nothing(context, draft):
        opened = await open_line(update, context, message.text or "", source=message.message_id)
        assert opened is not None
        return opened
    form(context).line = OfferedLine((message.text or "")[:4096], message.message_id)
    spec = catalogue(context).category_by_code(parsed.category or "")
    assert spec is not None
    await say(update, context, replacement_screen(names(context), spec=spec, draft=draft), then=then, fresh=True)
    return then


async def replace_form(update: Update, context: ChungTayContext) -> str | int:
    """🔄: the offered line becomes the entry."""
    query = update.callback_query
    assert query is not None
    line = form(context).line
    text = line.text if line is not None else ""
    if line is None or not text or new_entry_in(context, text) is None:
        await cb.gone(update, context)
        return await keep_form(update, context, answered=True)
    await query.answer()
    opened = await open_line(update, context, text, source=line.source)
    assert opened is not None
    return opened


async def keep_form(update: Update, context: ChungTayContext, *, answered: bool = False) -> str:
    """↩: the open entry stays as it was; its current step (or card) is shown again in the offer's place."""
    if not answered and update.callback_query is not None:
        await update.callback_query.answer()
    form(context).line = None
    if form(context).draft is None:
        return CATEGORY
    return await next_step(update, context)


async def picker_typed(update: Update, context: ChungTayContext) -> str | None:
    """Text while the category picker is open. Nothing is entered yet, so a line that names a category
    is taken as the entry; anything else gets what the picker expects."""
    message = update.effective_message
    assert message is not None
    opened = await open_line(update, context, message.text or "", source=message.message_id)
    if opened is not None:
        return opened
    parsed = read_line(context, message.text or "")
    t = context.t
    if parsed.problems and parsed.category is not None:
        reason, offending = parsed.problems[0]
        text = problem_text(context, reason, offending)
    else:
        text = t("Please choose a category with the buttons above, or write the whole entry in one line.")
    await reply(update, context, with_example_text(context, text))
    return None


async def card_typed(update: Update, context: ChungTayContext) -> str:
    """Text typed while the card is open: a new entry is offered; anything else gets a reminder, nothing
    lost. The card is shown again below it, since after a crash the card may never have reached the user."""
    message = update.effective_message
    if message is not None:
        parsed = new_entry_in(context, message.text or "")
        if parsed is not None:
            return await offer_replacement(update, context, parsed, then=CARD)
        await reply(update, context,
                    context.t("Your entry is still open: tap ✅ Save, ✏️ Edit or ❌ Cancel on the card below."))
    return await show_card(update, context, fresh=True)


async def edit_menu_typed(update: Update, context: ChungTayContext) -> str | None:
    """Text while the list of fields to change is open: a new entry is offered; otherwise, what to tap."""
    message = update.effective_message
    assert message is not None
    parsed = new_entry_in(context, message.text or "")
    if parsed is not None:
        return await offer_replacement(update, context, parsed, then=EDIT)
    await reply(update, context, context.t("Please tap the field you want to change, or ↩ to go back to the card."))
    return None


async def edited_in_form(update: Update, context: ChungTayContext) -> str | None:
    """An edited message while a form is open (see the module notes)."""
    message = update.edited_message
    assert message is not None
    part = form(context).part
    partly_saved = part is not None and part[0] > 1  # an action of the line is already a record
    if message.message_id == form(context).source and not partly_saved:
        actions = read_actions(context, message.text or "")
        parsed = read_line(context, message.text or "")
        if actions is not None or names_a_category(parsed):
            await reply(update, context, context.t("✏️ I read your edited line again; the entry is updated:"))
            if actions is not None:
                return await open_actions(update, context, actions, source=message.message_id)
            return await open_entry(update, context, parsed, source=message.message_id)
        await reply(update, context, with_example_text(context, context.t(
            "Sorry, I could not read your edited line as an entry; the open entry is unchanged.")))
        return None
    await _explain_edit(update, context, message)
    return None


async def edited_outside_form(update: Update, context: ChungTayContext) -> int | None:
    """An edited message with no form open: a line already saved is not read again (the answer says how
    to correct its record); a line that now reads as an entry opens one (it opened none before, or it would
    be saved or open); None lets the caller read it as a new line."""
    message = update.edited_message
    assert message is not None
    if saved_record_of(context, message.message_id) is not None:
        await _explain_edit(update, context, message)
        return ConversationHandler.END
    if names_a_category(read_line(context, message.text or "")) or read_actions(context, message.text or ""):
        return None
    await _explain_edit(update, context, message)
    return ConversationHandler.END


async def _explain_edit(update: Update, context: ChungTayContext, message: Message) -> None:
    t = context.t
    record = saved_record_of(context, message.message_id)
    if record is not None:
        text = t("That line is already saved as record #{id}; an edited message does not change it. To correct "
                 "the record, open /history and tap ✏️ #{id}.").format(id=record)
    else:
        text = t("I do not read edited messages again. Please send the change as a new message; "
                 "a saved record is corrected from /history.")
    await reply(update, context, text)
