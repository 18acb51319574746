"""Sending one stored or built message part through the Bot API: the outbox's rows and the /digest reply.

Why here, below the wiring and the handlers: the outbox sender (bot/outbox_sender.py) and the handler
that answers /digest send the same parts the same way, and neither may import the other. A part is a
screen (drawn now by the one renderer, bot/presentation/render.py), or a document or photo with its
bytes and the screen as its caption. A row queued before screens were stored has no screen: its
rendered text, parse mode and Telegram keyboard JSON are sent as they were stored.
"""

from __future__ import annotations

import io
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode

from bot.domain.outbox import queue as outbox
from bot.presentation.render import render, render_stored


def drawn(bot: Bot, part: outbox.Part | outbox.OutgoingMessage) -> tuple[str, str | None, Any]:
    """(text, parse mode, reply markup) of a part, its screen rendered now."""
    if isinstance(part, outbox.Part):
        if part.screen is None:
            return "", None, None
        text, markup = render(part.screen)
        return text, ParseMode.HTML, markup
    if part.screen is not None:
        text, markup = render_stored(part.screen)
        return text, ParseMode.HTML, markup
    markup = InlineKeyboardMarkup.de_json(part.reply_markup, bot) if part.reply_markup else None
    return part.text, part.parse_mode, markup


async def send_part(bot: Bot, chat_id: int, part: outbox.Part | outbox.OutgoingMessage, **kwargs: Any) -> None:
    """Send one text, document or photo; `kwargs` go to the bot method (the outbox passes its no-retries
    rate-limit argument). Raises what the Bot API answered."""
    text, parse_mode, markup = drawn(bot, part)
    caption = text or None
    if part.kind == outbox.DOCUMENT:
        await bot.send_document(chat_id, InputFile(io.BytesIO(part.payload or b""), filename=part.filename),
                                caption=caption, parse_mode=parse_mode, reply_markup=markup, **kwargs)
    elif part.kind == outbox.PHOTO:
        await bot.send_photo(chat_id, io.BytesIO(part.payload or b""), caption=caption, parse_mode=parse_mode,
                             reply_markup=markup, **kwargs)
    else:
        await bot.send_message(chat_id, text, parse_mode=parse_mode, reply_markup=markup, **kwargs)


async def edit_into(bot: Bot, chat_id: int, message_id: int, part: outbox.Part) -> None:
    """A text part drawn into a message already sent (the "Preparing…" status of /digest)."""
    text, parse_mode, markup = drawn(bot, part)
    await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=parse_mode,
                                reply_markup=markup)
