"""Changing a draft from its card (✏️ Edit), and opening the card on a stored record to correct it."""

from __future__ import annotations

from telegram import Update

from bot.domain.records.actions import Draft, ordered_measures
from bot.domain.records.log_entry import correction_draft
from bot.presentation import callbacks as cb
from db.models import SupportAction
from handlers.context import ChungTayContext
from handlers.log_form.card import show_card
from handlers.log_form.questions import next_step
from handlers.log_form.state import EDIT, draft_of, names, say, spec_of, store

APPROXIMATE = "approximate"
"""The edit menu's switch for the ≈ mark (the reader sets it from "hơn", "khoảng"…; the officer may know better)."""
COMMON_STEPS = ("organisation", "beneficiary_class", "funding_source", "action_date", "household", "note",
                "photo", "location")


async def edit_menu(update: Update, context: ChungTayContext) -> str:
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = draft_of(context)
    spec = spec_of(context, draft)
    assert spec is not None
    named = names(context)
    t = context.t
    labels: list[tuple[str, str]] = [(m.code, named.measure_label(m)) for m in ordered_measures(spec)]
    labels += [(f"field:{f.code}", f.name_vi if t.locale == "vi" else f.name_en) for f in spec.fields]
    labels += [("organisation", t("Organisation")), ("beneficiary_class", t("Beneficiaries")),
               ("funding_source", t("Funding")), ("action_date", t("Date")), ("household", t("Household")),
               ("note", t("Note"))]
    if context.takes_attachments:
        labels += [("photo", t("Photo")), ("location", t("Location"))]
    labels.append((APPROXIMATE, "≈ " + (t("The figures are exact (remove ≈)") if draft.approximate
                                        else t("The figures are approximate (mark ≈)"))))
    rows = [[cb.button(label, cb.LogEditField(code))] for code, label in labels]
    rows.append([cb.button("↩ " + t("Back to the card"), cb.LogBack())])
    await say(update, context, t("Which field do you want to change?"), rows, then=EDIT)
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
    steps = {*COMMON_STEPS, *(m.code for m in spec.measures), *(f"field:{f.code}" for f in spec.fields)} \
        if spec is not None else set()
    if step not in steps:
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
    context.user_data["log"] = {}  # type: ignore[index]
    store(context, draft, [])
    return draft


async def show_card_for_correction(update: Update, context: ChungTayContext) -> str:
    return await show_card(update, context, fresh=True)

