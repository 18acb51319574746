"""The request layer in front of Telegram: Bot API calls for a Zalo chat go to Zalo instead.

Handlers and the outbox call `bot.send_message(chat_id=…)` as always. `ZaloRoutingRequest` wraps the
Bot's own request object and looks at each call: a chat id in the channel range (db/models_channels.py)
is answered here, by translating the call to the Zalo Bot API, and the answer handed back to PTB has the
shape Telegram's would (a Message with a message id of ours), so PTB and the handlers never know.
Everything else goes to Telegram unchanged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.i18n import get_translator
from bot.presentation.sending import screen_being_sent
from bot.unasked import is_unasked
from bot.zalo.client import ZaloApiError, ZaloClient
from bot.zalo.screens import (
    Choice,
    choices_from_markup,
    choices_from_screen,
    html_to_text,
    render_by_words,
    render_screen,
    split_text,
)
from bot.zalo.state import QUERY_PREFIX, Screen, ZaloState
from db.models_channels import is_channel_id

log = logging.getLogger(__name__)
LinkMaker = Callable[[int, str, str, bytes], Awaitable[str]]
"""(chat id, file name, MIME type, bytes) -> the URL the person opens to fetch the file."""


class ZaloOutbound:
    """Turns one Telegram Bot API call for a Zalo chat into Zalo calls; returns Telegram's result."""

    def __init__(self, client: ZaloClient, state: ZaloState, *, locale: str, link_for: LinkMaker | None = None,
                 ) -> None:
        self.client = client
        self.state = state
        self.locale = locale
        self.link_for = link_for  # None: no web server to serve files from (DASHBOARD_URL empty)
        # (chat, text) -> how many of its parts went out before Zalo refused the next: the outbox sends the
        # same text again after a 429 or 5xx, and those parts must not arrive twice.
        self._delivered_parts: dict[tuple[int, str], int] = {}

    def _render(self, chat_id: int, text: str, choices: list[Choice]) -> str:
        """`text` and its choices, the prompts in the person's language."""
        t = get_translator(self.state.locale_of(chat_id, self.locale))

        def prompt(count: int) -> str:
            if count == 1:
                return t("Reply 1 (the number or the option's words).")
            return t("Reply 1–{count} (the number or the option's words).").format(count=count)

        def words_prompt(options: str) -> str:
            return t("Or type: {options}").format(options=options)

        return render_screen(text, choices, prompt, words_prompt)

    async def send_text(self, chat_id: int, text: str) -> None:
        """Send plain text, split at line ends under Zalo's limit. When Zalo refuses a part after the first,
        the same text sent again (the outbox's retry) starts at that part."""
        external = self.state.external_id(chat_id)
        if external is None:
            raise ZaloApiError(400, "Bad Request: chat not found")
        parts = split_text(text)
        key = (chat_id, text)
        for index in range(self._delivered_parts.pop(key, 0), len(parts)):
            try:
                await self.client.send_message(external, parts[index])
            except ZaloApiError:
                if index:
                    if len(self._delivered_parts) >= 1000:  # a text never retried is forgotten in the end
                        self._delivered_parts.pop(next(iter(self._delivered_parts)))
                    self._delivered_parts[key] = index
                raise

    @staticmethod
    def _words(params: dict[str, Any]) -> str:
        """The text or caption of a call as plain words: a stored screen's own (bot/presentation/sending.py),
        else the call's HTML without its tags."""
        screen = screen_being_sent()
        if screen is not None:
            return screen.body.plain()
        raw = str(params.get("text") or params.get("caption") or "")
        return html_to_text(raw) if params.get("parse_mode") else raw

    @staticmethod
    def _caption(params: dict[str, Any]) -> str:
        screen = screen_being_sent()
        return screen.body.plain() if screen is not None else html_to_text(str(params.get("caption") or ""))

    async def _show(self, chat_id: int, params: dict[str, Any], message_id: int) -> dict[str, Any]:
        """A screen (text and buttons) as Zalo text; its choices become the chat's current ones. A stored
        screen being sent (the outbox's, /digest's) gives its words and numbered choices itself; a reply
        gives them as Telegram HTML and keyboard."""
        text = self._words(params)
        markup = params.get("reply_markup")
        screen = screen_being_sent()
        choices = choices_from_screen(screen) if screen is not None else choices_from_markup(markup)
        if is_unasked() and isinstance(markup, dict) and self.state.awaits_typing(chat_id) and any(
                c.data is not None for c in choices):
            t = get_translator(self.state.locale_of(chat_id, self.locale))
            await self.send_text(chat_id, render_by_words(
                text, choices, lambda options: t("Reply with the words: {options}").format(options=options)))
            self.state.set_unasked(chat_id, Screen(message_id, text, markup, choices))
            return self._message(chat_id, message_id, text, markup)
        await self.send_text(chat_id, self._render(chat_id, text, choices))
        self._set_screen(chat_id, message_id, text, markup, choices)
        return self._message(chat_id, message_id, text, markup)

    def _set_screen(self, chat_id: int, message_id: int, text: str, markup: Any, choices: list[Choice]) -> None:
        """Typed choices answer the latest screen that has any. A message without choices leaves them (it is
        often a hint about them: "pick one of the items above"), unless it replaces that very screen (an
        edit that took its buttons away, e.g. the card once saved)."""
        current = self.state.screen(chat_id)
        unasked = self.state.unasked(chat_id)
        if unasked is not None and unasked.message_id == message_id:
            self.state.set_unasked(chat_id, None)  # that screen was answered (edited): it is not apart any more
        if any(c.data is not None for c in choices) and isinstance(markup, dict):
            self.state.set_screen(chat_id, Screen(message_id, text, markup, choices))
        elif current is not None and current.message_id == message_id:
            self.state.set_screen(chat_id, None)

    @staticmethod
    def _message(chat_id: int, message_id: int, text: str, markup: Any = None) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                   "chat": {"id": chat_id, "type": "private"}, "text": text}
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        return message

    async def handle(self, method: str, params: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        chat_id = int(params["chat_id"])
        name = method.lower()
        if name == "sendmessage":
            return await self._show(chat_id, params, self.state.next_message_id())
        if name == "editmessagetext":  # no edits on Zalo: the new screen as a new message
            return await self._show(chat_id, params, int(params.get("message_id") or self.state.next_message_id()))
        if name == "editmessagereplymarkup":
            return await self._new_buttons(chat_id, params)
        if name == "sendchataction":
            external = self.state.external_id(chat_id)
            if external is not None:
                await self.client.send_chat_action(external, "typing")
            return True
        if name == "sendphoto" and isinstance(params.get("photo"), str) and params["photo"].startswith("http"):
            external = self.state.external_id(chat_id)
            if external is None:
                raise ZaloApiError(400, "Bad Request: chat not found")
            caption = self._caption(params)[:2000] or None
            await self.client.send_photo(external, params["photo"], caption)
            return self._message(chat_id, self.state.next_message_id(), caption or "")
        if name in ("senddocument", "sendphoto", "sendmediagroup"):
            return await self._file(chat_id, name, params, files or {})
        # Deleting, pinning, menus and the rest have no Zalo counterpart: done, as far as the bot can tell.
        log.debug("Zalo has no %s; treated as done", method)
        return True

    async def _file(self, chat_id: int, name: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Zalo carries no documents and photos only by URL: the file goes by a link of the bot's web server
        (a chart as a photo by that link), or, without a web server, a note saying where to get it."""
        t = get_translator(self.state.locale_of(chat_id, self.locale))
        caption = self._caption(params)
        upload = next(iter(files.values()), None)
        if upload is None or self.link_for is None:
            note = t("This file cannot be sent on Zalo yet. Open the bot on Telegram to receive it.")
            await self.send_text(chat_id, f"{caption}\n\n{note}".strip())
            return self._message(chat_id, self.state.next_message_id(), caption)
        filename, content, mime_type = upload[0], upload[1], upload[2] if len(upload) > 2 else None
        payload = content if isinstance(content, bytes) else content.read()
        url = await self.link_for(chat_id, str(filename or "file"), str(mime_type or "application/octet-stream"),
                                  payload)
        if name == "sendphoto":
            external = self.state.external_id(chat_id)
            if external is None:
                raise ZaloApiError(400, "Bad Request: chat not found")
            await self.client.send_photo(external, url, caption[:2000] or None)
        else:
            link = t("📎 {filename}: {url}\nThe link works for 24 hours.").format(filename=filename, url=url)
            await self.send_text(chat_id, f"{caption}\n\n{link}".strip())
        return self._message(chat_id, self.state.next_message_id(), caption)

    async def _new_buttons(self, chat_id: int, params: dict[str, Any]) -> Any:
        message_id = int(params.get("message_id") or 0)
        markup = params.get("reply_markup")
        choices = choices_from_markup(markup)
        current = self.state.screen(chat_id)
        if any(c.data is not None for c in choices):
            text = current.text if current is not None and current.message_id == message_id else ""
            await self.send_text(chat_id, self._render(chat_id, "", choices))
            self._set_screen(chat_id, message_id, text, markup, choices)
            return self._message(chat_id, message_id, text, markup)
        if current is not None and current.message_id == message_id:  # the buttons were taken away
            self.state.set_screen(chat_id, None)
        unasked = self.state.unasked(chat_id)
        if unasked is not None and unasked.message_id == message_id:
            self.state.set_unasked(chat_id, None)
        return True

    async def answer_query(self, params: dict[str, Any]) -> bool:
        """A typed choice was answered. Zalo shows no toasts or alerts, so a text the answer carries (often
        the only feedback: "already answered", "not allowed") is sent as a message."""
        text = str(params.get("text") or "")
        parts = str(params["callback_query_id"]).split(":")
        if text and len(parts) >= 2 and parts[1].isdigit():
            await self.send_text(int(parts[1]), text)
        return True


def _answer(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def _failure(error: ZaloApiError) -> tuple[int, bytes]:
    """Zalo's error as Telegram would give it, so PTB raises the usual exception (429 waits, 403 blocked)."""
    status = error.error_code if 400 <= error.error_code < 600 else 400
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": error.description or "Zalo error"}
    if status == 429:
        body["parameters"] = {"retry_after": 5}
    return status, json.dumps(body).encode()


class ZaloRoutingRequest(BaseRequest):
    """The Bot's request object: Zalo chats answered by `ZaloOutbound`, the rest by `inner` (Telegram)."""

    def __init__(self, inner: BaseRequest, outbound: ZaloOutbound) -> None:
        self.inner = inner
        self.outbound = outbound

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        params = request_data.parameters if request_data is not None else {}
        endpoint = url.rsplit("/", 1)[-1]
        try:
            if endpoint.lower() == "answercallbackquery" and str(params.get("callback_query_id", "")).startswith(
                    QUERY_PREFIX):
                return _answer(await self.outbound.answer_query(params))
            chat_id = params.get("chat_id")
            if isinstance(chat_id, int | str) and str(chat_id).isdigit():
                target = int(chat_id) if is_channel_id(int(chat_id)) else self.outbound.state.redirect(int(chat_id))
                if target is not None:  # a Zalo chat, or a linked person who last wrote on Zalo
                    files = request_data.multipart_data if request_data is not None and request_data.contains_files \
                        else {}
                    return _answer(await self.outbound.handle(endpoint, {**params, "chat_id": target}, files))
        except ZaloApiError as error:
            log.warning("Zalo refused %s: %s", endpoint, error.error_code)
            return _failure(error)
        return await self.inner.do_request(url, method, request_data, *args, **kwargs)
