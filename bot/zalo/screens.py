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


def render_screen(text: str, choices: list[Choice], prompt: Callable[[int], str]) -> str:
    """The screen's text followed by its numbered choices and `prompt(n)` ("Reply 1–n")."""
    lines = [text.rstrip()]
    pressable = [c for c in choices if c.data is not None]
    links = [c for c in choices if c.url is not None]
    if pressable:
        lines.append("")
        lines.extend(f"{number}. {choice.label}" for number, choice in enumerate(pressable, start=1))
    if links:
        lines.append("")
        lines.extend(f"🔗 {choice.label}: {choice.url}" for choice in links)
    if pressable:
        lines.append(prompt(len(pressable)))
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


def match_choice(reply: str, choices: list[Choice]) -> Choice | None:
    """The choice a typed reply means: its number, or its words; None when it is neither."""
    pressable = [c for c in choices if c.data is not None]
    stripped = reply.strip().rstrip(".")
    if stripped.isdigit():
        number = int(stripped)
        return pressable[number - 1] if 1 <= number <= len(pressable) else None
    words = _words(reply)
    if not words:
        return None
    exact = [c for c in pressable if _words(c.label) == words]
    return exact[0] if len(exact) == 1 else None
