"""Application wiring: the PTB Application subclass and the one function that builds it.

Models followed: python-telegram-bot's examples and rules-bot — shared services live on the
Application (set up once), all handlers are registered in `handlers.register_handlers`, and
behaviour is added by subclassing PTB rather than patching it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot.config import Settings
from bot.persistence import DatabasePersistence
from bot.runtime import Runtime
from bot.webhook import StrictUpdater
from handlers import register_handlers
from handlers.context import CURRENT_SESSION, ChungTayContext, SessionHolder
from handlers.menu import publish_default_commands

log = logging.getLogger(__name__)
RECENT_UPDATES_KEPT = 2048


class ChungTayApplication(Application):
    """PTB's Application with our runtime attached and one database session per update."""

    def __init__(self, *, runtime: Runtime, **kwargs: Any) -> None:
        if kwargs.get("updater") is not None:  # the webhook server answers 403/400 strictly (bot/webhook.py)
            kwargs["updater"] = StrictUpdater(bot=kwargs["bot"], update_queue=kwargs["update_queue"])
        super().__init__(**kwargs)
        self.runtime = runtime
        self._recent_update_ids: OrderedDict[int, None] = OrderedDict()
        self._background: set[asyncio.Task[Any]] = set()

    def _seen_before(self, update: object) -> bool:
        """Telegram may deliver an update twice (retries, webhook timeouts): handle it once."""
        if not isinstance(update, Update):
            return False
        if update.update_id in self._recent_update_ids:
            return True
        self._recent_update_ids[update.update_id] = None
        if len(self._recent_update_ids) > RECENT_UPDATES_KEPT:
            self._recent_update_ids.popitem(last=False)
        return False

    async def process_update(self, update: object) -> None:
        if self._seen_before(update):
            log.info("update %s delivered again; ignored", getattr(update, "update_id", None))
            return
        holder = SessionHolder(self.runtime)
        token = CURRENT_SESSION.set(holder)
        try:
            await super().process_update(update)
        finally:
            CURRENT_SESSION.reset(token)
            holder.close()

    def run_in_background(self, coroutine: Coroutine[Any, Any, None], *, name: str) -> None:
        """Go on with long work (a large import) after the update is handled: updates are handled one at
        a time, so awaiting it in the handler would keep every other user waiting. The work itself must
        not use the update's session (it is closed when the update is done): it opens its own."""
        task = self.create_task(coroutine, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def background_idle(self) -> None:
        """Wait until no background work is left (tests: "the import has finished")."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def start(self) -> None:
        await super().start()
        from bot.outbox_sender import start_outbox  # outbox sender task + reminder planning job

        await start_outbox(self)

    async def stop(self) -> None:
        from bot.outbox_sender import stop_outbox  # stop sending before the Application stops

        await stop_outbox(self)
        await super().stop()


async def _post_init(application: Application) -> None:
    await publish_default_commands(application.bot)
    from handlers.digest import schedule_digests  # scheduled digests, re-created from the database

    await schedule_digests(application)
    log.info("bot @%s ready", application.bot.username)


def build_application(settings: Settings, runtime: Runtime | None = None) -> ChungTayApplication:
    """Build the bot for `settings` (tests call this too, against the fake Bot API)."""
    runtime = runtime or Runtime.create(settings)
    base = settings.telegram_api_base_url
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(ChungTayApplication, kwargs={"runtime": runtime})
        .token(settings.telegram_bot_token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .context_types(ContextTypes(context=ChungTayContext))
        .defaults(Defaults(tzinfo=settings.tz))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .persistence(DatabasePersistence(runtime.session_factory))
    )
    application: ChungTayApplication = builder.build()  # type: ignore[assignment]
    register_handlers(application)
    return application


async def start_polling_in_loop(application: ChungTayApplication, *, poll_timeout: int = 10) -> None:
    """Start inside an already running event loop (sandbox, tests), doing what `run_polling` does:
    initialize, post_init, start, then poll."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0,
                                            timeout=poll_timeout)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """What `run_webhook`/`start_webhook` need: listen where configured, serve the path of the public
    URL, and have PTB reject requests without Telegram's secret-token header."""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlparse(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret_token or None,
        "allowed_updates": Update.ALL_TYPES,
    }


async def start_webhook_in_loop(application: ChungTayApplication, settings: Settings) -> None:
    """Like `start_polling_in_loop`, in webhook mode (what `run_webhook` does, inside a running loop)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_webhook(**webhook_options(settings))


async def stop_in_loop(application: ChungTayApplication) -> None:
    """The counterpart of `start_polling_in_loop`, safe to call on a half-started application."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
