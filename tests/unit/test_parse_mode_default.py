"""The parse mode is said once, in the wiring: the Application's bot sends HTML unless a call says
otherwise (only the outbox's rows queued before screens do, bot/presentation/sending.py)."""

from __future__ import annotations

from telegram.constants import ParseMode

from bot.app import build_application
from bot.config import Settings


def test_the_application_bot_sends_html_by_default(settings: Settings) -> None:
    application = build_application(settings)
    try:
        defaults = application.bot.defaults
        assert defaults is not None
        assert defaults.parse_mode == ParseMode.HTML
        assert defaults.tzinfo == settings.tz
    finally:
        application.runtime.close()
