"""What a service hands a handler to show: a screen of text and buttons, in plain data.

Why: the domain must not know Telegram. A service says *what* is on screen — the body and, for each
button, its label and what pressing it does (`Press`: a verb and its values, e.g.
`Press("drill", ("rice", 0))`) — and the one renderer, bot/presentation/render.py, turns that into a message
and an inline keyboard, mapping each verb onto a typed action of the callback codec
(bot/presentation/callbacks/). A new button kind is a new verb there and an action in the codec.

The body is a `Text` (bot/domain/spans.py): lines of plain, bold or italic spans, escaped and marked up
by the renderer. A body longer than `limit` characters is cut after its last whole line and ends with
`overflow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.spans import Span, Text
from bot.domain.units.lists import UnitPage


@dataclass(frozen=True)
class Press:
    """What pressing a button does: a verb the renderer knows, and the values it carries."""

    verb: str
    values: tuple[str | int | None, ...] = ()


@dataclass(frozen=True)
class Button:
    label: str
    press: Press


@dataclass
class Screen:
    body: Text
    rows: list[list[Button]] = field(default_factory=list)
    limit: int | None = None
    overflow: Text | None = None
    units: UnitPage | None = None  # a page of a list of units, for the handler's ◀ ▶ 🔎 (handlers/unit_list.py)
    menu: tuple[str, ...] = ()  # the buttons under the text box (the main menu), when there are no `rows`


LINK = "open.link"
"""A button that opens a web address (`Press(LINK, (url,))`), not a callback."""
WEB_APP = "open.web_app"
"""A button that opens a Telegram Mini App at an address (`Press(WEB_APP, (url,))`)."""


def button(label: str, verb: str, *values: str | int | None) -> Button:
    return Button(label, Press(verb, values))


def screen_of(*parts: str | Span, rows: list[list[Button]] | None = None) -> Screen:
    """A one-line screen (a short answer), with buttons when given."""
    return Screen(Text().add(*parts), rows or [])


def lines_screen(lines: list[str], rows: list[list[Button]] | None = None) -> Screen:
    """A screen of plain lines (each may hold line breaks)."""
    body = Text()
    for item in lines:
        body.add(item)
    return Screen(body, rows or [])


def two_by_two(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
