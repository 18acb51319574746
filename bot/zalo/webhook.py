"""The Zalo webhook: a small aiohttp listener that takes Zalo's POSTs and feeds them to the channel.

Held to the same rules as the Telegram webhook (bot/webhook.py): the secret in `X-Bot-Api-Secret-Token`
is checked, in constant time, before the body is read (anyone can POST, and Zalo ids are not secret, so
without it anyone could act as any official); a body over 1 MB is refused unread; only a JSON object is
taken; the body is never logged. Zalo retries what is not answered 2xx, and the channel drops repeats.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from aiohttp import web

log = logging.getLogger(__name__)
BODY_LIMIT = 1024 * 1024
SECRET_HEADER = "X-Bot-Api-Secret-Token"


class ZaloWebhookServer:
    def __init__(self, *, url: str, secret: str, listen: str, port: int,
                 deliver: Callable[[Any], Awaitable[None]]) -> None:
        self.path = urlparse(url).path or "/"
        self.secret = secret
        self.listen = listen
        self.port = port
        self.deliver = deliver
        self._runner: web.AppRunner | None = None

    async def _post(self, request: web.Request) -> web.Response:
        received = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(received.encode(), self.secret.encode()):
            return web.json_response({"ok": False, "description": "wrong or missing secret token"}, status=403)
        if request.content_length is not None and request.content_length > BODY_LIMIT:
            return web.json_response({"ok": False, "description": "body too large"}, status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"ok": False, "description": "body too large"}, status=413)
        try:
            data = json.loads(body)
        except ValueError:
            return web.json_response({"ok": False, "description": "body is not JSON"}, status=400)
        if not isinstance(data, dict):
            return web.json_response({"ok": False, "description": "body is not a JSON object"}, status=400)
        await self.deliver(data)
        return web.json_response({"ok": True})

    async def start(self) -> None:
        app = web.Application(client_max_size=BODY_LIMIT)
        app.router.add_post(self.path, self._post)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        if self.port == 0:  # tests: the port the system chose
            self.port = int(self._runner.addresses[0][1])
        log.info("Zalo webhook listening on %s:%s", self.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
