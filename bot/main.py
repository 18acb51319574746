"""Entry point of `make run` / `python -m bot`: real Telegram with a token, the sandbox without."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import Update

from bot.app import build_application, webhook_options
from bot.config import ConfigError, Settings, load_settings
from bot.database import prepare_database_when_reachable
from bot.logsafety import install_log_redaction
from bot.ops.log_format import configure_logging
from bot.runtime import Runtime
from bot.sandbox.runner import SandboxRefused, serve_sandbox

log = logging.getLogger("chungtay")


def run_bot(settings: Settings) -> None:
    """Serve Telegram: long polling by default, a webhook (secret token checked) when configured."""
    runtime = Runtime.create(settings)
    prepare_database_when_reachable(settings.database_url, runtime.session_factory,
                                    retry_base_seconds=settings.database_retry_base_seconds)
    application = build_application(settings, runtime)
    if settings.uses_webhook:
        log.info("starting in webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port)
        application.run_webhook(**webhook_options(settings))
    else:
        log.info("starting in polling mode")
        application.run_polling(allowed_updates=Update.ALL_TYPES)


def main() -> None:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, settings.telegram_bot_token, log_format=settings.log_format)
    if settings.zalo_bot_token:  # Zalo's token is in its URLs too
        install_log_redaction(settings.zalo_bot_token)
    if settings.is_sandbox:
        try:
            asyncio.run(serve_sandbox(settings))
        except SandboxRefused as refused:
            print(refused, file=sys.stderr)
            raise SystemExit(2) from None
    else:
        run_bot(settings)
