"""The fake Bot API as one aiohttp server: the Bot API endpoint, file downloads, webhook delivery and the
server's lifecycle, on top of the Bot API methods and the web chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Self

import aiohttp
from aiohttp import web

from bot.sandbox.fake_api.bot_api import _BotApiMixin
from bot.sandbox.fake_api.models import (
    _TOKEN_RE,
    ApiCall,
    TelegramApiError,
    Upload,
)
from bot.sandbox.fake_api.parsing import (
    _decode_value,
)
from bot.sandbox.fake_api.webchat import _WebChatMixin


class FakeTelegram(_WebChatMixin, _BotApiMixin):
    """Fake Bot API server with a test-facing API for injecting updates and inspecting replies."""

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
            held = self._held.get(name.lower())
            if held is not None:  # done, and visible to the test, but the bot does not know it yet
                await held.wait()
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

    # ------------------------------------------------------------------ lifecycle

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/", self._sb_index)
        app.router.add_get("/sandbox/api/personas", self._sb_personas)
        app.router.add_get("/sandbox/api/webapp", self._sb_webapp)
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
