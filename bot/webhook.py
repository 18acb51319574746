"""PTB's webhook server, made strict about what it accepts.

PTB 22.8's built-in server (`telegram.ext._utils.webhookhandler`) already answers 403 to a request
without the right `X-Telegram-Bot-Api-Secret-Token`, but it is not strict enough for us:
  - a body that is not JSON raises out of `json.loads` and becomes HTTP 500, which reads as "our
    bug" in the proxy's logs and makes Telegram retry the same bad body;
  - JSON that is not an object (`null`) is answered 200 and silently dropped;
  - an update it cannot parse is logged at CRITICAL *with the received data*, and with LOG_LEVEL=DEBUG
    every update body is logged: both would put household names in the logs;
  - the secret is compared with `!=`, not in constant time;
  - the whole body is read (up to tornado's 100 MB default) before the secret is even looked at, so
    anyone who can reach the port can make the bot buffer 100 MB per connection.
Our handler streams the body (`stream_request_body`): the headers are checked in `prepare`, before a
single byte of the body is read (403, and tornado closes the connection instead of reading on), and the
body is capped at `MAX_BODY_BYTES` (an update is a few kilobytes; Telegram's largest are far below 1 MB).
So we keep PTB's Updater (bootstrap with setWebhook, start/stop, `run_webhook`) and its tornado
server, and only replace the request handler. The Updater subclass differs from PTB's
`_start_webhook` in the application class it serves; we never terminate TLS in the bot (a reverse
proxy does), so no certificate or unix socket handling is carried over.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from socket import socket
from typing import Any

import tornado.web
from telegram import Bot, Update
from telegram.ext import ExtBot, Updater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass, WebhookServer

log = logging.getLogger(__name__)


MAX_BODY_BYTES = 1024 * 1024
# A refused request this small is read to its end and discarded chunk by chunk (never kept or parsed), so that
# an ordinary HTTP client sees the 403 rather than a connection reset mid-body; a larger (or chunked) one is
# answered and cut off before its body is read.
DISCARD_REFUSED_BYTES = 64 * 1024


@tornado.web.stream_request_body
class StrictTelegramHandler(TelegramHandler):
    """403 without the right secret, 413 for a body over 1 MB, 400 for anything that is not an update,
    200 otherwise."""

    def prepare(self) -> None:
        """Runs once the headers are in and before the body is read."""
        self._chunks: list[bytes] = []
        self._received = 0
        self._refusal: tornado.web.HTTPError | None = None
        if self.request.method != "POST":
            return  # tornado answers 405 itself
        declared_header = self.request.headers.get("Content-Length", "")
        declared = int(declared_header) if declared_header.isdigit() else None
        try:
            self._validate_post()
        except tornado.web.HTTPError as refusal:
            if declared is None or declared > DISCARD_REFUSED_BYTES:
                raise
            self._refusal = refusal
            return
        if declared is not None and declared > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, reason="Body too large")
        # A chunked body has no length up front: tornado stops reading it past this size (and answers 400).
        if self.request.connection is not None:
            self.request.connection.set_max_body_size(MAX_BODY_BYTES)  # type: ignore[attr-defined]

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._refusal is None and self._received <= MAX_BODY_BYTES:
            self._chunks.append(chunk)

    def _validate_post(self) -> None:
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        expected = self.secret_token
        received = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        # Settings make a secret mandatory in webhook mode; refuse rather than trust if one is missing.
        if not expected or not hmac.compare_digest(received.encode(), expected.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN, reason="Wrong or missing secret token")

    async def post(self) -> None:
        if self._refusal is not None:
            raise self._refusal
        if self._received > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, reason="Body too large")
        try:
            data: Any = json.loads(b"".join(self._chunks))
        except ValueError:  # not UTF-8 or not JSON
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Body is not JSON") from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Body is not a JSON object")
        try:
            update = Update.de_json(data, self.bot)
        except Exception:  # any parse failure is the sender's fault; the data is never logged
            log.warning("webhook body is not a Telegram update; answered 400")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Update could not be parsed") from None
        if isinstance(self.bot, ExtBot):
            self.bot.insert_callback_data(update)
        self.set_status(HTTPStatus.OK)
        await self.update_queue.put(update)


class StrictWebhookApp(WebhookAppClass):
    """PTB's tornado application with `StrictTelegramHandler` on the webhook path."""

    def __init__(self, webhook_path: str, bot: Bot, update_queue: asyncio.Queue[object],
                 secret_token: str | None = None) -> None:
        self.shared_objects = {"bot": bot, "update_queue": update_queue, "secret_token": secret_token}
        tornado.web.Application.__init__(self, [(rf"{webhook_path}/?", StrictTelegramHandler, self.shared_objects)])


class StrictUpdater(Updater):
    """PTB's Updater serving `StrictWebhookApp` in webhook mode; polling is unchanged."""

    async def _start_webhook(
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Sequence[str] | None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        drop_pending_updates: bool | None = None,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: str | Path | socket | None = None,
    ) -> None:
        if cert is not None or key is not None or unix is not None:
            raise ValueError("TLS and unix sockets are left to the reverse proxy in front of the bot")
        if not secret_token:
            raise ValueError("a webhook needs a secret token")
        if not url_path.startswith("/"):
            url_path = f"/{url_path}"
        app = StrictWebhookApp(url_path, self.bot, self.update_queue, secret_token)
        self._httpd = WebhookServer(listen, port, app, None)
        await self._bootstrap(
            max_retries=bootstrap_retries, drop_pending_updates=drop_pending_updates,
            webhook_url=webhook_url or f"http://{listen}:{port}{url_path}", allowed_updates=allowed_updates,
            ip_address=ip_address, max_connections=max_connections, secret_token=secret_token)
        await self._httpd.serve_forever(ready=ready)
