"""Logging support actions: the guided form (/log, "📝" button), one-line quick entry, the card.

States are constants; one async callback per state returns the next. The draft lives in
`user_data["log"]` (persisted in the database), so a half-filled form survives a restart.
A "plan" is the list of steps still to ask; when it is empty the summary card is shown.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.catalogue_file import CatalogueFile, CategorySpec
from bot.formatting import format_number
from bot.parsing.numbers import NumberError, parse_count, parse_day, parse_money, parse_quantity
from bot.parsing.quick_entry import parse_quick_entry
from bot.parsing.text import fold
from bot.services.access import AccessDenied
from bot.services.action_text import Localised, card_text, figures_line, totals_text
from bot.services.actions import (
    Draft,
    ValidationProblem,
    can_edit,
    card_view,
    categories_by_use,
    check_measure,
    default_unit,
    draft_from_action,
    missing_required,
    month_totals,
    ordered_measures,
    organisation_code_of,
    recent_distinct_templates,
    save_draft,
)
from bot.services.duplicates import flag_if_duplicate
from bot.services.erasure import household_name
from bot.services.households import can_see_household, search_households
from bot.services.units import unit_kind, unit_label
from db.models import Household, SupportAction
from db.session import is_database_unavailable
from handlers import callbacks as cb
from handlers.common import answer_in_place, cancel
from handlers.context import ChungTayContext
from handlers.render import to_html

log = logging.getLogger(__name__)

CATEGORY, ASK, CARD, EDIT = "category", "ask", "card", "edit"
MENU_LOG_EMOJI = "📝"
COMMON_STEPS = ("organisation", "beneficiary_class", "funding_source", "action_date", "household", "note",
                "photo", "location")
MAX_TEXT = 200
FORM_NAME = "log"


# ------------------------------------------------------------------ state in user_data

def _state(context: ChungTayContext) -> dict[str, Any]:
    return context.user_data.setdefault("log", {})  # type: ignore[union-attr]


def _draft(context: ChungTayContext) -> Draft:
    return Draft.from_dict(_state(context).get("draft") or {})


def _store(context: ChungTayContext, draft: Draft, plan: list[str] | None = None) -> None:
    state = _state(context)
    state["draft"] = draft.to_dict()
    if plan is not None:
        state["plan"] = plan


def _catalogue(context: ChungTayContext) -> CatalogueFile:
    return context.runtime.catalogue


def _names(context: ChungTayContext) -> Localised:
    """Names as the officer's unit says them: organisations at its level ("UBND phường" in a ward)."""
    user = context.db_user
    return Localised(_catalogue(context), context.t).at(unit_kind(context.session, user.unit_id) if user else None)


def _spec(context: ChungTayContext, draft: Draft) -> CategorySpec | None:
    return _catalogue(context).category_by_code(draft.category or "")


def _cancel_button(context: ChungTayContext) -> InlineKeyboardButton:
    return cb.button("❌ " + context.t("Cancel"), cb.LogCancel())


async def _say(update: Update, context: ChungTayContext, text: str,
               keyboard: list[list[InlineKeyboardButton]] | None = None, *, then: str | int,
               fresh: bool = False) -> None:
    """Show the form's next step: in place for a button press (edit), as a new message for typed text
    or when `fresh`. `then` is the state the handler returns with this step; it is written to the
    database together with the draft BEFORE the message goes out, so a crash right after the user sees
    the step resumes exactly there (and a crash before it leaves the step they still see)."""
    asking = then == ASK
    if asking:
        _state(context)["unseen"] = True
    await _checkpoint(update, context, then)
    await answer_in_place(update, context, text, InlineKeyboardMarkup(keyboard) if keyboard else None, fresh=fresh)
    if asking:  # the question is on screen now: answers to it may be taken (see `_unseen_step`)
        _state(context).pop("unseen", None)
        await _checkpoint(update, context, then)


