"""Telegram screens as Zalo text.

Zalo has no inline keyboards, no message edits and no HTML the documentation confirms, and a message
holds at most 2000 characters. So a screen becomes plain text, its buttons a numbered list the person
answers by typing the number or the option's words, and a long screen several messages cut at line
boundaries. Pure functions: the outbound layer decides when, this module only how.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.screen import Screen
from bot.presentation.render import choices as screen_buttons
from bot.zalo.client import TEXT_LIMIT

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r"<a\s+href=\"([^\"]*)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Choice:
    """One button of a screen: pressed by its number when it has callback data, shown with its link
    when it opens a URL."""

    label: str
    data: str | None = None
    url: str | None = None


def html_to_text(text: str) -> str:
    """The bot writes Telegram HTML; Zalo shows the tags literally, so keep the words (and a link's
    address after its words, since it cannot be tapped)."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_TAG.sub("", text))


def choices_from_markup(markup: Any) -> list[Choice]:
    """The buttons of an InlineKeyboardMarkup (as PTB sends it, a dict), row by row."""
    if not isinstance(markup, dict):
        return []
    found: list[Choice] = []
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            label = html_to_text(str(button.get("text", ""))).strip()
            if button.get("callback_data"):
                found.append(Choice(label, data=str(button["callback_data"])))
            elif button.get("url"):
                found.append(Choice(label, url=str(button["url"])))
    return found


def choices_from_screen(screen: Screen) -> list[Choice]:
    """The buttons of a screen the bot built (a stored one from the outbox), row by row, with the callback
    data the one codec gives them."""
    return [Choice(label.strip(), data=data) for label, data in screen_buttons(screen)]


CONTROL_MARKS = ("⏭", "❌", "↩", "✖", "◀")
"""Buttons that skip, cancel or go back. They are taken by their words only, never by a number: they sit
under questions that want a typed number ("How many households?"), where "5" must stay an answer."""


def numbered(choices: list[Choice]) -> list[Choice]:
    """The choices a digit picks, in order: the pressable ones that are not controls."""
    return [c for c in choices if c.data is not None and not c.label.startswith(CONTROL_MARKS)]


def render_screen(text: str, choices: list[Choice], prompt: Callable[[int], str],
                  words_prompt: Callable[[str], str]) -> str:
    """The screen's text, its numbered choices with `prompt(n)` ("Reply 1–n"), the choices taken by words
    with `words_prompt(options)`, and links spelled out."""
    lines = [text.rstrip()]
    by_number = numbered(choices)
    by_words = [c for c in choices if c.data is not None and c not in by_number]
    links = [c for c in choices if c.url is not None]
    if by_number:
        lines.append("")
        lines.extend(f"{number}. {choice.label}" for number, choice in enumerate(by_number, start=1))
    if links:
        lines.append("")
        lines.extend(f"🔗 {choice.label}: {choice.url}" for choice in links)
    if by_number:
        lines.append(prompt(len(by_number)))
    if by_words:
        lines.append(words_prompt(" · ".join(c.label for c in by_words)))
    return "\n".join(lines).strip()


def label_words(choice: Choice) -> str:
    """A label as the person types it: without its leading emoji ("✏️ Sửa bản ghi" -> "Sửa bản ghi")."""
    return re.sub(r"^[^\w]+", "", choice.label).strip() or choice.label


def render_by_words(text: str, choices: list[Choice], words_prompt: Callable[[str], str]) -> str:
    """A screen whose choices are taken by their words only (it arrived while the person was answering a
    typed question, so a digit stays that answer): the text and `words_prompt(options)`, no numbers."""
    options = " / ".join(label_words(c) for c in choices if c.data is not None)
    lines = [text.rstrip(), "", words_prompt(options)]
    links = [c for c in choices if c.url is not None]
    lines.extend(f"🔗 {choice.label}: {choice.url}" for choice in links)
    return "\n".join(lines).strip()


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at line ends (a single longer line is cut where it must)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()] or [text[:limit] or "…"]


def _words(text: str) -> str:
    """Letters and digits only, lower case: "✅ Lưu" and "lưu" compare equal."""
    text = unicodedata.normalize("NFC", text).casefold()
    kept = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text)
    return " ".join(kept.split())


def _bare_words(text: str) -> str:
    """`_words` without accents ("sua ban ghi" for "Sửa bản ghi"): phones without a Vietnamese keyboard."""
    decomposed = unicodedata.normalize("NFD", _words(text).replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def match_choice(reply: str, choices: list[Choice]) -> Choice | None:
    """The choice a typed reply means: its number, or its words (all of them, or its first two words or more,
    when they fit one choice only: "giống lần trước" for "Giống lần trước (5)"); None when it is neither."""
    stripped = reply.strip().rstrip(".")
    if stripped.isdigit():
        by_number = numbered(choices)
        number = int(stripped)
        return by_number[number - 1] if 1 <= number <= len(by_number) else None
    words = _words(reply)
    pressable = [c for c in choices if c.data is not None]
    if not words:
        return None
    exact = [c for c in pressable if _words(c.label) == words]
    if exact:
        return exact[0] if len(exact) == 1 else None
    bare = [c for c in pressable if _bare_words(c.label) == _bare_words(reply)]
    if bare:
        return bare[0] if len(bare) == 1 else None
    leading = [c for c in pressable if " " in words and _words(c.label).startswith(words + " ")]
    return leading[0] if len(leading) == 1 else None
