"""/review: the poverty review's figures in chat — a short guided form, one typed line ("rà soát 2026:
1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 23, phát sinh 4") or a sheet; and the questions about
the outcome ("tỷ lệ hộ nghèo?", "bao nhiêu hộ thoát nghèo năm nay?").

Whatever the way in, the figures end on one card that says what they are and whether they add up, with
✅ Save (only when they do) and ❌ Cancel; the figures wait in user_data meanwhile. The form is a
one-line-at-a-time wait registered before the main group (like the wait for typed dates under /totals):
a typed number goes to the form, and a command, a menu button or another button ends it. Rules and
sentences: bot/domain/outcomes/figures.py, outcome_totals.py, outcome_text.py, review_import.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.formatting import format_number
from bot.domain.outcomes import figures as outcomes
from bot.domain.outcomes.review_card import review_card
from bot.domain.outcomes.text import FIGURE_LABELS, outcome_lines, problem_text
from bot.domain.outcomes.totals import outcome
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.numbers import parse_count, to_decimal
from bot.domain.parsing.review_line import ReviewLine, TargetWords, looks_like_review, parse_review_line
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.domain.units.tree import unit_display
from bot.presentation.callbacks import ReviewCancel, ReviewSave, ReviewSkip, button, decode, on
from db.models import Unit
from db.queries import get_unit, get_unit_by_code, list_subtree_units
from handlers.context import ChungTayContext

WAIT_FIGURE = "figure"
FORM_KEY, DRAFT_KEY = "review_form", "review_draft"
FORM_STEPS = ("total_households", "poor", "near_poor", "escaped", "fell_back", "new_poor", "escaped_near")
"""What the form asks, in order; the first three are required, the others may be skipped."""
REQUIRED_STEPS = 3
SKIP_WORDS = {"-", "–", "bo qua", "khong", "skip", "none"}


def _data(context: ChungTayContext) -> dict[Any, Any]:
    data = context.user_data
    assert data is not None
    return data


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup)


def _target_unit(context: ChungTayContext, code: str | None) -> Unit | None:
    """The unit named by code (within the user's tree), or the user's own unit."""
    user = context.db_user
    assert user is not None
    unit = get_unit_by_code(context.session, code=code) if code else get_unit(context.session, unit_id=user.unit_id)
    return unit if unit is not None and may(user, Do.WORK_IN_UNIT, unit, session=context.session) else None


async def _unit_or_explain(update: Update, context: ChungTayContext, code: str | None) -> Unit | None:
    t = context.t
    unit = _target_unit(context, code)
    if unit is None:
        await _say(update, t("You cannot enter review figures for that unit: only for your unit or a commune under "
                             "it."))
        return None
    if not outcomes.is_reporting_unit(context.session, unit=unit):
        await _say(update, t("The review figures are entered per commune; the totals above are summed from them. "
                             "Name the commune, e.g. /review {code}, or send a sheet with one row per commune "
                             "(caption “rà soát”).").format(code=_example_code(context, unit)))
        return None
    return unit


def _example_code(context: ChungTayContext, unit: Unit) -> str:
    units = outcomes.reporting_units(context.session, root=unit)
    return units[0].code if units else unit.code


# ------------------------------------------------------------------ /review and a typed line

async def review_command(update: Update, context: ChungTayContext) -> object:
    """/review [unit code] [year] [figures]: with figures, the card at once; without, the form."""
    _data(context).pop(FORM_KEY, None)
    if context.db_user is None:
        return ConversationHandler.END
    args = " ".join(context.args or [])
    parsed = parse_review_line("rà soát " + args)
    if parsed.figures or parsed.problems:
        await _show_card(update, context, parsed, source="line")
        return ConversationHandler.END
    unit = await _unit_or_explain(update, context, parsed.unit_code)
    if unit is None:
        return ConversationHandler.END
    year = parsed.year or outcomes.default_year(context.today.year, context.today.month)
    _data(context)[FORM_KEY] = {"unit": unit.id, "year": year, "stage": parsed.stage, "step": 0, "figures": {}}
    t = context.t
    await _say(update, t("Poverty review {year}, {unit}: I will ask {count} figures, one at a time (the last "
                         "four may be skipped). Another year: /review 2025. All at once: /review 2026: 1.240 hộ, "
                         "nghèo 96, cận nghèo 131, thoát nghèo 23, phát sinh 4").format(
        year=year, unit=unit_display(t, unit), count=len(FORM_STEPS)))
    await _ask(update, context)
    return WAIT_FIGURE


async def from_line(update: Update, context: ChungTayContext) -> None:
    """A typed "rà soát …" line (handed over by `ReviewLineFilter` before quick entry)."""
    message = update.effective_message
    if message is None or message.text is None or context.db_user is None:
        return
    await _show_card(update, context, parse_review_line(message.text[:1000]), source="line")


class ReviewLineFilter(filters.MessageFilter):
    """Private text that starts with "rà soát" and has numbers, while no logging form waits for an answer."""

    def __init__(self, application: Any) -> None:
        super().__init__(name="ReviewLineFilter")
        self._application = application

    def filter(self, message: Message) -> bool:
        if not message.text or message.text.startswith("/") or message.from_user is None:
            return False
        user_data = self._application.user_data.get(message.from_user.id) or {}
        return not user_data.get("log") and looks_like_review(message.text)


# ------------------------------------------------------------------ the form

async def _ask(update: Update, context: ChungTayContext) -> None:
    t, form = context.t, _data(context)[FORM_KEY]
    step = form["step"]
    name = FORM_STEPS[step]
    text = t("{step}/{count}: how many {figure}?").format(step=step + 1, count=len(FORM_STEPS),
                                                          figure=t(FIGURE_LABELS[name]))
    markup = None
    if step >= REQUIRED_STEPS:
        markup = InlineKeyboardMarkup([[button("⏭ " + t("Skip"), ReviewSkip()),
                                        button("❌ " + t("Cancel"), ReviewCancel())]])
    else:
        markup = InlineKeyboardMarkup([[button("❌ " + t("Cancel"), ReviewCancel())]])
    await _say(update, text, markup)


async def read_figure(update: Update, context: ChungTayContext) -> object:
    message, t = update.effective_message, context.t
    form = _data(context).get(FORM_KEY)
    if message is None or message.text is None or form is None:
        return ConversationHandler.END
    text = message.text.strip()
    if looks_like_review(text):  # the whole line typed over the form: it replaces the form
        _data(context).pop(FORM_KEY, None)
        await _show_card(update, context, parse_review_line(text[:1000]), source="line")
        return ConversationHandler.END
    step = form["step"]
    if fold(text) in SKIP_WORDS and step >= REQUIRED_STEPS:
        return await _next(update, context, None)
    value = _plain_count(text)
    if value is None:
        await _say(update, t("Please write a whole number, e.g. 96 or 1.240{skip}.").format(
            skip=t(", or “-” to skip") if step >= REQUIRED_STEPS else ""))
        return WAIT_FIGURE
    return await _next(update, context, value)


def _plain_count(text: str) -> int | None:
    """A typed figure: "96", "1.240", "1.240 hộ", "0"; None when it is not a whole number."""
    words = fold(text).removesuffix(" ho").strip()
    if words == "0":
        return 0
    try:
        return parse_count(words)
    except NumberError:
        return None


async def _next(update: Update, context: ChungTayContext, value: int | None) -> object:
    form = _data(context)[FORM_KEY]
    if value is not None:
        form["figures"][FORM_STEPS[form["step"]]] = value
    form["step"] += 1
    if form["step"] < len(FORM_STEPS):
        await _ask(update, context)
        return WAIT_FIGURE
    _data(context).pop(FORM_KEY, None)
    unit = get_unit(context.session, unit_id=form["unit"])
    line = ReviewLine(year=form["year"], stage=form["stage"], unit_code=unit.code if unit else None,
                      figures=form["figures"])
    await _show_card(update, context, line, source="form")
    return ConversationHandler.END


async def skip(update: Update, context: ChungTayContext) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    form = _data(context).get(FORM_KEY)
    if form is None or form["step"] < REQUIRED_STEPS:
        return ConversationHandler.END
    return await _next(update, context, None)


async def cancel(update: Update, context: ChungTayContext) -> object:
    _data(context).pop(FORM_KEY, None)
    _data(context).pop(DRAFT_KEY, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    await _say(update, context.t("Cancelled. Nothing was saved."))
    return ConversationHandler.END


async def leave(update: Update, context: ChungTayContext) -> object:
    _data(context).pop(FORM_KEY, None)
    return ConversationHandler.END


def _answered_here(callback: Callable[[Update, ChungTayContext], Coroutine[Any, Any, object]],
                   ) -> Callable[[Update, ChungTayContext], Coroutine[Any, Any, None]]:
    async def answered(update: Update, context: ChungTayContext) -> None:
        raise ApplicationHandlerStop(await callback(update, context))
    return answered


def build_review_conversation(*, leave_on: filters.BaseFilter) -> ConversationHandler:
    """/review's form: the wait for each typed figure (see the module notes)."""
    answered = _answered_here
    typed = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("review", answered(review_command))],
            states={WAIT_FIGURE: [MessageHandler(leave_on, leave), MessageHandler(typed, answered(read_figure)),
                                  CallbackQueryHandler(answered(skip), pattern=on(ReviewSkip)),
                                  CallbackQueryHandler(answered(cancel), pattern=on(ReviewCancel))]},
            fallbacks=[CommandHandler("cancel", answered(cancel)), MessageHandler(filters.UpdateType.MESSAGE, leave),
                       CallbackQueryHandler(leave)],
            name="review_form",
            persistent=True,
            allow_reentry=True,
        )


