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
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.outcomes.screens import (
    FORM_STEPS,
    REQUIRED_STEPS,
    card,
    form_question_screen,
    form_start,
    not_a_count_screen,
    saved_screen,
)
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.numbers import parse_count
from bot.domain.parsing.review_line import ReviewLine, looks_like_review, parse_review_line
from bot.domain.parsing.text import fold
from bot.domain.screen import Screen, screen_of
from bot.presentation.callbacks import ReviewCancel, ReviewSkip, decode, on
from bot.presentation.render import reply
from handlers.context import ChungTayContext

WAIT_FIGURE = "figure"
FORM_KEY, DRAFT_KEY = "review_form", "review_draft"
SKIP_WORDS = {"-", "–", "bo qua", "khong", "skip", "none"}


def _data(context: ChungTayContext) -> dict[Any, Any]:
    data = context.user_data
    assert data is not None
    return data


async def _say(update: Update, screen: Screen) -> None:
    message = update.effective_message
    if message is not None:
        await reply(message, screen)


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
    start = form_start(context.session, context.t, viewer=context.db_user, line=parsed, today=context.today)
    await _say(update, start.screen)
    if start.unit_id is None:
        return ConversationHandler.END
    _data(context)[FORM_KEY] = {"unit": start.unit_id, "year": start.year, "stage": parsed.stage, "step": 0,
                                "figures": {}}
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
    await _say(update, form_question_screen(context.t, _data(context)[FORM_KEY]["step"]))


async def read_figure(update: Update, context: ChungTayContext) -> object:
    message = update.effective_message
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
        await _say(update, not_a_count_screen(context.t, step))
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
    line = ReviewLine(year=form["year"], stage=form["stage"], unit_code=None, figures=form["figures"])
    await _show_card(update, context, line, source="form", unit_id=form["unit"])
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
    message = update.effective_message
    if message is not None:
        await reply(message, screen_of(context.t("Cancelled. Nothing was saved.")))
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

async def _show_card(update: Update, context: ChungTayContext, line: ReviewLine, *, source: str,
                     unit_id: int | None = None) -> None:
    user = context.db_user
    assert user is not None, "only a known person reaches the review"
    _data(context).pop(DRAFT_KEY, None)
    shown = card(context.session, context.t, viewer=user, line=line, today=context.today, source=source,
                 unit_id=unit_id)
    if shown.draft is not None:
        _data(context)[DRAFT_KEY] = shown.draft
    await _say(update, shown.screen)


async def save(update: Update, context: ChungTayContext) -> None:
    """✅ under the card: store the figures and answer with the unit's outcome."""
    query, user = update.callback_query, context.db_user
    assert query is not None
    draft = _data(context).pop(DRAFT_KEY, None)
    screen = saved_screen(context.session, context.t, viewer=user, draft=draft, now=context.runtime.clock()) \
        if draft is not None and user is not None else None
    if screen is None:
        await query.answer(context.t("These figures are no longer waiting to be saved."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _say(update, screen)


async def stale_cancel(update: Update, context: ChungTayContext) -> None:
    """❌ / ⏭ under a card or question whose form is over (❌ drops the figures waiting under a card)."""
    query = update.callback_query
    assert query is not None
    if isinstance(decode(query.data), ReviewCancel):
        _data(context).pop(DRAFT_KEY, None)
    await query.answer(context.t("Cancelled. Nothing was saved."))
    await query.edit_message_reply_markup(reply_markup=None)
