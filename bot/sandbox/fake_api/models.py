"""What the fake Telegram Bot API shares between its parts: limits and Telegram's error texts, the data
classes the tests see (FakeUser, SentMessage, ApiCall, TelegramApiError), stored files and uploads,
injected failures, and the signal that wakes waiters on every state change.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

WEBCHAT_HTML = Path(__file__).parent.parent / "webchat.html"
MAX_TEXT_LEN = 4096
MAX_CAPTION_LEN = 1024
SANDBOX_POLL_SECONDS = 25.0
_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_JSON_PARAMS = frozenset(
    {
        "reply_markup", "commands", "scope", "allowed_updates", "media", "entities",
        "caption_entities", "link_preview_options", "reply_parameters", "menu_button",
        "results", "options", "permissions", "rights",
    }
)  # fmt: skip
# Tags Telegram's HTML parse mode accepts; anything else is a 400 like the real API.
_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "span", "tg-spoiler", "tg-emoji", "blockquote",
    }
)  # fmt: skip
_BUTTON_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)  # fmt: skip
_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


# --------------------------------------------------------------------------- data classes


@dataclass
class FakeUser:
    """A Telegram user the tests (or sandbox personas) act as."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"

    def to_dict(self) -> dict[str, Any]:
        """Telegram ``User`` JSON; optional fields are omitted like Telegram does."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class SentMessage:
    """Current state of one message the bot sent; edits update it in place.

    Tests assert on ``text`` (what a person would read) rather than ``raw_text``
    so they do not depend on markup details.
    """

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    kind: str
    caption: str | None
    file_name: str | None
    file_bytes: bytes | None
    edits: int = 0
    date: int = field(default_factory=lambda: int(time.time()))
    file_id: str | None = None
    deleted: bool = False
    entities: list[tuple[str, int, int]] = field(default_factory=list)

    def buttons(self) -> list[dict[str, Any]]:
        """Flat list of inline buttons, so tests can pick one by text."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [dict(button) for row in rows for button in row]

    def button(self, text_contains: str) -> dict[str, Any]:
        """The first inline button whose text contains ``text_contains`` (raises if none)."""
        for button in self.buttons():
            if text_contains in str(button.get("text", "")):
                return button
        names = [b.get("text") for b in self.buttons()]
        raise LookupError(f"no button containing {text_contains!r}; buttons are {names}")


@dataclass
class ApiCall:
    """One Bot API request as received (also failed ones, see ``status``)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


class TelegramApiError(Exception):
    """Raised inside handlers; turned into Telegram's error JSON with the same HTTP status."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> web.Response:
        """Telegram puts the code both in the HTTP status and in ``error_code``."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None
    mime_type: str | None


@dataclass
class Upload:
    """A multipart file part as received (kept whole so tests can inspect it in ApiCall.params)."""

    filename: str | None
    content_type: str
    content: bytes


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None


# --------------------------------------------------------------------------- helpers


class _Signal:
    """Broadcast "state changed" to any number of async waiters.

    Unlike ``asyncio.Condition`` it can be notified from synchronous code (the
    ``inject_*`` methods are sync), and waiters re-check a predicate, so there is
    no sleep-polling anywhere.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake every current waiter; later waiters wait for the next notify."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` is true; False if ``timeout`` seconds passed first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True
