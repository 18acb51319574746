"""An in-process fake of the Zalo Bot API, for the end-to-end tests and the sandbox.

Built from the platform's documented contract (bot.zaloplatforms.com/docs) and what public clients rely
on: `/bot<token>/<method>`, answers `{"ok", "result"}` or `{"ok": false, "error_code", "description"}`;
getUpdates is a long poll that hands out ONE update (an object, not a list) and answers 408 "Request
timeout" when nothing came; polling is refused while a webhook is set; webhook calls carry the secret in
`X-Bot-Api-Secret-Token`; sendMessage takes 1-2000 characters; ids are strings and dates milliseconds.
Tests inject what a Zalo user does (text, a sticker or a voice note, a repeated delivery) and read what
the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
TEXT_LIMIT = 2000


class ZaloError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class ZaloSent:
    """One thing the bot sent to a Zalo chat."""

    method: str
    text: str
    photo: str | None = None


@dataclass
class FakeZalo:
    """Fake Zalo Bot API server with controls for tests."""

    bot_id: str = "1234567890"
    base_url: str = ""
    sent: dict[str, list[ZaloSent]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    webhook: dict[str, str] = field(default_factory=dict)
    _pending: deque[tuple[str, dict[str, Any]]] = field(default_factory=deque)
    _seen: list[dict[str, Any]] = field(default_factory=list)
    _delivered: list[str] = field(default_factory=list)
    _consumed: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    _webhook_task: asyncio.Task[None] | None = None
    webhook_answers: list[int] = field(default_factory=list)
    timed_calls: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)  # with monotonic time
    on_sent: Callable[[str, ZaloSent], None] | None = None  # the sandbox's page shows what was sent
    refused: int = 0  # sends answered with the injected fault
    _fault: tuple[int, str] | None = None
    _fault_after: int = 0

    # ------------------------------------------------------------------ controls for tests

    def _update(self, user_id: str, event: str, *, text: str | None = None, name: str = "Người dùng Zalo",
                message_id: str | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id or f"m{next(self._ids)}",
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
            "date": int(time.time() * 1000),
        }
        if text is not None:
            message["text"] = text
        return {"event_name": event, "message": message}

    def _queue(self, update: dict[str, Any]) -> str:
        """Queue one delivery of `update`; returns the delivery's own key."""
        key = f"delivery-{next(self._ids)}"
        self._pending.append((key, update))
        self._notify()
        return key

    def inject_text(self, user_id: str, text: str, *, name: str = "Người dùng Zalo") -> str:
        """The user types `text`; returns the delivery's key for `wait_consumed`."""
        return self._queue(self._update(user_id, "message.text.received", text=text, name=name))

    def inject_event(self, user_id: str, event: str) -> str:
        """A sticker, image or unsupported message (voice, file…): no text."""
        return self._queue(self._update(user_id, event))

    def redeliver_last(self, user_id: str) -> str:
        """Zalo delivers the user's last update once more (same event and message id), as after a timeout."""
        update = next(u for u in reversed(self._seen) if u["message"]["from"]["id"] == user_id)
        return self._queue(update)

    def fail_sends(self, code: int, description: str = "", *, after: int = 0) -> None:
        """After `after` more sends go through, every sendMessage and sendPhoto is refused with `code` (429
        "Too Many Requests", a 5xx…), nothing delivered, until `clear_fault`; `refused` counts them
        (`wait_refused`)."""
        self._fault = (code, description or {429: "Too Many Requests"}.get(code, "Internal Server Error"))
        self._fault_after = after

    def clear_fault(self) -> None:
        self._fault = None

    async def wait_refused(self, count: int, timeout: float = 30.0) -> None:
        """Return once `count` sends in all have been refused by the injected fault."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.refused >= count), timeout)

    def texts(self, user_id: str) -> list[str]:
        return [sent.text for sent in self.sent.get(user_id, [])]

    async def wait_consumed(self, key: str, timeout: float = 30.0) -> None:
        """Return once the bot has taken the update `key` and come back for the next one (so it has finished
        with it as a poller: queued for the Application, or answered)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: key in self._consumed), timeout)

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()
        asyncio.get_running_loop().create_task(wake())

    # ------------------------------------------------------------------ Bot API methods

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            raise ZaloError(409, "Conflict: webhook is active, delete it to use getUpdates")
        self._consumed.update(self._delivered)  # the poller is back: it is done with what it got
        self._delivered.clear()
        self._notify()
        timeout = min(float(params.get("timeout") or 30), 60.0)
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._pending)), timeout)
            except TimeoutError:
                raise ZaloError(408, "Request timeout") from None
            key, update = self._pending.popleft()
        self._seen.append(update)
        self._delivered.append(key)
        return update

    def _chat(self, params: dict[str, Any]) -> str:
        chat_id = str(params.get("chat_id") or "")
        if not any(u["message"]["chat"]["id"] == chat_id for u in self._seen):
            raise ZaloError(400, "Bad Request: chat not found")
        return chat_id

    def _sent(self, chat_id: str, item: ZaloSent) -> dict[str, Any]:
        self.sent.setdefault(chat_id, []).append(item)
        if self.on_sent is not None:
            self.on_sent(chat_id, item)
        return {"message_id": f"b{next(self._ids)}", "date": int(time.time() * 1000)}

    async def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": self.bot_id, "account_name": "bot.chungtay", "account_type": "BASIC",
                    "can_join_groups": False}
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "setWebhook":
            url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
            if not url.startswith(("https://", "http://")) or not 8 <= len(secret) <= 256:
                raise ZaloError(400, "Bad Request: url and secret_token (8-256 characters) are required")
            self.webhook = {"url": url, "secret_token": secret}
            return {"url": url, "updated_at": int(time.time() * 1000)}
        if method == "deleteWebhook":
            self.webhook = {}
            return {"url": "", "updated_at": int(time.time() * 1000)}
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "updated_at": int(time.time() * 1000)}
        if method in ("sendMessage", "sendPhoto") and self._fault is not None and self._fault_after > 0:
            self._fault_after -= 1
        elif method in ("sendMessage", "sendPhoto") and self._fault is not None:
            self.refused += 1
            self._notify()
            raise ZaloError(*self._fault)
        if method == "sendMessage":
            chat_id, text = self._chat(params), str(params.get("text") or "")
            if not 1 <= len(text) <= TEXT_LIMIT:
                raise ZaloError(400, f"Bad Request: text must be 1-{TEXT_LIMIT} characters")
            return self._sent(chat_id, ZaloSent("sendMessage", text))
        if method == "sendPhoto":
            chat_id, photo = self._chat(params), str(params.get("photo") or "")
            caption = str(params.get("caption") or "")
            if not photo.startswith(("http://", "https://")) or len(caption) > TEXT_LIMIT:
                raise ZaloError(400, "Bad Request: photo must be a URL, caption at most 2000 characters")
            return self._sent(chat_id, ZaloSent("sendPhoto", caption, photo=photo))
        if method == "sendChatAction":
            self._chat(params)
            return True
        raise ZaloError(404, "Not Found: method not found")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                params.update(body)
        self.calls.append((method, params))
        self.timed_calls.append((method, params, time.monotonic()))
        try:
            if not _TOKEN_RE.match(request.match_info["token"]):
                raise ZaloError(401, "Unauthorized")
            result = await self._dispatch(method, params)
        except ZaloError as error:
            return web.json_response({"ok": False, "error_code": error.code, "description": error.description})
        return web.json_response({"ok": True, "result": result})

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # A long poll whose client went away (a bot stopping) is cancelled, so it does not take an update
        # that nobody will receive.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.base_url = f"http://{host}:{int(self._runner.addresses[0][1])}/bot"
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="fake-zalo-webhook")

    async def _webhook_loop(self) -> None:
        """POST queued updates to the webhook one at a time with the secret header, as Zalo does; what is not
        answered 2xx is tried again after a short wait."""
        async with aiohttp.ClientSession() as client:
            while True:
                async with self._changed:
                    await self._changed.wait_for(lambda: bool(self.webhook.get("url")) and bool(self._pending))
                    key, update = self._pending[0]
                headers = {"X-Bot-Api-Secret-Token": self.webhook["secret_token"]}
                try:
                    async with client.post(self.webhook["url"], json=update, headers=headers,
                                           timeout=aiohttp.ClientTimeout(total=30)) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_answers.append(status)
                if 200 <= status < 300:
                    self._pending.popleft()
                    self._seen.append(update)
                    self._consumed.add(key)
                    self._notify()
                else:
                    await asyncio.sleep(0.05)  # Zalo's retry, shortened; not a test synchronisation

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
