"""A typed line that reads both as a support entry and as a question about totals ("vay vốn 10 hộ 500tr?",
"tổng 45 hộ 10tr"): the bot asks which with two buttons (📝 record it / 📊 see totals) instead of guessing,
and keeps the line meanwhile, so the officer never types it again.

The line waits in `user_data` (persisted); 📝 is a way into the logging form (handlers/log_form), 📊 a plain
question (handlers/totals). Either button finds the line gone after the other was tapped, and says so.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.domain.records.kept_line import kept_line_screen
from bot.presentation.render import reply
from handlers.context import ChungTayContext

KEPT_LINE = "kept_line"
"""In user_data: {"text", "source"} of the line waiting for 📝 or 📊."""


async def ask(update: Update, context: ChungTayContext, text: str) -> None:
    """Keep the line and ask whether it is an entry or a question."""
    message = update.effective_message
    assert message is not None
    context.user_data[KEPT_LINE] = {"text": text[:4096], "source": message.message_id}  # type: ignore[index]
    await reply(message, kept_line_screen(context.t))


def take(context: ChungTayContext) -> dict[str, Any] | None:
    """The kept line, removed from user_data (None when it was already used)."""
    line = context.user_data.pop(KEPT_LINE, None)  # type: ignore[union-attr]
    return line if isinstance(line, dict) and isinstance(line.get("text"), str) else None