# ------------------------------------------------------------------ the card, ✅ and ❌

async def _show_card(update: Update, context: ChungTayContext, line: ReviewLine, *, source: str) -> None:
    t, user = context.t, context.db_user
    assert user is not None
    _data(context).pop(DRAFT_KEY, None)
    if line.problems:
        shown = "; ".join(f"“{text}”" for _, text in line.problems[:5])
        await _say(update, t("I could not read {parts}. Write each figure with its name, e.g. rà soát 2026: 1.240 hộ, "
                             "nghèo 96, cận nghèo 131, thoát nghèo 23, tái nghèo 0, phát sinh 4, thoát cận nghèo 10"
                             ).format(parts=shown))
        return
    unit = await _unit_or_explain(update, context, line.unit_code)
    if unit is None:
        return
    year = line.year or outcomes.default_year(context.today.year, context.today.month)
    card = review_card(context.session, t, unit=unit, year=year, stage=line.stage, figures=line.figures)
    if not card.can_save:
        await _say(update, "\n".join(card.lines))
        return
    _data(context)[DRAFT_KEY] = {"unit": unit.id, "year": year, "stage": line.stage, "figures": line.figures,
                                 "source": source}
    await _say(update, "\n".join(card.lines), InlineKeyboardMarkup([[button("✅ " + t("Save"), ReviewSave()),
                                                               button("❌ " + t("Cancel"), ReviewCancel())]]))