async def _unseen_step(update: Update, context: ChungTayContext) -> str | None:
    """A crash between writing a question and its message reaching the user (or before that was noted)
    leaves a question the user may not have seen: what they type or tap may answer the question before
    it. So it is not taken; the question is shown again, saying why. Returns the state, or None when
    the question was seen."""
    if not _state(context).pop("unseen", False):
        return None
    return await _next(update, context, note=context.t(
        "Sorry, that answer was not taken: the question may not have reached you. Your entry is at this step:"))


async def _checkpoint(update: Update, context: ChungTayContext, state: str | int) -> None:
    await context.app.checkpoint(update, context.user_data, FORM_NAME, state)


# ------------------------------------------------------------------ entry points

async def begin(update: Update, context: ChungTayContext) -> str | int:
    """/log or the 📝 button: choose a category (most used first), or repeat a recent entry. Private chats
    only: in a group the gate (handlers/gate.py) points to the private chat instead."""
    user = context.db_user
    assert user is not None
    context.user_data["log"] = {}  # type: ignore[index]
    names = _names(context)
    rows: list[list[InlineKeyboardButton]] = []
    for template in recent_distinct_templates(context.session, user=user):
        draft = draft_from_action(template, context.session)
        spec = _spec(context, draft)
        if spec is not None:
            label = f"🔁 {names.category(spec)} · {figures_line(names, spec, draft)}"
            rows.append([cb.button(label[:60], cb.LogRepeat(template.id or 0))])
    categories = categories_by_use(context.session, user=user, catalogue=_catalogue(context))
    for first, second in zip(categories[::2], [*categories[1::2], None], strict=False):
        row = [cb.button(names.category(first), cb.LogCategory(first.code))]
        if second is not None:
            row.append(cb.button(names.category(second), cb.LogCategory(second.code)))
        rows.append(row)
    rows.append([_cancel_button(context)])
    text = context.t("What support was given? Choose a category:")
    if rows[0][0].text.startswith("🔁"):
        text += "\n" + context.t("🔁 repeats a recent entry: you only type the new figure.")
    await _say(update, context, text, rows, then=CATEGORY)
    return CATEGORY


async def pick_category(update: Update, context: ChungTayContext) -> str:
    code = cb.read(update, cb.LogCategory).code
    spec = _catalogue(context).category_by_code(code)
    if spec is None:
        await cb.gone(update, context)
        return CATEGORY
    await update.callback_query.answer()  # type: ignore[union-attr]
    draft = Draft(category=code)
    plan = [m.code for m in ordered_measures(spec)] + [f"field:{f.code}" for f in spec.fields]
    plan += ["beneficiary_class", "funding_source", "action_date"]
    _store(context, draft, plan)
    return await _next(update, context)


async def repeat_entry(update: Update, context: ChungTayContext) -> str:
    """"Same as last time": copy a recent record, ask only its main figure, then show the card."""
    user = context.db_user
    assert user is not None
    action = context.session.get(SupportAction, cb.read(update, cb.LogRepeat).action_id)
    if action is None or action.author_id != user.id or not can_edit(context.session, user=user, action=action):
        await cb.gone(update, context)
        return CATEGORY
    await update.callback_query.answer()  # type: ignore[union-attr]
    draft = draft_from_action(action, context.session)
    draft.action_date = None
    draft.household_name = draft.household_village = draft.note = draft.photo_file_id = None
    draft.household_id, draft.household_erased = None, False
    draft.latitude = draft.longitude = None
    spec = _spec(context, draft)
    assert spec is not None
    main = next((m.code for m in ordered_measures(spec) if m.required), ordered_measures(spec)[0].code)
    _store(context, draft, [f"again:{main}"])
    return await _next(update, context)


