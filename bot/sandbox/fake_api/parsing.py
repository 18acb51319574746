"""Small helpers of the fake Bot API: Telegram's HTML entity parsing, UTF-16 lengths, parameter decoding,
PNG sizes and reply-markup checks.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
from html import unescape
from typing import Any

from bot.sandbox.fake_api.models import (
    _BUTTON_ACTIONS,
    _HTML_TAGS,
    _JSON_PARAMS,
    TelegramApiError,
)


def _utf16_len(text: str) -> int:
    """Telegram measures lengths and offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(raw: str) -> tuple[str, list[tuple[str, int, int]]]:
    """Strip Telegram-HTML to plain text and entities, rejecting what Telegram rejects.

    Raising the same "can't parse entities" 400 as Telegram lets e2e tests catch
    a forgotten ``html.escape`` on user input, which would break in production.
    """
    out: list[str] = []
    entities: list[tuple[str, int, int]] = []
    stack: list[tuple[str, int]] = []
    pos = 0
    length = 0
    tag_re = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
    while pos < len(raw):
        lt = raw.find("<", pos)
        chunk = raw[pos:] if lt < 0 else raw[pos:lt]
        plain = unescape(chunk)
        out.append(plain)
        length += _utf16_len(plain)
        if lt < 0:
            break
        byte_offset = len(raw[:lt].encode("utf-8"))
        match = tag_re.match(raw, lt)
        if not match:
            raise TelegramApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset {byte_offset}',
            )
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise TelegramApiError(
                400,
                f'Bad Request: can\'t parse entities: Unsupported {kind} tag "{name}" at byte '
                f"offset {byte_offset}",
            )
        if closing:
            if not stack or stack[-1][0] != name:
                expected = f'"</{stack[-1][0]}>"' if stack else "none"
                raise TelegramApiError(
                    400,
                    "Bad Request: can't parse entities: Unmatched end tag at byte offset "
                    f'{byte_offset}, expected {expected}, found "</{name}>"',
                )
            open_name, start = stack.pop()
            entities.append((open_name, start, length))
        else:
            stack.append((name, length))
        pos = match.end()
    if stack:
        raise TelegramApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"',
        )
    return "".join(out), sorted(entities, key=lambda e: (e[1], e[2], e[0]))


def _render(raw: str, parse_mode: str | None) -> tuple[str, list[tuple[str, int, int]]]:
    """Plain text + entity signature for the given parse mode."""
    if parse_mode and parse_mode.upper() == "HTML":
        return parse_html(raw)
    return raw, []


def _decode_value(key: str, value: Any) -> Any:
    """JSON-decode the parameters PTB sends as JSON strings (markup, commands, ...)."""
    if key in _JSON_PARAMS and isinstance(value, str) and value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _as_int(params: dict[str, Any], key: str, default: int | None = None) -> int | None:
    """Form-encoded requests carry every value as a string; coerce like Telegram does."""
    value = params.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TelegramApiError(400, f"Bad Request: invalid {key} specified") from None


def _as_bool(params: dict[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _require_int(params: dict[str, Any], key: str) -> int:
    value = _as_int(params, key)
    if value is None:
        raise TelegramApiError(400, f"Bad Request: {key} is empty")
    return value


def _png_size(content: bytes) -> tuple[int, int]:
    """Width/height of a PNG (what the bot renders); a fixed guess for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 320, 240


def _check_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup the way Telegram does for the mistakes bots actually make."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise TelegramApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise TelegramApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise TelegramApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid")
            if not button.get("text"):
                raise TelegramApiError(400, "Bad Request: text must be non-empty")
            if not _BUTTON_ACTIONS.intersection(button):
                raise TelegramApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    return markup
