"""Application wiring: the PTB Application subclass and the one function that builds it.

Models followed: python-telegram-bot's examples and rules-bot — shared services live on the
Application (set up once), all handlers are registered in `bot.handlers_wiring.register_handlers`, and
behaviour is added by subclassing PTB rather than patching it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.domain.reports import chart_worker
from bot.handlers_wiring import register_handlers
from bot.jobs import schedule_jobs
from bot.ops import update_log
from bot.ops.healthz import HealthServer
from bot.outbox_sender import start_outbox, stop_outbox
from bot.persistence import DatabasePersistence
from bot.runtime import Runtime
from bot.telegram_bot import ChungTayBot
from bot.web.server import DashboardServer
from bot.webhook import StrictUpdater
from bot.zalo.channel import ZaloChannel
from db.models_channels import is_channel_id
from db.queries import get_user_by_telegram_id
from handlers.app_services import AppServices
from handlers.context import CURRENT_SESSION, ChungTayContext, SessionHolder
from handlers.menu import publish_default_commands
from handlers.user_data import UserData

log = logging.getLogger(__name__)
RECENT_UPDATES_KEPT = 2048


class ChungTayApplication(Application):
    """PTB's Application with our runtime attached and one database session per update."""

    def __init__(self, *, runtime: Runtime, zalo: ZaloChannel | None = None, **kwargs: Any) -> None:
        if kwargs.get("updater") is not None:  # the webhook server answers 403/400 strictly (bot/webhook.py)
            kwargs["updater"] = StrictUpdater(bot=kwargs["bot"], update_queue=kwargs["update_queue"])
        super().__init__(**kwargs)
        self.runtime = runtime
        self.zalo = zalo  # the second channel (bot/zalo/), None while ZALO_BOT_TOKEN is empty
        self._recent_update_ids: OrderedDict[int, None] = OrderedDict()
        self._health_server: Any = None
        self._background: set[asyncio.Task[Any]] = set()
        self.dashboard: DashboardServer | None = None

    @staticmethod
    def takes_attachments(chat_id: int | None) -> bool:
        """Whether the person can send the bot a photo or a location from this chat, so screens offer it
        only there: a chat of another channel (Zalo) cannot yet."""
        return chat_id is None or not is_channel_id(chat_id)

    def forget_routes(self) -> None:
        """A person chose where their messages go: the second channel reads the choices again."""
        if self.zalo is not None:
            self.zalo.state.forget_preferences()

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

    def _note_telegram_use(self, update: object) -> None:
        """A person who linked Zalo wrote on Telegram: what the bot sends them goes to Telegram again."""
        if not isinstance(update, Update) or self.zalo is None:
            return
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or is_channel_id(chat.id):
            return
        if self.zalo.state.redirect(user.id) is not None:
            with self.runtime.session_factory() as session:
                found = get_user_by_telegram_id(session, telegram_id=user.id)
            self.zalo.state.note_telegram_use(user.id, found.id if found is not None else None)

    def add_handler(self, handler: BaseHandler[Any, Any, Any], group: int = 0) -> None:
        """Every handler is instrumented for the per-update log line (bot/ops/update_log.py)."""
        update_log.instrument(handler, group=group)
        super().add_handler(handler, group)

    async def process_update(self, update: object) -> None:
        trace = update_log.begin(update)
        if self._seen_before(update):
            update_log.finish(trace, duplicate=True)
            return
        if self.zalo is not None:
            self._note_telegram_use(update)
        holder = SessionHolder(self.runtime)
        token = CURRENT_SESSION.set(holder)
        try:
            await super().process_update(update)
        finally:
            CURRENT_SESSION.reset(token)
            holder.close()
            update_log.finish(trace)
        # What the update changed (conversation states, user/chat data) is written now, not up to
        # `update_interval` later: a crash after the update leaves the database as the user last saw it.
        # The logging form writes its state even earlier, before its reply (`checkpoint`).
        await self.update_persistence()

    async def checkpoint(self, update: Update, user_data: dict[Any, Any] | None, conversation: str,
                         state: object) -> None:
        """Write, in one transaction, the user's data and the state `conversation` is about to return,
        BEFORE the reply that shows that step is sent. PTB sends replies inside the handler and records
        the returned state only afterwards, so without this a kill between the reply and the periodic
        write would show the user a step the database does not know. When PTB later stores the same
        state, the persistence finds nothing new to write."""
        persistence = self.persistence
        user, chat = update.effective_user, update.effective_chat
        if not isinstance(persistence, DatabasePersistence) or user is None or chat is None:
            return
        new_state = None if state == ConversationHandler.END else state
        # The update's own session writes the step (no second session and thread), unless it holds ORM
        # changes of its own: services commit what they mean to keep, and what they leave pending must
        # not be committed by a form step.
        holder = CURRENT_SESSION.get()
        session = holder.get() if holder is not None else None
        if session is not None and (session.new or session.dirty or session.deleted):
            session = None
        await persistence.write_step(user_id=user.id, user_data=user_data, chat_id=None, chat_data=None,
                                     conversation=(conversation, (chat.id, user.id), new_state), session=session)

    def forget_unsaved(self, update: object) -> None:
        """After an update failed because the database was unavailable, put the user's and chat's data
        back to what the database holds, so that nothing half-applied survives in memory (the user is
        told to try again, and their retry must meet the step they saw, not a half-advanced one)."""
        persistence = self.persistence
        if not isinstance(persistence, DatabasePersistence) or not isinstance(update, Update):
            return
        if update.effective_user is not None and update.effective_user.id in self._user_data:
            data = self._user_data[update.effective_user.id]
            data.clear()
            data.update(persistence.last_written_user_data(update.effective_user.id))
        if update.effective_chat is not None and update.effective_chat.id in self._chat_data:
            data = self._chat_data[update.effective_chat.id]
            data.clear()
            data.update(persistence.last_written_chat_data(update.effective_chat.id))

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
        await start_outbox(self)  # the outbox sender task
        if self.zalo is not None:
            await self.zalo.start(self.bot, self.update_queue)
        settings = self.runtime.settings
        if settings.health_port:  # GET /healthz on a listener of its own (why: bot/ops/healthz.py)
            self._health_server = HealthServer(self, listen=settings.health_listen, port=settings.health_port)
            await self._health_server.start()

    async def stop(self) -> None:  # the outbox stops sending before the Application stops
        if self.zalo is not None:
            await self.zalo.stop()
        if self._health_server is not None:
            await self._health_server.stop()
            self._health_server = None
        await stop_outbox(self)
        await super().stop()

    stops_chart_process = True
    """Whether `shutdown` stops the chart process (bot/domain/reports/chart_worker.py). The bot builds one
    Application a process, so it does; the test suite builds hundreds one after the other and keeps one
    warm child for the whole run (tests/conftest.py)."""

    async def shutdown(self) -> None:
        if self.dashboard is not None:  # started in post_init (`_post_init`)
            await self.dashboard.stop()
            self.dashboard = None
        await super().shutdown()
        if self.stops_chart_process:
            await asyncio.to_thread(chart_worker.shutdown)  # waits for a chart being drawn