async def quick_entry(update: Update, context: ChungTayContext) -> str | int:
    """Any free text outside a form is tried as a one-line entry."""
    message = update.effective_message
    if message is None or message.text is None or update.effective_chat is None \
            or update.effective_chat.type != "private":
        return ConversationHandler.END
    t = context.t
    parsed = parse_quick_entry(message.text[:4096], _catalogue(context), today=context.today)
    if parsed.problems:
        reason, offending = parsed.problems[0]
        await message.reply_text(_problem_text(context, reason, offending) + "\n\n" + _example_text(context),
                                 parse_mode=ParseMode.HTML)
        return ConversationHandler.END
    if parsed.is_empty() or parsed.category is None:
        await message.reply_text(t("Sorry, I could not read that as a support entry.") + "\n\n"
                                 + _example_text(context), parse_mode=ParseMode.HTML)
        return ConversationHandler.END
    context.user_data["log"] = {}  # type: ignore[index]
    draft = Draft.from_parsed(parsed)
    if parsed.unknown and context.db_user is not None:
        named = search_households(context.session, user=context.db_user, text=" ".join(parsed.unknown))
        if len(named) == 1:
            _pick_household(draft, named[0])
    _store(context, draft, missing_required(draft, _catalogue(context)))
    return await _next(update, context)


def _example_text(context: ChungTayContext) -> str:
    return context.t("You can write one line, for example:\n"
                     "<code>gạo 45 hộ 108 khẩu 5410kg 81,15tr</code>\n"
                     "<code>sửa nhà 2 căn 80tr hội phụ nữ</code>\n"
                     "or send /log to fill in a form step by step.")


def _problem_text(context: ChungTayContext, reason: str, offending: str) -> str:
    t = context.t
    texts = {
        "empty": t("Please type a number."),
        "not_a_number": t("“{text}” is not a number I can read."),
        "negative": t("“{text}”: the figure cannot be negative."),
        "zero": t("“{text}”: the figure must be greater than zero."),
        "too_large": t("“{text}” is too large for one entry; please check the figure."),
        "too_many_decimals": t("“{text}” has too many decimals."),
        "not_whole": t("“{text}”: a count must be a whole number."),
        "not_a_date": t("“{text}” is not a date I can read. Write it like 15/6 or 15/6/2026."),
        "future": t("“{text}” is in the future."),
        "ambiguous_number": t("I do not know what “{text}” counts. Add a unit, e.g. “45 hộ” or “5410 kg”."),
        "conflict": t("“{text}” gives the same figure twice with different values."),
        "too_long": t("That is too long; please keep it under {limit} characters."),
        "unexpected_measure": t("“{text}”: this kind of support is not counted that way."),
    }
    return texts.get(reason, t("“{text}” could not be read.")).format(text=offending[:40], limit=MAX_TEXT)


# ------------------------------------------------------------------ asking one step at a time

async def _next(update: Update, context: ChungTayContext, *, note: str = "") -> str:
    """Ask the first step of the plan, or show the card when nothing is left."""
    draft = _draft(context)
    spec = _spec(context, draft)
    assert spec is not None
    plan: list[str] = list(_state(context).get("plan") or [])
    while plan:
        step = plan[0]
        code = step.removeprefix("again:")
        measure = spec.measure(code)
        if measure is not None and measure.code == "quantity" and measure.units and not draft.quantity_unit:
            plan.insert(0, "quantity_unit")
            step = "quantity_unit"
        _store(context, draft, plan)
        await _ask(update, context, step, draft, spec, note=note)
        return ASK
    _store(context, draft, [])
    return await _show_card(update, context)


async def _ask(update: Update, context: ChungTayContext, step: str, draft: Draft, spec: CategorySpec, *,
               note: str = "") -> None:
    t = context.t
    names = _names(context)
    skip = [cb.button("⏭ " + t("Skip"), cb.LogSkip())]
    rows: list[list[InlineKeyboardButton]] = []
    code = step.removeprefix("again:")
    measure = spec.measure(code)
    optional = True
    if measure is not None:
        optional = not measure.required
        unit = names.unit(measure, draft.quantity_unit or default_unit(measure))
        if measure.code == "value":
            text = t("{label}? Type the amount, e.g. 500k, 1tr5, 81,15 triệu, 1.500.000đ.").format(
                label=names.measure_label(measure))
        else:
            text = t("{label} ({unit})? Type a number.").format(label=names.measure_label(measure), unit=unit)
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
        optional = False
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
        rows += [[cb.button(names.organisation(o.code), cb.LogSet(o.code))]
                 for o in _catalogue(context).organisation]
        optional = False
    elif step == "beneficiary_class":
        text = t("Who received it?")
        rows += [[cb.button(names.beneficiary(b.code), cb.LogSet(b.code))]
                 for b in _catalogue(context).beneficiary_class]
    elif step == "funding_source":
        text = t("Funding source?")
        rows += [[cb.button(names.funding(f.code), cb.LogSet(f.code))]
                 for f in _catalogue(context).funding_source]
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
    rows.append([_cancel_button(context)])
    await _say(update, context, f"{note}\n{text}" if note else text, rows, then=ASK)


