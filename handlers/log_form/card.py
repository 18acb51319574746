"""The summary card of an entry: showing it, and ✅ Save."""

from __future__ import annotations

import html
import logging
from decimal import Decimal

from telegram import InlineKeyboardButton, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from bot.domain.people.access import AccessDenied
from bot.domain.records.action_text import measure_text, per_unit_text
from bot.domain.records.actions import Draft, ValidationProblem, missing_required, rebase_draft
from bot.domain.records.log_entry import card_screen, save_entry
from bot.presentation import callbacks as cb
from bot.presentation.render import to_html
from db.session import is_database_unavailable
from handlers.context import ChungTayContext
from handlers.log_form.state import (
    CARD,
    catalogue,
    checkpoint,
    draft_of,
    names,
    part_label,
    remember_saved_line,
    say,
    state,
    store,
    take_queued,
)

log = logging.getLogger(__name__)


async def show_card(update: Update, context: ChungTayContext, *, fresh: bool = False) -> str:
    t = context.t
    draft = draft_of(context)
    user = context.db_user
    assert user is not None
    screen = card_screen(context.session, user=user, draft=draft, names=names(context), now=context.runtime.clock())
    if screen.draft.to_dict() != state(context).get("draft"):
        store(context, screen.draft)  # a new entry's household the user may no longer see is gone
    hint = (t("Check the figures, then tap ✅ Save. You can also send a photo or your location.")
            if context.takes_attachments else t("Check the figures, then tap ✅ Save."))
    text = part_label(context) + to_html(screen.text) + "\n\n" + hint
    rows = [[cb.button("✅ " + t("Save"), cb.LogSave()), cb.button("✏️ " + t("Edit"), cb.LogEdit()),
             cb.button("❌ " + t("Cancel"), cb.LogCancel())]]
    choice = total_choice(context, screen.draft)
    if choice is not None:
        text, rows = to_html(screen.text) + "\n\n" + html.escape(choice[0]), [*choice[1], rows[0][1:]]
    await say(update, context, text, rows, then=CARD, fresh=fresh)
    return CARD


def total_choice(context: ChungTayContext, draft: Draft) -> tuple[str, list[list[InlineKeyboardButton]]] | None:
    """The question when a per-unit figure and the written total disagree, and its two buttons."""
    choice = draft.total_choice
    spec = catalogue(context).category_by_code(draft.category or "")
    if not choice or spec is None:
        return None
    measure = spec.measure(choice.get("measure", ""))
    if measure is None:
        return None
    named, t = names(context), context.t
    shown = {}
    for key in ("derived", "written"):
        probe = Draft(quantity_unit=draft.quantity_unit)
        probe.set_measure(measure.code, Decimal(choice[key]))
        shown[key] = measure_text(named, measure, probe) or choice[key]
    derived = (draft.reading.get("per_unit") or {}).get(measure.code)
    how = per_unit_text(named, spec, draft, derived, measure.code) if isinstance(derived, dict) else ""
    text = t("⚠️ {label}: per unit, {how} = {derived}, but the line also says {written}. Which is right?").format(
        label=named.measure_label(measure), how=how, derived=shown["derived"], written=shown["written"])
    rows = [[cb.button(f"{how} = {shown['derived']}", cb.LogPickTotal("d"))],
            [cb.button(t("As written: {written}").format(written=shown["written"]), cb.LogPickTotal("w"))]]
    return text, rows


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
    from handlers.log_form.questions import next_step  # it shows the card: imported here, not above

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
        from handlers.duplicates import duplicate_question

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
