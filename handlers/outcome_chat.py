"""The poverty review in chat besides /review's card: a review sheet sent as a file, and questions about
the outcome ("tỷ lệ hộ nghèo?", "bao nhiêu hộ thoát nghèo năm nay?").

A sheet is told apart from the household list by its name or caption ("rà soát", "review"); it is read,
checked and written in a worker thread with its own session (like the household list), and the status
message says what was imported or, by line, why nothing was.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import filters

from bot.domain.outcomes.chat import outcome_answer_screen, sheet_import_screen
from bot.domain.outcomes.figures import default_year
from bot.domain.parsing.review_line import looks_like_outcome_question, parse_review_line
from bot.domain.parsing.text import fold
from bot.domain.records.action_text import Localised
from bot.domain.screen import Screen, screen_of
from bot.domain.spans import text as one_line
from bot.i18n import Translator
from bot.presentation.render import edit_message, reply
from bot.runtime import Runtime
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)
MAX_SHEET_BYTES = 2 * 1024 * 1024
SHEET_WORDS = ("ra soat", "ra-soat", "ra_soat", "rasoat", "review")


class ReviewSheetFilter(filters.MessageFilter):
    """A private document whose file name or caption says it is the review's figures."""

    def __init__(self) -> None:
        super().__init__(name="ReviewSheetFilter")

    def filter(self, message: Message) -> bool:
        if message.document is None:
            return False
        named = fold(message.document.file_name or "")
        return any(word in named for word in SHEET_WORDS) or fold(message.caption or "").startswith(SHEET_WORDS)


async def receive_sheet(update: Update, context: ChungTayContext) -> None:
    user, message, t = context.db_user, update.effective_message, context.t
    if user is None or message is None or message.document is None:
        return
    document = message.document
    name = document.file_name or ""
    if not name.lower().endswith((".csv", ".xlsx")) or (document.file_size or 0) > MAX_SHEET_BYTES:
        await reply(message, screen_of(t("To import the review figures, send a CSV or XLSX sheet (at most 2 MB) "
                                         "with one row per commune.")))
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    status = await reply(message, screen_of(t("Reading the review sheet…")))
    runtime, telegram_id = context.runtime, user.telegram_id
    year = parse_review_line(message.caption or "").year or default_year(context.today.year, context.today.month)

    async def work() -> None:
        try:
            screen = await asyncio.to_thread(_import, runtime, telegram_id=telegram_id, t=t, content=content,
                                             filename=name, year=year)
        except Exception:
            log.exception("review sheet import failed")
            screen = Screen(one_line(t("Sorry, something went wrong on our side. Please try again in a moment.")))
        await edit_message(context.bot, screen, chat_id=status.chat_id, message_id=status.message_id)

    context.app.run_in_background(work(), name="review-sheet-import")


def _import(runtime: Runtime, *, telegram_id: int, t: Translator, content: bytes, filename: str, year: int,
            ) -> Screen:
    """In the worker thread, with its own session: the reply."""
    with runtime.session_factory() as session:
        return sheet_import_screen(session, t, telegram_id=telegram_id, content=content, filename=filename,
                                   year=year, now=runtime.clock())


# ------------------------------------------------------------------ questions

class OutcomeQuestionFilter(filters.MessageFilter):
    """Private text asking about the poverty outcome, while no logging form waits for an answer."""

    def __init__(self, application: Any) -> None:
        super().__init__(name="OutcomeQuestionFilter")
        self._application = application

    def filter(self, message: Message) -> bool:
        if not message.text or message.text.startswith("/") or message.from_user is None:
            return False
        user_data = self._application.user_data.get(message.from_user.id) or {}
        return not user_data.get("log") and looks_like_outcome_question(message.text)


async def answer_question(update: Update, context: ChungTayContext) -> None:
    message, user = update.effective_message, context.db_user
    if message is None or message.text is None or user is None:
        return
    await reply(message, outcome_answer_screen(context.session, Localised(context.runtime.catalogue, context.t),
                                               viewer=user, typed=message.text[:300], today=context.today))