def _current_step(context: ChungTayContext) -> str | None:
    plan = _state(context).get("plan") or []
    return str(plan[0]) if plan else None


def _advance(context: ChungTayContext, draft: Draft) -> None:
    plan = list(_state(context).get("plan") or [])
    if plan:
        plan.pop(0)
    _store(context, draft, plan)


async def typed_answer(update: Update, context: ChungTayContext) -> str:
    """A typed answer to the current step; bad input is explained and the step asked again."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    spec = _spec(context, draft)
    step = _current_step(context)
    if spec is None or step is None:
        return await _show_card(update, context)
    if (state := await _unseen_step(update, context)) is not None:
        return state
    text = (message.text or "").strip()
    code = step.removeprefix("again:")
    try:
        if len(text) > MAX_TEXT:
            raise NumberError("too_long")
        if spec.measure(code) is not None:
            _apply_measure(draft, spec, code, text)
        elif step == "action_date":
            draft.action_date = parse_day(text, today=context.today).isoformat()
        elif step.startswith("field:"):
            extra = spec.field(step.removeprefix("field:"))
            assert extra is not None
            if extra.choices:
                typed = fold(text)
                match = next((c for c in extra.choices if typed in {fold(c.vi), fold(c.en), *map(fold, c.keywords)}),
                             None)
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
            matches = search_households(context.session, user=user, text=name)
            if matches:
                _state(context)["typed_household"] = text
                await _offer_households(update, context, matches)
                return ASK
            draft.household_name, draft.household_village = name.strip(), village.strip() or None
            draft.household_id, draft.household_erased = None, False
        elif step == "note":
            draft.note = text or None
        else:
            raise NumberError("choose_button")
    except (NumberError, ValidationProblem) as problem:
        reason = getattr(problem, "reason", "not_a_number")
        if reason == "choose_button":
            await message.reply_text(context.t("Please tap one of the buttons above."))
        else:
            await message.reply_text(_problem_text(context, reason, text) + " " + context.t("Please try again."))
        return ASK
    _advance(context, draft)
    return await _next(update, context)


async def _offer_households(update: Update, context: ChungTayContext, matches: Sequence[Household]) -> None:
    """Registered households that match what was typed, to pick one (or keep the typed name)."""
    t = context.t
    rows = [[cb.button(" · ".join(p for p in (household_name(t, h), h.village, h.code) if p)[:60],
                       cb.LogHousehold(h.id or 0))] for h in matches]
    rows.append([cb.button("✍️ " + t("Use the name as typed"), cb.LogTypedHousehold())])
    rows.append([_cancel_button(context)])
    await _say(update, context, t("Households in the register that match — tap the right one:"), rows, then=ASK)


def _pick_household(draft: Draft, household: Household) -> None:
    """The draft names a registered household (or only refers to it, when its details were erased)."""
    draft.household_id, draft.household_village = household.id, household.village
    draft.household_erased = household.erased_at is not None
    draft.household_name = None if draft.household_erased else household.head_name


def _apply_measure(draft: Draft, spec: CategorySpec, code: str, text: str) -> None:
    measure = spec.measure(code)
    assert measure is not None
    if code == "value":
        draft.set_measure(code, parse_money(text))
    elif code == "quantity":
        amount, unit_word = parse_quantity(text)
        if unit_word and measure.units:
            option = next((u for u in measure.units if unit_word in {fold(k) for k in (u.code, u.unit_vi,
                                                                                          *u.keywords)}), None)
            if option is None:
                raise NumberError("not_a_number")
            draft.quantity_unit = option.code
        elif unit_word and unit_word not in {fold(k) for k in (measure.unit_vi, measure.unit_en,
                                                                *measure.unit_keywords)}:
            raise NumberError("not_a_number")
        check_measure(code, amount)
        draft.set_measure(code, amount)
    else:
        draft.set_measure(code, parse_count(text))


async def button_answer(update: Update, context: ChungTayContext) -> str:
    """A button answer to the current step (a choice, Today/Yesterday, Skip or Keep)."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    spec = _spec(context, draft)
    step = _current_step(context)
    pressed = cb.decode(query.data)
    user = context.db_user
    household = context.session.get(Household, pressed.household_id) if isinstance(pressed, cb.LogHousehold) \
        else None
    if spec is not None and step is not None and (
            (isinstance(pressed, cb.LogSet) and pressed.value not in _choices(context, spec, step))
            or (isinstance(pressed, cb.LogHousehold | cb.LogTypedHousehold) and step != "household")
            or (isinstance(pressed, cb.LogHousehold) and (household is None or user is None or not can_see_household(
                context.session, user=user, household=household)))):
        await cb.gone(update, context)  # a button of an earlier question, or forged
        return ASK
    await query.answer()
    if spec is None or step is None:
        return CARD
    if (state := await _unseen_step(update, context)) is not None:
        return state
    if isinstance(pressed, cb.LogSet):
        value = pressed.value
        if step == "quantity_unit":
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
        _pick_household(draft, household)
    elif isinstance(pressed, cb.LogTypedHousehold) and step == "household":
        name, _, village = str(_state(context).pop("typed_household", "")).partition(",")
        draft.household_id, draft.household_name, draft.household_village = None, name.strip() or None, \
            village.strip() or None
        draft.household_erased = False
    elif isinstance(pressed, cb.LogSkip) and step.startswith("field:"):
        draft.fields.pop(step.removeprefix("field:"), None)
    _advance(context, draft)
    return await _next(update, context)


