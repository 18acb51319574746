"""Asking the form's steps one at a time: the next question of the plan, or the card when none is left."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.records.actions import Draft, default_unit, skippable
from bot.presentation import callbacks as cb
from handlers.context import ChungTayContext
from handlers.log_form.card import show_card
from handlers.log_form.state import (
    ASK,
    cancel_button,
    catalogue,
    draft_of,
    names,
    part_label,
    say,
    spec_of,
    state,
    store,
)


async def next_step(update: Update, context: ChungTayContext, *, note: str = "", fresh: bool = False) -> str:
    """Ask the first step of the plan, or show the card when nothing is left; `fresh`: in a new message
    (the message of the pressed button shows something else, e.g. the entry saved before this one)."""
    draft = draft_of(context)
    spec = spec_of(context, draft)
    assert spec is not None
    plan: list[str] = list(state(context).get("plan") or [])
    while plan:
        step = plan[0]
        code = step.removeprefix("again:")
        measure = spec.measure(code)
        if measure is not None and measure.code == "quantity" and measure.units and not draft.quantity_unit:
            plan.insert(0, "quantity_unit")
            step = "quantity_unit"
        store(context, draft, plan)
        await ask(update, context, step, draft, spec, note=note, fresh=fresh)
        return ASK
    store(context, draft, [])
    return await show_card(update, context, fresh=fresh)


async def ask(update: Update, context: ChungTayContext, step: str, draft: Draft, spec: CategorySpec, *,
              note: str = "", fresh: bool = False) -> None:
    t = context.t
    labels = names(context)
    skip = [cb.button("⏭ " + t("Skip"), cb.LogSkip())]
    rows: list[list[InlineKeyboardButton]] = []
    code = step.removeprefix("again:")
    measure = spec.measure(code)
    optional = True
    ahead = [str(s) for s in (state(context).get("plan") or [])[1:]]
    if measure is not None:
        optional = skippable(draft, spec, measure.code, ahead)
        unit = labels.unit(measure, draft.quantity_unit or default_unit(measure))
        if measure.code == "value":
            text = t("{label}? Type the amount, e.g. 500k, 1tr5, 81,15 triệu, 1.500.000đ.").format(
                label=labels.measure_label(measure))
        else:
            text = t("{label} ({unit})? Type a number.").format(label=labels.measure_label(measure), unit=unit)
        if step.startswith("again:"):
            last = draft.measure_value(code)
            if last is not None:
                shown = format_number(last, t.locale)
                text += "\n" + t("Last time: {value}.").format(value=shown)
                rows.append([cb.button(t("Same as last time ({value})").format(value=shown), cb.LogKeep())])
            optional = False
    elif step == "quantity_unit":
        quantity = spec.measure("quantity")
        assert quantity is not None
        text = t("In which unit?")
        rows += [[cb.button(u.unit_vi if t.locale == "vi" else u.unit_en, cb.LogSet(u.code))] for u in quantity.units]
        # Asked before its quantity: skipping the unit skips the quantity too (the report gave none).
        optional = draft.quantity is None and skippable(draft, spec, "quantity", ahead)
    elif step.startswith("field:"):
        extra = spec.field(step.removeprefix("field:"))
        assert extra is not None
        optional = not extra.required
        name = extra.name_vi if t.locale == "vi" else extra.name_en
        if extra.choices:
            text = t("{name}?").format(name=name)
            rows += [[cb.button(c.vi if t.locale == "vi" else c.en, cb.LogSet(c.code))] for c in extra.choices]
        else:
            text = t("{name}? Type it.").format(name=name)
    elif step == "organisation":
        text = t("Which organisation gave it?")
        rows += [[cb.button(labels.organisation(o.code), cb.LogSet(o.code))]
                 for o in catalogue(context).organisation]
        optional = False
    elif step == "beneficiary_class":
        text = t("Who received it?")
        rows += [[cb.button(labels.beneficiary(b.code), cb.LogSet(b.code))]
                 for b in catalogue(context).beneficiary_class]
    elif step == "funding_source":
        text = t("Funding source?")
        rows += [[cb.button(labels.funding(f.code), cb.LogSet(f.code))]
                 for f in catalogue(context).funding_source]
    elif step == "action_date":
        text = t("When was it given? Tap a button or type a date like 15/6.")
        rows.append([cb.button(t("Today"), cb.LogSet("today")), cb.button(t("Yesterday"), cb.LogSet("yesterday"))])
        optional = False
    elif step == "household":
        text = t("Household that received it: type the head of household and the village, "
                 "e.g. “Nguyễn Văn A, thôn 3”.")
    elif step == "note":
        text = t("Type a note.")
    elif step == "photo":
        text = t("Send a photo (📎 → Photo).")
    elif step == "location":
        text = t("Send your location (📎 → Location).")
    else:
        text = step
    if optional:
        rows.append(skip)
    rows.append([cancel_button(context)])
    text = part_label(context) + text
    await say(update, context, f"{note}\n{text}" if note else text, rows, then=ASK, fresh=fresh)



async def unseen_step(update: Update, context: ChungTayContext) -> str | None:
    """A crash between writing a question and its message reaching the user (or before that was noted)
    leaves a question the user may not have seen: what they type or tap may answer the question before
    it. So it is not taken; the question is shown again, saying why. Returns the state, or None when
    the question was seen."""
    if not state(context).pop("unseen", False):
        return None
    return await next_step(update, context, note=context.t(
        "Sorry, that answer was not taken: the question may not have reached you. Your entry is at this step:"))