async def save(update: Update, context: ChungTayContext) -> None:
    """✅ under the card: store the figures and answer with the unit's outcome."""
    query, t, user = update.callback_query, context.t, context.db_user
    assert query is not None
    draft = _data(context).pop(DRAFT_KEY, None)
    unit = get_unit(context.session, unit_id=draft["unit"]) if draft else None
    if draft is None or unit is None or user is None:
        await query.answer(t("These figures are no longer waiting to be saved."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    try:
        saved = outcomes.save_review(context.session, user=user, unit=unit, year=draft["year"], stage=draft["stage"],
                                     figures=draft["figures"], now=context.runtime.clock(), source=draft["source"])
    except outcomes.ReviewRejected as rejected:
        await _say(update, "\n".join([t("These figures cannot be saved:")]
                                     + [f"• {problem_text(t, c, v)}" for c, v in rejected.problems]))
        return
    except outcomes.ReviewNotAllowed:
        await _say(update, t("You cannot enter review figures for that unit: only for your unit or a commune under "
                             "it."))
        return
    head = {"created": t("✅ Saved."),
            "corrected": t("✅ Corrected (version {version}; the earlier figures stay in the history)."),
            "unchanged": t("These figures were already saved.")}
    lines = [head[saved.outcome].format(version=saved.review.version)]
    lines += outcome_lines(t, outcome(context.session, unit=unit, year=draft["year"]))
    await _say(update, "\n".join(lines))


async def stale_cancel(update: Update, context: ChungTayContext) -> None:
    """❌ / ⏭ under a card or question whose form is over (❌ drops the figures waiting under a card)."""
    query = update.callback_query
    assert query is not None
    if isinstance(decode(query.data), ReviewCancel):
        _data(context).pop(DRAFT_KEY, None)
    await query.answer(context.t("Cancelled. Nothing was saved."))
    await query.edit_message_reply_markup(reply_markup=None)


# ------------------------------------------------------------------ /target in the outcome's terms

async def set_outcome_target(update: Update, context: ChungTayContext, words: TargetWords) -> None:
    """/target [unit] [year] giảm 3% | giảm 564 hộ: a unit's poverty target for a year, with its progress."""
    t, user = context.t, context.db_user
    assert user is not None
    unit = _named_unit(context, words.before)
    if unit is None or not may(user, Do.MANAGE_UNIT, unit, session=context.session):
        await _say(update, t("Write the unit and the fall, e.g. /target {code} 2026 giảm 3% or /target {code} 2026 "
                             "giảm 564 hộ (a unit of yours or under it).").format(code=_own_code(context)))
        return
    try:
        value = (to_decimal(words.value) if words.kind == "rate" else Decimal(parse_count(words.value)))
    except NumberError:
        value = Decimal(0)
    if value <= 0 or (words.kind == "rate" and value >= 100):
        await _say(update, t("The fall must be a number above 0, e.g. giảm 3% or giảm 564 hộ."))
        return
    year = words.year or context.today.year
    outcomes.set_target(context.session, user=user, unit=unit, year=year, kind=words.kind, value=value,
                        now=context.runtime.clock())
    what = (t("a fall of the poverty rate by {points} points") if words.kind == "rate"
            else t("{count} fewer poor households")).format(
        points=format_number(value, t.locale, max_decimals=2), count=format_number(int(value), t.locale))
    lines = [t("🎯 Target for {year}, {unit}: {what}.").format(year=year, unit=unit_display(t, unit), what=what)]
    result = outcome(context.session, unit=unit, year=year)
    lines += outcome_lines(t, result)[:1] or [t("No review figures for {year} yet: the progress shows once the "
                                                "communes enter them (/review).").format(year=year)]
    await _say(update, "\n".join(lines))


def _own_code(context: ChungTayContext) -> str:
    user = context.db_user
    unit = get_unit(context.session, unit_id=user.unit_id) if user else None
    return unit.code if unit else "GL-KP"


def _named_unit(context: ChungTayContext, text: str) -> Unit | None:
    """The unit named by code or name (diacritics optional) in the user's tree; the own unit when none."""
    user = context.db_user
    assert user is not None
    own = get_unit(context.session, unit_id=user.unit_id)
    text = text.strip()
    if not text or own is None:
        return own
    by_code = get_unit_by_code(context.session, code=text.split()[0])
    if by_code is not None:
        return by_code
    folded = fold(text)
    for unit in list_subtree_units(context.session, root=own):
        if fold(unit.name) == folded or fold(unit_display(context.t, unit)) == folded:
            return unit
    return None