def _choices(context: ChungTayContext, spec: CategorySpec, step: str) -> set[str]:
    """The values the buttons of `step` offer (a button's value is checked before it is stored)."""
    catalogue = _catalogue(context)
    quantity = spec.measure("quantity")
    extra = spec.field(step.removeprefix("field:")) if step.startswith("field:") else None
    return {
        "quantity_unit": {u.code for u in quantity.units} if quantity is not None else set(),
        "organisation": {o.code for o in catalogue.organisation},
        "beneficiary_class": {b.code for b in catalogue.beneficiary_class},
        "funding_source": {f.code for f in catalogue.funding_source},
        "action_date": {"today", "yesterday"},
    }.get(step, {c.code for c in extra.choices} if extra is not None and extra.choices else set())


async def attachment(update: Update, context: ChungTayContext) -> str:
    """A photo or a location sent while a form is open is attached to the draft."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if message.photo:
        draft.photo_file_id = message.photo[-1].file_id
    if message.location is not None:
        draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    step = _current_step(context)
    if step in ("photo", "location"):
        _advance(context, draft)
    else:
        _store(context, draft)
    return await _next(update, context) if _state(context).get("plan") else await _show_card(update, context)


# ------------------------------------------------------------------ the card

async def _show_card(update: Update, context: ChungTayContext, *, fresh: bool = False) -> str:
    t = context.t
    draft = _draft(context)
    user = context.db_user
    assert user is not None
    shown = card_view(context.session, user=user, draft=draft)
    if shown is draft and draft.to_dict() != _state(context).get("draft"):
        _store(context, draft)  # a new entry's household the user may no longer see is gone
    text = to_html(card_text(_names(context), shown, organisation_default=organisation_code_of(context.session, user)))
    text += "\n\n" + t("Check the figures, then tap ✅ Save. You can also send a photo or your location.")
    rows = [[cb.button("✅ " + t("Save"), cb.LogSave()), cb.button("✏️ " + t("Edit"), cb.LogEdit()),
             cb.button("❌ " + t("Cancel"), cb.LogCancel())]]
    await _say(update, context, text, rows, then=CARD, fresh=fresh)
    return CARD


async def card_typed(update: Update, context: ChungTayContext) -> str:
    """Text typed while the card is open: a reminder, nothing lost. The card is shown again below it,
    since after a crash the card may never have reached the user."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.t("Your entry is still open: tap ✅ Save, ✏️ Edit or ❌ Cancel on the card below."))
    return await _show_card(update, context, fresh=True)


