"""The one place that registers every Telegram handler (handlers hold no SQL; see bot/services)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    TypeHandler,
)

GATE_GROUP = -1


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import common, invite, onboarding

    application.add_handler(TypeHandler(Update, common.require_registration), group=GATE_GROUP)
    application.add_handler(CommandHandler("start", onboarding.start))
    application.add_handler(CommandHandler("help", onboarding.show_help))
    application.add_handler(CommandHandler("me", onboarding.show_me))
    application.add_handler(CommandHandler("language", onboarding.choose_language))
    application.add_handler(CallbackQueryHandler(onboarding.set_language, pattern=f"^{onboarding.LANGUAGE_CALLBACK}"))
    application.add_handler(invite.build_invite_conversation())
    application.add_handler(CommandHandler("cancel", common.cancel))
    application.add_error_handler(common.on_error)
