"""A screen as plain JSON, so a message sent later is stored as what it shows, not as Telegram markup.

Why: the outbox keeps messages for minutes or days (reminders, digests, notices). Storing the `Screen`
(bot/domain/screen.py) — its lines of spans and its buttons as a verb and values — instead of rendered
HTML and Telegram keyboard JSON means every later message gets its buttons one way, from the one
renderer at send time (bot/presentation/render.py), and any channel (Telegram, Zalo's numbered choices)
draws the same stored screen. The format is small and versioned by its keys only:

    {"body": [[["text", "style"], …], …], "rows": [[["label", "verb", [values…]], …], …],
     "limit": 4096 | null, "overflow": [[…]] | null}

A screen that carries a page of a list of units (`Screen.units`) is for a live reply only and cannot
be stored.
"""

from __future__ import annotations

from typing import Any, cast

from bot.domain.screen import Button, Press, Screen
from bot.domain.spans import Span, Style, Text

StoredScreen = dict[str, Any]
"""A screen as `screen_to_json` writes it (what the `outbox_message.screen` column holds)."""


def _text_to_json(text: Text) -> list[list[list[str]]]:
    return [[[span.text, span.style] for span in row] for row in text.lines]


def _text_from_json(data: Any) -> Text:
    return Text([tuple(Span(str(part[0]), cast(Style, str(part[1]))) for part in row) for row in data or []])


def screen_to_json(screen: Screen) -> StoredScreen:
    """The screen as JSON-ready plain data (see the module's docstring)."""
    if screen.units is not None:
        raise ValueError("a screen with a page of units is a live reply and cannot be stored")
    return {
        "body": _text_to_json(screen.body),
        "rows": [[[item.label, item.press.verb, list(item.press.values)] for item in row] for row in screen.rows],
        "limit": screen.limit,
        "overflow": _text_to_json(screen.overflow) if screen.overflow is not None else None,
    }


def screen_from_json(data: StoredScreen) -> Screen:
    """The screen `screen_to_json` stored (buttons with their verb and values, ready for the renderer)."""
    rows = [[Button(str(label), Press(str(verb), tuple(values))) for label, verb, values in row]
            for row in data.get("rows") or []]
    overflow = data.get("overflow")
    return Screen(body=_text_from_json(data.get("body")), rows=rows, limit=data.get("limit"),
                  overflow=_text_from_json(overflow) if overflow is not None else None)


def plain_screen(text: str) -> Screen:
    """A notice without emphasis or buttons (its text may hold line breaks)."""
    return Screen(body=Text().add(text))
