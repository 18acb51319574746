"""The Bot the Application talks through: PTB's ExtBot, tolerant of the two harmless answers Telegram
gives to button presses.

- "query is too old … or query ID is invalid": the spinner's answer came after Telegram's timeout
  (typically a tap made while the bot was restarting). The user is still waiting for the action, so
  the handler must go on and do it rather than stop on the failed acknowledgement.
- "message is not modified": an edit that changes nothing, e.g. the same totals choice tapped twice.
  The screen already shows what was asked, so it counts as done.

Both are raised by Telegram as BadRequest; everything else still reaches the error handler.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


def is_stale_query(error: BadRequest) -> bool:
    text = error.message.lower()
    return "query is too old" in text or "query id is invalid" in text


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


class ChungTayBot(ExtBot[Any]):
    """ExtBot that treats a late callback answer and an edit without change as done."""

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as error:
            if not is_stale_query(error):
                raise
            log.info("callback query answered too late; the action goes on")
            return False

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_text(*args, **kwargs)
        except BadRequest as error:
            if not is_not_modified(error):
                raise
            return True

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as error:
            if not is_not_modified(error):
                raise
            return True