def as_app_services(application: ChungTayApplication) -> AppServices:
    """The Application as the handlers see it (handlers/app_services.py): mypy checks here that it offers them
    every service they use, since the handlers cannot name this class."""
    return application


def _freeze_start_up_objects() -> None:
    """What start-up loaded (modules, the catalogue) lives as long as the process. Moved out of
    the collector's reach (`gc.freeze`), a full collection, which runs on whichever thread happens to
    allocate, no longer walks it all: with it, a 20,000-row import in a worker thread held the event loop
    up to ~150 ms at a time (bench/loop_lag.py). Once per process: a later freeze would also keep what
    became garbage since (tests build many applications in one process)."""
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True


_FROZEN = False


async def _post_init(application: Application) -> None:
    await publish_default_commands(application.bot)
    await schedule_jobs(application)  # every scheduled job, re-created from the database
    settings = application.runtime.settings  # type: ignore[attr-defined]
    if settings.dashboard_enabled and isinstance(application, ChungTayApplication) and application.dashboard is None:
        # the supervisors' dashboard on this loop, as in PTB's custom-webhook example (bot/web/server.py)
        application.dashboard = DashboardServer(application, listen=settings.dashboard_listen,
                                                port=settings.dashboard_port)
        await application.dashboard.start()
    _freeze_start_up_objects()
    log.info("bot @%s ready", application.bot.username)


def build_application(settings: Settings, runtime: Runtime | None = None) -> ChungTayApplication:
    """Build the bot for `settings` (tests call this too, against the fake Bot API)."""
    runtime = runtime or Runtime.create(settings)
    base = settings.telegram_api_base_url
    # With Zalo on, calls for Zalo chats are answered by the Zalo channel in front of Telegram's request.
    zalo = ZaloChannel(runtime) if settings.zalo_enabled else None
    request: BaseRequest = HTTPXRequest(connection_pool_size=256)
    if zalo is not None:
        request = zalo.route(request)
    bot = ChungTayBot(settings.telegram_bot_token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
                      defaults=Defaults(tzinfo=settings.tz), rate_limiter=AIORateLimiter(max_retries=3),
                      request=request, get_updates_request=HTTPXRequest())
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(ChungTayApplication, kwargs={"runtime": runtime, "zalo": zalo})
        .bot(bot)
        .context_types(ContextTypes(context=ChungTayContext, user_data=UserData))
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