async def save(update: Update, context: ChungTayContext) -> str | int:
    """✅ on the card. The record is committed first (its client_key makes a repeated tap store it once);
    then everything the reply needs is read, the closed form is written, and only then does the user
    see "Saved": a crash before that leaves the card open, and tapping ✅ again finds the same record."""
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    draft = _draft(context)
    t = context.t
    try:
        result = save_draft(context.session, draft=draft, author=user, catalogue=_catalogue(context),
                            today=context.today, source_update_id=update.update_id)
    except AccessDenied:
        await query.answer()
        context.user_data.pop("log", None)  # type: ignore[union-attr]
        await _say(update, context, t("You cannot change this record."), then=ConversationHandler.END)
        return ConversationHandler.END
    except ValidationProblem as problem:
        await query.answer()
        if problem.reason == "missing":
            _store(context, draft, missing_required(draft, _catalogue(context)))
            return await _next(update, context)
        context.user_data.pop("log", None)  # type: ignore[union-attr]
        await _checkpoint(update, context, ConversationHandler.END)
        await query.message.reply_text(t("This entry can no longer be saved: the record was changed meanwhile."))  # type: ignore[union-attr]
        return ConversationHandler.END
    except Exception as exc:
        if is_database_unavailable(exc):
            raise  # the error handler answers "cannot save right now" and keeps the card
        log.exception("saving a support action failed (update %s)", update.update_id)
        context.session.rollback()
        await query.answer(t("Not saved."), show_alert=False)
        await query.message.reply_text(  # type: ignore[union-attr]
            t("⚠️ Not saved: the system had a problem. Your entry is kept; tap ✅ Save again to retry."))
        return CARD
    action = result.action
    spec = _spec(context, draft)
    assert spec is not None
    names = _names(context)
    card = to_html(card_text(names, draft_from_action(action, context.session), organisation_default=None))
    totals = month_totals(context.session, unit_id=action.unit_id, category_code=spec.code, day=action.action_date)
    month = t("Month {month}/{year}").format(month=action.action_date.month, year=action.action_date.year)
    summary = to_html(totals_text(names, spec, totals, unit_name=unit_label(context.session, t, action.unit_id),
                                  month=month))
    question = None
    if result.created and not draft.corrects_id:
        original = flag_if_duplicate(context.session, action=action)
        if original is not None:
            from handlers.duplicates import duplicate_question

            question = duplicate_question(names, context.session, action=action, original=original)
    context.user_data.pop("log", None)  # type: ignore[union-attr]
    await _checkpoint(update, context, ConversationHandler.END)
    await query.answer(t("Saved."))
    await query.edit_message_text(f"{card}\n\n✅ " + t("Saved as record #{id}.").format(id=action.id),
                                  parse_mode=ParseMode.HTML)
    await query.message.reply_text(summary, parse_mode=ParseMode.HTML)  # type: ignore[union-attr]
    if question is not None and update.effective_chat is not None:
        text, keyboard = question
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard,
                                       parse_mode=ParseMode.HTML)
    return ConversationHandler.END


