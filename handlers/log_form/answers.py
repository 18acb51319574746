"""Answers to the form's steps: typed text, a button, a photo or a location."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.domain.catalogue.file import CategorySpec
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.numbers import NumberError, parse_count, parse_day, parse_money
from bot.domain.records.actions import Draft, ValidationProblem
from bot.domain.records.form_plan import QUANTITY_UNIT, measure_of, read_quantity, skip_allowed, step_values
from bot.domain.records.form_screens import households_screen
from bot.domain.records.log_entry import households_named, visible_household
from bot.presentation import callbacks as cb
from handlers.context import ChungTayContext
from handlers.log_form.lines import new_entry_in, offer_replacement
from handlers.log_form.questions import next_step, show_card, unseen_step
from handlers.log_form.state import (
    ASK,
    CARD,
    MAX_TEXT,
    advance,
    catalogue,
    current_step,
    draft_of,
    form,
    pick_household,
    problem_text,
    reply,
    say,
    spec_of,
    store,
)


async def typed_answer(update: Update, context: ChungTayContext) -> str:
    """A typed answer to the current step; bad input is explained and the step asked again."""
    message = update.effective_message
    assert message is not None
    draft = draft_of(context)
    spec = spec_of(context, draft)
    step = current_step(context)
    if spec is None or step is None:
        return await show_card(update, context)
    if (resumed := await unseen_step(update, context)) is not None:
        return resumed
    text = (message.text or "").strip()
    code = measure_of(step)
    try:
        if len(text) > MAX_TEXT:
            raise NumberError("too_long")
        if spec.measure(code) is not None:
            apply_measure(context, draft, spec, code, text)
        elif step == "action_date":
            draft.action_date = parse_day(text, today=context.today).isoformat()
        elif step.startswith("field:"):
            extra = spec.field(step.removeprefix("field:"))
            assert extra is not None
            if extra.choices:
                choices = matcher_for(catalogue(context))
                match = extra.choice(choices.exact(text, choices.field_index(spec.code, extra.code)) or "")
                if match is None:
                    raise NumberError("choose_button")
                draft.fields[extra.code] = match.code
            elif text:
                draft.fields[extra.code] = text
            else:
                raise NumberError("empty")
        elif step == "household":
            name, _, village = text.partition(",")
            if not name.strip():
                raise NumberError("empty")
            user = context.db_user
            assert user is not None
            matches = households_named(context.session, user=user, text=name)
            if matches:
                form(context).typed_household = text
                await say(update, context, households_screen(context.t, matches), then=ASK)
                return ASK
            draft.household_name, draft.household_village = name.strip(), village.strip() or None
            draft.household_id, draft.household_erased = None, False
        elif step == "note":
            draft.note = text or None
        else:
            raise NumberError("choose_button")
    except (NumberError, ValidationProblem) as problem:
        parsed = new_entry_in(context, text)
        if parsed is not None:  # not an answer, but a whole new entry typed over the form
            return await offer_replacement(update, context, parsed, then=ASK)
        reason = getattr(problem, "reason", "not_a_number")
        if reason == "choose_button":
            await reply(update, context, context.t("Please tap one of the buttons above."))
        else:
            await reply(update, context, problem_text(context, reason, text) + " " + context.t("Please try again."))
        return ASK
    advance(context, draft)
    return await next_step(update, context)


def apply_measure(context: ChungTayContext, draft: Draft, spec: CategorySpec, code: str, text: str) -> None:
    """A typed figure set on the draft: money, a quantity with its unit word, or a count."""
    if code == "value":
        draft.set_measure(code, parse_money(text))
    elif code == "quantity":
        read_quantity(catalogue(context), spec, draft, text)
    else:
        draft.set_measure(code, parse_count(text))


async def button_answer(update: Update, context: ChungTayContext) -> str:
    """A button answer to the current step (a choice, Today/Yesterday, Skip or Keep)."""
    query = update.callback_query
    assert query is not None
    draft = draft_of(context)
    spec = spec_of(context, draft)
    step = current_step(context)
    pressed = cb.decode(query.data)
    user = context.db_user
    household = visible_household(context.session, user=user, household_id=pressed.household_id) \
        if isinstance(pressed, cb.LogHousehold) else None
    if spec is not None and step is not None and (
            (isinstance(pressed, cb.LogSet) and pressed.value not in step_values(catalogue(context), spec, step))
            or (isinstance(pressed, cb.LogHousehold | cb.LogTypedHousehold) and step != "household")
            or (isinstance(pressed, cb.LogHousehold) and household is None)
            or (isinstance(pressed, cb.LogSkip) and not skip_allowed(draft, spec, step, form(context).plan[1:]))):
        await cb.gone(update, context)  # a button of an earlier question, or forged
        return ASK
    await query.answer()
    if spec is None or step is None:
        return CARD
    if (resumed := await unseen_step(update, context)) is not None:
        return resumed
    if isinstance(pressed, cb.LogSet):
        value = pressed.value
        if step == QUANTITY_UNIT:
            draft.quantity_unit = value
        elif step.startswith("field:"):
            draft.fields[step.removeprefix("field:")] = value
        elif step == "organisation":
            draft.organisation = value
        elif step == "beneficiary_class":
            draft.beneficiary_class = value
        elif step == "funding_source":
            draft.funding_source = value
        elif step == "action_date":
            today = context.today
            draft.action_date = (today if value == "today" else date.fromordinal(today.toordinal() - 1)).isoformat()
    elif household is not None:
        pick_household(draft, household)
    elif isinstance(pressed, cb.LogTypedHousehold) and step == "household":
        name, _, village = (form(context).typed_household or "").partition(",")
        form(context).typed_household = None
        draft.household_id, draft.household_name, draft.household_village = None, name.strip() or None, \
            village.strip() or None
        draft.household_erased = False
    elif isinstance(pressed, cb.LogSkip) and step.startswith("field:"):
        draft.fields.pop(step.removeprefix("field:"), None)
    elif isinstance(pressed, cb.LogSkip) and spec.measure(step) is not None:
        draft.skipped = [*draft.skipped, step]
    elif isinstance(pressed, cb.LogSkip) and step == QUANTITY_UNIT and draft.quantity is None:
        draft.skipped = [*draft.skipped, "quantity"]  # no unit, no quantity: the report gave none
        advance(context, draft)
        store(context, draft, [s for s in form(context).plan if s != "quantity"])
        return await next_step(update, context)
    advance(context, draft)
    return await next_step(update, context)


async def attachment(update: Update, context: ChungTayContext) -> str:
    """A photo or a location sent while a form is open is attached to the draft."""
    message = update.effective_message
    assert message is not None
    draft = draft_of(context)
    if message.photo:
        draft.photo_file_id = message.photo[-1].file_id
    if message.location is not None:
        draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    step = current_step(context)
    if step in ("photo", "location"):
        advance(context, draft)
    else:
        store(context, draft)
    return await next_step(update, context) if form(context).plan else await show_card(update, context)

