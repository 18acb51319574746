"""Sending one stored or built message part through the Bot API: the outbox's rows and the /digest reply.

Why here, below the wiring and the handlers: the outbox sender (bot/outbox_sender.py) and the handler
that answers /digest send the same parts the same way, and neither may import the other. A part is a
screen (drawn now by the one renderer, bot/presentation/render.py), or a document or photo with its
bytes and the screen as its caption. A row queued before screens were stored has no screen: its
rendered text, parse mode and Telegram keyboard JSON are sent as they were stored.

While a part is being sent, its screen is `screen_being_sent()` (a context variable, read in the same task
by a channel's request layer): a channel without buttons (Zalo, bot/zalo/outbound.py) draws its words and
numbered choices from the screen itself, not back from the Telegram HTML and keyboard JSON.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode

from bot.domain.outbox import queue as outbox
from bot.domain.outbox.stored import screen_from_json
from bot.domain.screen import Screen
from bot.presentation.render import render

_SENDING: ContextVar[Screen | None] = ContextVar("screen_being_sent", default=None)


def screen_being_sent() -> Screen | None:
    """The screen of the part being sent in this task (None: a reply, or a row from before screens)."""
    return _SENDING.get()


@contextmanager
def sending_screen(screen: Screen | None) -> Iterator[None]:
    """Within: `screen` is the screen being sent (what `send_part` and `edit_into` set around their call)."""
    token = _SENDING.set(screen)
    try:
        yield
    finally:
        _SENDING.reset(token)


class UndrawableScreen(Exception):
    """A stored screen this version cannot draw (a verb it no longer knows, a malformed row): sending it
    again would fail again, so the outbox gives the row up instead of retrying it."""


def screen_of(part: outbox.Part | outbox.OutgoingMessage) -> Screen | None:
    if isinstance(part, outbox.Part):
        return part.screen
    if part.screen is None:
        return None
    try:
        return screen_from_json(part.screen)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise UndrawableScreen(type(error).__name__) from error


def drawn(bot: Bot, part: outbox.Part | outbox.OutgoingMessage,
          screen: Screen | None = None) -> tuple[str, str | None, Any]:
    """(text, parse mode, reply markup) of a part, its screen (`screen`, or the part's) rendered now."""
    screen = screen or screen_of(part)
    if screen is not None:
        try:
            text, markup = render(screen)
        except (KeyError, TypeError, ValueError) as error:  # an unknown verb, values its action cannot take
            raise UndrawableScreen(type(error).__name__) from error
        return text, ParseMode.HTML, markup
    if isinstance(part, outbox.Part):  # a file without a caption
        return "", None, None
    markup = InlineKeyboardMarkup.de_json(part.reply_markup, bot) if part.reply_markup else None
    return part.text, part.parse_mode, markup


async def send_part(bot: Bot, chat_id: int, part: outbox.Part | outbox.OutgoingMessage, **kwargs: Any) -> None:
    """Send one text, document or photo; `kwargs` go to the bot method (the outbox passes its no-retries
    rate-limit argument). Raises what the Bot API answered."""
    screen = screen_of(part)
    with sending_screen(screen):
        await _send(bot, chat_id, part, drawn(bot, part, screen), **kwargs)


async def _send(bot: Bot, chat_id: int, part: outbox.Part | outbox.OutgoingMessage,
                drawing: tuple[str, str | None, Any], **kwargs: Any) -> None:
    text, parse_mode, markup = drawing
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
    screen = screen_of(part)
    text, parse_mode, markup = drawn(bot, part, screen)
    with sending_screen(screen):
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=parse_mode,
                                    reply_markup=markup)
