"""The Zalo channel's life inside the one process: built with the Application, polling Zalo on the same
event loop from `start` to `stop`, feeding updates to the Application's own queue.

Polling and a webhook exclude each other on Zalo, so polling first removes any webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest

from bot.domain.outbox import file_links
from bot.domain.people import channel_links
from bot.i18n import get_translator
from bot.outbox_sender import LanePace
from bot.runtime import Runtime
from bot.zalo.client import ZaloApiError, ZaloClient
from bot.zalo.inbound import Inbound, ZaloInbound
from bot.zalo.outbound import ZaloOutbound, ZaloRoutingRequest
from bot.zalo.state import ZaloState
from bot.zalo.webhook import ZaloWebhookServer
from db.models_channels import is_channel_id

log = logging.getLogger(__name__)
LANE = "zalo"
PER_CHAT_SECONDS = 1.0
"""At most one outbox message a second to one Zalo chat: Zalo publishes no limit, so stay well under Telegram's."""


class ZaloChannel:
    def __init__(self, runtime: Runtime, *, poll_timeout: int = 30) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.client = ZaloClient(settings.zalo_bot_token, base_url=settings.zalo_api_base_url)
        self.state = ZaloState(runtime.session_factory)
        self.locale = settings.default_locale
        # Files go by link when the bot's web server (the dashboard's) is on, since Zalo carries none.
        self.outbound = ZaloOutbound(self.client, self.state, locale=self.locale,
                                     link_for=self._link_for if settings.dashboard_enabled else None)
        self.inbound = ZaloInbound(self.state, locale=self.locale)
        self.poll_timeout = poll_timeout
        self.settings = settings
        self.webhook: ZaloWebhookServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def _link_for(self, chat_id: int, filename: str, mime_type: str, payload: bytes) -> str:
        def make() -> str:
            with self.runtime.session_factory() as session:
                return file_links.create_link(session, chat_id=chat_id, filename=filename, mime_type=mime_type,
                                              payload=payload, now=self.runtime.clock())

        token = await asyncio.to_thread(make)
        return f"{self.runtime.settings.dashboard_url.rstrip('/')}/files/{token}"

    def lane_of(self, chat_id: int) -> str:
        """The outbox lane of a chat: Zalo's for a Zalo chat and for a linked person who last wrote on Zalo
        (the routing request sends theirs to Zalo), Telegram's otherwise."""
        if is_channel_id(chat_id) or self.state.redirect(chat_id) is not None:
            return LANE
        return "telegram"

    def paces(self) -> dict[str, LanePace]:
        """The outbox's pace for Zalo: modest overall, one message a second per chat."""
        rate = self.settings.zalo_messages_per_second
        return {LANE: LanePace(rate, max(int(rate), 1), PER_CHAT_SECONDS)}

    def route(self, telegram_request: BaseRequest) -> BaseRequest:
        """The Bot's request object, with Zalo chats answered by this channel."""
        return ZaloRoutingRequest(telegram_request, self.outbound)

    async def start(self, bot: Bot, queue: asyncio.Queue[object]) -> None:
        """Webhook mode when ZALO_WEBHOOK_URL is set (the listener first, then setWebhook), else polling."""
        self._stopping.clear()
        settings = self.settings
        if settings.zalo_uses_webhook:
            async def deliver(raw: Any) -> None:
                await self.deliver(raw, bot, queue)

            self.webhook = ZaloWebhookServer(url=settings.zalo_webhook_url, secret=settings.zalo_webhook_secret,
                                             listen=settings.webhook_listen, port=settings.zalo_webhook_port,
                                             deliver=deliver)
            await self.webhook.start()
            await self.client.set_webhook(settings.zalo_webhook_url, settings.zalo_webhook_secret)
            return
        self._task = asyncio.create_task(self._poll(bot, queue), name="zalo-polling")

    async def stop(self) -> None:
        self._stopping.set()
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.client.close()

    async def deliver(self, raw: Any, bot: Bot, queue: asyncio.Queue[object]) -> None:
        """Handle one Zalo update: to the Application's queue, or answered here when not supported."""
        inbound: Inbound = await asyncio.to_thread(self.inbound.convert, raw)
        if inbound.update is not None:
            await queue.put(Update.de_json(inbound.update, bot))
        elif inbound.link_code is not None and inbound.chat_id is not None:
            await self._link(inbound.chat_id, inbound.link_code)
        elif inbound.unsupported and inbound.chat_id is not None:
            t = get_translator(self.locale)
            await self.outbound.send_text(inbound.chat_id, t(
                "Zalo voice notes, photos, stickers and files are not supported yet. Please type what you "
                "want to record as text, for example “gạo 10kg 5 hộ”, or send /help."))

    async def _link(self, chat_id: int, code: str) -> None:
        """`/link CODE` typed on Zalo: this account acts as the user who made the code on Telegram."""
        def redeem() -> channel_links.LinkResult:
            with self.runtime.session_factory() as session:
                return channel_links.redeem_code(session, internal_id=chat_id, code=code, now=self.runtime.clock())

        result = await asyncio.to_thread(redeem)
        self.state.forget_acting(chat_id)
        t = get_translator(self.state.locale_of(chat_id, self.locale))
        if result.user is not None:
            text = t("Linked. On Zalo you are now {name}, with the same role and unit as on Telegram. Send /help "
                     "to see what you can do.").format(name=result.user.display_name)
        elif result.reason == "expired":
            text = t("This code has expired. Send /zalo to the bot on Telegram for a new one.")
        else:
            text = t("This code is not valid or was already used. Send /zalo to the bot on Telegram for a new one.")
        await self.outbound.send_text(chat_id, text)

    async def _poll(self, bot: Bot, queue: asyncio.Queue[object]) -> None:
        backoff = 1.0
        with contextlib.suppress(ZaloApiError):
            await self.client.delete_webhook()
        while not self._stopping.is_set():
            try:
                raw = await self.client.get_update(timeout=self.poll_timeout)
                if raw is not None:
                    await self.deliver(raw, bot, queue)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network, Zalo or database trouble: wait, then poll again
                log.warning("Zalo polling failed (%s); retrying in %.0f s", type(exc).__name__, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, 60.0)