async def edit_menu(update: Update, context: ChungTayContext) -> str:
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = _draft(context)
    spec = _spec(context, draft)
    assert spec is not None
    names = _names(context)
    t = context.t
    labels: list[tuple[str, str]] = [(m.code, names.measure_label(m)) for m in ordered_measures(spec)]
    labels += [(f"field:{f.code}", f.name_vi if t.locale == "vi" else f.name_en) for f in spec.fields]
    labels += [("organisation", t("Organisation")), ("beneficiary_class", t("Beneficiaries")),
               ("funding_source", t("Funding")), ("action_date", t("Date")), ("household", t("Household")),
               ("note", t("Note")), ("photo", t("Photo")), ("location", t("Location"))]
    rows = [[cb.button(label, cb.LogEditField(code))] for code, label in labels]
    rows.append([cb.button("↩ " + t("Back to the card"), cb.LogBack())])
    await _say(update, context, t("Which field do you want to change?"), rows, then=EDIT)
    return EDIT


async def edit_field(update: Update, context: ChungTayContext) -> str:
    step = cb.read(update, cb.LogEditField).step
    draft = _draft(context)
    spec = _spec(context, draft)
    steps = {*COMMON_STEPS, *(m.code for m in spec.measures), *(f"field:{f.code}" for f in spec.fields)} \
        if spec is not None else set()
    if step not in steps:
        await cb.gone(update, context)
        return EDIT
    await update.callback_query.answer()  # type: ignore[union-attr]
    _store(context, draft, [step])
    return await _next(update, context)


async def back_to_card(update: Update, context: ChungTayContext) -> str:
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await _show_card(update, context)


async def cancel_form(update: Update, context: ChungTayContext) -> int:
    """❌ or /cancel in the form: the closed form is written before "Cancelled." is shown."""
    context.user_data.clear()  # type: ignore[union-attr]
    await _checkpoint(update, context, ConversationHandler.END)
    return await cancel(update, context)


async def stale_button(update: Update, context: ChungTayContext) -> None:
    """A form button pressed after its form ended (e.g. ✅ tapped twice): nothing is stored twice."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("This form is already closed."))


def start_correction(context: ChungTayContext, action: SupportAction) -> Draft:
    """Open the card on a stored record (from /history); saving stores a new version."""
    draft = draft_from_action(action, context.session)
    draft.corrects_id = action.id
    context.user_data["log"] = {}  # type: ignore[index]
    _store(context, draft, [])
    return draft


async def show_card_for_correction(update: Update, context: ChungTayContext) -> str:
    return await _show_card(update, context, fresh=True)


def build_log_conversation(starters: list[Any], free_text: Any) -> ConversationHandler:
    """The logging form. `starters` (/log, 📝, a correction) open it anytime, even over an open form;
    `free_text` (quick entry) only opens it when no form is open, so answers to the form's questions
    are never mistaken for a new entry."""
    text = filters.TEXT & ~filters.COMMAND
    attachments = filters.PHOTO | filters.LOCATION
    with warnings.catch_warnings():
        # One form per user and chat is what we want, so PTB's per_message hint does not apply.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[*starters, free_text],
            states={
                CATEGORY: [CallbackQueryHandler(pick_category, pattern=cb.on(cb.LogCategory)),
                           CallbackQueryHandler(repeat_entry, pattern=cb.on(cb.LogRepeat))],
                ASK: [MessageHandler(text, typed_answer), MessageHandler(attachments, attachment),
                      CallbackQueryHandler(button_answer, pattern=cb.on(cb.LogSet, cb.LogSkip, cb.LogKeep,
                                                                        cb.LogHousehold, cb.LogTypedHousehold))],
                CARD: [CallbackQueryHandler(save, pattern=cb.on(cb.LogSave)),
                       CallbackQueryHandler(edit_menu, pattern=cb.on(cb.LogEdit)),
                       MessageHandler(attachments, attachment), MessageHandler(text, card_typed)],
                EDIT: [CallbackQueryHandler(edit_field, pattern=cb.on(cb.LogEditField)),
                       CallbackQueryHandler(back_to_card, pattern=cb.on(cb.LogBack))],
            },
            fallbacks=[CallbackQueryHandler(cancel_form, pattern=cb.on(cb.LogCancel)),
                       CommandHandler("cancel", cancel_form),
                       *starters],
            name="log",
            persistent=True,
        )


def menu_filter() -> filters.BaseFilter:
    return filters.Regex(f"^{MENU_LOG_EMOJI}")

