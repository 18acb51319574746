"""The fake Bot API's state, its inspection helpers for tests, and the JSON shapes of users, chats and
messages as Telegram sends them.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox.fake_api.models import (
    ApiCall,
    SentMessage,
    TelegramApiError,
    _Failure,
    _Signal,
    _StoredFile,
)
from bot.sandbox.fake_api.parsing import (
    _png_size,
)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class _FakeCore:
    """The fake's state, what tests inspect, and the JSON Telegram would send (shared by every part)."""

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
        self.webapp_token: str | None = None  # the bot's token, to sign Mini App initData (the sandbox sets it)
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
        self._held: dict[str, asyncio.Event] = {}
        self._blocked: set[int] = set()
        self._rate_limit: int | None = None
        self._recent_sends: deque[float] = deque()
        self.rate_limited = 0
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


    def _next_message_id(self, chat_id: int) -> int:
        """User and bot messages share one increasing id sequence per chat, as in Telegram."""
        return next(self._msg_ids.setdefault(chat_id, itertools.count(1)))

    # ------------------------------------------------------------------ flood control (opt-in)

    def limit_rate(self, per_second: int | None) -> None:
        """Opt-in bot-wide flood control: above ``per_second`` sends in any one-second window, answer 429
        with ``retry_after`` like Telegram does (``None`` turns it off). Off by default so tests stay
        deterministic; the broadcast benchmark turns it on to check the outbox keeps under the limit."""
        self._rate_limit = per_second
        self._recent_sends.clear()
        self.rate_limited = 0

    def _check_rate(self) -> None:
        if self._rate_limit is None:
            return
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self._rate_limit:
            self.rate_limited += 1
            retry_after = max(1, math.ceil(1.0 - (now - self._recent_sends[0])))
            raise TelegramApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._recent_sends.append(now)

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
                    **({"url": b["url"]} if "url" in b else
                       {"web_app": b["web_app"].get("url", "")} if "web_app" in b else
                       {"data": b.get("callback_data", "")}),
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
