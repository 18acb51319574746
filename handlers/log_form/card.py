"""The summary card of an entry: showing it, and ✅ Save."""

from __future__ import annotations

import html
import logging
from decimal import Decimal

from telegram import InlineKeyboardButton, Update

from bot.domain.records.action_text import measure_text, per_unit_text
from bot.domain.records.actions import Draft
from bot.domain.records.log_entry import card_screen
from bot.presentation import callbacks as cb
from bot.presentation.render import to_html
from handlers.context import ChungTayContext
from handlers.log_form.state import (
    CARD,
    catalogue,
    draft_of,
    names,
    part_label,
    say,
    state,
    store,
)
from handlers.taps import gone

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
        await gone(update, context)
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
