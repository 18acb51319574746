"""An in-process fake of the Telegram Bot API, plus a browser chat page for the sandbox.

Why this exists: the end-to-end tests run the *real* python-telegram-bot
``Application`` over real HTTP, so everything PTB does (multipart uploads,
retries on 429, long polling, webhook delivery) is exercised without touching
Telegram.  The same aiohttp server also serves ``webchat.html`` so a person can
try the bot locally (``make run`` without a token) by picking a sample user in a
browser.

Fidelity goal: answer with the shapes, HTTP status codes and error texts that
Telegram uses for the situations the bot can realistically hit (message not
modified, bad HTML, blocked user, flood control, ...), because the bot's error
handling is written against those texts.  Anything outside that goal is left
out on purpose rather than faked loosely.

Layout of this module:
  1. data classes exposed to tests (FakeUser, SentMessage, ApiCall)
  2. small helpers (HTML entity parsing, parameter decoding, errors)
  3. FakeTelegram: state + injection API used by tests
  4. FakeTelegram: Bot API method handlers
  5. FakeTelegram: webhook delivery, sandbox control API, server lifecycle
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

import aiohttp
from aiohttp import web

__all__ = ["ApiCall", "FakeTelegram", "FakeUser", "SentMessage", "TelegramApiError"]

WEBCHAT_HTML = Path(__file__).with_name("webchat.html")
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


# --------------------------------------------------------------------------- the fake server


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class FakeTelegram:
    """Fake Bot API server with a test-facing API for injecting updates and inspecting replies."""

    def __init__(
        self,
        *,
        bot_id: int = 7000000001,
        bot_username: str = "ChungTayBot",
        bot_first_name: str = "Chung Tay",
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.base_url = ""
        self.calls: list[ApiCall] = []
        self.messages: dict[int, list[SentMessage]] = {}
        self.personas: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[tuple[int, str]] = []
        # One signal for every state change; ``message_events`` is the public name.
        self.message_events = _Signal()
        self._pending: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._confirmed_below = 0
        self._acked: set[int] = set()
        self._dropped: set[int] = set()
        self._msg_ids: dict[int, itertools.count[int]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._callbacks: dict[str, bool] = {}  # query id -> answered
        self._callback_chats: dict[str, int] = {}
        self._callback_ids = itertools.count(1)
        self._failures: dict[str, deque[_Failure]] = {}
        self._blocked: set[int] = set()
        self._webhook: dict[str, Any] = {}
        self._log: list[dict[str, Any]] = []
        self._seq = itertools.count(1)
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._methods: dict[str, tuple[str, Handler]] = {}
        for name in (
            "getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup",
            "editMessageCaption", "deleteMessage", "answerCallbackQuery", "sendDocument",
            "sendPhoto", "sendChatAction", "getFile", "setMyCommands", "getMyCommands",
            "deleteMyCommands", "setChatMenuButton", "getChatMenuButton", "setWebhook",
            "deleteWebhook", "getWebhookInfo", "close", "logOut", "getChat",
            "setMyDescription", "setMyShortDescription", "setMyName",
        ):  # fmt: skip
            handler = getattr(self, f"_m_{name}")
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ inspection helpers

    def calls_to(self, method: str) -> list[ApiCall]:
        """All received calls of one method (case-insensitive name)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The newest message the bot sent to ``chat_id`` (deleted ones included)."""
        sent = self.messages.get(chat_id)
        return sent[-1] if sent else None

    def callback_answers_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The answers to button presses made in ``chat_id``, oldest first (toasts and alerts)."""
        return [a for a in self.callback_answers if self._callback_chats.get(str(a["callback_query_id"])) == chat_id]

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by id, e.g. to tap a button on an older message."""
        for message in self.messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Wait for any state predicate (e.g. "message 5 was edited"); TimeoutError names ``what``."""
        if not await self.message_events.wait_for(predicate, timeout):
            raise TimeoutError(f"FakeTelegram: timed out after {timeout}s waiting for {what}")

    async def wait_for_message(self, chat_id: int, after_count: int, timeout: float = 10.0) -> SentMessage:
        """Return the first bot message in ``chat_id`` beyond the first ``after_count`` ones.

        Returning index ``after_count`` (not the newest) keeps tests deterministic
        when the bot sends several messages in a burst.
        """
        await self.wait_until(
            lambda: len(self.messages.get(chat_id, [])) > after_count,
            timeout,
            f"message #{after_count + 1} to chat {chat_id} (bot sent "
            f"{len(self.messages.get(chat_id, []))}: "
            f"{[m.text[:60] for m in self.messages.get(chat_id, [])]})",
        )
        return self.messages[chat_id][after_count]

    async def wait_consumed(self, update_id: int, timeout: float = 10.0) -> None:
        """Resolve once the bot acknowledged ``update_id`` (polling offset or webhook 2xx)."""

        def consumed() -> bool:
            if update_id in self._dropped:
                raise RuntimeError(f"FakeTelegram: update {update_id} was dropped (drop_pending_updates)")
            return update_id < self._confirmed_below or update_id in self._acked

        if not await self.message_events.wait_for(consumed, timeout):
            mode = f"webhook {self._webhook.get('url')}" if self._webhook.get("url") else "polling"
            raise TimeoutError(
                f"FakeTelegram: update {update_id} not acknowledged by the bot within {timeout}s "
                f"({mode}; confirmed below {self._confirmed_below}; {len(self._pending)} pending)"
            )

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram would."""
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                retry_after = retry_after or 1
            else:
                description = _STATUS_TEXT.get(status, "Internal Server Error")
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(_Failure(status, description, retry_after) for _ in range(times))

    def block_user(self, chat_id: int) -> None:
        """Every send* to ``chat_id`` answers 403 blocked, like a user who blocked the bot."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """Undo ``block_user``."""
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ update injection

    def inject_raw_update(self, update: dict[str, Any]) -> int:
        """Queue an update as-is (assigning ``update_id`` if missing); returns its id."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self._pending.append(update)
        self.message_events.notify()
        return int(update["update_id"])

    def _remember_chat(
        self, user: FakeUser, chat_id: int, chat_type: str, title: str | None
    ) -> dict[str, Any]:
        if chat_type == "private":
            chat = {k: v for k, v in user.to_dict().items() if k in ("first_name", "last_name", "username")}
            chat.update(id=chat_id, type="private")
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        """User and bot messages share one increasing id sequence per chat, as in Telegram."""
        return next(self._msg_ids.setdefault(chat_id, itertools.count(1)))

    def _user_message(
        self,
        user: FakeUser,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
        **content: Any,
    ) -> int:
        """Build, remember and queue a message update from ``user``."""
        cid = user.id if chat_id is None else chat_id
        chat = self._remember_chat(user, cid, chat_type, chat_title)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(cid),
            "from": user.to_dict(),
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to_message_id is not None:
            replied = self._message_json_by_id(cid, reply_to_message_id)
            if replied is not None:
                message["reply_to_message"] = replied
        self._user_messages[(cid, message["message_id"])] = message
        text = content.get("text") or content.get("caption") or ""
        item: dict[str, Any] = {
            "from": "user",
            "message_id": message["message_id"],
            "text": text,
            "kind": "text",
        }
        if "location" in content:
            loc = content["location"]
            item["text"] = f"📍 {loc['latitude']:.5f}, {loc['longitude']:.5f}"
        if "photo" in content:
            item.update(kind="photo", download_url=f"/sandbox/api/file/{content['photo'][-1]['file_id']}")
        self._append_log(cid, item)
        return self.inject_raw_update({"message": message})

    def inject_message(
        self,
        user: FakeUser,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Queue a text message; a leading ``/command`` gets a bot_command entity like Telegram."""
        content: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]
        return self._user_message(
            user,
            chat_id=chat_id,
            chat_type=chat_type,
            chat_title=chat_title,
            reply_to_message_id=reply_to_message_id,
            **content,
        )

    def inject_location(self, user: FakeUser, latitude: float, longitude: float) -> int:
        """Queue a location message (what a "share location" button produces)."""
        return self._user_message(user, location={"latitude": latitude, "longitude": longitude})

    def inject_photo(self, user: FakeUser, content: bytes, caption: str | None = None) -> int:
        """Queue a photo message; its bytes are stored so getFile + download works."""
        stored = self._store_file(content, "photos", "jpg", None, "image/jpeg")
        width, height = _png_size(content)
        extra: dict[str, Any] = {"photo": [self._photo_size(stored, width, height)]}
        if caption is not None:
            extra["caption"] = caption
        return self._user_message(user, **extra)

    def inject_document(self, user: FakeUser, content: bytes, file_name: str, *, caption: str | None = None,
                        mime_type: str = "application/octet-stream") -> int:
        """Queue a document message (e.g. a CSV/XLSX list); its bytes are stored for getFile."""
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._store_file(content, "documents", ext, file_name, mime_type)
        extra: dict[str, Any] = {"document": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                              "file_name": file_name, "mime_type": mime_type,
                                              "file_size": len(content)}}
        if caption is not None:
            extra["caption"] = caption
        return self._user_message(user, **extra)

    def inject_callback(self, user: FakeUser, message: SentMessage, data: str) -> int:
        """Queue a button tap on ``message`` (the bot's message, as Telegram would include it)."""
        query_id = f"{self.bot_id}{next(self._callback_ids):08d}"
        self._callbacks[query_id] = False
        self._callback_chats[query_id] = message.chat_id
        label = next((b.get("text") for b in message.buttons() if b.get("callback_data") == data), data)
        tap = {"from": "user", "message_id": message.message_id, "text": str(label), "kind": "tap"}
        self._append_log(message.chat_id, tap)
        return self.inject_raw_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "message": self._message_json(message),
                    "chat_instance": f"ci{message.chat_id}",
                    "data": data,
                }
            }
        )

    # ------------------------------------------------------------------ JSON builders

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        """Known chats come from injected updates; unknown ones are synthesised (lenient on purpose)."""
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}

    def _photo_size(self, stored: _StoredFile, width: int, height: int) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.content),
        }

    def _message_json(self, sent: SentMessage) -> dict[str, Any]:
        """Telegram ``Message`` JSON for a bot message in its current state."""
        data: dict[str, Any] = {
            "message_id": sent.message_id,
            "from": self._bot_user(),
            "chat": self._chat_json(sent.chat_id),
            "date": sent.date,
        }
        if sent.edits:
            data["edit_date"] = int(time.time())
        if sent.kind == "text":
            data["text"] = sent.text
        elif sent.file_id is not None:
            stored = self._files[sent.file_id]
            if sent.kind == "photo":
                data["photo"] = [self._photo_size(stored, *_png_size(stored.content))]
            else:
                data["document"] = {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_name": stored.file_name,
                    "mime_type": stored.mime_type,
                    "file_size": len(stored.content),
                }
            if sent.caption is not None:
                data["caption"] = sent.caption
        # Telegram only echoes inline keyboards; reply keyboards are not part of Message.
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            data["reply_markup"] = sent.reply_markup
        return data

    def _message_json_by_id(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        sent = self.find_message(chat_id, message_id)
        if sent is not None:
            return self._message_json(sent)
        return self._user_messages.get((chat_id, message_id))

    def _store_file(
        self, content: bytes, folder: str, ext: str, file_name: str | None, mime: str | None
    ) -> _StoredFile:
        number = next(self._file_ids)
        stored = _StoredFile(
            file_id=f"FILE{number:06d}{folder[:3].upper()}",
            file_unique_id=f"U{number:06d}",
            file_path=f"{folder}/file_{number}.{ext}",
            content=content,
            file_name=file_name,
            mime_type=mime,
        )
        self._files[stored.file_id] = stored
        return stored

    def _append_log(self, chat_id: int, item: dict[str, Any]) -> None:
        """Record a chat event for the web page (user message, bot message, edit, delete, toast)."""
        item = {"seq": next(self._seq), "chat_id": chat_id, **item}
        self._log.append(item)
        self.message_events.notify()

    def _log_bot_message(self, sent: SentMessage, kind: str | None = None) -> None:
        markup = sent.reply_markup or {}
        buttons = [
            [
                {
                    "text": b.get("text", ""),
                    **({"url": b["url"]} if "url" in b else {"data": b.get("callback_data", "")}),
                }
                for b in row
            ]
            for row in markup.get("inline_keyboard") or []
        ]
        keyboard = None
        if "keyboard" in markup:
            keyboard = [
                [
                    {"text": b if isinstance(b, str) else b.get("text", ""),
                     "request_location": bool(isinstance(b, dict) and b.get("request_location"))}
                    for b in row
                ]
                for row in markup["keyboard"]
            ]  # fmt: skip
        item: dict[str, Any] = {
            "from": "bot",
            "message_id": sent.message_id,
            "text": sent.text if sent.kind == "text" else (sent.caption or ""),
            "buttons": buttons,
            "kind": kind or sent.kind,
            "file_name": sent.file_name,
            "download_url": f"/sandbox/api/file/{sent.file_id}" if sent.file_id else None,
        }
        if keyboard is not None:
            item["keyboard"] = keyboard
        if "remove_keyboard" in markup:
            item["remove_keyboard"] = True
        self._append_log(sent.chat_id, item)

    # ------------------------------------------------------------------ Bot API: handlers
    # Each handler takes the decoded params and returns the ``result`` value,
    # or raises TelegramApiError.

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self._webhook.get("url"):
            raise TelegramApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params, "offset", 0) or 0
        limit = max(1, min(100, _as_int(params, "limit", 100) or 100))
        timeout = max(0, _as_int(params, "timeout", 0) or 0)
        if offset < 0:
            keep = list(self._pending)[offset:]
            offset = int(keep[0]["update_id"]) if keep else self._confirmed_below
        if offset > 0:
            self._confirm_below(offset)
        if timeout:
            await self.message_events.wait_for(lambda: bool(self._pending) or self._stopping, timeout)
        return list(itertools.islice(self._pending, limit)) if not self._stopping else []

    def _confirm_below(self, offset: int) -> None:
        """An offset confirms (and forgets) every update with a lower id."""
        while self._pending and int(self._pending[0]["update_id"]) < offset:
            self._pending.popleft()
        if offset > self._confirmed_below:
            self._confirmed_below = offset
            self.message_events.notify()

    def _target(self, params: dict[str, Any]) -> int:
        chat_id = _as_int(params, "chat_id")
        if chat_id is None:
            raise TelegramApiError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _check_send_allowed(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise TelegramApiError(403, _BLOCKED)

    def _new_sent(self, chat_id: int, **kwargs: Any) -> SentMessage:
        sent = SentMessage(chat_id=chat_id, message_id=self._next_message_id(chat_id), **kwargs)
        self.messages.setdefault(chat_id, []).append(sent)
        self._log_bot_message(sent)
        return sent

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._target(params)
        self._check_send_allowed(chat_id)
        raw = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        text, entities = _render(raw, parse_mode)
        if not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LEN:
            raise TelegramApiError(400, "Bad Request: message is too long")
        markup = _check_markup(params.get("reply_markup"))
        sent = self._new_sent(
            chat_id, text=text, raw_text=raw, parse_mode=parse_mode, reply_markup=markup, kind="text",
            caption=None, file_name=None, file_bytes=None, entities=entities,
        )  # fmt: skip
        return self._message_json(sent)

    async def _send_file(self, params: dict[str, Any], kind: str) -> Any:
        chat_id = self._target(params)
        self._check_send_allowed(chat_id)
        raw_caption = params.get("caption")
        parse_mode = params.get("parse_mode") or None
        caption: str | None = None
        if raw_caption:
            caption = _render(str(raw_caption), parse_mode)[0]
            if _utf16_len(caption) > MAX_CAPTION_LEN:
                raise TelegramApiError(400, "Bad Request: message caption is too long")
        value = params.get(kind)
        if isinstance(value, Upload):
            content = value.content
            folder, default_ext = ("photos", "jpg") if kind == "photo" else ("documents", "bin")
            name = value.filename if kind == "document" else None
            ext = (
                (Path(value.filename or "").suffix.lstrip(".") or default_ext)
                if kind == "document"
                else "jpg"
            )
            mime = value.content_type if value.content_type != "application/octet-stream" else None
            mime = (
                mime
                or (mimetypes.guess_type(name or "")[0] if name else None)
                or ("image/jpeg" if kind == "photo" else "application/octet-stream")
            )
            stored = self._store_file(content, folder, ext, name, mime)
        elif isinstance(value, str) and value in self._files:
            stored = self._files[value]
        else:
            raise TelegramApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        markup = _check_markup(params.get("reply_markup"))
        sent = self._new_sent(
            chat_id, text=caption or "", raw_text=str(raw_caption or ""), parse_mode=parse_mode,
            reply_markup=markup, kind=kind, caption=caption, file_name=stored.file_name,
            file_bytes=stored.content, file_id=stored.file_id,
        )  # fmt: skip
        return self._message_json(sent)

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "document")

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "photo")

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise TelegramApiError(400, "Bad Request: inline messages are not supported by FakeTelegram")
        chat_id = self._target(params)
        sent = self.find_message(chat_id, _as_int(params, "message_id") or 0)
        if sent is None or sent.deleted:
            raise TelegramApiError(400, "Bad Request: message to edit not found")
        return sent

    def _apply_edit(self, sent: SentMessage, changed: bool) -> Any:
        if not changed:
            raise TelegramApiError(400, _NOT_MODIFIED)
        sent.edits += 1
        self._log_bot_message(sent)
        return self._message_json(sent)

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        if sent.kind != "text":
            raise TelegramApiError(400, "Bad Request: there is no text in the message to edit")
        raw = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        text, entities = _render(raw, parse_mode)
        if not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LEN:
            raise TelegramApiError(400, "Bad Request: message is too long")
        # Like Telegram: omitting reply_markup on an edit removes the inline keyboard.
        markup = _check_markup(params.get("reply_markup"))
        changed = (text, entities, markup) != (sent.text, sent.entities, sent.reply_markup)
        if changed:
            sent.text, sent.raw_text, sent.parse_mode, sent.entities = text, raw, parse_mode, entities
            sent.reply_markup = markup
        return self._apply_edit(sent, changed)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        markup = _check_markup(params.get("reply_markup"))
        changed = markup != sent.reply_markup
        sent.reply_markup = markup
        return self._apply_edit(sent, changed)

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        if sent.kind == "text":
            raise TelegramApiError(400, "Bad Request: there is no caption in the message to edit")
        raw = str(params.get("caption") or "")
        parse_mode = params.get("parse_mode") or None
        caption = _render(raw, parse_mode)[0] if raw else None
        markup = _check_markup(params.get("reply_markup"))
        changed = (caption, markup) != (sent.caption, sent.reply_markup)
        if changed:
            sent.caption, sent.text, sent.raw_text, sent.parse_mode = caption, caption or "", raw, parse_mode
            sent.reply_markup = markup
        return self._apply_edit(sent, changed)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._target(params)
        message_id = _as_int(params, "message_id") or 0
        sent = self.find_message(chat_id, message_id)
        if sent is not None and not sent.deleted:
            sent.deleted = True
        elif self._user_messages.pop((chat_id, message_id), None) is None:
            raise TelegramApiError(400, "Bad Request: message to delete not found")
        self._append_log(chat_id, {"from": "bot", "message_id": message_id, "kind": "deleted", "text": ""})
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if self._callbacks.get(query_id, True):
            raise TelegramApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._callbacks[query_id] = True
        answer = {k: params.get(k) for k in ("callback_query_id", "text", "show_alert", "url")}
        self.callback_answers.append(answer)
        if params.get("text"):
            chat = self._callback_chats.get(query_id)
            if chat is not None:
                self._append_log(
                    chat, {"from": "bot", "message_id": None, "kind": "toast", "text": str(params["text"])}
                )
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat_id = self._target(params)
        self._check_send_allowed(chat_id)
        self.chat_actions.append((chat_id, str(params.get("action") or "")))
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise TelegramApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise TelegramApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise TelegramApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise TelegramApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _m_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        self.menu_buttons[_as_int(params, "chat_id")] = params.get("menu_button") or {"type": "default"}
        return True

    async def _m_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        return self.menu_buttons.get(_as_int(params, "chat_id"), {"type": "commands"})

    async def _m_setMyDescription(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setMyName(self, params: dict[str, Any]) -> Any:
        return True

    def _drop_pending(self) -> None:
        self._dropped.update(int(u["update_id"]) for u in self._pending)
        self._pending.clear()
        self.message_events.notify()

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise TelegramApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if _as_bool(params, "drop_pending_updates"):
            self._drop_pending()
        self._webhook = {
            "url": url,
            "secret_token": params.get("secret_token") or None,
            "max_connections": _as_int(params, "max_connections", 40),
            "allowed_updates": params.get("allowed_updates"),
        }
        self.message_events.notify()
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        if _as_bool(params, "drop_pending_updates"):
            self._drop_pending()
        self._webhook = {}
        self.message_events.notify()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook.get("url"):
            info["max_connections"] = self._webhook.get("max_connections") or 40
            if self._webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook.get("last_error_date"):
                info["last_error_date"] = self._webhook["last_error_date"]
                info["last_error_message"] = self._webhook["last_error_message"]
        return info

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getChat(self, params: dict[str, Any]) -> Any:
        chat = self._chat_json(self._target(params))
        # ChatFullInfo fields PTB 22 requires.
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        )  # fmt: skip
        return chat

    # ------------------------------------------------------------------ HTTP: Bot API endpoint

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Merge query string and body (JSON, urlencoded or multipart) like Telegram accepts."""
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise TelegramApiError(400, "Bad Request: can't parse JSON") from None
                if isinstance(body, dict):
                    params.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        params[key] = value
        return {key: _decode_value(key, value) for key, value in params.items()}

    async def _handle_api(self, request: web.Request) -> web.Response:
        """Dispatch ``/bot<token>/<method>``, applying token check and injected failures first."""
        method = request.match_info["method"]
        name, handler = self._methods.get(method.lower(), (method, None))
        call = ApiCall(method=name, params={}, at=time.monotonic())
        try:
            try:
                call.params = await self._read_params(request)
            finally:  # record the call (and wake waiters on it) even when the body is bad
                self.calls.append(call)
                self.message_events.notify()
            if not _TOKEN_RE.match(request.match_info["token"]):
                raise TelegramApiError(401, "Unauthorized")
            failures = self._failures.get(name.lower())
            if failures:
                failure = failures.popleft()
                raise TelegramApiError(failure.status, failure.description, failure.retry_after)
            if handler is None:
                raise TelegramApiError(404, "Not Found: method not found")
            result = await handler(call.params)
        except TelegramApiError as exc:
            call.status = exc.status
            return exc.to_response()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """``GET /file/bot<token>/<file_path>``: the download URL PTB builds from getFile."""
        if not _TOKEN_RE.match(request.match_info["token"]):
            raise web.HTTPUnauthorized()
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.content, content_type=stored.mime_type or "application/octet-stream"
                )
        raise web.HTTPNotFound()

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_loop(self) -> None:
        """POST queued updates to the webhook one at a time, in order, retrying on failure."""
        backoff = 0.05
        while not self._stopping:
            ready = await self.message_events.wait_for(
                lambda: self._stopping or (bool(self._webhook.get("url")) and bool(self._pending)), 3600
            )
            if self._stopping or not ready:
                continue
            update = self._pending[0]
            headers = {}
            if self._webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(self._webhook["secret_token"])
            error: str | None = None
            assert self._client is not None
            try:
                async with self._client.post(
                    self._webhook["url"],
                    json=update,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=30),
                ) as response:
                    if not 200 <= response.status < 300:
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc!r}"
            if error is None:
                if self._pending and self._pending[0] is update:
                    self._pending.popleft()
                self._acked.add(int(update["update_id"]))
                self.message_events.notify()
                backoff = 0.05
            else:
                self._webhook.update(last_error_date=int(time.time()), last_error_message=error)
                # Backoff that still ends at once when the server stops.
                await self.message_events.wait_for(lambda: self._stopping, backoff)
                backoff = min(backoff * 2, 1.0)

    # ------------------------------------------------------------------ sandbox control API

    def _persona_user(self, user_id: Any) -> FakeUser:
        for persona in self.personas:
            if str(persona.get("id")) == str(user_id):
                return FakeUser(
                    id=int(persona["id"]),
                    first_name=str(persona.get("first_name") or persona.get("label") or persona["id"]),
                    last_name=persona.get("last_name"),
                    username=persona.get("username"),
                    language_code=persona.get("language_code", "vi"),
                )
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"unknown persona {user_id}"}), content_type="application/json"
        )

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(
                text='{"error": "JSON body expected"}', content_type="application/json"
            ) from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(
                text='{"error": "JSON object expected"}', content_type="application/json"
            )
        return body

    async def _sb_index(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=WEBCHAT_HTML.read_bytes(), content_type="text/html", charset="utf-8")

    async def _sb_personas(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.personas)

    async def _sb_send(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        text = str(body.get("text") or "")
        if not text.strip():
            raise web.HTTPBadRequest(text='{"error": "empty text"}', content_type="application/json")
        update_id = self.inject_message(self._persona_user(body.get("user_id")), text)
        return web.json_response({"update_id": update_id})

    async def _sb_tap(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        user = self._persona_user(body.get("user_id"))
        message = self.find_message(user.id, int(body.get("message_id") or 0))
        if message is None:
            raise web.HTTPNotFound(text='{"error": "unknown message"}', content_type="application/json")
        return web.json_response(
            {"update_id": self.inject_callback(user, message, str(body.get("data") or ""))}
        )

    async def _sb_location(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        user = self._persona_user(body.get("user_id"))
        update_id = self.inject_location(user, float(body["latitude"]), float(body["longitude"]))
        return web.json_response({"update_id": update_id})

    async def _sb_photo(self, request: web.Request) -> web.StreamResponse:
        user = self._persona_user(request.query.get("user_id"))
        content = await request.read()
        if not content:
            raise web.HTTPBadRequest(text='{"error": "empty photo"}', content_type="application/json")
        update_id = self.inject_photo(user, content, request.query.get("caption") or None)
        return web.json_response({"update_id": update_id})

    def _items_since(self, chat_id: int, since: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for item in reversed(self._log):
            if item["seq"] <= since:
                break
            if item["chat_id"] == chat_id:
                items.append(item)
        items.reverse()
        return items

    async def _sb_messages(self, request: web.Request) -> web.StreamResponse:
        """Chat log since a cursor; long-polls (up to 25 s) when there is nothing new."""
        try:
            chat_id = int(request.query["chat_id"])
            since = int(request.query.get("since", "0"))
            wait = min(float(request.query.get("wait", SANDBOX_POLL_SECONDS)), SANDBOX_POLL_SECONDS)
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text='{"error": "chat_id and since must be integers"}') from None
        await self.message_events.wait_for(
            lambda: self._stopping or bool(self._items_since(chat_id, since)), wait
        )
        items = self._items_since(chat_id, since)
        cursor = self._log[-1]["seq"] if self._log else 0
        return web.json_response({"cursor": max(cursor, since), "items": items})

    async def _sb_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        headers = {}
        if stored.file_name:
            disposition = "attachment" if not (stored.mime_type or "").startswith("image/") else "inline"
            headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(stored.file_name)}"
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream", headers=headers
        )

    # ------------------------------------------------------------------ lifecycle

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/", self._sb_index)
        app.router.add_get("/sandbox/api/personas", self._sb_personas)
        app.router.add_post("/sandbox/api/send", self._sb_send)
        app.router.add_post("/sandbox/api/tap", self._sb_tap)
        app.router.add_post("/sandbox/api/location", self._sb_location)
        app.router.add_post("/sandbox/api/photo", self._sb_photo)
        app.router.add_get("/sandbox/api/messages", self._sb_messages)
        app.router.add_get("/sandbox/api/file/{file_id}", self._sb_file)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 = a free port) and set ``base_url``."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram already started")
        self._stopping = False
        self._runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = int(self._runner.addresses[0][1])
        public_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        self.base_url = f"http://{public_host}:{bound_port}"
        self._client = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once so shutdown is fast."""
        self._stopping = True
        self.message_events.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
